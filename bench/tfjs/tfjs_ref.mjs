// TensorFlow.js reference for the speed benchmark: the same three GPT shapes as bench/torch_ref.py, trained with
// TF.js 4.22 on its wasm (single-threaded SIMD) and cpu backends, timed as steps/s and tokens/s; prints JSON.
//
// usage: npm install --prefix bench/tfjs && node bench/tfjs/tfjs_ref.mjs [--models M1,M2,M3] [--backends wasm,cpu]
//        [--windows 5] [--seconds 0.5] [--warmup 0.5] [--budget 90] [--include-slow] [--seed 1337]
import { createRequire } from "node:module";
import { dirname } from "node:path";
import { pathToFileURL } from "node:url";
import { parseArgs } from "node:util";

// the packages are CommonJS bundles for Node; require them from bench/tfjs/node_modules. tfjs-core's bundle
// registers neither the gradients nor the chained ops (x.add(y)): @tensorflow/tfjs does both, but it brings webgl,
// converter and data (~300 MB); tfjs-layers (it needs only tfjs-core) registers the gradients into
// tfjs-core's global registry when loaded, and the code below calls functions (tf.add(x, y)), not chained ops
const require = createRequire(import.meta.url);
function load(name) {
  try {
    return require(name);
  } catch (e) {
    console.error(`${name} is not installed (${e.code}): install TensorFlow.js with: npm install --prefix bench/tfjs`);
    process.exit(1);
  }
}
const tf = load("@tensorflow/tfjs-core");
const tfwasm = load("@tensorflow/tfjs-backend-wasm");
load("@tensorflow/tfjs-backend-cpu");
load("@tensorflow/tfjs-layers");
// the root project's node_modules has tfjs-core 3.21 (danfojs-node): make sure the pinned one was found
const pinned = require("./package.json").dependencies["@tensorflow/tfjs-core"];
if (tf.version_core !== pinned) {
  console.error(`@tensorflow/tfjs-core ${tf.version_core} was loaded, not ${pinned}: reinstall with: npm install --prefix bench/tfjs`);
  process.exit(1);
}

// name -> (vocab, n_embd, n_head, n_layer, block_size, batch, tokens per row), as in bench/torch_ref.py
const MODELS = {
  M1: { vocab: 597, n_embd: 32, n_head: 4, n_layer: 2, block: 16, batch: 1, seq: 7 },
  M2: { vocab: 27, n_embd: 64, n_head: 4, n_layer: 4, block: 32, batch: 32, seq: 32 },
  M3: { vocab: 2048, n_embd: 128, n_head: 4, n_layer: 4, block: 128, batch: 16, seq: 128 },
};

/** Runs skipped unless --include-slow: one step takes minutes. */
const SLOW = { "cpu/M3": "about 14 tokens/s on one core (issue 4), minutes per 2,048-token step" };

const USAGE = `node bench/tfjs/tfjs_ref.mjs [--models M1,M2,M3] [--backends wasm,cpu] [--windows 5] [--seconds 0.5]
                                [--warmup 0.5] [--budget 90] [--include-slow] [--seed 1337]
Trains the benchmark models with TensorFlow.js (install it first: npm install --prefix bench/tfjs) and prints JSON.
  --seconds       approximate length of one timed window (a window is at least one step)
  --budget        seconds per model and backend: fewer windows when the steps are slow
  --include-slow  also time ${Object.keys(SLOW).join(", ")} (skipped by default: ${Object.values(SLOW).join("; ")})`;

function rmsnorm(x) {
  return tf.mul(x, tf.rsqrt(tf.add(tf.mean(tf.square(x), -1, true), 1e-5))); // x * rsqrt(mean(x^2) + eps)
}

/**
 * The embedding lookup: tf.gather's gradient needs UnsortedSegmentSum, which the wasm backend lacks, so the
 * gradient is a scatterND, which sums the rows of repeated ids (checked against tf.gather's gradient on cpu).
 */
function embedding(table, ids) {
  return tf.customGrad((t) => ({
    value: tf.gather(t, ids),
    gradFunc: (dy) => tf.scatterND(tf.expandDims(ids, 1), dy, t.shape),
  }))(table);
}

/**
 * PyTorch's default init, as bench/torch_ref.py gets it: nn.Embedding N(0, 1), nn.Linear U(+-1/sqrt(in)).
 * Checked once against torch_ref.py's GPT loaded with these weights: the same loss, and gradients equal to float32
 * rounding, on both backends.
 */
