import { Tensor } from "../../src/core/tensor.js";
import { Rng } from "../../src/core/random.js";
import * as ops from "../../src/nn/ops.js";
import { setBackend, backendNames } from "../../src/kernels/index.js";
import { gradcheck, randTensor, project } from "../helpers/gradcheck.js";

const TOL = 1e-7;

// Float64 gradient checks need kernels that compute in float64: the reference and the fast JS kernels. The wasm
// backends hand float64 arrays to the fast kernels (the test at the end of this file checks that), so running these
// checks under their names would only run the fast kernels again; their own (float32) forward and backward kernels
// are checked against the reference kernels in tests/kernels/parity.test.ts.
const float64Backends = ["reference", "fast"];

describe.each(float64Backends)("gradients match finite differences on the %s backend", (backend) => {
  beforeAll(() => setBackend(backend));
  afterAll(() => setBackend("fast"));

  function check(outShape: number[], build: () => Tensor, inputs: Tensor[], seed = 7): void {
    const rng = new Rng(seed);
    const w = randTensor([outShape.reduce((a, b) => a * b, 1)], rng);
    w.requiresGrad = false;
    expect(gradcheck(() => project(build(), w), inputs)).toBeLessThan(TOL);
  }

  const rng = new Rng(1);
  test("add with a broadcast bias", () => {
    const a = randTensor([3, 4], rng), b = randTensor([4], rng);
    check([3, 4], () => ops.add(a, b), [a, b]);
  });
  test("mul", () => {
    const a = randTensor([2, 5], rng), b = randTensor([2, 5], rng);
    check([2, 5], () => ops.mul(a, b), [a, b]);
  });
  test("scale", () => {
    const a = randTensor([6], rng);
    check([6], () => ops.scale(a, -2.5), [a]);
  });
  test("batched matmul", () => {
    const a = randTensor([2, 3, 4], rng), b = randTensor([2, 4, 5], rng);
    check([2, 3, 5], () => ops.matmul(a, b), [a, b]);
  });
  test("matmul with a shared 2-D right operand", () => {
    const a = randTensor([2, 3, 4], rng), b = randTensor([4, 2], rng);
    check([2, 3, 2], () => ops.matmul(a, b), [a, b]);
  });
  test("linear with bias", () => {
    const x = randTensor([2, 3, 4], rng), w = randTensor([5, 4], rng), b = randTensor([5], rng);
    check([2, 3, 5], () => ops.linear(x, w, b), [x, w, b]);
  });
  test("embedding", () => {
    const w = randTensor([6, 3], rng);
    const ids = Int32Array.from([1, 4, 1, 0]);
    check([4, 3], () => ops.embedding(w, ids), [w]);
  });
  test("rmsnorm without and with weight", () => {
    const x = randTensor([3, 8], rng), w = randTensor([8], rng);
    check([3, 8], () => ops.rmsnorm(x), [x]);
    check([3, 8], () => ops.rmsnorm(x, w), [x, w]);
  });
  test("layernorm with weight and bias", () => {
    const x = randTensor([3, 8], rng), w = randTensor([8], rng), b = randTensor([8], rng);
    check([3, 8], () => ops.layernorm(x, w, b), [x, w, b]);
  });
  test("relu (inputs kept away from the kink)", () => {
    const x = randTensor([10], rng);
    for (let i = 0; i < x.size; i++) if (Math.abs(x.data[i]) < 0.1) x.data[i] = 0.5;
    check([10], () => ops.relu(x), [x]);
  });
  test("gelu", () => {
    const x = randTensor([10], rng);
    check([10], () => ops.gelu(x), [x]);
  });
  test("softmax", () => {
    const x = randTensor([3, 5], rng);
    check([3, 5], () => ops.softmax(x), [x]);
  });
  test("causal self-attention", () => {
    const qkv = randTensor([2, 4, 3 * 8], rng);
    check([2, 4, 8], () => ops.causalSelfAttention(qkv, 2), [qkv]);
  });
  test("cross-entropy with an ignored row", () => {
    const logits = randTensor([4, 6], rng);
    const targets = Int32Array.from([2, -1, 5, 0]);
    expect(gradcheck(() => ops.crossEntropy(logits, targets), [logits])).toBeLessThan(TOL);
  });
  // An op's backward writes a gradient it is the first to reach and adds to one another op reached first: a
  // tensor read by several ops (in either order) exercises both.
  test("add of a tensor to itself", () => {
    const a = randTensor([3, 4], rng);
    check([3, 4], () => ops.add(a, a), [a]);
  });
  test("an activation read by linear, relu and add sums their gradients", () => {
    const x = randTensor([3, 4], rng), w = randTensor([4, 4], rng);
    for (let i = 0; i < x.size; i++) if (Math.abs(x.data[i]) < 0.1) x.data[i] = 0.5;
    check([3, 4], () => {
      const h = ops.relu(x);
      return ops.add(ops.linear(h, w), ops.add(h, ops.relu(h)));
    }, [x, w]);
    check([3, 4], () => {
      const h = ops.linear(x, w);
      return ops.add(ops.relu(h), ops.add(ops.relu(ops.scale(h, -1)), h));
    }, [x, w]);
  });
  test("cross-entropy of logits that another op also reads", () => {
    const x = randTensor([4, 3], rng), w = randTensor([6, 3], rng);
    const targets = Int32Array.from([2, -1, 5, 0]);
    for (const ceFirst of [true, false]) {
      const f = (): Tensor => {
        const z = ops.linear(x, w);
        const ce = ops.crossEntropy(z, targets);
        const other = ops.sum(ops.scale(z, 0.3));
        return ceFirst ? ops.add(ce, other) : ops.add(other, ce);
      };
      expect(gradcheck(f, [x, w])).toBeLessThan(TOL);
    }
  });
  test("dropout with a fixed mask", () => {
    const x = randTensor([20], rng);
    check([20], () => ops.dropout(x, 0.3, new Rng(3)), [x]);
  });
});

