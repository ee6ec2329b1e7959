// Jest compiles TypeScript with SWC to CommonJS (fast; types are checked by `tsc --noEmit` in `npm test`).
module.exports = {
  testEnvironment: "node",
  // the machine is shared and noisy: a test fails on what it asserts, never on how long it took
  testTimeout: 120000,
  roots: ["<rootDir>/tests"],
  testMatch: ["**/*.test.ts"],
  // the CLI's data cache goes to a temporary folder, not ~/.cache (tests/helpers/jest-setup.ts)
  setupFiles: ["<rootDir>/tests/helpers/jest-setup.ts"],
  transform: { "^.+\\.ts$": ["@swc/jest", { jsc: { parser: { syntax: "typescript" }, target: "es2022" }, module: { type: "commonjs" } }] },
  moduleNameMapper: { "^(\\.{1,2}/.*)\\.js$": "$1" },
};
