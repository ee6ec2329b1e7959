// Generates stories.txt: short lowercase stories (one per line, a blank line between them) built from a lexicon
// of regular stems and English inflection rules (-s/-es/-ies, -ed with e-drop, y -> i and consonant doubling,
// -ing, plurals, -er/-est, -ly, -ness, -ful, -less, un-, re-, -er agents), deterministic (seeded Rng) so a re-run
// is byte-identical. One form of each stem is held out of the first 90% of the file and appears only in the last
// 10% (the text mode's validation split at valFraction 0.1): words no word vocabulary learned from the training
// part can know, but whose stem and suffix a subword vocabulary has seen. Run: npx tsx datasets/stories/generate.ts

import * as fs from "node:fs";
import * as path from "node:path";
import { Rng } from "../../src/core/random.js";

const SEED = 11;
/** Characters of the training part (stories without held-out forms); the held-out part adds TRAIN_CHARS / 9. */
const TRAIN_CHARS = 1_000_000;
export const HELD_OUT_SHARE = 0.1;
const OUT = path.join(path.dirname(path.resolve(process.argv[1] ?? "datasets/stories/generate.ts")), "stories.txt");

let rng = new Rng(SEED);

/** Zipf-like pick: earlier entries are more common, as in real text. */
function pick<T>(items: readonly T[], skew = 0.8): T {
  const w = items.map((_, i) => 1 / Math.pow(i + 1, skew));
  return items[rng.categorical(w)];
}
function chance(p: number): boolean {
  return rng.random() < p;
}

// ---------------------------------------------------------------- morphology (regular English spelling rules)
const VOWEL = /[aeiou]/;
/** Stems whose last consonant doubles before -ed/-ing/-er (stop -> stopped); the rule needs stress, so it is listed. */
const DOUBLES = new Set(["stop", "hop", "drop", "skip", "clap", "hug", "nod", "plan", "shop", "grab", "trip", "rub", "wag", "tap", "pat", "jog", "chat", "knit", "beg", "drum", "mop", "scrub", "sip", "chop", "stir", "slip", "spot", "step", "tug", "zip", "big", "sad", "hot", "wet", "fat", "thin", "dim", "fit", "red"]);

function endsSibilant(w: string): boolean {
  return /(s|sh|ch|x|z)$/.test(w);
}
function consonantY(w: string): boolean {
  return /[^aeiou]y$/.test(w);
}
/** -s of verbs and nouns: walks, wishes, cries, potatoes. */
export function plural(w: string): string {
  if (endsSibilant(w) || /[^aeiou]o$/.test(w)) return w + "es";
  if (consonantY(w)) return w.slice(0, -1) + "ies";
  return w + "s";
}
/** A suffix that starts with a vowel (-ed, -ing, -er, -est): e-drop, y -> i (not before -ing), doubling. */
export function vowelSuffix(w: string, suffix: string): string {
  if (DOUBLES.has(w)) return w + w[w.length - 1] + suffix;
  if (w.endsWith("e") && !w.endsWith("ee")) return w.slice(0, -1) + suffix;
  if (consonantY(w) && suffix !== "ing") return w.slice(0, -1) + "i" + suffix;
  return w + suffix;
}
/** The few irregular pasts among the stems (the rest follow the rules). */
const IRREGULAR_PAST: Record<string, string> = { feed: "fed", teach: "taught", hide: "hid", sweep: "swept" };
export function past(w: string): string {
  if (IRREGULAR_PAST[w]) return IRREGULAR_PAST[w];
  if (w.endsWith("e")) return w + "d";
  return vowelSuffix(w, "ed");
}
export function ing(w: string): string {
  if (w.endsWith("ie")) return w.slice(0, -2) + "ying";
  return vowelSuffix(w, "ing");
}
/** -er of agents and comparatives: painter, baker, shopper, happier. */
export function er(w: string): string {
  if (w.endsWith("e")) return w + "r";
  return vowelSuffix(w, "er");
}
export function est(w: string): string {
  if (w.endsWith("e")) return w + "st";
  return vowelSuffix(w, "est");
}
/** Consonant suffixes (-ly, -ness, -ful, -less): y -> i after a consonant (happily, happiness). */
export function consonantSuffix(w: string, suffix: string): string {
  if (consonantY(w)) return w.slice(0, -1) + "i" + suffix;
  if (suffix === "ly" && w.endsWith("le")) return w.slice(0, -1) + "y"; // gentle -> gently
  return w + suffix;
}

