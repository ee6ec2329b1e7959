// Small helpers shared by the benchmark scripts: medians and `--key value` / `--key=value` argument parsing.

export function median(xs: readonly number[]): number {
  if (xs.length === 0) throw new Error("median of an empty list");
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/**
 * Parses argv against defaults: a boolean default makes a flag (`--resident`), anything else takes a value
 * (`--steps 20` or `--steps=20`, converted to the default's type). Unknown keys throw with the known ones.
 */
export function parseArgs<T extends Record<string, string | number | boolean>>(argv: readonly string[], defaults: T): T {
  const out: Record<string, string | number | boolean> = { ...defaults };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (!arg.startsWith("--")) throw new Error(`unexpected argument "${arg}" (options: ${Object.keys(defaults).map((k) => "--" + k).join(" ")})`);
    const eq = arg.indexOf("=");
    const key = arg.slice(2, eq < 0 ? undefined : eq);
    if (!(key in defaults)) throw new Error(`unknown option --${key} (options: ${Object.keys(defaults).map((k) => "--" + k).join(" ")})`);
    const def = defaults[key];
    if (typeof def === "boolean") {
      out[key] = eq < 0 ? true : arg.slice(eq + 1) !== "false";
      continue;
    }
    const raw = eq < 0 ? argv[++i] : arg.slice(eq + 1);
    if (raw === undefined) throw new Error(`--${key} needs a value`);
    if (typeof def === "number") {
      const v = Number(raw);
      if (!Number.isFinite(v)) throw new Error(`--${key} must be a number (got "${raw}")`);
      out[key] = v;
    } else {
      out[key] = raw;
    }
  }
  return out as T;
}
