import { createHash } from "crypto";
import {
  BUNDLE_STUB, clearOutputs, formatNotebook, notebookProblems, sourceHash, splitLines, stampExecuted, staticFigures, stripPlotlyBundles,
} from "../../src/notebook/ipynb.js";
import type { Notebook, NotebookCell } from "../../src/notebook/ipynb.js";

function code(source: string, extra: Partial<NotebookCell> = {}): NotebookCell {
  return { cell_type: "code", source, metadata: {}, outputs: [], execution_count: null, ...extra };
}

function notebook(cells: NotebookCell[]): Notebook {
  return { cells, metadata: { kernelspec: { name: "tslab", display_name: "TypeScript", language: "typescript" } }, nbformat: 4, nbformat_minor: 5 };
}

const stdout = (text: string) => ({ output_type: "stream", name: "stdout", text });

test("sourceHash is the first 16 hex digits of the SHA-256 of the source without trailing whitespace", () => {
  const expected = createHash("sha256").update("const a = 1;").digest("hex").slice(0, 16);
  expect(sourceHash("const a = 1;\n\n")).toBe(expected);
  expect(sourceHash("const a = 2;")).not.toBe(expected);
});

test("splitLines keeps each newline with its line, and joining gives the text back", () => {
  for (const text of ["a\nb\n", "a\n\nb", "", "one"]) expect(splitLines(text).join("")).toBe(text);
  expect(splitLines("a\nb")).toEqual(["a\n", "b"]);
});

describe("stampExecuted", () => {
  test("numbers executed cells 1..n, stores their source hash and drops status and timing metadata", () => {
    const nb = notebook([
      code("const a = 1;", { metadata: { gptlab: { status: "ok" }, execution: { t: 1 } } }),
      { cell_type: "markdown", source: "# hi", metadata: {} },
      code("", {}), // empty cells are not executed
      code("a + 1", { metadata: { gptlab: { status: "ok" } }, outputs: [stdout("2\n")] }),
    ]);
    expect(stampExecuted(nb)).toEqual([]);
    expect(nb.cells.map((c) => c.execution_count)).toEqual([1, undefined, null, 2]);
    expect(nb.cells[0].metadata).toEqual({ gptlab: { source_sha: sourceHash("const a = 1;") } });
    expect(nb.cells[3].metadata).toEqual({ gptlab: { source_sha: sourceHash("a + 1") } });
  });

  test("reports a failing cell with its stderr, and the aborted cells after it", () => {
    const nb = notebook([
      code("ok()", { metadata: { gptlab: { status: "ok" } } }),
      code("boom()", { metadata: { gptlab: { status: "error" } }, outputs: [{ output_type: "stream", name: "stderr", text: "Error: boom\n" }] }),
      code("later()", { metadata: { gptlab: { status: "abort" } } }),
      code("never()"),
    ]);
    const failures = stampExecuted(nb);
    expect(failures.map((f) => [f.index, f.status])).toEqual([[2, "error"], [3, "abort"], [4, "not run"]]);
    expect(failures[0].stderr).toBe("Error: boom\n");
  });
});

