// Runtime of a notebook exported as a script: names its output folder and, when the script fails,
// says which notebook cell was running, so that a CI failure points back to the notebook.

import { setNotebookName } from "./display.js";

export interface NotebookScript {
  readonly name: string;
  /** Marks the start of a cell: `index` counts all cells of the notebook from 1, `code` counts code cells. */
  cell(index: number, code: number): void;
  /** Prints a cell's last expression the way tslab does (nothing for null and undefined). */
  out(value: unknown): void;
}

/** The notebook and cell an exported script is running (figures recorded for the regression name their cell). */
export interface CellPosition {
  notebook: string;
  /** Position among all cells, from 1 (as in the script's `// %% cell N` markers). */
  index: number;
  /** Position among code cells, from 1. */
  code: number;
}

let running: CellPosition | undefined;

/** The cell the exported script is running; undefined in a kernel or outside a notebook script. */
export function currentCell(): CellPosition | undefined {
  return running;
}

/** Called by the header of notebooks/scripts/NAME.ts. GPTLAB_TRACE_CELLS=1 prints each cell as it starts. */
export function notebookScript(name: string): NotebookScript {
  setNotebookName(name);
  const source = `notebooks/${name}.ipynb`;
  const trace = process.env.GPTLAB_TRACE_CELLS === "1";
  let current: { index: number; code: number; start: number } | undefined;
  process.on("exit", (code) => {
    if (code !== 0 && current) {
      console.error(
        `\n[notebook] ${source} failed in cell ${current.index} (code cell ${current.code}); ` +
          `line numbers above refer to notebooks/scripts/${name}.ts`,
      );
    }
  });
  return {
    name,
    cell(index: number, code: number): void {
      if (trace && current) console.error(`[notebook] cell ${current.index} took ${Date.now() - current.start} ms`);
      current = { index, code, start: Date.now() };
      running = { notebook: name, index, code };
      if (trace) console.error(`[notebook] ${source} cell ${index} (code cell ${code})`);
    },
    out(value: unknown): void {
      if (value !== null && value !== undefined) console.log(value);
    },
  };
}