// ---------------------------------------------------------------- lexicon
// Regular verbs. t: transitive (takes an object of the listed kinds), re: takes the prefix re- (repaint), agent:
// forms an -er noun (painter).
type Kind = "thing" | "food" | "animal" | "person" | "place";
interface VerbStem { base: string; obj: Kind[] | null; re: boolean; agent: boolean }
const v = (base: string, obj: Kind[] | null, re = false, agent = false): VerbStem => ({ base, obj, re, agent });
const verbs: VerbStem[] = [
  v("walk", null, false, true), v("play", null, true, true), v("look", null), v("jump", null, false, true), v("laugh", null),
  v("smile", null), v("cry", null), v("wait", null), v("work", null, false, true), v("rest", null), v("climb", null, false, true),
  v("shout", null), v("dance", null, false, true), v("hop", null), v("skip", null), v("nod", null), v("clap", null),
  v("jog", null, false, true), v("chat", null), v("yawn", null), v("sneeze", null), v("giggle", null), v("whisper", null),
  v("hurry", null), v("worry", null, false, true), v("wander", null, false, true), v("listen", null, false, true), v("travel", null, false, true),
  v("paint", ["thing", "place"], true, true), v("clean", ["thing", "place"], true, true), v("wash", ["thing", "animal"], true, true),
  v("fix", ["thing"], true, false), v("open", ["thing"], true, true), v("close", ["thing"], false, false), v("fill", ["thing"], true, false),
  v("pack", ["thing", "food"], true, true), v("carry", ["thing", "food", "animal"], false, true), v("push", ["thing"], false, true),
  v("pull", ["thing"], false, true), v("kick", ["thing"], false, true), v("lift", ["thing", "animal"], false, true),
  v("drop", ["thing", "food"], false, false), v("grab", ["thing", "food"], false, true), v("hug", ["person", "animal"], false, true),
  v("help", ["person", "animal"], false, true), v("call", ["person", "animal"], true, true), v("visit", ["person", "place"], true, true),
  v("watch", ["person", "animal", "thing"], true, true), v("follow", ["person", "animal"], false, true), v("chase", ["animal", "person"], false, true),
  v("feed", ["animal", "person"], false, true), v("cook", ["food"], true, false), v("bake", ["food"], true, true), v("taste", ["food"], false, true),
  v("like", ["food", "thing", "animal", "person"]), v("love", ["food", "animal", "person", "place"], false, true), v("want", ["food", "thing"]),
  v("need", ["food", "thing", "person"]), v("count", ["thing", "animal"], true, true), v("share", ["food", "thing"], false, true),
  v("hide", ["thing", "food"]), v("fold", ["thing"], true, true), v("mend", ["thing"], false, true), v("polish", ["thing"], true, true),
  v("stack", ["thing"], true, true), v("order", ["food", "thing"], true, false), v("collect", ["thing", "animal"], true, true),
  v("deliver", ["thing", "food"], true, true), v("borrow", ["thing"], false, true), v("return", ["thing"], false, false),
  v("paint", ["thing"], true, true), v("plant", ["food", "thing"], true, true), v("pick", ["food", "thing"], false, true),
  v("peel", ["food"], false, true), v("slice", ["food"], false, true), v("stir", ["food"], false, true), v("mix", ["food"], true, true),
  v("boil", ["food"], true, false), v("fry", ["food"], false, false), v("chop", ["food"], false, true), v("sip", ["food"], false, false),
  v("greet", ["person", "animal"], false, true), v("thank", ["person"], false, false), v("tickle", ["person", "animal"], false, true),
  v("scare", ["person", "animal"], false, false), v("invite", ["person"], true, false), v("teach", ["person", "animal"], false, true),
  v("train", ["animal", "person"], true, true), v("trust", ["person", "animal"], false, false), v("miss", ["person", "place", "animal"]),
  v("explore", ["place"], true, true), v("search", ["place", "thing"], true, true), v("guard", ["place", "thing"], false, true),
  v("scrub", ["thing", "place"], false, true), v("mop", ["place"], false, false), v("sweep", ["place"], false, true),
  v("decorate", ["thing", "place"], true, false), v("measure", ["thing"], true, false), v("weigh", ["thing", "food", "animal"], true, false),
  v("spot", ["animal", "person", "thing"], false, true), v("trip", null), v("step", null), v("slip", null), v("shop", null, false, true),
  v("plan", ["thing"], true, true), v("knit", ["thing"], true, true), v("zip", ["thing"], false, false), v("tug", ["thing"], false, false),
  v("beg", null), v("drum", null, false, true), v("study", null, false, false), v("marry", ["person"], true, false),
  v("copy", ["thing"], false, true), v("tidy", ["place", "thing"], false, false), v("empty", ["thing"], false, false),
  v("tie", ["thing"], true, false), v("untie", ["thing"], false, false), v("bounce", ["thing"], false, true), v("roll", ["thing", "food"], false, true),
];
// duplicates in the list above would double a stem's weight; keep the first
const verbList: VerbStem[] = verbs.filter((x, i) => verbs.findIndex((y) => y.base === x.base) === i);

