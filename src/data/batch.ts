// Batch: the B×T inputs and targets a model trains on, and the one function that builds it from token rows.
// Rows shorter than T + 1 are padded: inputs with BOS, targets with -1 (ignored by the loss).

export interface Batch {
  /** (B, T) row-major token ids */
  inputs: Int32Array;
  /** (B, T) next-token ids; -1 marks padding */
  targets: Int32Array;
  B: number;
  T: number;
}

/** Target id that the loss ignores. */
export const PAD_TARGET = -1;

/** A batch from rows of tokens: row r gives inputs rows[r][0..T) and targets rows[r][1..T+1), padded. */
export function makeBatch(rows: readonly ArrayLike<number>[], T: number, padInput: number): Batch {
  const B = rows.length;
  const inputs = new Int32Array(B * T).fill(padInput);
  const targets = new Int32Array(B * T).fill(PAD_TARGET);
  for (let b = 0; b < B; b++) {
    const row = rows[b];
    const n = Math.min(T, row.length - 1); // positions with a real next token
    for (let t = 0; t < n; t++) {
      inputs[b * T + t] = row[t];
      targets[b * T + t] = row[t + 1];
    }
  }
  return { inputs, targets, B, T };
}

/** Throws unless v is an integer >= min; the message names the option. */
export function checkInt(name: string, v: unknown, min: number): number {
  if (typeof v !== "number" || !Number.isInteger(v) || v < min) {
    throw new Error(`${name} must be an integer >= ${min} (got ${typeof v === "string" ? JSON.stringify(v) + ", a string" : String(v)})`);
  }
  return v;
}
