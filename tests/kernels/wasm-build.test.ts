// The committed kernels.wasm.ts must be what AssemblyScript builds from kernels.as.ts today (npm run build:wasm).

import { readFileSync } from "node:fs";
import { GENERATED, buildWasm, generatedModule } from "../../src/kernels/wasm/build.js";

test("the committed wasm module matches a fresh build of its AssemblyScript source", () => {
  const fresh = generatedModule(buildWasm());
  const committed = readFileSync(GENERATED, "utf8");
  if (fresh !== committed) throw new Error(`${GENERATED} is stale: run npm run build:wasm and commit it`);
  expect(fresh).toBe(committed);
}, 60000);