const nouns: Record<Kind, string[]> = {
  thing: ["box", "ball", "cup", "hat", "bag", "key", "chair", "table", "door", "window", "lamp", "clock", "book", "letter", "basket", "kite", "boat", "bike", "shoe", "sock", "dress", "scarf", "glass", "brush", "dish", "bench", "wheel", "bottle", "button", "pencil", "blanket", "ribbon", "candle", "bucket", "ladder", "fence", "wagon", "drum", "bell", "map", "coin", "toy", "jar", "rope", "pillow", "mirror", "umbrella", "puzzle", "shelf", "teapot"],
  food: ["apple", "cake", "egg", "pie", "cookie", "carrot", "potato", "tomato", "pear", "lemon", "peach", "cherry", "berry", "sandwich", "muffin", "onion", "bean", "plum", "pancake", "biscuit", "noodle", "grape", "melon", "radish", "pumpkin", "turnip", "nut", "olive", "pepper", "banana"],
  animal: ["dog", "cat", "bird", "horse", "cow", "duck", "rabbit", "fox", "bear", "frog", "goat", "pig", "owl", "hen", "puppy", "kitten", "pony", "donkey", "turtle", "monkey", "squirrel", "beetle", "bunny", "lamb", "badger", "otter", "parrot", "mouse", "lizard", "spider"],
  person: ["friend", "teacher", "farmer", "doctor", "neighbor", "sister", "brother", "cousin", "uncle", "aunt", "baby", "king", "queen", "nurse", "driver", "pilot", "sailor", "child", "grandma", "grandpa", "lady", "boy", "girl", "guest", "stranger"],
  place: ["garden", "kitchen", "park", "school", "house", "forest", "river", "beach", "lake", "market", "shop", "farm", "city", "village", "library", "street", "field", "hill", "room", "yard", "station", "bridge", "barn", "castle", "meadow", "valley", "harbor", "island", "cottage", "bakery"],
};
// irregular plurals stay irregular (children, mice), and a held-out plural of them would be noise
const IRREGULAR_PLURAL: Record<string, string> = { child: "children", mouse: "mice", lady: "ladies" };

