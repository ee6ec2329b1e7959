import { GPT, presetConfig, describeModel, validateConfig, presets } from "../../src/nn/gpt.js";
import type { GPTConfig } from "../../src/nn/gpt.js";
import { Rng } from "../../src/core/random.js";
import { gradcheck } from "../helpers/gradcheck.js";

function tinyConfig(overrides: Partial<GPTConfig> = {}): GPTConfig {
  return presetConfig("lab", { vocabSize: 7, blockSize: 5, nEmbd: 8, nHead: 2, nLayer: 2, ...overrides });
}

function ids(values: number[]): Int32Array {
  return Int32Array.from(values);
}

describe("GPT model", () => {
  test("the lab preset at vocab 597 has exactly 63,296 parameters", () => {
    expect(new GPT(presets.lab, new Rng(1)).numParams).toBe(63296);
    expect(describeModel(presets.lab).params).toBe(63296);
  });

  test("the size tiers land near 30K, 90K, 160K and 1M parameters at vocab 597", () => {
    const count = (name: string) => describeModel(presetConfig(name)).params;
    expect(Math.abs(count("micro") - 30_000)).toBeLessThan(3_000);
    expect(Math.abs(count("small") - 90_000)).toBeLessThan(9_000);
    expect(Math.abs(count("standard") - 160_000)).toBeLessThan(16_000);
    expect(Math.abs(count("medium") - 1_000_000)).toBeLessThan(100_000);
  });

  test("FLOPs per token count the matrices that multiply activations (linear layers and the head, tied or not)", () => {
    // nanoGPT's CPU size: 4 layers x (3C² + C² + 2·4C²) + the head V·C, times 6, plus attention 6·L·T·C
    const gpt2 = presetConfig("gpt2", { vocabSize: 65, nEmbd: 128, nHead: 4, nLayer: 4, blockSize: 64 });
    expect(describeModel(gpt2).flopsPerToken).toBe(6 * (4 * 12 * 128 * 128 + 65 * 128) + 6 * 4 * 64 * 128);
    // attention-only, untied: no MLP matrices; the untied head counts once, the embedding not at all
    const toy = { ...presets.lab, vocabSize: 20, nEmbd: 16, nHead: 2, nLayer: 2, blockSize: 8, attentionOnly: true };
    expect(describeModel(toy).flopsPerToken).toBe(6 * (2 * 4 * 16 * 16 + 20 * 16) + 6 * 2 * 8 * 16);
  });

  test("the typed weights are the store's tensors, looked up once (the tied head is the embedding itself)", () => {
    const m = new GPT(presetConfig("gpt2", { vocabSize: 50 }), new Rng(1));
    const byName = new Map(m.store.params.map((p) => [p.name, p.tensor]));
    expect(m.weights.head).toBe(byName.get("transformer.wte.weight"));
    expect(m.weights.blocks[1].mlp!.fc.bias).toBe(byName.get("transformer.h.1.mlp.c_fc.bias"));
    expect(m.weights.blocks[0].ln1.weight).toBe(byName.get("transformer.h.0.ln_1.weight"));
    const lab = new GPT(presets.lab, new Rng(1));
    expect(lab.weights.blocks[0].ln1.weight).toBeNull();
    expect(lab.weights.head).toBe(lab.store.params.find((p) => p.name === "lm_head.weight")!.tensor);
  });

  test("the gpt2 preset ties the output layer to the token embedding", () => {
    const m = new GPT(presetConfig("gpt2", { vocabSize: 50 }), new Rng(1));
    const names = m.store.params.map((p) => p.name);
    expect(names).not.toContain("lm_head.weight");
    expect(names).toContain("transformer.h.0.ln_1.bias");
    expect(names).toContain("transformer.ln_f.weight");
  });

  test("gpt2 residual projections start with std 0.02 / sqrt(2 * nLayer)", () => {
    const m = new GPT(presetConfig("gpt2", { vocabSize: 50, nEmbd: 64, nLayer: 4 }), new Rng(3));
    const w = m.store.get("transformer.h.0.mlp.c_proj.weight").tensor.data;
    let ss = 0;
    for (let i = 0; i < w.length; i++) ss += w[i] * w[i];
    expect(Math.sqrt(ss / w.length)).toBeCloseTo(0.02 / Math.sqrt(8), 3);
  });

  test("the untrained loss is close to ln V (mean over seeds and 64 random targets)", () => {
    // with init std 0.08 the logits have std ~0.48, which adds ~sigma^2/2 = 0.12 nats to ln V on average
    const rng = new Rng(5);
    const x = Int32Array.from({ length: 64 }, () => rng.int(597));
    const y = Int32Array.from({ length: 64 }, () => rng.int(597));
    const seeds = [1, 2, 3, 4];
    const mean = seeds.reduce((s, seed) => s + new GPT(presets.lab, new Rng(seed)).evalLoss(x, 4, 16, y), 0) / seeds.length;
    expect(mean).toBeGreaterThan(Math.log(597));
    expect(mean - Math.log(597)).toBeLessThan(0.2);
  });

  test.each([
    ["lab", {}],
    ["gpt2", { dropout: 0 }],
    ["lab with layer norm, gelu and biases", { norm: "layer", normWeights: true, activation: "gelu", bias: true, finalNorm: true }],
  ] as Array<[string, Partial<GPTConfig>]>)("whole-model gradients match finite differences (%s)", (name, overrides) => {
    const base = name === "gpt2" ? presetConfig("gpt2", { vocabSize: 7, blockSize: 5, nEmbd: 8, nHead: 2, nLayer: 2 }) : tinyConfig();
    const m = new GPT({ ...base, ...overrides }, new Rng(11), "f64");
    const x = ids([1, 2, 3, 0, 6, 5, 4, 4]);
    const y = ids([2, 3, 0, -1, 5, 4, 4, 1]);
    const params = m.store.params.map((p) => p.tensor);
    const err = gradcheck(() => m.forward(x, 2, 4, y).loss!, params);
    expect(err).toBeLessThan(1e-6);
  });

  test("cached generation steps give the same logits as the full forward pass", () => {
    for (const cfg of [tinyConfig(), presetConfig("gpt2", { vocabSize: 7, blockSize: 5, nEmbd: 8, nHead: 2, nLayer: 2 })]) {
      const m = new GPT(cfg, new Rng(4));
      const seq = [3, 1, 4, 1, 5];
      const full = m.forward(ids(seq), 1, seq.length).logits.data;
      const cache = m.newCache();
      seq.forEach((tok, t) => {
        const step = m.step(tok, cache);
        for (let v = 0; v < 7; v++) expect(step[v]).toBeCloseTo(full[t * 7 + v], 5);
      });
      expect(() => m.step(0, cache)).toThrow(/KV cache is full/);
    }
  });

  test("a KV-cached prefill of several tokens, then single steps, gives the full forward pass's logits", () => {
    for (const cfg of [tinyConfig(), tinyConfig({ attentionOnly: true }), presetConfig("gpt2", { vocabSize: 7, blockSize: 5, nEmbd: 8, nHead: 2, nLayer: 2 })]) {
      const m = new GPT(cfg, new Rng(8));
      const seq = [2, 6, 1, 0, 3];
      const full = m.forward(ids(seq), 1, 5).logits.data; // (1, 5, 7)
      const cache = m.newCache();
      const prefill = m.forward(ids(seq.slice(0, 3)), 1, 3, undefined, { cache }).logits.data; // positions 0..2
      expect(cache.length).toBe(3);
      for (let i = 0; i < 3 * 7; i++) expect(prefill[i]).toBeCloseTo(full[i], 5);
      const s3 = m.step(seq[3], cache);
      const s4 = m.step(seq[4], cache);
      for (let v = 0; v < 7; v++) {
        expect(s3[v]).toBeCloseTo(full[3 * 7 + v], 5);
        expect(s4[v]).toBeCloseTo(full[4 * 7 + v], 5);
      }
      expect(() => m.forward(ids([1, 2]), 2, 1, undefined, { cache: m.newCache() })).toThrow(/one sequence \(got B=2\)/);
    }
  });

  test("an attention-only model has no MLP or second norm, and its parameter count is 4C^2 per layer plus embeddings", () => {
    const cfg = tinyConfig({ attentionOnly: true, normWeights: true });
    const m = new GPT(cfg, new Rng(1));
    const names = m.store.params.map((p) => p.name);
    expect(names.some((n) => n.includes(".mlp.") || n.includes(".ln_2."))).toBe(false);
    expect(names).toContain("transformer.h.1.ln_1.weight");
    const { vocabSize: V, blockSize: T, nEmbd: C, nLayer: L } = cfg;
    expect(m.numParams).toBe(V * C + T * C + C + L * (C + 4 * C * C) + V * C); // wte, wpe, ln_e, blocks (ln_1, c_attn, c_proj), lm_head
    expect(describeModel(cfg).params).toBe(m.numParams);
    expect(m.numParams).toBeLessThan(new GPT(tinyConfig({ normWeights: true }), new Rng(1)).numParams);
  });

  test("the attention-only model's gradients match finite differences", () => {
    const m = new GPT(tinyConfig({ attentionOnly: true }), new Rng(12), "f64");
    const err = gradcheck(() => m.forward(ids([1, 2, 3, 0, 6, 5, 4, 4]), 2, 4, ids([2, 3, 0, -1, 5, 4, 4, 1])).loss!, m.store.params.map((p) => p.tensor));
    expect(err).toBeLessThan(1e-6);
  });

  test("the same seed gives the same initial weights, another seed different ones", () => {
    const a = new GPT(tinyConfig(), new Rng(9)).store.data;
    const b = new GPT(tinyConfig(), new Rng(9)).store.data;
    const c = new GPT(tinyConfig(), new Rng(10)).store.data;
    // views of the arrays' own bytes: parameters may live inside a larger (wasm) buffer
    const bytes = (x: typeof a) => Buffer.from(x.buffer, x.byteOffset, x.byteLength);
    expect(bytes(a).equals(bytes(b))).toBe(true);
    expect(bytes(a).equals(bytes(c))).toBe(false);
  });

  test("bad configs give errors that name the field and value", () => {
    expect(() => validateConfig({ nEmbd: 30, nHead: 4 })).toThrow(/nEmbd \(30\) must be divisible by nHead \(4\)/);
    expect(() => validateConfig({ nLayer: 0 })).toThrow(/nLayer must be a positive integer \(got 0\)/);
    expect(() => validateConfig({ norm: "batch" as never })).toThrow(/norm must be one of rms \| layer \(got "batch"\)/);
    expect(() => validateConfig({ nembd: 3 } as never)).toThrow(/unknown key "nembd"/);
    expect(() => presetConfig("huge")).toThrow(/unknown preset "huge" \(known: lab, gpt2/);
  });

  test("a sequence longer than the block size is refused", () => {
    const m = new GPT(tinyConfig(), new Rng(1));
    expect(() => m.forward(ids([1, 2, 3, 4, 5, 6]), 1, 6)).toThrow(/T=6 exceeds blockSize 5/);
  });
});
