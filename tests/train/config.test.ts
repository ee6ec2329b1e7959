// The run config's schema is the one truth: every option's --help states the default and the range the validator
// uses, auto's backend order is the one setBackend follows, and the config is composed from the components'
// schemas with the keys (and their order) RunConfig always had.

import { spawnSync } from "node:child_process";
import * as path from "node:path";
import { componentFieldOwners, defaultRunConfig, kebab, resolveRunConfig, runComponents, runConfigSchema } from "../../src/train/config.js";
import type { RunConfig } from "../../src/train/config.js";
import { choicesOf, fieldHelp } from "../../src/core/schema.js";
import type { FieldSpec } from "../../src/core/schema.js";
import { autoBackendOrder, backendNames, setBackend } from "../../src/kernels/index.js";
import { makeSchedule, scheduleRegistry } from "../../src/optim/schedules.js";
import type { ScheduleConfig } from "../../src/optim/schedules.js";
import { optimizerRegistry } from "../../src/optim/optimizers.js";
import { nanoGPTAliases } from "../../src/train/nanogpt.js";

const root = path.join(__dirname, "..", "..");
function gptlab(...args: string[]) {
  const r = spawnSync(process.execPath, [path.join(root, "bin", "gptlab.js"), ...args], { cwd: root, encoding: "utf8", env: { ...process.env, GPTLAB_BACKEND: "" } });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

const entries = Object.entries(runConfigSchema) as Array<[keyof RunConfig, FieldSpec]>;
const accepts = (key: string, value: unknown): boolean => {
  try {
    resolveRunConfig({ [key]: value } as Partial<RunConfig>);
    return true;
  } catch {
    return false;
  }
};

afterAll(() => setBackend("fast"));

const oldComponentKeys = { warmupSteps: 1, minLr: 1, stepSize: 1, gamma: 1, stepsPerEpoch: 1, beta1: 1, beta2: 1, eps: 1, weightDecay: 1, momentum: 1 };

describe("the run config schema", () => {
  test("has the keys RunConfig always had, in the same order (config.json, metrics.json and the run id keep it)", () => {
    // a new schedule or optimizer may add options; the ones there were keep their names and order
    expect(Object.keys(defaultRunConfig).filter((k) => !(k in componentFieldOwners) || k in oldComponentKeys)).toEqual([
      "preset", "nEmbd", "nHead", "nLayer", "blockSize", "dropout", "attentionOnly", "data", "tokenizer", "mode", "batchSize", "valFraction", "replayData", "replayFraction",
      "steps", "lr", "schedule", "warmupSteps", "minLr", "stepSize", "gamma", "stepsPerEpoch", "optimizer", "beta1", "beta2",
      "eps", "weightDecay", "momentum", "clipNorm", "gradAccum", "evalEvery", "evalBatches", "seed", "backend", "threads", "out", "saveEvery", "saveEverySeconds",
      "samples", "temperature", "sampleEvery", "samplePrompts", "initFrom", "vocabSize", "trainDocs", "patience", "minDelta", "diagnosticsEvery", "scheduleSteps",
      "bias", "norm", "normWeights", "activation", "tieEmbeddings",
    ]);
    expect(defaultRunConfig).toMatchObject({ preset: "lab", steps: 5000, lr: 0.01, schedule: "linear", optimizer: "adam", beta1: 0.85, beta2: 0.99, weightDecay: 0, momentum: 0.9, seed: 42 });
  });

  test("takes each schedule's and optimizer's options from its registry entry", () => {
    for (const reg of [scheduleRegistry, optimizerRegistry]) {
      for (const e of reg) {
        for (const [key, spec] of Object.entries(e.schema as Record<string, FieldSpec>)) {
          const runKey = spec.from ?? key;
          if (!spec.codeOnly) expect({ kind: e.kind, key, inRunConfig: runKey in runConfigSchema }).toEqual({ kind: e.kind, key, inRunConfig: true });
          if (!spec.codeOnly && !spec.from && componentFieldOwners[key].kinds.length < reg.length) expect(componentFieldOwners[key].kinds).toContain(e.kind);
        }
      }
    }
  });

  test.each(entries)("--%s: the default and range in its help are the ones the validator applies", (key, spec) => {
    const help = fieldHelp(spec);
    const def = spec.default === null ? "none" : JSON.stringify(spec.default);
    expect(help).toContain(`default ${def}`);
    expect(resolveRunConfig({})[key]).toEqual(spec.default);
    expect(accepts(key, spec.default)).toBe(true);
    const choices = choicesOf(spec);
    if (choices) {
      expect(help).toContain(`one of ${choices.join(", ")}`);
      for (const c of choices) expect({ c, ok: accepts(key, c) }).toEqual({ c, ok: true });
      expect(accepts(key, "no-such-choice")).toBe(false);
    }
    if (spec.type === "integer" || spec.type === "number") {
      expect(accepts(key, "1")).toBe(false); // a string is never a number
      if (spec.min !== undefined) {
        expect(help).toMatch(spec.minExclusive ? new RegExp(`(> ${spec.min}|\\(${spec.min},)`) : new RegExp(`(>= ${spec.min}|\\[${spec.min},)`));
        expect(accepts(key, spec.min)).toBe(!spec.minExclusive);
        expect(accepts(key, spec.min - 1)).toBe(false);
      }
      const max = spec.maxField ? null : spec.max;
      if (max !== undefined && max !== null) {
        expect(help).toContain(`${max}${spec.maxExclusive ? ")" : "]"}`);
        expect(accepts(key, max)).toBe(!spec.maxExclusive);
        expect(accepts(key, max + 1)).toBe(false);
      }
      if (spec.type === "integer" && spec.min !== undefined) expect(accepts(key, spec.min + 1.5)).toBe(false);
      if (spec.maxField) {
        const bound = defaultRunConfig[spec.maxField as keyof RunConfig] as number;
        expect(help).toContain(`${spec.maxField}]`);
        expect(accepts(key, bound)).toBe(true);
        expect(accepts(key, bound * 2 + 1)).toBe(false);
      }
    }
    if (spec.nullable) expect(accepts(key, null)).toBe(true);
    else expect(accepts(key, null)).toBe(false);
  });

  test("gptlab train --help prints every option's help line from the schema, with its nanoGPT names", () => {
    const r = gptlab("train", "--help");
    expect(r.code).toBe(0);
    for (const [key, spec] of entries) {
      const line = r.out.split("\n").find((l) => l.trimStart().startsWith(`--${kebab(key)} `));
      const aliases = Object.keys(nanoGPTAliases).filter((a) => nanoGPTAliases[a] === key);
      expect({ key, line: line?.trim().replace(/^\S+\s+/, "") }).toEqual({ key, line: fieldHelp(spec) + (aliases.length ? ` [nanoGPT: ${aliases.join(", ")}]` : "") });
    }
    for (const e of [...scheduleRegistry, ...optimizerRegistry]) expect(r.out).toContain(e.description);
  }, 30_000);

  test("the --backend help names auto's order, and auto picks the first backend of that order that is here", () => {
    const r = gptlab("train", "--help");
    const m = r.out.match(/auto = the first available of ([\w-]+(?:, [\w-]+)*) \(here: ([\w-]+);/);
    expect(m).not.toBeNull();
    const order = m![1].split(", ");
    expect(order).toEqual([...autoBackendOrder]);
    expect(order).toContain("wasm-native");
    const here = backendNames();
    expect(m![2]).toBe(order.find((n) => here.includes(n)));
    if (!process.env.GPTLAB_BACKEND) expect(setBackend("auto").name).toBe(m![2]);
    for (const name of here) expect(r.out).toMatch(new RegExp(`--backend .*one of auto, .*\\b${name}\\b`));
  }, 30_000);
});

describe("runComponents", () => {
  // the hand-written mapping it replaced (run.ts's scheduleFor), kept here as the reference
  function oldScheduleFor(c: RunConfig): ScheduleConfig {
    const common = { warmupSteps: c.warmupSteps };
    const byKind: Record<string, ScheduleConfig> = {
      constant: { kind: "constant", lr: c.lr },
      linear: { kind: "linear", lr: c.lr, totalSteps: c.steps, ...common },
      warmup_cosine: { kind: "warmup_cosine", peakLr: c.lr, totalSteps: c.steps, ...common },
      warmup_cosine_floor: { kind: "warmup_cosine_floor", peakLr: c.lr, totalSteps: c.steps, minLr: c.minLr, ...common },
      step: { kind: "step", lr: c.lr, gamma: c.gamma, stepSize: c.stepSize, ...common },
      exponential: { kind: "exponential", lr: c.lr, gamma: c.gamma, ...common },
      cosine_epoch: { kind: "cosine_epoch", lr: c.lr, stepsPerEpoch: c.stepsPerEpoch, minLr: c.minLr, ...common },
    };
    return byKind[c.schedule];
  }

  const oldKinds = ["constant", "linear", "warmup_cosine", "warmup_cosine_floor", "step", "exponential", "cosine_epoch"];
  test("covers every kind the old mapping had", () => {
    for (const k of oldKinds) expect(scheduleRegistry.map((e) => e.kind)).toContain(k);
  });
  test.each(oldKinds)("gives the %s schedule the run asks for, value for value", (kind) => {
    const c = resolveRunConfig({ schedule: kind, steps: 300, lr: 0.02, warmupSteps: 30, minLr: 0.001, gamma: 0.7, stepSize: 40, stepsPerEpoch: 70 });
    const got = makeSchedule(runComponents(c).schedule);
    const want = makeSchedule(oldScheduleFor(c));
    for (let step = 0; step < 320; step++) expect(got(step)).toBe(want(step));
  });

  test("gives the optimizer only its own options and the model only the sizes set", () => {
    const c = resolveRunConfig({ optimizer: "sgd", momentum: 0.5, weightDecay: 0.01, nEmbd: 48 });
    const parts = runComponents(c);
    expect(parts.optimizer).toEqual({ kind: "sgd", momentum: 0.5, weightDecay: 0.01 });
    expect(runComponents(defaultRunConfig).optimizer).toEqual({ kind: "adam", beta1: 0.85, beta2: 0.99, eps: 1e-8, weightDecay: 0 });
    expect(parts.model).toEqual({ nEmbd: 48 });
  });
});

describe("options a schedule or optimizer declares", () => {
  const adamw = optimizerRegistry.find((e) => e.kind === "adamw")!;
  const adam = optimizerRegistry.find((e) => e.kind === "adam")!;

  test("left unset, they take the chosen kind's default, not the first declaring kind's", () => {
    expect(adamw.schema.weightDecay.default).not.toBe(adam.schema.weightDecay.default); // else this test proves nothing
    expect(resolveRunConfig({ optimizer: "adamw" }).weightDecay).toBe(adamw.schema.weightDecay.default);
    expect(runComponents(resolveRunConfig({ optimizer: "adamw" })).optimizer).toMatchObject({ kind: "adamw", weightDecay: adamw.schema.weightDecay.default });
    expect(resolveRunConfig({ optimizer: "adam" }).weightDecay).toBe(adam.schema.weightDecay.default);
  });

  test("given, they stand, also when a saved config is resolved again (every key given)", () => {
    expect(resolveRunConfig({ optimizer: "adamw", weightDecay: 0 }).weightDecay).toBe(0);
    const saved = { ...resolveRunConfig({ optimizer: "adamw" }), weightDecay: 0.03 };
    expect(resolveRunConfig(saved).weightDecay).toBe(0.03);
  });

  test("the help says which kinds default differently", () => {
    expect(runConfigSchema.weightDecay.description).toContain(`adamw's default is ${adamw.schema.weightDecay.default}`);
    // beta1: only the kinds whose own default differs from the one shown are named (adamw shares adam's)
    for (const e of optimizerRegistry) {
      const own = (e.schema as Record<string, { default?: unknown }>).beta1?.default;
      if (own === undefined) continue;
      const named = `${e.kind}'s default is ${String(own)}`;
      if (own === runConfigSchema.beta1.default) expect(runConfigSchema.beta1.description).not.toContain(named);
      else expect(runConfigSchema.beta1.description).toContain(named);
    }
  });
});