interface AdjStem { base: string; comparative: boolean; un: boolean; ness: boolean }
const a = (base: string, comparative = true, un = false, ness = true): AdjStem => ({ base, comparative, un, ness });
const adjectives: AdjStem[] = [
  a("happy", true, true), a("kind", true, true), a("quiet", true, false), a("brave", true, false), a("busy", true, false), a("lazy", true, false),
  a("sleepy", true, false), a("funny", true, false), a("tidy", true, true), a("lucky", true, true), a("friendly", true, true), a("lovely", true, false),
  a("bright", true, false), a("dark", true, false), a("soft", true, false), a("loud", true, false), a("quick", true, false), a("slow", true, false),
  a("warm", true, false), a("cold", true, false), a("sweet", true, false), a("fresh", true, false), a("clean", true, true), a("neat", true, false),
  a("calm", true, false), a("gentle", true, false), a("noisy", true, false), a("muddy", true, false), a("shiny", true, false), a("silly", true, false),
  a("tiny", true, false), a("big", true, false), a("small", true, false), a("tall", true, false), a("short", true, false), a("old", true, false),
  a("young", true, false), a("strong", true, false), a("weak", true, false), a("wet", true, false), a("dry", true, false), a("hot", true, false),
  a("sad", true, false), a("safe", true, true), a("fair", true, true), a("wise", true, true), a("fit", true, true), a("steady", true, true),
  a("easy", true, true), a("heavy", true, false), a("green", true, false), a("red", true, false), a("thin", true, false), a("dim", true, false),
];
// adjectives that also take -ful/-less as nouns do: care -> careful, careless (noun stems)
const fulLess = ["care", "hope", "help", "fear", "cheer", "color", "thought", "use", "rest", "joy", "power", "grace", "pain", "fruit", "thank"];

/** "friendly" and "lovely" make no -ly adverb */
const adverbStems = adjectives.filter((x) => !x.base.endsWith("ly"));

const names = ["anna", "ben", "clara", "david", "emma", "frank", "grace", "henry", "ivy", "jack", "kate", "leo", "lily", "max", "mia", "nina", "oscar", "paul", "rosa", "sam", "tom", "vera", "zoe", "lucy", "omar", "ruth", "hugo", "alice", "peter", "milo", "nora", "felix", "iris", "otto", "wren", "jonah", "hazel", "ezra", "maya", "theo"];

// ---------------------------------------------------------------- forms and the held-out set
/** Every inflected or derived form of every stem, by stem (the held-out form of a stem is one of its forms). */
function formsOf(): Map<string, string[]> {
  const out = new Map<string, string[]>();
  const add = (stem: string, forms: string[]) => out.set(stem, forms.filter((f, i) => forms.indexOf(f) === i));
  for (const vb of verbList) {
    const f = [plural(vb.base), past(vb.base), ing(vb.base)];
    if (vb.agent) f.push(er(vb.base), plural(er(vb.base)));
    if (vb.re) f.push("re" + vb.base, "re" + past(vb.base), "re" + ing(vb.base));
    add("v:" + vb.base, f);
  }
  for (const kind of Object.keys(nouns) as Kind[]) for (const n of nouns[kind]) if (!IRREGULAR_PLURAL[n]) add("n:" + n, [plural(n)]);
  for (const adj of adjectives) {
    const f = adj.base.endsWith("ly") ? [] : [consonantSuffix(adj.base, "ly")];
    if (adj.comparative) f.push(er(adj.base), est(adj.base));
    if (adj.ness) f.push(consonantSuffix(adj.base, "ness"));
    if (adj.un) f.push("un" + adj.base, "un" + consonantSuffix(adj.base, "ly"));
    add("a:" + adj.base, f);
  }
  for (const s of fulLess) add("f:" + s, [s + "ful", s + "less", s + "fully"]);
  return out;
}

