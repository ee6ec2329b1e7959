import { parseParamArgs, parseParamJSON, paramsHelp, paramComments, checkParam } from "../../src/notebook/params.js";

const defaults = { steps: 300, lr: 0.01, dataset: "names", fast: false, sizes: [16, 32], tags: ["a"] };

describe("parseParamArgs", () => {
  test("reads --key value and --key=value with the type of each default", () => {
    expect(parseParamArgs(defaults, ["--steps", "50", "--lr=3e-4", "--dataset", "words"])).toEqual({ steps: 50, lr: 3e-4, dataset: "words" });
  });

  test("a bare boolean flag is true, --no-flag is false, and explicit values are parsed", () => {
    expect(parseParamArgs(defaults, ["--fast"])).toEqual({ fast: true });
    expect(parseParamArgs({ ...defaults, fast: true }, ["--no-fast"])).toEqual({ fast: false });
    expect(parseParamArgs(defaults, ["--fast", "--steps", "1"])).toEqual({ fast: true, steps: 1 });
    expect(parseParamArgs(defaults, ["--fast=no"])).toEqual({ fast: false });
  });

  test("arrays take comma-separated or JSON values of the default's element type", () => {
    expect(parseParamArgs(defaults, ["--sizes", "8,64"])).toEqual({ sizes: [8, 64] });
    expect(parseParamArgs(defaults, ["--sizes=[1, 2, 3]"])).toEqual({ sizes: [1, 2, 3] });
    expect(parseParamArgs(defaults, ["--tags", "x,y"])).toEqual({ tags: ["x", "y"] });
    expect(() => parseParamArgs(defaults, ["--sizes", "8,big"])).toThrow(/--sizes must be a number\[\]/);
  });

  test("a value of the wrong type names the key, the default and the value", () => {
    expect(() => parseParamArgs(defaults, ["--steps", "many"])).toThrow('--steps must be a number like its default 300 (got "many")');
    expect(() => parseParamArgs(defaults, ["--fast=maybe"])).toThrow(`--fast is a switch: write --fast alone, --no-fast, or --fast=true / false (got "maybe")`);
    expect(() => parseParamArgs(defaults, ["--lr", ""])).toThrow(/--lr must be a number/);
  });

  test("an unknown key is an error listing the known keys", () => {
    expect(() => parseParamArgs(defaults, ["--stepz", "5"])).toThrow("unknown parameter --stepz; known parameters: steps, lr, dataset, fast, sizes, tags");
  });

  test("a missing value and a positional argument are errors", () => {
    expect(() => parseParamArgs(defaults, ["--steps"])).toThrow(/--steps needs a value/);
    expect(() => parseParamArgs(defaults, ["steps=5"])).toThrow(/unexpected argument "steps=5"/);
  });

  test("inherited object keys are not parameters", () => {
    expect(() => parseParamArgs(defaults, ["--toString", "x"])).toThrow(/unknown parameter --toString/);
  });
});

describe("parseParamJSON", () => {
  test("accepts a JSON object whose values match the defaults' types", () => {
    expect(parseParamJSON(defaults, '{"steps": 20, "fast": true, "sizes": [4]}')).toEqual({ steps: 20, fast: true, sizes: [4] });
  });

  test("rejects wrong types, unknown keys and non-objects", () => {
    expect(() => parseParamJSON(defaults, '{"steps": "20"}')).toThrow('GPTLAB_PARAMS.steps must be a number like its default 300 (got "20")');
    expect(() => parseParamJSON(defaults, '{"epochs": 2}')).toThrow(/unknown parameter GPTLAB_PARAMS.epochs/);
    expect(() => parseParamJSON(defaults, "[1]")).toThrow(/must be a JSON object/);
    expect(() => parseParamJSON(defaults, "{steps: 1}")).toThrow(/must be a JSON object/);
  });
});

test("paramsHelp lists every parameter with its type and default", () => {
  const help = paramsHelp(defaults);
  for (const key of Object.keys(defaults)) expect(help).toContain(`--${key} <`);
  expect(help).toContain("--sizes <number[]>  default [16,32]");
});

describe("parameters named like a run-config option take its schema", () => {
  test("their range and choices are checked, from the command line and from GPTLAB_PARAMS", () => {
    expect(() => parseParamArgs(defaults, ["--steps", "0"])).toThrow("--steps must be an integer >= 1 (got 0)");
    expect(() => parseParamArgs(defaults, ["--steps", "2.5"])).toThrow(/--steps must be an integer >= 1/);
    expect(() => parseParamJSON(defaults, '{"lr": -1}')).toThrow("GPTLAB_PARAMS.lr must be a finite number > 0 (got -1)");
    expect(() => parseParamArgs({ schedule: "linear" }, ["--schedule", "cosine"])).toThrow(/--schedule must be one of constant, linear, /);
    expect(parseParamArgs(defaults, ["--steps", "50"])).toEqual({ steps: 50 });
  });
  test("a parameter of another type under such a name is the notebook's own", () => {
    expect(parseParamArgs({ seed: "abc" }, ["--seed", "-x"])).toEqual({ seed: "-x" });
  });
  test("--help shows the option's description and range", () => {
    expect(paramsHelp(defaults)).toContain("--steps <number>  default 300: optimizer steps (an integer >= 1)");
    expect(paramsHelp(defaults)).toMatch(/--dataset <string>  default "names"\n/);
  });
});

describe("--help describes the notebook's own parameters", () => {
  const source = 'const params = notebookParams({\n  data: "a.txt", // path from the project root\n  blockSize: 64, // tokens of context (in text mode: a window of the stream)\n  topN: 12,\n  lrs: [0.1, 0.2], // peak lrs, comma-separated\n});\nconst x = 1; // not a parameter\n';
  test("paramComments reads the comment beside each parameter of the first cell, and nothing after it", () => {
    expect(paramComments(source)).toEqual({ data: "path from the project root", blockSize: "tokens of context (in text mode: a window of the stream)", lrs: "peak lrs, comma-separated" });
  });
  test("the notebook's comment replaces a shared option's description; the range stays", () => {
    const help = paramsHelp({ blockSize: 64, topN: 12 }, paramComments(source));
    expect(help).toMatch(/--blockSize <number>  default 64: tokens of context \(in text mode: a window of the stream\) \(an integer >= 1\)/);
    expect(help).toMatch(/--topN <number>  default 12$/m);
  });
  test("checkParam names the parameter, the limit and the value", () => {
    expect(() => checkParam(false, "timingLengths", [16, 512], "must be at most timingBlock - 1 = 255: raise --timingBlock")).toThrow("--timingLengths must be at most timingBlock - 1 = 255: raise --timingBlock (got [16,512])");
    expect(() => checkParam(true, "x", 1, "never")).not.toThrow();
  });
});
