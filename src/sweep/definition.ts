// A sweep definition (a base run config plus axes) and its plan: one trial per point, in a deterministic order,
// each with a stable id (a hash of its canonical config). Every trial config is checked by resolveRunConfig
// before anything runs, so a bad axis is named with its value up front.

import { createHash } from "node:crypto";
import * as fs from "node:fs";
import { Rng } from "../core/random.js";
import { kernels, setBackend } from "../kernels/index.js";
import { resolveUserPath } from "../io/paths.js";
import { checkGivenOptionsApply, defaultRunConfig, resolveRunConfig } from "../train/config.js";
import type { RunConfig } from "../train/config.js";

type Value = number | string | null;

/** A random-search axis: log-uniform or uniform in [min, max], an integer in [min, max], or one of a list. */
export type RandomAxis = { logUniform: [number, number] } | { uniform: [number, number] } | { intUniform: [number, number] } | { choice: Value[] };

export interface SweepDefinition {
  /** Names the sweep folder (runs/sweeps/NAME) and the batch jobs. */
  name?: string;
  /** Run config every trial starts from. */
  base?: Partial<RunConfig>;
  /** Whole configs (each on top of base), crossed with the grid. */
  configs?: Array<Partial<RunConfig>>;
  /** Cartesian product of values per key: { lr: [1e-3, 3e-3], batchSize: [1, 4] }. */
  grid?: Record<string, Value[]>;
  /** Random search: count points drawn with seed, crossed with the grid. */
  random?: { count: number; seed: number; axes: Record<string, RandomAxis> };
  /** Repeat every point with these seeds (or with base.seed + 0, 1, ... when a count is given). */
  seeds?: number[] | number;
  /** Metric the best trial is chosen by (a column of the collected table). Default val_loss. */
  metric?: string;
}

/** One planned trial: its index in the plan, id, the axis values that make it, and its whole run config. */
export interface Trial {
  index: number;
  id: string;
  params: Record<string, Value>;
  config: RunConfig;
}

export interface Plan {
  name: string;
  metric: string;
  /** Axis names in order of appearance (the config columns of the collected table). */
  axes: string[];
  trials: Trial[];
}

/** Trials a sweep may have (counted before any is built: a grid of 10^8 would exhaust memory). */
export const MAX_TRIALS = 100_000;

/** Columns of the collected table a sweep can pick its best trial by (the lowest wins). */
export const METRIC_COLUMNS = ["val_loss", "best_val_loss", "train_loss", "val_ppl", "train_ppl"];

/** A run config in a definition: an object of options, its place named when it is not. */
function checkConfigObject(where: string, value: unknown): void {
  if (value === null || typeof value !== "object" || Array.isArray(value)) throw new Error(`sweep ${where} must be an object of run options like {"lr": 0.01} (got ${show(value)})`);
}

const DEFINITION_KEYS = ["name", "base", "configs", "grid", "random", "seeds", "metric"];
/** Keys that do not change a trial's results and are left out of its id. */
const NOT_IN_ID = new Set<string>(["out", "threads"]);

function show(v: unknown): string {
  return JSON.stringify(v);
}

/** The trial id: "t" + 12 hex digits of the SHA-256 of the config with sorted keys, without out and threads. */
export function trialId(config: RunConfig): string {
  const keys = Object.keys(config).filter((k) => !NOT_IN_ID.has(k)).sort();
  const canonical = JSON.stringify(keys.map((k) => [k, config[k as keyof RunConfig]]));
  return "t" + createHash("sha256").update(canonical).digest("hex").slice(0, 12);
}

/** Parses a definition from JSON text; errors name the file. */
export function parseDefinition(text: string, file = "sweep definition"): SweepDefinition {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw new Error(`${file} is not valid JSON: ${(e as Error).message}`);
  }
  if (value === null || typeof value !== "object" || Array.isArray(value)) throw new Error(`${file} must hold a JSON object like {"base": {...}, "grid": {"lr": [0.001, 0.01]}}`);
  return value as SweepDefinition;
}

function checkAxisValue(axis: string, value: unknown, base: Partial<RunConfig>): void {
  if (axis === "out") throw new Error(`sweep axis "out" is not allowed: the sweep gives each trial its own folder`);
  if (!(axis in defaultRunConfig)) {
    // resolveRunConfig names the unknown key and suggests a spelling
    try {
      resolveRunConfig({ [axis]: value } as Partial<RunConfig>);
    } catch (e) {
      throw new Error(`sweep axis "${axis}": ${(e as Error).message}`);
    }
  }
  try {
    resolveRunConfig({ ...base, [axis]: value } as Partial<RunConfig>);
  } catch (e) {
    throw new Error(`sweep axis "${axis}" value ${show(value)} is refused: ${(e as Error).message}`);
  }
}