/** Words the templates write as they are ("said anna", "looked happy", "and anna smiles"): never held out. */
const TEMPLATE_WORDS = new Set(["felt", "feel", "feels", "looked", "look", "looks", "seemed", "said", "whispered", "shouted", "laughed", "asked", "lived", "lives", "slept", "sleeps", "smiled", "smiles"]);

/** One form per stem, drawn with the seed: these appear only after the training part. */
function drawHeldOut(forms: Map<string, string[]>): Set<string> {
  const plain = new Set([...TEMPLATE_WORDS, ...Object.values(nouns).flat(), ...names]); // "teacher" is a noun too
  const held = new Set<string>();
  for (const all of forms.values()) {
    const fs = all.filter((f) => !plain.has(f));
    if (fs.length > 0) held.add(fs[rng.int(fs.length)]);
  }
  return held;
}

let heldOut = new Set<string>();
let allowHeldOut = false;
class HeldOutForm extends Error {}

/** A generated word: a held-out form in the training part redraws the sentence. */
function w(form: string): string {
  if (!allowHeldOut && heldOut.has(form)) throw new HeldOutForm(form);
  return form;
}

// ---------------------------------------------------------------- grammar
type Tense = "past" | "present";
interface Hero { name: string; pronoun: "he" | "she" | "they"; pet: string; place: string; friend: string }

function noun(kind: Kind, pl: boolean): string {
  const n = pick(nouns[kind], 0.6);
  if (!pl) return n;
  return IRREGULAR_PLURAL[n] ?? w(plural(n));
}
function det(pl: boolean): string {
  return pl ? pick(["the", "some", "two", "three", "many", "her", "his", "their", "those", "all the"], 0.9) : pick(["the", "a", "her", "his", "their", "that", "one"], 0.9);
}
/** "the big dogs", "a happier cat", "some tiny apples" */
function np(kind: Kind, pl = chance(0.35)): string {
  const n = noun(kind, pl);
  let d = det(pl);
  let adj = "";
  if (chance(0.35)) {
    const s = pick(adjectives, 0.7);
    const r = rng.random();
    adj = r < 0.75 ? s.base : r < 0.9 && s.comparative ? w(er(s.base)) : s.un && chance(0.5) ? w("un" + s.base) : s.base;
    if (r >= 0.9 && s.comparative && chance(0.5)) {
      adj = w(est(s.base));
      d = "the";
    }
  }
  const words = [d, adj, n].filter((x) => x);
  if (words[0] === "a" && VOWEL.test(words[1][0])) words[0] = "an";
  return words.join(" ");
}
function adverb(): string {
  const s = pick(adverbStems, 0.7);
  if (s.un && chance(0.2)) return w("un" + consonantSuffix(s.base, "ly"));
  if (chance(0.15)) return w(pick(fulLess, 0.7) + "fully");
  return w(consonantSuffix(s.base, "ly"));
}
function finite(vb: VerbStem, tense: Tense, third: boolean, prefix = false): string {
  const base = prefix ? "re" + vb.base : vb.base;
  if (tense === "past") return w(past(base));
  return third ? w(plural(base)) : prefix ? w(base) : base;
}
function subject(h: Hero): { text: string; third: boolean } {
  const r = rng.random();
  if (r < 0.45) return { text: h.name, third: true };
  if (r < 0.75) return { text: h.pronoun, third: h.pronoun !== "they" };
  if (r < 0.85) return { text: `${h.name}'s ${h.pet}`, third: true };
  if (r < 0.93) return { text: `${h.name} and ${h.friend}`, third: false };
  const pl = chance(0.4);
  return { text: np(chance(0.5) ? "animal" : "person", pl), third: !pl };
}
function place(h: Hero): string {
  return chance(0.5) ? `the ${h.place}` : np("place", false).replace(/^(a|an|one) /, "the ");
}
function object(vb: VerbStem, h: Hero): string {
  const k = pick(vb.obj!, 0.5);
  if (k === "person" && chance(0.3)) return chance(0.5) ? h.friend : pick(["him", "her", "them", "us"], 0.6);
  if (k === "animal" && chance(0.3)) return `the ${h.pet}`;
  if (k === "place") return place(h);
  return np(k);
}

