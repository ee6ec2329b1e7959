// Jest compiles TypeScript with SWC to CommonJS (fast; types are checked by `tsc --noEmit` in `npm test`).
module.exports = {
  testEnvironment: "node",
  // the machine is shared and noisy: a test fails on what it asserts, never on how long it took
  testTimeout: 120000,
  roots: ["<rootDir>/tests"],
  testMatch: ["**/*.test.ts"],
  transform: { "^.+\\.ts$": ["@swc/jest", { jsc: { parser: { syntax: "typescript" }, target: "es2022" }, module: { type: "commonjs" } }] },
  moduleNameMapper: { "^(\\.{1,2}/.*)\\.js$": "$1" },
};
