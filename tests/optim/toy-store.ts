// A small ParamStore for optimizer tests: two decayed matrices around a non-decayed bias, filled from a seeded Rng.

import { ParamStore } from "../../src/nn/params.js";
import type { DType } from "../../src/core/tensor.js";
import { Rng } from "../../src/core/random.js";

/** Params: w [2,3] decay, b [3] no decay, w2 [4] decay (13 values; decay runs [0,6) [6,9) [9,13)). */
export function toyStore(seed = 1, dtype: DType = "f64"): ParamStore {
  const rng = new Rng(seed);
  const fill = (v: Float32Array | Float64Array): void => {
    for (let i = 0; i < v.length; i++) v[i] = rng.normal();
  };
  return new ParamStore(
    [
      { name: "w", shape: [2, 3], decay: true, init: fill },
      { name: "b", shape: [3], decay: false, init: fill },
      { name: "w2", shape: [4], decay: true, init: fill },
    ],
    dtype,
  );
}

/** A deterministic sequence of gradients, one array of store.size values per step. */
export function gradSequence(size: number, steps: number, seed = 9): number[][] {
  const rng = new Rng(seed);
  return Array.from({ length: steps }, () => Array.from({ length: size }, () => rng.normal(0, 0.5)));
}

export function copyOf(store: ParamStore): number[] {
  return Array.from(store.data);
}