function createGPT(spec, seed) {
  const { vocab: V, n_embd: C, n_layer: L, block } = spec;
  let s = seed;
  const normal = (shape) => tf.tidy(() => tf.variable(tf.randomNormal(shape, 0, 1, "float32", s++)));
  // weights stored (in, out) so that the forward is x @ W without a transpose
  const linear = (inF, outF) => tf.tidy(() => tf.variable(tf.randomUniform([inF, outF], -1 / Math.sqrt(inF), 1 / Math.sqrt(inF), "float32", s++)));
  const layers = [];
  for (let l = 0; l < L; l++) layers.push({ attn: linear(C, 3 * C), proj: linear(C, C), fc: linear(C, 4 * C), fcProj: linear(4 * C, C) });
  const wte = normal([V, C]);
  const wpe = normal([block, C]);
  const lmHead = linear(C, V);
  // additive causal mask: -1e9 above the diagonal (masked_fill(-inf) in torch_ref; the same softmax)
  const mask = tf.tidy(() => tf.mul(tf.sub(tf.linalg.bandPart(tf.ones([block, block]), 0, -1), tf.eye(block)), -1e9));
  const variables = [wte, wpe, lmHead, ...layers.flatMap((w) => [w.attn, w.proj, w.fc, w.fcProj])];
  return { spec, layers, wte, wpe, lmHead, mask, variables };
}

/** Mean cross-entropy of one batch: ids (B, T) int32, targets (B*T) int32. */
function gptLoss(model, ids, targets) {
  const { vocab: V, n_embd: C, n_head: nh } = model.spec;
  const [B, T] = ids.shape;
  const hs = C / nh;
  const pos = tf.slice(model.wpe, [0, 0], [T, C]); // (T, C)
  const tok = tf.reshape(embedding(model.wte, tf.reshape(ids, [B * T])), [B, T, C]);
  let x = tf.reshape(rmsnorm(tf.add(tok, pos)), [B * T, C]);
  const mask = tf.slice(model.mask, [0, 0], [T, T]);
  const heads = (t) => tf.transpose(tf.reshape(t, [B, T, nh, hs]), [0, 2, 1, 3]); // (B*T, C) -> (B, nh, T, hs)
  for (const w of model.layers) {
    const [q, k, v] = tf.split(tf.matMul(rmsnorm(x), w.attn), 3, 1); // (B*T, 3C) -> 3 x (B*T, C)
    const att = tf.softmax(tf.add(tf.mul(tf.matMul(heads(q), heads(k), false, true), 1 / Math.sqrt(hs)), mask)); // (B, nh, T, T)
    const y = tf.reshape(tf.transpose(tf.matMul(att, heads(v)), [0, 2, 1, 3]), [B * T, C]);
    x = tf.add(x, tf.matMul(y, w.proj));
    x = tf.add(x, tf.matMul(tf.relu(tf.matMul(rmsnorm(x), w.fc)), w.fcProj));
  }
  const logits = tf.matMul(x, model.lmHead); // (B*T, V)
  // oneHot's dtype argument is ignored by the wasm backend (it writes int32 bits): cast instead
  return tf.losses.softmaxCrossEntropy(tf.cast(tf.oneHot(targets, V), "float32"), logits);
}

