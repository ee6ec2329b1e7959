// The one command-line parser (CLI options and notebook parameters): numbers are decimal, each key once.

import { parseArgs, parseArgText } from "../../src/io/args.js";

describe("parseArgText", () => {
  test.each(["300", "-2", "0.5", ".5", "5.", "3e-4", "1E3", "+7"])("reads %s as the number JavaScript gives", (text) => {
    expect(parseArgText("x", text, 1)).toBe(Number(text));
  });
  test.each(["0x10", "0b11", "0o7"])("refuses %s, naming its decimal value", (text) => {
    expect(() => parseArgText("steps", text, 1)).toThrow(`--steps takes a decimal number (got "${text}"; write ${Number(text)})`);
  });
  test.each(["1_000", "Infinity", " 5", "", "5 ", "NaN", "1e400"])("refuses %j as a number", (text) => {
    expect(() => parseArgText("steps", text, 1)).toThrow(/--steps must be a number like its default 1/);
  });
  test("refuses hex inside a number list too", () => {
    expect(parseArgText("sizes", "1,2.5,3e1", [1])).toEqual([1, 2.5, 30]);
    expect(() => parseArgText("sizes", "1,0x10", [1])).toThrow(/--sizes must be a number\[\]/);
  });
});

describe("parseArgs", () => {
  const defaults = { steps: 300, name: "a", quick: false };
  test("refuses a key given twice in any spelling, naming both values", () => {
    expect(() => parseArgs(defaults, ["--steps", "10", "--steps=20"])).toThrow('--steps is given twice ("10" and "20"); give each option once');
    expect(() => parseArgs({ warmupSteps: 0 }, ["--warmup-steps", "1", "--warmup_steps", "2"], { camelCase: true, noun: "parameter" })).toThrow(
      /--warmup_steps is given twice \("1" and "2"\); give each parameter once/,
    );
    expect(() => parseArgs(defaults, ["--quick", "--no-quick"])).toThrow(/--no-quick is given twice/);
  });
  test("still reads every key once", () => {
    expect(parseArgs(defaults, ["--steps", "10", "--name=b", "--quick"]).values).toEqual({ steps: 10, name: "b", quick: true });
  });
});