describe("notebookProblems", () => {
  function stamped(cells: NotebookCell[]): Notebook {
    const nb = notebook(cells.map((c) => ({ ...c, metadata: { gptlab: { status: "ok" } } })));
    stampExecuted(nb);
    return nb;
  }

  test("a notebook without outputs, or freshly stamped by the runner, has no problems", () => {
    expect(notebookProblems(notebook([code("a()"), code("b()")]), "x.ipynb")).toEqual([]);
    expect(notebookProblems(stamped([code("a()", { outputs: [stdout("1")] }), code("b()")]), "x.ipynb")).toEqual([]);
  });

  test("outputs of a cell edited after the run are stale", () => {
    const nb = stamped([code("a()", { outputs: [stdout("1")] })]);
    nb.cells[0].source = "a(2)";
    expect(notebookProblems(nb, "x.ipynb")).toEqual([expect.stringMatching(/x.ipynb cell 1: its outputs were not made from its current source/)]);
  });

  test("outputs made by hand (no stamp) are refused", () => {
    const nb = notebook([code("a()", { outputs: [stdout("1")], execution_count: 1 })]);
    expect(notebookProblems(nb, "x.ipynb").join("\n")).toMatch(/not made from its current source/);
  });

  test("error outputs, runner status and a committed plotly bundle are refused", () => {
    const nb = stamped([code("a()"), code("b()")]);
    nb.cells[0].outputs = [{ output_type: "error", ename: "TypeError", evalue: "x is undefined", traceback: [] }];
    nb.cells[1].outputs = [{ output_type: "display_data", data: { "text/html": "<script>big</script>" }, metadata: { gptlab: { plotly_bundle: true } } }];
    nb.cells[1].metadata = { gptlab: { source_sha: sourceHash("b()"), status: "ok" } };
    const text = notebookProblems(nb, "x.ipynb").join("\n");
    expect(text).toMatch(/cell 1: has an error output \(TypeError: x is undefined\)/);
    expect(text).toMatch(/cell 2: carries a runner status/);
    expect(text).toMatch(/cell 2: holds the whole plotly.js bundle/);
    expect(stripPlotlyBundles(nb)).toBe(1);
    expect(nb.cells[1].outputs?.[0].data?.["text/html"]).toBe(BUNDLE_STUB);
  });

  test("execution counts must be 1..n with no cell skipped", () => {
    const nb = stamped([code("a()"), code("b()"), code("c()")]);
    nb.cells[1].execution_count = 5;
    expect(notebookProblems(nb, "x.ipynb").join("\n")).toMatch(/execution counts are \[1, 5, 3\]/);
    const skipped = stamped([code("a()"), code("b()")]);
    skipped.cells.unshift(code("first()"));
    expect(notebookProblems(skipped, "x.ipynb").join("\n")).toMatch(/execution counts are \[-, 1, 2\]/);
  });

  test("the kernel must be tslab", () => {
    const nb = notebook([]);
    nb.metadata.kernelspec = { name: "python3" };
    expect(notebookProblems(nb, "x.ipynb")).toEqual([expect.stringMatching(/kernelspec.name must be "tslab" \(got "python3"\)/)]);
  });
});

test("clearOutputs leaves a notebook with no outputs, counts or stamps", () => {
  const nb = notebook([code("a()", { outputs: [stdout("1")], execution_count: 3, metadata: { gptlab: { source_sha: "x" } } })]);
  clearOutputs(nb);
  expect(nb.cells[0]).toMatchObject({ outputs: [], execution_count: null, metadata: {} });
  expect(notebookProblems(nb, "x.ipynb")).toEqual([]);
});

test("formatNotebook sorts keys and stores sources as lines, so the same notebook always gives the same text", () => {
  const a = notebook([code("x\ny", { outputs: [stdout("1\n2\n")] })]);
  const b: Notebook = JSON.parse(JSON.stringify(a));
  b.cells[0].source = ["x\n", "y"];
  b.metadata = { ...b.metadata };
  const text = formatNotebook(a);
  expect(formatNotebook(b)).toBe(text);
  const parsed = JSON.parse(text);
  expect(Object.keys(parsed)).toEqual([...Object.keys(parsed)].sort());
  expect(parsed.cells[0].source).toEqual(["x\n", "y"]);
  expect(parsed.cells[0].outputs[0].text).toEqual(["1\n", "2\n"]);
});

test("staticFigures trades each plotly figure's HTML for a PNG and leaves other outputs alone", () => {
  const figure = { data: [{ type: "scatter", y: [1, 2] }], layout: {} };
  const nb: Notebook = {
    cells: [
      {
        cell_type: "code",
        source: "show.plot(fig)",
        metadata: {},
        outputs: [
          { output_type: "display_data", data: { "application/vnd.plotly.v1+json": figure, "text/html": "<div></div><script></script>", "text/plain": "Figure" }, metadata: {} },
          { output_type: "display_data", data: { "text/html": "<table></table>", "text/plain": "table" }, metadata: {} },
        ],
      },
    ],
    metadata: {},
    nbformat: 4,
    nbformat_minor: 5,
  };
  const seen: unknown[] = [];
  expect(staticFigures(nb, (f) => (seen.push(f), "iVBORw0KGgo="))).toBe(1);
  expect(seen).toEqual([figure]);
  const [fig, table] = nb.cells[0].outputs!;
  expect(Object.keys(fig.data!).sort()).toEqual(["application/vnd.plotly.v1+json", "image/png", "text/plain"]);
  expect(fig.data!["image/png"]).toBe("iVBORw0KGgo=");
  expect(table.data).toEqual({ "text/html": "<table></table>", "text/plain": "table" });
  expect(staticFigures(nb, () => "again")).toBe(0); // already has a picture
  expect(staticFigures({ ...nb, cells: [] }, () => null)).toBe(0);
});
