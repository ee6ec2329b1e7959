// A trial kind in a registry for the length of one call: what adding its line to the registry's list does, so a test
// can check that a new kind gets a behaviour from what its entry declares, not from its name.

/** Appends each [list, item] (a registry's entries, or a list derived from them such as dataModes), runs fn, removes them. */
export function withTrialEntries<T>(additions: ReadonlyArray<readonly [readonly unknown[], unknown]>, fn: () => T): T {
  for (const [list, item] of additions) (list as unknown[]).push(item);
  try {
    return fn();
  } finally {
    for (const [list, item] of additions) (list as unknown[]).splice((list as unknown[]).lastIndexOf(item), 1);
  }
}
