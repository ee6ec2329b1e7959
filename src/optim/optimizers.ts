// The optimizer registry: every kind once, with its description, options schema and factory. The kind union,
// the config and state types, the CLI's --optimizer choices, its help and createOptimizer all derive from it, so
// a new optimizer is its own file (an entry made with defineOptimizer) plus one line here.

import type { ParamStore } from "../nn/params.js";
import type { ConfigOf } from "../core/schema.js";
import { describeValue } from "../core/schema.js";
import type { Optimizer, OptimizerEntry } from "./optimizer.js";
import { adam, adamw } from "./adam.js";
import { sgd } from "./sgd.js";

export const optimizerRegistry = [adam, adamw, sgd] as const;

type Entry = (typeof optimizerRegistry)[number];
export type OptimizerKind = Entry["kind"];
export const optimizerKinds: readonly OptimizerKind[] = optimizerRegistry.map((e) => e.kind);

/** `{ kind, ...hyperparameters }` of one kind; the hyperparameters left out take the kind's defaults. */
export type OptimizerConfig = Entry extends infer E ? (E extends OptimizerEntry<infer K, infer S> ? { kind: K } & Partial<ConfigOf<S>> : never) : never;
/** What any registered optimizer's getState returns. */
export type OptimizerState = ReturnType<ReturnType<Entry["create"]>["getState"]>;

export function optimizerEntry(kind: string): OptimizerEntry {
  const entry = optimizerRegistry.find((e) => e.kind === kind);
  if (!entry) throw new Error(`optimizer.kind must be one of ${optimizerKinds.join(", ")} (got ${describeValue(kind)})`);
  return entry as unknown as OptimizerEntry;
}

/**
 * Builds an optimizer from `{ kind, ...hyperparameters }`; unset fields take the kind's defaults (adamDefaults,
 * adamwDefaults, sgdDefaults), and so do fields set to undefined. A field of another kind (momentum for adam) is an
 * error.
 */
export function createOptimizer(store: ParamStore, config: OptimizerConfig): Optimizer<OptimizerState> {
  if (typeof config !== "object" || config === null) throw new Error(`optimizer config must be an object (got ${describeValue(config)})`);
  const { kind, ...rest } = config as { kind: string } & Record<string, unknown>;
  const entry = optimizerEntry(kind);
  const own = Object.keys(entry.schema);
  for (const [key, value] of Object.entries(rest)) {
    if (value === undefined || own.includes(key)) continue;
    const hint = key === "lr" ? "; the learning rate comes from the schedule" : "";
    const others = optimizerRegistry.filter((e) => key in e.schema).map((e) => e.kind);
    const why = others.length ? `does not apply to ${kind} (it is ${others.join("/")}'s)` : "is not a known field";
    throw new Error(`optimizer.${key} ${why} (${kind} takes: kind, ${own.join(", ")}${hint})`);
  }
  return entry.create(store, rest as never) as Optimizer<OptimizerState>;
}