function product(grid: Record<string, Value[]>): Array<Record<string, Value>> {
  let points: Array<Record<string, Value>> = [{}];
  for (const [axis, values] of Object.entries(grid)) points = points.flatMap((p) => values.map((v) => ({ ...p, [axis]: v })));
  return points;
}

/** Rounds a drawn number to 4 significant digits, so configs (and ids) read cleanly. */
function round4(x: number): number {
  return Number(x.toPrecision(4));
}

function drawRandom(random: NonNullable<SweepDefinition["random"]>): Array<Record<string, Value>> {
  const rng = new Rng(random.seed);
  const points: Array<Record<string, Value>> = [];
  for (let i = 0; i < random.count; i++) {
    const p: Record<string, Value> = {};
    for (const [axis, spec] of Object.entries(random.axes)) {
      if ("logUniform" in spec) p[axis] = round4(Math.exp(Math.log(spec.logUniform[0]) + rng.random() * (Math.log(spec.logUniform[1]) - Math.log(spec.logUniform[0]))));
      else if ("uniform" in spec) p[axis] = round4(spec.uniform[0] + rng.random() * (spec.uniform[1] - spec.uniform[0]));
      else if ("intUniform" in spec) p[axis] = spec.intUniform[0] + rng.int(spec.intUniform[1] - spec.intUniform[0] + 1);
      else p[axis] = spec.choice[rng.int(spec.choice.length)];
    }
    points.push(p);
  }
  return points;
}

function checkRandom(random: unknown): NonNullable<SweepDefinition["random"]> {
  const r = random as NonNullable<SweepDefinition["random"]>;
  if (r === null || typeof r !== "object") throw new Error(`sweep "random" must be {"count": N, "seed": S, "axes": {...}} (got ${show(random)})`);
  if (!(Number.isInteger(r.count) && r.count >= 1 && r.count <= MAX_TRIALS)) throw new Error(`sweep random.count must be an integer in [1, ${MAX_TRIALS}] (got ${show(r.count)})`);
  if (!(Number.isInteger(r.seed) && r.seed >= 0)) throw new Error(`sweep random.seed must be an integer >= 0 (got ${show(r.seed)})`);
  if (r.axes === null || typeof r.axes !== "object" || Object.keys(r.axes).length === 0) throw new Error(`sweep random.axes must name at least one axis, e.g. {"lr": {"logUniform": [1e-4, 1e-1]}}`);
  for (const [axis, spec] of Object.entries(r.axes)) {
    const kinds = spec && typeof spec === "object" ? Object.keys(spec) : [];
    const kind = kinds[0];
    const range = (spec as Record<string, unknown>)?.[kind];
    if (kinds.length !== 1 || !["logUniform", "uniform", "intUniform", "choice"].includes(kind)) {
      throw new Error(`sweep random axis "${axis}" must be one of {"logUniform": [min, max]}, {"uniform": [min, max]}, {"intUniform": [min, max]}, {"choice": [...]} (got ${show(spec)})`);
    }
    if (kind === "choice") {
      if (!Array.isArray(range) || range.length === 0) throw new Error(`sweep random axis "${axis}": choice needs a non-empty list (got ${show(range)})`);
      continue;
    }
    const ok = Array.isArray(range) && range.length === 2 && range.every((x) => Number.isFinite(x)) && range[0] <= range[1] && (kind !== "logUniform" || range[0] > 0) && (kind !== "intUniform" || range.every(Number.isInteger));
    if (!ok) throw new Error(`sweep random axis "${axis}": ${kind} needs [min, max] with min <= max${kind === "logUniform" ? " and min > 0" : kind === "intUniform" ? ", both integers" : ""} (got ${show(range)})`);
  }
  return r;
}

function seedList(seeds: SweepDefinition["seeds"], baseSeed: number): number[] | null {
  if (seeds === undefined) return null;
  if (typeof seeds === "number") {
    if (!(Number.isInteger(seeds) && seeds >= 1 && seeds <= MAX_TRIALS)) throw new Error(`sweep "seeds" must be a count in [1, ${MAX_TRIALS}] or a list of seeds (got ${show(seeds)})`);
    return Array.from({ length: seeds }, (_, i) => baseSeed + i);
  }
  if (!Array.isArray(seeds) || seeds.length === 0) throw new Error(`sweep "seeds" must be a count >= 1 or a non-empty list of seeds (got ${show(seeds)})`);
  return seeds;
}

/** The concrete backend "auto" means here: the sweep pins it, so every trial runs the same kernels anywhere. */
function pinBackend(name: string): string {
  const before = kernels();
  try {
    return setBackend(name).name;
  } finally {
    setBackend(before);
  }
}

/**
 * Expands a definition into its trials: configs (outer) x grid (last key fastest) x random points x seeds
 * (innermost). Throws before anything runs when an axis or a combination is refused, naming it.
 */
