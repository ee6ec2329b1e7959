// Generates sentences.txt: simple English sentences from a small grammar (agreement, tense, fixed phrases),
// deterministic (seeded Rng) so a re-run is byte-identical. Run: npx tsx datasets/simple-sentences/generate.ts

import * as fs from "node:fs";
import * as path from "node:path";
import { Rng } from "../../src/core/random.js";
import { buildWordTokenizer, splitWords } from "../../src/data/word.js";

const SEED = 2024;
const LINES = 12000;
const OUT = path.join(path.dirname(path.resolve(process.argv[1] ?? "datasets/simple-sentences/generate.ts")), "sentences.txt");

let rng = new Rng(SEED);

/** Zipf-like pick: earlier entries are more common, which makes the text predictable like real text. */
function pick<T>(items: readonly T[], skew = 0.7): T {
  const w = items.map((_, i) => 1 / Math.pow(i + 1, skew));
  return items[rng.categorical(w)];
}
function chance(p: number): boolean {
  return rng.random() < p;
}

// ---------------------------------------------------------------- lexicon
type Noun = [sg: string, pl: string];
const animals: Noun[] = [
  ["dog", "dogs"], ["cat", "cats"], ["bird", "birds"], ["horse", "horses"], ["cow", "cows"], ["duck", "ducks"],
  ["rabbit", "rabbits"], ["mouse", "mice"], ["sheep", "sheep"], ["fox", "foxes"], ["bear", "bears"], ["frog", "frogs"],
  ["goat", "goats"], ["pig", "pigs"], ["lion", "lions"], ["owl", "owls"], ["hen", "hens"], ["puppy", "puppies"],
];
const people: Noun[] = [
  ["boy", "boys"], ["girl", "girls"], ["man", "men"], ["woman", "women"], ["child", "children"], ["teacher", "teachers"],
  ["farmer", "farmers"], ["doctor", "doctors"], ["baker", "bakers"], ["student", "students"], ["friend", "friends"],
  ["mother", "mothers"], ["father", "fathers"], ["sister", "sisters"], ["brother", "brothers"], ["baby", "babies"],
  ["king", "kings"], ["queen", "queens"], ["nurse", "nurses"], ["driver", "drivers"], ["cook", "cooks"],
];
const foods: Noun[] = [
  ["apple", "apples"], ["cake", "cakes"], ["egg", "eggs"], ["banana", "bananas"], ["orange", "oranges"], ["pie", "pies"],
  ["cookie", "cookies"], ["sandwich", "sandwiches"], ["carrot", "carrots"], ["potato", "potatoes"], ["tomato", "tomatoes"],
  ["pear", "pears"], ["lemon", "lemons"], ["peach", "peaches"],
];
const massFoods = ["bread", "soup", "rice", "cheese", "fish", "meat", "honey", "salad"];
const drinks = ["milk", "tea", "coffee", "juice", "water", "lemonade", "cocoa"];
const things: Noun[] = [
  ["book", "books"], ["letter", "letters"], ["ball", "balls"], ["box", "boxes"], ["cup", "cups"], ["hat", "hats"],
  ["bag", "bags"], ["key", "keys"], ["chair", "chairs"], ["table", "tables"], ["door", "doors"], ["window", "windows"],
  ["car", "cars"], ["bike", "bikes"], ["boat", "boats"], ["kite", "kites"], ["lamp", "lamps"], ["clock", "clocks"],
  ["phone", "phones"], ["picture", "pictures"], ["song", "songs"], ["story", "stories"], ["map", "maps"],
  ["shoe", "shoes"], ["basket", "baskets"], ["toy", "toys"],
];
/** Things one can hold, lose or buy (songs and stories are not). */
const plainThings = things.filter((t) => t[0] !== "song" && t[0] !== "story");
// each place keeps its own preposition, as English does
const places: [prep: string, place: string][] = [
  ["in", "kitchen"], ["in", "garden"], ["at", "park"], ["at", "school"], ["in", "house"], ["in", "forest"], ["by", "river"],
  ["on", "beach"], ["by", "lake"], ["at", "market"], ["at", "shop"], ["on", "farm"], ["in", "city"], ["in", "village"],
  ["at", "library"], ["on", "street"], ["in", "field"], ["on", "hill"], ["in", "room"], ["in", "yard"], ["at", "station"],
  ["near", "bridge"], ["at", "zoo"], ["in", "barn"], ["at", "hospital"],
];
const names = [
  "anna", "ben", "clara", "david", "emma", "frank", "grace", "henry", "ivy", "jack", "kate", "leo", "lily", "max", "mia",
  "nina", "oscar", "paul", "rosa", "sam", "tom", "vera", "zoe", "lucy", "omar", "ruth", "hugo", "alice", "peter",
];

