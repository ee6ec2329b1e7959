// Generates plans.txt: short "intent -> plan" documents (one per line) of the kind the MicroGPT-C guide trains its
// 1.2M-parameter planner on: a request in plain words, then the steps that carry it out, in a fixed little
// language. Deterministic (seeded Rng), so a re-run is byte-identical. Run: npx tsx datasets/intent-plan/generate.ts

import * as fs from "node:fs";
import * as path from "node:path";
import { Rng } from "../../src/core/random.js";
import { buildCharTokenizer } from "../../src/data/char.js";

const SEED = 2026;
/** Lines written; with the lab's valFraction 0.1 about 1.5K of them are training documents. */
export const COUNT = 1700;
const OUT = path.join(path.dirname(path.resolve(process.argv[1] ?? "datasets/intent-plan/generate.ts")), "plans.txt");

let rng = new Rng(SEED);
function pick<T>(items: readonly T[]): T {
  return items[rng.int(items.length)];
}

const rooms = ["kitchen", "hall", "bedroom", "office", "garage", "bathroom", "attic", "porch", "lounge", "cellar"];
const people = ["anna", "ben", "carla", "dev", "emil", "fay", "gus", "hana", "ivo", "jo", "kim", "leo"];
const tasks = ["call the bank", "water the plants", "buy milk", "pay rent", "feed the cat", "return the books", "book a dentist", "charge the bike", "take out the bins", "back up the laptop"];
const messages = ["i am running late", "dinner is at eight", "the meeting moved", "see you tomorrow", "call me back", "the parcel arrived", "happy birthday"];
const files = ["report.txt", "photos.zip", "notes.md", "budget.csv", "slides.pdf", "todo.txt", "data.json"];
const folders = ["backup", "shared", "archive", "desktop", "work", "usb"];
const lists = ["contacts", "invoices", "songs", "tasks", "orders", "books"];
const keys = ["name", "date", "price", "size", "rating"];
const dishes = ["pasta", "soup", "curry", "pancakes", "salad", "rice", "omelette"];
const cities = ["oslo", "lyon", "porto", "turin", "ghent", "bern", "split", "graz"];
const modes = ["train", "bus", "flight", "ferry"];
const days = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"];
const hours = [6, 7, 8, 9, 10, 12, 14, 17, 18, 19, 20, 21, 22];

function clock(h: number): { say: string; hhmm: string } {
  const say = h === 12 ? "noon" : h < 12 ? `${h} am` : `${h - 12} pm`;
  return { say, hhmm: `${String(h).padStart(2, "0")}:00` };
}

/** One document: an intent and its plan, the steps separated by "; ". */
type Template = () => [intent: string, plan: string[]];
const templates: Template[] = [
  () => {
    const room = pick(rooms);
    const on = rng.random() < 0.5;
    const verb = pick(on ? ["turn on", "switch on"] : ["turn off", "switch off"]);
    if (rng.random() < 0.5) return [`${verb} the ${room} lights`, [`find ${room}.lights`, `set ${on ? "on" : "off"}`]];
    const t = clock(pick(hours));
    return [`${verb} the ${room} lights at ${t.say}`, [`find ${room}.lights`, `schedule ${t.hhmm}`, `set ${on ? "on" : "off"}`]];
  },
  () => {
    const room = pick(rooms);
    const deg = 16 + rng.int(10);
    return [`${pick(["set", "heat"])} the ${room} to ${deg} degrees`, [`find ${room}.thermostat`, `read temp`, `set target ${deg}`]];
  },
  () => {
    const task = pick(tasks);
    const day = pick(days);
    const t = clock(pick(hours));
    return [`remind me to ${task} on ${day} at ${t.say}`, [`create reminder "${task}"`, `due ${day} ${t.hhmm}`]];
  },
  () => {
    const who = pick(people);
    const msg = pick(messages);
    const intent = rng.random() < 0.5 ? `tell ${who} that ${msg}` : `send ${who} a message saying ${msg}`;
    return [intent, [`lookup contact ${who}`, `compose "${msg}"`, `send sms`]];
  },
  () => {
    const file = pick(files);
    const folder = pick(folders);
    const move = rng.random() < 0.5;
    return [`${move ? "move" : "copy"} ${file} to ${folder}`, [`open ${file}`, `${move ? "move" : "copy"} to /${folder}`, `verify /${folder}/${file}`]];
  },
  () => {
    const list = pick(lists);
    const key = pick(keys);
    const desc = rng.random() < 0.4;
    return [`sort my ${list} by ${key}${desc ? " from high to low" : ""}`, [`load ${list}`, `sort by ${key} ${desc ? "desc" : "asc"}`, `save ${list}`]];
  },
  () => {
    const dish = pick(dishes);
    const n = 1 + rng.int(8);
    return [`make ${dish} for ${n === 1 ? "one person" : `${n} people`}`, [`fetch recipe ${dish}`, `scale to ${n}`, `list ingredients`, `start timer`]];
  },
  () => {
    const mode = pick(modes);
    const from = pick(cities);
    let to = pick(cities);
    while (to === from) to = pick(cities);
    const day = pick(days);
    return [`book a ${mode} from ${from} to ${to} on ${day}`, [`search ${mode} ${from}>${to} ${day}`, `pick cheapest`, `pay card`, `send ticket`]];
  },
];

/** The whole corpus; the same text on every call (the Rng is re-seeded). Lines are distinct. */
export function generateText(): string {
  rng = new Rng(SEED);
  const seen = new Set<string>();
  const lines: string[] = [];
  let tries = 0;
  while (lines.length < COUNT) {
    if (++tries > COUNT * 50) throw new Error("generator: too few distinct documents; add templates or words");
    const [intent, plan] = pick(templates)();
    const line = `${intent} -> ${plan.join("; ")}`;
    if (seen.has(line)) continue;
    seen.add(line);
    lines.push(line);
  }
  return lines.join("\n") + "\n";
}

function main(): void {
  const text = generateText();
  fs.writeFileSync(OUT, text);
  const lines = text.split("\n").filter((l) => l.length > 0);
  const tok = buildCharTokenizer(text);
  const chars = lines.reduce((k, l) => k + l.length, 0);
  const longest = lines.reduce((k, l) => Math.max(k, l.length), 0);
  console.log(`wrote ${OUT}`);
  console.log(`lines ${lines.length}, characters (without line breaks) ${chars}, mean length ${(chars / lines.length).toFixed(1)}, longest ${longest}, bytes ${Buffer.byteLength(text)}`);
  console.log(`distinct characters ${tok.vocabSize - 1}, vocabSize with <BOS> ${tok.vocabSize}, ln(vocabSize) ${Math.log(tok.vocabSize).toFixed(4)}`);
}

if (/generate\.ts$/.test(process.argv[1] ?? "")) main();