/** One sentence of a story about a hero, in the story's tense. */
function sentence(h: Hero, tense: Tense): string {
  const s = subject(h);
  const r = rng.random();
  const tv = () => pick(verbList.filter((x) => x.obj), 0.5);
  const iv = () => pick(verbList.filter((x) => !x.obj), 0.6);
  const be = tense === "past" ? (s.third ? "was" : "were") : s.third ? "is" : "are";
  const tail = () => (chance(0.3) ? ` in ${place(h)}` : "") + (chance(0.2) ? ` ${adverb()}` : "");
  if (r < 0.3) {
    const vb = tv();
    const again = vb.re && chance(0.12);
    return `${s.text} ${finite(vb, tense, s.third, again)} ${object(vb, h)}${tail()}`;
  }
  if (r < 0.45) return `${s.text} ${finite(iv(), tense, s.third)}${tail()}`;
  if (r < 0.57) {
    // progressive: "she was painting the fence"
    const vb = chance(0.5) ? tv() : iv();
    return `${s.text} ${be} ${w(ing(vb.base))}${vb.obj ? " " + object(vb, h) : ""}${tail()}`;
  }
  if (r < 0.66) {
    // "tom felt happier than ever" / "the day was the sunniest"
    const adj = pick(adjectives, 0.6);
    const x = rng.random();
    const pred = x < 0.4 ? adj.base : x < 0.65 && adj.comparative ? `${w(er(adj.base))} than ever` : x < 0.8 && adj.comparative ? `the ${w(est(adj.base))} of all` : adj.un ? w("un" + adj.base) : `very ${adj.base}`;
    return `${s.text} ${pick(tense === "past" ? ["felt", be, "looked", "seemed"] : [be, tense === "present" && s.third ? "feels" : "feel", s.third ? "looks" : "look"], 0.6)} ${pred}`;
  }
  if (r < 0.72) {
    // agent nouns: "the painters painted the fence" / "the baker was busy"
    const vb = pick(verbList.filter((x) => x.agent), 0.6);
    const pl = chance(0.4);
    const agent = pl ? w(plural(er(vb.base))) : w(er(vb.base));
    const verb = vb.obj ? `${finite(vb, tense, !pl)} ${object(vb, h)}` : finite(vb, tense, !pl);
    return `the ${agent} ${verb}${tail()}`;
  }
  if (r < 0.78) {
    // -ness, -ful, -less
    const adj = pick(adjectives.filter((x) => x.ness), 0.6);
    const fl = pick(fulLess, 0.6);
    return chance(0.5)
      ? `${h.name} could not hide ${h.pronoun === "she" ? "her" : h.pronoun === "he" ? "his" : "their"} ${w(consonantSuffix(adj.base, "ness"))}`
      : `${s.text} ${be} ${w(fl + (chance(0.6) ? "ful" : "less"))}`;
  }
  if (r < 0.86) {
    // two clauses
    const v1 = iv(), v2 = tv();
    return `${s.text} ${finite(v1, tense, s.third)} ${pick(["and then", "because", "while", "so", "but"], 0.6)} ${h.pronoun} ${finite(v2, tense, h.pronoun !== "they")} ${object(v2, h)}`;
  }
  if (r < 0.93) {
    // speech: "i like the pears," said anna.
    const vb = tv();
    const said = pick(["said", "whispered", "shouted", "laughed", "asked"], 0.6);
    const speech = `i ${chance(0.5) ? vb.base : "will " + vb.base} ${object(vb, h)}`;
    return `"${speech}," ${said === "asked" ? "said" : said} ${h.name}`;
  }
  // questions in speech: "did you clean the kitchen?" asked tom.
  const vb = tv();
  return `"${tense === "past" ? "did" : "do"} you ${vb.base} ${object(vb, h)}?" asked ${h.name}`;
}