type Verb = [base: string, s: string, past: string, ing: string];
type ObjKind = "food" | "drink" | "thing" | "animal" | "person" | "read" | "write" | "song" | "openable" | "ball" | "fixable" | "buildable";
interface TVerb {
  forms: Verb;
  obj: ObjKind[];
  animals: boolean; // can an animal do it?
}
const tverbs: TVerb[] = [
  { forms: ["eat", "eats", "ate", "eating"], obj: ["food"], animals: true },
  { forms: ["drink", "drinks", "drank", "drinking"], obj: ["drink"], animals: true },
  { forms: ["like", "likes", "liked", "liking"], obj: ["food", "drink", "thing", "animal", "person"], animals: true },
  { forms: ["see", "sees", "saw", "seeing"], obj: ["thing", "animal", "person"], animals: true },
  { forms: ["read", "reads", "read", "reading"], obj: ["read"], animals: false },
  { forms: ["write", "writes", "wrote", "writing"], obj: ["write"], animals: false },
  { forms: ["buy", "buys", "bought", "buying"], obj: ["food", "thing"], animals: false },
  { forms: ["sell", "sells", "sold", "selling"], obj: ["food", "fixable"], animals: false },
  { forms: ["carry", "carries", "carried", "carrying"], obj: ["thing", "food"], animals: false },
  { forms: ["find", "finds", "found", "finding"], obj: ["thing", "animal"], animals: true },
  { forms: ["lose", "loses", "lost", "losing"], obj: ["thing"], animals: false },
  { forms: ["open", "opens", "opened", "opening"], obj: ["openable"], animals: false },
  { forms: ["close", "closes", "closed", "closing"], obj: ["openable"], animals: false },
  { forms: ["paint", "paints", "painted", "painting"], obj: ["buildable", "openable"], animals: false },
  { forms: ["cook", "cooks", "cooked", "cooking"], obj: ["food"], animals: false },
  { forms: ["wash", "washes", "washed", "washing"], obj: ["thing", "animal"], animals: false },
  { forms: ["want", "wants", "wanted", "wanting"], obj: ["food", "drink", "thing"], animals: true },
  { forms: ["need", "needs", "needed", "needing"], obj: ["food", "drink", "thing"], animals: false },
  { forms: ["hold", "holds", "held", "holding"], obj: ["thing", "animal"], animals: false },
  { forms: ["bring", "brings", "brought", "bringing"], obj: ["thing", "food", "drink"], animals: false },
  { forms: ["make", "makes", "made", "making"], obj: ["food", "thing"], animals: false },
  { forms: ["throw", "throws", "threw", "throwing"], obj: ["ball"], animals: false },
  { forms: ["catch", "catches", "caught", "catching"], obj: ["ball", "animal"], animals: true },
  { forms: ["kick", "kicks", "kicked", "kicking"], obj: ["ball"], animals: false },
  { forms: ["feed", "feeds", "fed", "feeding"], obj: ["animal"], animals: false },
  { forms: ["watch", "watches", "watched", "watching"], obj: ["animal", "person"], animals: true },
  { forms: ["help", "helps", "helped", "helping"], obj: ["person"], animals: false },
  { forms: ["call", "calls", "called", "calling"], obj: ["person", "animal"], animals: false },
  { forms: ["visit", "visits", "visited", "visiting"], obj: ["person"], animals: false },
  { forms: ["love", "loves", "loved", "loving"], obj: ["person", "animal", "food"], animals: true },
  { forms: ["chase", "chases", "chased", "chasing"], obj: ["animal", "ball"], animals: true },
  { forms: ["sing", "sings", "sang", "singing"], obj: ["song"], animals: false },
  { forms: ["fix", "fixes", "fixed", "fixing"], obj: ["fixable"], animals: false },
  { forms: ["draw", "draws", "drew", "drawing"], obj: ["thing", "animal"], animals: false },
  { forms: ["build", "builds", "built", "building"], obj: ["buildable"], animals: false },
];
interface IVerb {
  forms: Verb;
  animals: boolean;
  people: boolean;
}
const iverbs: IVerb[] = [
  { forms: ["run", "runs", "ran", "running"], animals: true, people: true },
  { forms: ["walk", "walks", "walked", "walking"], animals: true, people: true },
  { forms: ["sleep", "sleeps", "slept", "sleeping"], animals: true, people: true },
  { forms: ["jump", "jumps", "jumped", "jumping"], animals: true, people: true },
  { forms: ["swim", "swims", "swam", "swimming"], animals: true, people: true },
  { forms: ["dance", "dances", "danced", "dancing"], animals: false, people: true },
  { forms: ["laugh", "laughs", "laughed", "laughing"], animals: false, people: true },
  { forms: ["cry", "cries", "cried", "crying"], animals: false, people: true },
  { forms: ["smile", "smiles", "smiled", "smiling"], animals: false, people: true },
  { forms: ["play", "plays", "played", "playing"], animals: true, people: true },
  { forms: ["sit", "sits", "sat", "sitting"], animals: true, people: true },
  { forms: ["wait", "waits", "waited", "waiting"], animals: true, people: true },
  { forms: ["work", "works", "worked", "working"], animals: false, people: true },
  { forms: ["rest", "rests", "rested", "resting"], animals: true, people: true },
  { forms: ["fly", "flies", "flew", "flying"], animals: true, people: false },
  { forms: ["bark", "barks", "barked", "barking"], animals: true, people: false },
  { forms: ["hide", "hides", "hid", "hiding"], animals: true, people: true },
  { forms: ["study", "studies", "studied", "studying"], animals: false, people: true },
  { forms: ["climb", "climbs", "climbed", "climbing"], animals: true, people: true },
  { forms: ["shout", "shouts", "shouted", "shouting"], animals: false, people: true },
];
const adjectives = {
  color: ["red", "blue", "green", "yellow", "black", "white", "brown", "pink", "orange"],
  size: ["big", "small", "little", "old", "new", "long", "short"],
  mood: ["happy", "sad", "tired", "hungry", "angry", "kind", "brave", "busy", "lazy", "sleepy", "funny", "quiet"],
  taste: ["fresh", "sweet", "hot", "cold", "warm", "tasty"],
  look: ["tall", "young", "pretty", "clean", "dirty", "strong", "soft", "loud", "fast", "slow"],
};
const adverbs = ["quickly", "slowly", "quietly", "happily", "loudly", "together", "again", "alone"];
const freq = ["always", "often", "sometimes", "never", "usually"];
const days = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"];
const numbers = ["two", "three", "four", "five", "six", "many", "some"];