export function planSweep(def: SweepDefinition, fallbackName = "sweep"): Plan {
  for (const key of Object.keys(def)) {
    if (!DEFINITION_KEYS.includes(key)) throw new Error(`sweep definition: unknown key "${key}"; known keys: ${DEFINITION_KEYS.join(", ")}`);
  }
  const name = def.name ?? fallbackName;
  if (typeof name !== "string" || !/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(name)) throw new Error(`sweep name must be letters, digits, ".", "_" or "-" (got ${show(name)})`);
  const metric = def.metric ?? "val_loss";
  if (!METRIC_COLUMNS.includes(metric)) throw new Error(`sweep metric ${show(metric)} is not a collected column; choose one of ${METRIC_COLUMNS.join(", ")} (the lowest wins)`);
  if (def.base !== undefined) checkConfigObject("base", def.base);
  const base: Partial<RunConfig> = { threads: 1, ...(def.base ?? {}) };
  try {
    resolveRunConfig(base);
  } catch (e) {
    throw new Error(`sweep base: ${(e as Error).message}`);
  }
  if ("out" in base) throw new Error(`sweep base.out is not allowed: the sweep gives each trial its own folder (use --dir for the sweep folder)`);
  const grid = def.grid ?? {};
  if (grid === null || typeof grid !== "object" || Array.isArray(grid)) throw new Error(`sweep "grid" must map run-config keys to lists of values (got ${show(grid)})`);
  for (const [axis, values] of Object.entries(grid)) {
    if (!Array.isArray(values) || values.length === 0) throw new Error(`sweep grid axis "${axis}" must be a non-empty list of values (got ${show(values)})`);
    for (const v of values) checkAxisValue(axis, v, base);
  }
  const configs = def.configs ?? [{}];
  if (!Array.isArray(configs) || configs.length === 0) throw new Error(`sweep "configs" must be a non-empty list of run configs (got ${show(def.configs)})`);
  configs.forEach((c, i) => {
    checkConfigObject(`configs[${i}]`, c);
    for (const [axis, v] of Object.entries(c)) {
      try {
        checkAxisValue(axis, v, base);
      } catch (e) {
        throw new Error(`sweep configs[${i}]: ${(e as Error).message}`);
      }
    }
  });
  const random = def.random === undefined ? null : checkRandom(def.random);
  const randomPoints = random ? drawRandom(random) : [{}];
  for (const p of randomPoints) for (const [axis, v] of Object.entries(p)) checkAxisValue(axis, v, base);
  const seeds = seedList(def.seeds, resolveRunConfig(base).seed);
  const backend = pinBackend(resolveRunConfig(base).backend);

  const count = configs.length * Object.values(grid).reduce((n, v) => n * v.length, 1) * (random?.count ?? 1) * (seeds?.length ?? 1);
  if (count > MAX_TRIALS) throw new Error(`sweep has ${count} trials (configs x grid x random.count x seeds), over the limit of ${MAX_TRIALS}: shrink an axis, or split it into several sweeps`);
  const trials: Trial[] = [];
  const axes: string[] = [];
  const addAxis = (k: string): void => void (axes.includes(k) || axes.push(k));
  const byId = new Map<string, number>();
  for (const c of configs) {
    for (const g of product(grid)) {
      for (const r of randomPoints) {
        for (const seed of seeds ?? [null]) {
          const params: Record<string, Value> = { ...(c as Record<string, Value>), ...g, ...r, ...(seed === null ? {} : { seed }) };
          Object.keys(params).forEach(addAxis);
          let config: RunConfig;
          try {
            config = resolveRunConfig({ ...base, ...(params as Partial<RunConfig>), backend, out: null });
            checkGivenOptionsApply(config, [...Object.keys(base), ...Object.keys(params)]);
          } catch (e) {
            throw new Error(`sweep trial ${trials.length} (${describeParams(params)}) is refused: ${(e as Error).message}`);
          }
          const id = trialId(config);
          const twin = byId.get(id);
          if (twin !== undefined) throw new Error(`sweep trials ${twin} (${describeParams(trials[twin].params)}) and ${trials.length} (${describeParams(params)}) have the same config; remove one of them`);
          byId.set(id, trials.length);
          trials.push({ index: trials.length, id, params, config });
        }
      }
    }
  }
  for (const data of new Set(trials.map((t) => t.config.data))) {
    if (!fs.existsSync(resolveUserPath(data))) throw new Error(`sweep: data file ${show(data)} not found (config.data of ${trials.filter((t) => t.config.data === data).length} trials)`);
  }
  return { name, metric, axes, trials };
}

/** "lr=0.003 batchSize=4": a trial's axis values in one short string. */
export function describeParams(params: Record<string, Value>): string {
  const parts = Object.entries(params).map(([k, v]) => `${k}=${typeof v === "string" ? v : show(v)}`);
  return parts.length ? parts.join(" ") : "base config";
}