function story(): string {
  const name = pick(names, 0.4);
  const h: Hero = {
    name,
    pronoun: pick(["she", "he", "they"], 0.2),
    pet: pick(nouns.animal, 0.6),
    place: pick(nouns.place, 0.6),
    friend: pick(names.filter((n) => n !== name), 0.4),
  };
  const tense: Tense = chance(0.75) ? "past" : "present";
  const opening = tense === "past" ? `once upon a time, ${h.name} lived near the ${h.place} with a ${h.pet}.` : `${h.name} lives near the ${h.place} with a ${h.pet}.`;
  const out = [opening];
  const n = 4 + rng.int(6);
  while (out.length <= n) {
    const saved = rng.getState();
    try {
      const s = sentence(h, tense);
      out.push(s + (chance(0.08) && !s.includes('"') ? "!" : "."));
    } catch (e) {
      if (!(e instanceof HeldOutForm)) throw e;
      rng.setState(saved);
      rng.nextUint32(); // the same draw would hit the same form: move on
    }
  }
  out.push(pick([`${h.name} was happy.`, "the end.", `that night, ${h.name} slept well.`, `and ${h.name} smiled.`], 0.6));
  if (tense === "present") out[out.length - 1] = out[out.length - 1].replace(" was ", " is ").replace("slept", "sleeps").replace("smiled", "smiles");
  return out.join(" ");
}

// ---------------------------------------------------------------- output
export interface Stories {
  text: string;
  /** the forms held out of the training part (one per stem) */
  heldOut: string[];
  /** characters of the training part: no held-out form occurs before this offset */
  trainChars: number;
}

/** The whole corpus; the same text on every call (the Rng is re-seeded). */
export function generateStories(): Stories {
  rng = new Rng(SEED);
  heldOut = drawHeldOut(formsOf());
  const parts: string[] = [];
  let length = 0;
  allowHeldOut = false;
  while (length < TRAIN_CHARS) {
    const s = story() + "\n\n";
    parts.push(s);
    length += s.length;
  }
  const trainChars = length;
  // the held-out part ends before the text reaches trainChars / (1 - HELD_OUT_SHARE), so the text mode's
  // validation split at valFraction HELD_OUT_SHARE begins at or before trainChars: every held-out form is in it
  allowHeldOut = true;
  const limit = trainChars / (1 - HELD_OUT_SHARE);
  for (;;) {
    const s = story() + "\n\n";
    if (length + s.length > limit) break;
    parts.push(s);
    length += s.length;
  }
  return { text: parts.join(""), heldOut: Array.from(heldOut).sort(), trainChars };
}

export function generateText(): string {
  return generateStories().text;
}

function main(): void {
  const { text, heldOut: held, trainChars } = generateStories();
  fs.writeFileSync(OUT, text);
  const words = (s: string) => s.match(/[a-z]+(?:'[a-z]+)?/g) ?? [];
  const trainWords = new Set(words(text.slice(0, trainChars)));
  const valTokens = words(text.slice(trainChars));
  const unseen = valTokens.filter((x) => !trainWords.has(x));
  const stories = text.split("\n\n").filter((x) => x).length;
  console.log(`wrote ${OUT}`);
  console.log(`stories ${stories}, characters ${text.length}, bytes ${Buffer.byteLength(text)}, training part ${trainChars} characters`);
  console.log(`distinct words ${new Set(words(text)).size} (training part ${trainWords.size}); held-out forms ${held.length}`);
  console.log(`held-out part: ${valTokens.length} words, ${unseen.length} (${((100 * unseen.length) / valTokens.length).toFixed(2)}%) not in the training part, ${new Set(unseen).size} distinct`);
}

if (/generate\.ts$/.test(process.argv[1] ?? "")) main();