// ---------------------------------------------------------------- grammar
type Tense = "present" | "past" | "future" | "progressive";
interface Subject {
  words: string[];
  person: "1sg" | "3sg" | "plural";
  animal: boolean;
}

function vowelStart(w: string): boolean {
  return /^[aeiou]/.test(w);
}

/** "the"/"a"/"my"... plus optional adjective plus noun. */
function nounPhrase(noun: Noun, plural: boolean, adjKinds: (keyof typeof adjectives)[], pAdj = 0.35): string[] {
  const adj = chance(pAdj) ? [pick(adjectives[pick(adjKinds, 0.3)], 0.5)] : [];
  const word = plural ? noun[1] : noun[0];
  let det: string;
  if (plural) det = pick(["the", ...numbers, "my", "our", "their", "these", "those"], 0.9);
  else det = pick(["the", "a", "my", "your", "his", "her", "our", "their", "this", "that"], 0.9);
  if (det === "a" && vowelStart(adj[0] ?? word)) det = "an";
  return [det, ...adj, word];
}

function subject(allowAnimals = true): Subject {
  const r = rng.random();
  if (r < 0.25) return { words: [pick(names, 0.5)], person: "3sg", animal: false };
  if (r < 0.4) {
    const p = pick(["i", "he", "she", "we", "they", "you"], 0.4);
    return { words: [p], person: p === "i" ? "1sg" : p === "he" || p === "she" ? "3sg" : "plural", animal: false };
  }
  const animal = allowAnimals && chance(0.4);
  const plural = chance(0.3);
  const noun = pick(animal ? animals : people, 0.6);
  return { words: nounPhrase(noun, plural, animal ? ["color", "size", "mood"] : ["mood", "look"]), person: plural ? "plural" : "3sg", animal };
}

