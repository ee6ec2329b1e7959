// Reading a collected sweep: the best row per group (e.g. the best lr of each model size), means over repeated
// seeds, and a power-law fit on log-log axes (the exponent of best lr against parameters).

import type { Cell, Row } from "./collect.js";

function finite(v: Cell | undefined): v is number {
  return typeof v === "number" && Number.isFinite(v);
}

/** Rows averaged over the rows that share the values of `by` (e.g. seeds of one grid point); metric -> its mean. */
export function meanOver(rows: Row[], by: string[], metric: string): Row[] {
  const groups = new Map<string, { row: Row; values: number[] }>();
  for (const r of rows) {
    const key = JSON.stringify(by.map((k) => r[k] ?? null));
    const g = groups.get(key) ?? { row: Object.fromEntries(by.map((k) => [k, r[k] ?? null])), values: [] };
    if (finite(r[metric])) g.values.push(r[metric] as number);
    groups.set(key, g);
  }
  return [...groups.values()].map(({ row, values }) => ({ ...row, [metric]: values.length ? values.reduce((a, b) => a + b, 0) / values.length : null, n: values.length }));
}

/** For each value of `group`, the row with the lowest finite metric (groups without one are left out). */
export function bestPerGroup(rows: Row[], group: string, metric: string): Row[] {
  const best = new Map<string, Row>();
  for (const r of rows) {
    if (!finite(r[metric])) continue;
    const key = JSON.stringify(r[group] ?? null);
    const b = best.get(key);
    if (!b || (r[metric] as number) < (b[metric] as number)) best.set(key, r);
  }
  return [...best.values()];
}

export interface PowerLawFit {
  /** y = coefficient * x^exponent */
  exponent: number;
  coefficient: number;
  /** R^2 of the straight line on log-log axes. */
  r2: number;
  /** Standard error of the exponent (null with fewer than 3 points). */
  exponentStdErr: number | null;
  n: number;
}

/** Least-squares line through (log x, log y). Needs at least 2 points with x, y > 0. */
export function fitPowerLaw(xs: readonly number[], ys: readonly number[]): PowerLawFit {
  if (xs.length !== ys.length) throw new Error(`fitPowerLaw: ${xs.length} x values and ${ys.length} y values`);
  const pts = xs.map((x, i) => [x, ys[i]]).filter(([x, y]) => x > 0 && y > 0 && Number.isFinite(x) && Number.isFinite(y));
  const n = pts.length;
  if (n < 2) throw new Error(`fitPowerLaw needs at least 2 points with x > 0 and y > 0 (got ${n})`);
  const lx = pts.map(([x]) => Math.log(x));
  const ly = pts.map(([, y]) => Math.log(y));
  const mx = lx.reduce((a, b) => a + b, 0) / n;
  const my = ly.reduce((a, b) => a + b, 0) / n;
  let sxx = 0, sxy = 0, syy = 0;
  for (let i = 0; i < n; i++) {
    sxx += (lx[i] - mx) ** 2;
    sxy += (lx[i] - mx) * (ly[i] - my);
    syy += (ly[i] - my) ** 2;
  }
  if (sxx === 0) throw new Error("fitPowerLaw: every x is the same; the exponent is undefined");
  const exponent = sxy / sxx;
  const intercept = my - exponent * mx;
  const sse = ly.reduce((s, y, i) => s + (y - (intercept + exponent * lx[i])) ** 2, 0);
  const r2 = syy === 0 ? 1 : 1 - sse / syy;
  const exponentStdErr = n > 2 ? Math.sqrt(sse / (n - 2) / sxx) : null;
  return { exponent, coefficient: Math.exp(intercept), r2, exponentStdErr, n };
}
