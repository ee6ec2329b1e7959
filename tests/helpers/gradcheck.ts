// Central-difference gradient check in float64: the analytic gradient of every input must match
// (f(x + h) - f(x - h)) / 2h to a tight relative tolerance.

import { Tensor } from "../../src/core/tensor.js";
import { Rng } from "../../src/core/random.js";
import { mul, sum, reshape } from "../../src/nn/ops.js";

export function randTensor(shape: number[], rng: Rng, std = 1): Tensor {
  const t = Tensor.zeros(shape, "f64", true);
  for (let i = 0; i < t.size; i++) t.data[i] = rng.normal(0, std);
  return t;
}

/** Largest |analytic - numeric| / max(1, |analytic|, |numeric|) over every element of every input. */
export function gradcheck(f: () => Tensor, inputs: Tensor[], h = 1e-6): number {
  for (const t of inputs) t.grad = null;
  f().backward();
  const analytic = inputs.map((t) => Float64Array.from(t.grad ?? new Float64Array(t.size)));
  let worst = 0;
  inputs.forEach((t, ti) => {
    for (let i = 0; i < t.size; i++) {
      const x0 = t.data[i];
      t.data[i] = x0 + h;
      const fp = f().item();
      t.data[i] = x0 - h;
      const fm = f().item();
      t.data[i] = x0;
      const numeric = (fp - fm) / (2 * h);
      const err = Math.abs(analytic[ti][i] - numeric) / Math.max(1, Math.abs(analytic[ti][i]), Math.abs(numeric));
      if (err > worst) worst = err;
    }
  });
  return worst;
}

/** A fixed random projection of a tensor to a scalar, so every output element gets a distinct gradient. */
export function project(out: Tensor, weights: Tensor): Tensor {
  return sum(mul(reshape(out, [out.size]), weights));
}