function object(kind: ObjKind): string[] {
  switch (kind) {
    case "food":
      if (chance(0.4)) return chance(0.5) ? [pick(massFoods, 0.5)] : ["some", pick(massFoods, 0.5)];
      return nounPhrase(pick(foods, 0.5), chance(0.35), ["taste", "color", "size"]);
    case "drink":
      return chance(0.5) ? [pick(drinks, 0.6)] : [pick(["some", "a cup of", "a glass of", "the"], 0.6), pick(drinks, 0.6)].join(" ").split(" ");
    case "thing":
      return nounPhrase(pick(plainThings, 0.6), chance(0.3), ["color", "size", "look"]);
    case "animal":
      return nounPhrase(pick(animals, 0.6), chance(0.3), ["color", "size", "mood"]);
    case "person":
      if (chance(0.35)) return [pick(names, 0.5)];
      if (chance(0.2)) return [pick(["me", "him", "her", "us", "them", "you"], 0.4)];
      return nounPhrase(pick(people, 0.6), chance(0.3), ["mood", "look"]);
    case "fixable":
      return nounPhrase(byName(["car", "bike", "clock", "lamp", "phone", "door", "chair", "boat", "toy", "shoe"]), chance(0.3), ["color", "size"]);
    case "buildable":
      return nounPhrase(byName(["box", "chair", "table", "boat", "kite", "basket"]), chance(0.3), ["color", "size"]);
    case "read":
      return nounPhrase(byName(["book", "letter", "story", "map"]), chance(0.2), ["size", "color"]);
    case "write":
      return nounPhrase(byName(["letter", "story", "song", "book"]), chance(0.2), ["size"]);
    case "song":
      return nounPhrase(byName(["song"]), chance(0.3), ["size", "mood"]);
    case "openable":
      return nounPhrase(byName(["door", "window", "box", "book", "basket", "bag"]), false, ["color", "size"]);
    case "ball":
      return nounPhrase(byName(["ball"]), chance(0.2), ["color", "size"]);
  }
}

/** A Zipf pick among the named things (in the order given). */
function byName(sgs: string[]): Noun {
  return pick(
    sgs.map((sg) => {
      const n = things.find((t) => t[0] === sg);
      if (!n) throw new Error(`generator: no thing named ${sg}`);
      return n;
    }),
    0.5,
  );
}

function place(): string[] {
  const [prep, p] = pick(places, 0.5);
  return [prep, "the", p];
}

function timeFor(tense: Tense): string[] {
  switch (tense) {
    case "present":
      return pick([["every", pick(["day", "morning", "evening", "night", "week"], 0.5)], ["on", pick(days, 0.2) + "s"], ["in", "the", pick(["morning", "afternoon", "evening"], 0.5)], ["at", "night"]], 0.6);
    case "past":
      return pick([["yesterday"], ["last", pick(["night", "week", "year", "summer", "winter"], 0.6)], ["on", pick(days, 0.2)], ["this", "morning"], [pick(numbers.slice(0, 4), 0.5), "days", "ago"]], 0.6);
    case "future":
      return pick([["tomorrow"], ["next", pick(["week", "year", "summer", "winter"], 0.6)], ["on", pick(days, 0.2)], ["tonight"], ["soon"]], 0.6);
    case "progressive":
      return pick([["now"], ["right", "now"], ["today"], ["at", "the", "moment"]], 0.6);
  }
}

function be(s: Subject, tense: Tense): string {
  if (tense === "past") return s.person === "plural" ? "were" : "was";
  return s.person === "1sg" ? "am" : s.person === "3sg" ? "is" : "are";
}

/** The verb group for a tense with subject agreement: "eats", "ate", "will eat", "is eating". */
function verbGroup(s: Subject, forms: Verb, tense: Tense): string[] {
  switch (tense) {
    case "present":
      return [s.person === "3sg" ? forms[1] : forms[0]];
    case "past":
      return [forms[2]];
    case "future":
      return ["will", forms[0]];
    case "progressive":
      return [be(s, "present"), forms[3]];
  }
}

function pickTense(): Tense {
  return pick(["present", "past", "future", "progressive"] as Tense[], 0.8);
}

function transitive(s: Subject): { verb: TVerb; words: string[] } {
  const options = s.animal ? tverbs.filter((v) => v.animals) : tverbs;
  const verb = pick(options, 0.5);
  return { verb, words: object(pick(verb.obj, 0.4)) };
}

function intransitive(s: Subject): IVerb {
  return pick(iverbs.filter((v) => (s.animal ? v.animals : v.people)), 0.5);
}

