// Config files: JSON, or nanoGPT's `key = value` lines (config/train_shakespeare_char.py, also read as a flat
// TOML file), parsed as literals only: no code is run. The keys are returned as written; the run config maps them.

import * as fs from "node:fs";
import * as path from "node:path";

export type ConfigValue = number | string | boolean | null;

/** The formats by file extension; anything else is refused with this list. */
export const configFileFormats = [".json", ".py", ".toml"] as const;

/** A number as Python and TOML write it: 5000, -2, 1e-3, 6e-4, 1_000, .5 */
const NUMBER = /^[+-]?(\d[\d_]*\.?[\d_]*|\.\d[\d_]*)(e[+-]?\d+)?$/i;
const ESCAPES: Record<string, string> = { n: "\n", t: "\t", r: "\r", "\\": "\\", "'": "'", '"': '"' };

/** One literal: a quoted string, a number, True/False/true/false, None; null when it is none of them. */
function literal(text: string): { value: ConfigValue } | null {
  const quoted = /^(['"])((?:\\.|(?!\1).)*)\1$/.exec(text);
  if (quoted) return { value: quoted[2].replace(/\\(.)/g, (m, ch: string) => ESCAPES[ch] ?? m) };
  if (/^(True|true)$/.test(text)) return { value: true };
  if (/^(False|false)$/.test(text)) return { value: false };
  if (text === "None") return { value: null };
  if (NUMBER.test(text)) return { value: Number(text.replace(/_/g, "")) };
  return null;
}

/** Drops a `# comment` that is not inside a quoted string. */
function stripComment(line: string): string {
  let quote = "";
  for (let i = 0; i < line.length; i++) {
    const ch = line[i];
    if (quote) {
      if (ch === "\\") i++;
      else if (ch === quote) quote = "";
    } else if (ch === "'" || ch === '"') quote = ch;
    else if (ch === "#") return line.slice(0, i);
  }
  return line;
}

/** `key = literal` lines (blank lines and # comments skipped); every other line is refused with its number. */
export function parseKeyValueText(text: string, file: string): Record<string, { value: ConfigValue; line: number }> {
  const out: Record<string, { value: ConfigValue; line: number }> = {};
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = stripComment(raw).trim();
    if (line === "") return;
    const where = `${file} line ${i + 1}`;
    const m = /^([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.+)$/.exec(line);
    if (!m) throw new Error(`${where}: "${line}" is not a "key = value" line; a config file holds only lines like max_iters = 2000 or dataset = 'input.txt' (no Python is run)`);
    const v = literal(m[2].trim());
    if (!v) throw new Error(`${where}: the value of ${m[1]} is ${m[2].trim()}, which is not a literal; write a number, a quoted string, True/False or None (no expressions: the file is read, not run)`);
    if (m[1] in out) throw new Error(`${where}: ${m[1]} is set twice (first on line ${out[m[1]].line}); set it once`);
    out[m[1]] = { value: v.value, line: i + 1 };
  });
  return out;
}

/** The keys and values of a config file, in its format (by extension); errors name the file and the line. */
export function readConfigFile(file: string): Record<string, ConfigValue> {
  const ext = path.extname(file).toLowerCase();
  if (!(configFileFormats as readonly string[]).includes(ext)) throw new Error(`config file ${file}: unknown format "${ext || "(no extension)"}"; use ${configFileFormats.join(", ")} (JSON, or nanoGPT's key = value lines)`);
  let text: string;
  try {
    text = fs.readFileSync(file, "utf8");
  } catch (e) {
    throw new Error(`config file ${file} cannot be read: ${(e as NodeJS.ErrnoException).code === "ENOENT" ? "no such file" : (e as Error).message}`);
  }
  if (ext !== ".json") return Object.fromEntries(Object.entries(parseKeyValueText(text, file)).map(([k, v]) => [k, v.value]));
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (e) {
    throw new Error(`config file ${file} is not valid JSON: ${(e as Error).message}`);
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) throw new Error(`config file ${file} must hold one JSON object of options, e.g. { "steps": 2000, "lr": 0.001 }`);
  for (const [k, v] of Object.entries(parsed)) {
    if (v !== null && typeof v === "object") throw new Error(`config file ${file}: ${k} is ${Array.isArray(v) ? "an array" : "an object"}; options take a number, a string, true/false or null`);
  }
  return parsed as Record<string, ConfigValue>;
}