describe("op values", () => {
  test("cross-entropy of equal logits is ln V", () => {
    const logits = Tensor.zeros([2, 597], "f64");
    expect(ops.crossEntropy(logits, Int32Array.from([3, 100])).item()).toBeCloseTo(Math.log(597), 12);
  });
  test("cross-entropy stays finite when the target's probability underflows", () => {
    const logits = Tensor.from([1000, 0, -1000], [1, 3], "f64");
    expect(ops.crossEntropy(logits, Int32Array.from([2])).item()).toBeCloseTo(2000, 9);
  });
  test("causal attention at position 0 returns the first value vector", () => {
    const rng = new Rng(5);
    const qkv = randTensor([1, 3, 6], rng);
    const out = ops.causalSelfAttention(qkv, 1);
    for (let i = 0; i < 2; i++) expect(out.data[i]).toBeCloseTo(qkv.data[4 + i], 12);
  });
  test("dropout keeps the expected value", () => {
    const x = Tensor.from(new Array(20000).fill(1), [20000], "f64");
    const y = ops.dropout(x, 0.25, new Rng(9));
    const mean = Array.from(y.data).reduce((a, b) => a + b, 0) / y.size;
    expect(Math.abs(mean - 1)).toBeLessThan(0.03);
  });
  test("bad shapes give errors that name the shapes", () => {
    expect(() => ops.matmul(Tensor.zeros([2, 3]), Tensor.zeros([4, 2]))).toThrow(/inner sizes differ \(\[2, 3\] @ \[4, 2\]\)/);
    expect(() => ops.embedding(Tensor.zeros([3, 2]), Int32Array.from([5]))).toThrow(/id 5 at position 0 is outside 0..2/);
  });
});

test.each(backendNames().filter((n) => !float64Backends.includes(n)))(
  "the %s backend computes float64 tensors with the fast kernels, bit for bit (so the checks above cover it)",
  (backend) => {
    const run = (name: string): Buffer[] => {
      setBackend(name);
      const rng = new Rng(21);
      const x = randTensor([2, 5, 12], rng);
      const w = randTensor([36, 12], rng);
      const qkv = ops.linear(ops.rmsnorm(x), w); // (2, 5, 36)
      const att = ops.causalSelfAttention(qkv, 3); // (2, 5, 12)
      const loss = ops.crossEntropy(ops.reshape(ops.gelu(att), [10, 12]), Int32Array.from({ length: 10 }, (_, i) => i));
      loss.backward();
      return [loss.data, x.grad!, w.grad!].map((a) => Buffer.from(a.buffer, a.byteOffset, a.byteLength));
    };
    const want = run("fast");
    const got = run(backend);
    setBackend("fast");
    got.forEach((g, i) => expect(g.equals(want[i])).toBe(true));
  },
);