function sentence(): string[] {
  const r = rng.random();
  const s = subject();
  const tense = pickTense();
  const tail = (): string[] => [...(chance(0.45) ? place() : []), ...(chance(0.5) ? timeFor(tense) : [])];
  if (r < 0.3) {
    // the girl eats an apple in the kitchen every day .
    const t = transitive(s);
    return [...s.words, ...verbGroup(s, t.verb.forms, tense), ...t.words, ...tail(), "."];
  }
  if (r < 0.45) {
    // the dog runs quickly in the park .
    const v = intransitive(s);
    return [...s.words, ...verbGroup(s, v.forms, tense), ...(chance(0.3) ? [pick(adverbs, 0.5)] : []), ...tail(), "."];
  }
  if (r < 0.55) {
    // the cat was hungry yesterday .
    const t: Tense = chance(0.6) ? "present" : "past";
    const adj = pick(adjectives[s.animal ? pick(["mood", "size", "color"] as const, 0.5) : pick(["mood", "look"] as const, 0.5)], 0.5);
    return [...s.words, be(s, t), ...(chance(0.25) ? [pick(["very", "so", "not"], 0.5)] : []), adj, ...(t === "past" && chance(0.5) ? timeFor("past") : []), "."];
  }
  if (r < 0.63) {
    // does the boy like cake ? / did she find the key ?
    const q = chance(0.5) ? "present" : "past";
    const t = transitive(s);
    const aux = q === "past" ? "did" : s.person === "3sg" ? "does" : "do";
    return [aux, ...(s.words[0] === "i" ? ["you"] : s.words), t.verb.forms[0], ...t.words, "?"];
  }
  if (r < 0.69) {
    // where is the dog ? / where are the keys ?
    const o = chance(0.5) ? object("thing") : object("animal");
    const plural = !["the", "a", "an", "my", "your", "his", "her", "our", "their", "this", "that"].includes(o[0]) || o[o.length - 1].endsWith("s");
    return [pick(["where", "what color"], 0.3).split(" "), plural ? "are" : "is", ...o, "?"].flat();
  }
  if (r < 0.76) {
    // there is a red ball in the garden .
    const plural = chance(0.4);
    const np = nounPhrase(pick(chance(0.5) ? things : animals, 0.5), plural, ["color", "size"]);
    if (!plural) np[0] = vowelStart(np[1]) ? "an" : "a";
    else np[0] = pick(numbers, 0.5);
    return ["there", plural ? "are" : "is", ...np, ...place(), "."];
  }
  if (r < 0.83) {
    // she does not like soup . / they did not see the fox .
    const t = transitive(s);
    const past = chance(0.4);
    const aux = past ? "did" : s.person === "3sg" ? "does" : "do";
    return [...s.words, aux, "not", t.verb.forms[0], ...t.words, ...(past && chance(0.4) ? timeFor("past") : []), "."];
  }
  if (r < 0.9) {
    // tom wants to play with the dog .
    const want = pick(["want", "like", "love", "need"].map((b) => tverbs.find((v) => v.forms[0] === b)!), 0.5);
    const t = transitive(s);
    return [...s.words, ...verbGroup(s, want.forms, "present"), "to", t.verb.forms[0], ...t.words, ...(chance(0.3) ? timeFor("future") : []), "."];
  }
  if (r < 0.96) {
    // the boy runs and the dog barks .
    const v1 = intransitive(s);
    const s2 = subject();
    const v2 = intransitive(s2);
    const tt = chance(0.5) ? "present" : "past";
    return [...s.words, ...verbGroup(s, v1.forms, tt), pick(["and", "but", "because", "when"], 0.6), ...s2.words, ...verbGroup(s2, v2.forms, tt), "."];
  }
  // the man gives the cat some milk !
  const t = transitive(s);
  return [...s.words, pick(freq, 0.5), ...verbGroup(s, t.verb.forms, "present"), ...t.words, chance(0.8) ? "." : "!"];
}

// ---------------------------------------------------------------- output
/** The whole corpus; the same text on every call (the Rng is re-seeded). */
export function generateText(): string {
  rng = new Rng(SEED);
  const lines: string[] = [];
  let tries = 0;
  while (lines.length < LINES) {
    if (++tries > LINES * 10) throw new Error("generator: too many sentences outside 4-12 words; loosen the grammar");
    const words = sentence();
    const n = words.filter((w) => w !== "." && w !== "?" && w !== "!").length;
    if (n < 4 || n > 12) continue;
    lines.push(words.join(" "));
  }
  return lines.join("\n") + "\n";
}

function main(): void {
  const text = generateText();
  fs.writeFileSync(OUT, text);
  const tok = buildWordTokenizer(text);
  const tokens = splitWords(text).map((w) => w.word);
  const words = tokens.filter((w) => /^[a-z]/.test(w)).length;
  console.log(`wrote ${OUT}`);
  console.log(`lines ${text.split("\n").length - 1}, tokens ${tokens.length} (words ${words}, punctuation ${tokens.length - words}), bytes ${Buffer.byteLength(text)}`);
  console.log(`distinct words and punctuation ${tok.vocabSize - 1}, vocabSize with <BOS> ${tok.vocabSize}, ln(vocabSize) ${Math.log(tok.vocabSize).toFixed(4)}`);
}

if (/generate\.ts$/.test(process.argv[1] ?? "")) main();
