// The active kernel backend. Ops call kernels() on every use, so switching backends takes effect at once.

import type { Backend } from "./backend.js";
import { reference } from "./reference.js";
import { fast } from "./fast.js";

const registry = new Map<string, Backend>([
  [reference.name, reference],
  [fast.name, fast],
]);
let active: Backend = fast;

export function kernels(): Backend {
  return active;
}

/** Adds a backend (e.g. a WebAssembly one) so that setBackend can choose it by name. */
export function registerBackend(backend: Backend): void {
  registry.set(backend.name, backend);
}

export function setBackend(nameOrBackend: string | Backend): Backend {
  if (typeof nameOrBackend !== "string") {
    registerBackend(nameOrBackend);
    active = nameOrBackend;
    return active;
  }
  const found = registry.get(nameOrBackend);
  if (!found) throw new Error(`unknown kernel backend "${nameOrBackend}" (known: ${backendNames().join(", ")})`);
  active = found;
  return active;
}

export function backendNames(): string[] {
  return [...registry.keys()];
}

export type { Backend };