/** mulberry32: seeded tokens, the same batches on every backend. */
function tokenSource(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

function timeModel(name, spec, backend, o) {
  const model = createGPT(spec, o.seed);
  const optimizer = tf.train.adam(0.01, 0.85, 0.99, 1e-8);
  const { batch: B, seq: T, vocab: V } = spec;
  const random = tokenSource(o.seed);
  const losses = [];
  const tokens = new Int32Array(B * (T + 1));

  function step() {
    // fresh random tokens every step, as in bench/bench.ts and torch_ref.py: nothing to memorize
    for (let i = 0; i < tokens.length; i++) tokens[i] = Math.floor(random() * V);
    const loss = tf.tidy(() => {
      const rows = tf.tensor2d(tokens, [B, T + 1], "int32");
      const ids = tf.slice(rows, [0, 0], [B, T]);
      const targets = tf.reshape(tf.slice(rows, [0, 1], [B, T]), [B * T]);
      return optimizer.minimize(() => gptLoss(model, ids, targets), true, model.variables);
    });
    if (losses.length < 3) losses.push(loss.dataSync()[0]); // the first losses, to compare backends
    return loss;
  }

  // warm up for --warmup seconds and at least 3 steps, unless the steps are so slow that the budget needs them
  const start = performance.now();
  const elapsed = () => (performance.now() - start) / 1000;
  let n = 0;
  while ((n < 3 || elapsed() < o.warmup) && !(n >= 1 && elapsed() > o.budget / 6)) {
    step().dispose();
    n++;
  }
  const perStep = elapsed() / n;
  const window = Math.max(1, Math.round(o.seconds / perStep));
  const windows = Math.max(1, Math.min(o.windows, Math.floor((o.budget - elapsed()) / (window * perStep))));
  const tensorsBefore = tf.memory().numTensors;
  const rates = [];
  let last = null;
  for (let w = 0; w < windows; w++) {
    const t0 = performance.now();
    for (let i = 0; i < window; i++) {
      last?.dispose();
      last = step();
    }
    rates.push((window * 1000) / (performance.now() - t0));
  }
  const finalLoss = last.dataSync()[0];
  last.dispose();
  const leaked = tf.memory().numTensors - tensorsBefore;
  const params = model.variables.reduce((sum, v) => sum + v.size, 0);
  optimizer.dispose();
  tf.dispose([...model.variables, model.mask]);
  if (leaked !== 0) throw new Error(`${name} on ${backend}: ${leaked} tensors leaked per ${windows * window} steps (a tf.tidy is missing in tfjs_ref.mjs)`);
  const sps = median(rates);
  return {
    model: name,
    backend,
    threads: 1,
    params,
    batch: B,
    seq: T,
    steps_per_s: sps,
    tokens_per_s: sps * B * T,
    ms_per_step: 1000 / sps,
    warmup_steps: n,
    window_steps: window,
    windows: rates.map((r) => Math.round(r * 100) / 100),
    capped: windows < o.windows,
    first_losses: losses,
    final_loss: finalLoss,
  };
}

async function main() {
  const { values: args } = parseArgs({
    options: {
      models: { type: "string", default: "M1,M2,M3" },
      backends: { type: "string", default: "wasm,cpu" },
      windows: { type: "string", default: "5" },
      seconds: { type: "string", default: "0.5" },
      warmup: { type: "string", default: "0.5" },
      budget: { type: "string", default: "90" },
      seed: { type: "string", default: "1337" },
      "include-slow": { type: "boolean", default: false },
      help: { type: "boolean", short: "h", default: false },
    },
  });
  if (args.help) {
    console.log(USAGE);
    return;
  }
  const o = { windows: Number(args.windows), seconds: Number(args.seconds), warmup: Number(args.warmup), budget: Number(args.budget), seed: Number(args.seed) };
  for (const [k, v] of Object.entries(o)) if (!Number.isFinite(v) || v <= 0) throw new Error(`--${k} must be a number > 0 (got "${args[k]}")`);
  const names = args.models.split(",").map((m) => m.trim()).filter(Boolean);
  for (const m of names) if (!MODELS[m]) throw new Error(`--models: unknown model "${m}" (known: ${Object.keys(MODELS).join(", ")})`);
  const backends = args.backends.split(",").map((b) => b.trim()).filter(Boolean);
  for (const b of backends) if (b !== "wasm" && b !== "cpu") throw new Error(`--backends: unknown backend "${b}" (known: wasm, cpu)`);

  tf.enableProdMode(); // no debug checks, no Node warning on stdout/stderr
  // single-threaded wasm: tfjs never uses the threaded build under Node (WASM_HAS_MULTITHREAD_SUPPORT is false
  // there); the flag and the thread count are pinned anyway, and reported below
  tf.env().set("WASM_HAS_MULTITHREAD_SUPPORT", false);
  tfwasm.setThreadsCount(1);
  tfwasm.setWasmPaths(dirname(require.resolve("@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm")) + "/");

  const results = [];
  let wasmInfo = null;
  for (const backend of backends) {
    if (!(await tf.setBackend(backend))) throw new Error(`TF.js backend "${backend}" failed to initialize (see the messages above)`);
    if (backend === "wasm") {
      const simd = await tf.env().getAsync("WASM_HAS_SIMD_SUPPORT");
      wasmInfo = { binary: simd ? "tfjs-backend-wasm-simd.wasm" : "tfjs-backend-wasm.wasm", simd, threads: tfwasm.getThreadsCount() };
    }
    for (const m of names) {
      const slow = SLOW[`${backend}/${m}`];
      if (slow && !args["include-slow"]) {
        results.push({ model: m, backend, skipped: `${slow}; --include-slow times it anyway` });
        continue;
      }
      results.push(timeModel(m, MODELS[m], backend, o));
      console.error(JSON.stringify(results[results.length - 1]));
    }
  }
  console.log(JSON.stringify({ tfjs: tf.version_core, wasm: wasmInfo, results }, null, 1));
}

export { MODELS, createGPT, gptLoss };

if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((e) => {
    console.error(e instanceof Error ? e.message : e);
    process.exit(1);
  });
}
