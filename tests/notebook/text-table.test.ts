import { spawnSync } from "node:child_process";
import * as path from "node:path";
import { formatCell, formatTextTable, titleHtml } from "../../src/notebook/text-table.js";

describe("formatCell", () => {
  test("integers stay exact and fractions get the requested decimals", () => {
    expect(formatCell(300)).toBe("300");
    expect(formatCell(2.5, 2)).toBe("2.50");
    expect(formatCell(1 / 3)).toBe((1 / 3).toFixed(4));
  });

  test("tiny and huge fractions switch to exponent form; empty values print nothing", () => {
    expect(formatCell(3e-7, 4)).toBe((3e-7).toExponential(3));
    expect(formatCell(12345678.5, 4)).toBe((12345678.5).toExponential(3));
    expect(formatCell(null)).toBe("");
    expect(formatCell(undefined)).toBe("");
    expect(formatCell(NaN)).toBe("NaN");
  });

  test("a diverged run's infinite or huge loss prints as a bound, never as Infinity or 1e285", () => {
    for (const v of [Infinity, 1.3e285, 2e9, 1e9]) expect(formatCell(v)).toBe("> 1e9");
    expect(formatCell(-Infinity)).toBe("< -1e9");
    expect(formatCell(999999999)).toBe("999999999");
    expect(formatCell(123456789.5, 2)).toBe((123456789.5).toExponential(1));
  });
});

describe("formatTextTable", () => {
  const text = formatTextTable(["name", "loss"], [["tiny", 2.25], ["a-longer-name", 10.5]], { digits: 2 });
  const lines = text.split("\n");

  test("every line of the table has the header's width", () => {
    const width = lines[0].length;
    for (const line of lines) expect(line.length).toBe(width);
  });

  test("numbers are right-aligned and text left-aligned", () => {
    expect(lines[2].startsWith("tiny ")).toBe(true);
    expect(lines[2].endsWith(" 2.25")).toBe(true);
    expect(lines[3].endsWith("10.50")).toBe(true);
  });

  test("the marked row carries a star and the others do not", () => {
    const marked = formatTextTable(["x"], [[1], [2], [3]], { mark: 1 }).split("\n");
    expect(marked.filter((l) => l.startsWith("* "))).toEqual(["* 2"]);
  });
});

describe("titleHtml", () => {
  test("a title with <BOS> in it is escaped, so the browser shows the token instead of dropping it as a tag", () => {
    expect(titleHtml("loss per token (<BOS> not counted) & more")).toBe("<div><b>loss per token (&lt;BOS&gt; not counted) &amp; more</b></div>");
  });
});

describe("tableHtml", () => {
  // arquero is ESM-only, which jest's module system cannot load: the table is drawn by a real Node process
  test("header names are escaped like the cells, so a column \"<UNK> share\" keeps its name", () => {
    const code = `import("./src/notebook/tables.ts").then((t) => process.stdout.write(t.tableHtml([{ tokenizer: "word", "<UNK> share": 0.0435, note: "<BOS> & co" }])))`;
    const r = spawnSync(process.execPath, ["--import", "tsx", "-e", code], { cwd: path.join(__dirname, "..", ".."), encoding: "utf8" });
    expect(r.stderr).toBe("");
    expect(r.stdout).toContain("&lt;UNK&gt; share</th>");
    expect(r.stdout).not.toContain("<UNK>");
    expect(r.stdout).toContain("&lt;BOS&gt; &amp; co");
  }, 60_000);
});
