// Exports a notebook's code cells as one standalone TypeScript script (notebooks/scripts/NAME.ts) that CI runs with tsx:
// a header, a marker per cell, relative imports re-pointed, repeated imports merged, redeclared names refused.

import * as fs from "fs";
import * as path from "path";
import { createRequire } from "node:module";
import type * as TS from "typescript";
import { gptlabRoot } from "../core/package-root.js";
import type { Notebook } from "./ipynb.js";
import { cellSource } from "./ipynb.js";

export const NOTEBOOK_DIR = "notebooks";
export const SCRIPT_DIR = "notebooks/scripts";
/** Names the generated code declares; a notebook must not declare them. */
const RESERVED = ["__nb", "__notebookScript"];

export class ExportError extends Error {}

interface CodeCell {
  index: number; // among all cells, from 1
  code: number; // among code cells, from 1
  source: string;
}

function codeCells(nb: Notebook): CodeCell[] {
  const cells: CodeCell[] = [];
  nb.cells.forEach((cell, i) => {
    if (cell.cell_type !== "code") return;
    const source = cellSource(cell);
    if (source.trim() === "") return;
    cells.push({ index: i + 1, code: cells.length + 1, source });
  });
  return cells;
}

/**
 * The TypeScript compiler, loaded on the first parse from gptlab's own folder: a devDependency, so the published
 * library's other modules load without it (the grade command of the exercises exports notebooks in a checkout).
 */
let ts: typeof TS;
function loadTypeScript(): typeof TS {
  try {
    return createRequire(path.join(gptlabRoot(), "package.json"))("typescript") as typeof TS;
  } catch {
    throw new Error(`exporting a notebook needs the typescript package, not installed beside gptlab in ${gptlabRoot()}: run npm install there (a clone's devDependencies include it)`);
  }
}

function parse(source: string, name = "cell.ts"): TS.SourceFile {
  ts ??= loadTypeScript();
  return ts.createSourceFile(name, source, ts.ScriptTarget.ES2022, true, ts.ScriptKind.TS);
}

function bindingNames(name: TS.BindingName, out: string[]): void {
  if (ts.isIdentifier(name)) {
    out.push(name.text);
    return;
  }
  for (const element of name.elements) if (!ts.isOmittedExpression(element)) bindingNames(element.name, out);
}

/** Names a cell declares at top level, except import bindings (handled by mergeImports). */
export function topLevelDeclarations(source: string): string[] {
  const names: string[] = [];
  for (const st of parse(source).statements) {
    if (ts.isVariableStatement(st)) {
      for (const decl of st.declarationList.declarations) bindingNames(decl.name, names);
    } else if (
      (ts.isFunctionDeclaration(st) || ts.isClassDeclaration(st) || ts.isEnumDeclaration(st) ||
        ts.isTypeAliasDeclaration(st) || ts.isInterfaceDeclaration(st)) && st.name
    ) {
      names.push(st.name.text);
    } else if (ts.isImportEqualsDeclaration(st)) {
      names.push(st.name.text);
    }
  }
  return [...new Set(names)]; // overloads and declaration merging within one cell are fine
}

/** A relative module specifier written from notebooks/, re-pointed for a script in notebooks/scripts/. */
export function rewriteSpecifier(spec: string): string {
  if (!spec.startsWith("./") && !spec.startsWith("../")) return spec;
  let target = path.posix.normalize(path.posix.join(NOTEBOOK_DIR, spec));
  // notebooks/src is a symlink to ../src (for tslab's rootDir); the script points at the real folder
  if (target === `${NOTEBOOK_DIR}/src` || target.startsWith(`${NOTEBOOK_DIR}/src/`)) target = target.slice(NOTEBOOK_DIR.length + 1);
  const rel = path.posix.relative(SCRIPT_DIR, target);
  return rel.startsWith(".") ? rel : `./${rel}`;
}

interface Edit {
  start: number;
  end: number;
  text: string;
}

function applyEdits(source: string, edits: Edit[]): string {
  let out = source;
  for (const e of [...edits].sort((a, b) => b.start - a.start)) out = out.slice(0, e.start) + e.text + out.slice(e.end);
  return out;
}

interface ImportBinding {
  /** "default", "*", or the imported name. */
  imported: string;
  module: string;
  typeOnly: boolean;
  cell: number;
}

interface ExportState {
  imports: Map<string, ImportBinding>;
  declared: Map<string, number>;
  file: string;
}

function redeclared(state: ExportState, name: string, cell: number, first: number): ExportError {
  return new ExportError(
    `${state.file}: "${name}" is declared in cell ${first} and again in cell ${cell}; the exported script runs all ` +
      `cells in one scope, so declare each name once (reassign a \`let\` from the first cell, or use another name)`,
  );
}

function declare(state: ExportState, name: string, cell: number): void {
  if (RESERVED.includes(name)) throw new ExportError(`${state.file}: cell ${cell} declares "${name}", a name reserved for the exported script`);
  const first = state.declared.get(name) ?? state.imports.get(name)?.cell;
  if (first !== undefined) throw redeclared(state, name, cell, first);
  state.declared.set(name, cell);
}

/**
 * An import that repeats bindings of an earlier cell (same name, module and imported name) loses them: notebooks
 * import where they need a name, a script may import it once. A name bound to something else is an error.
 */
function mergeImport(st: TS.ImportDeclaration, sf: TS.SourceFile, cell: number, state: ExportState): Edit | null {
  const module = (st.moduleSpecifier as TS.StringLiteral).text;
  const clause = st.importClause;
  if (!clause) return null; // side-effect import: repeating it is harmless
  const keep = (local: string, imported: string): boolean => {
    const prev = state.imports.get(local);
    if (prev && prev.module === module && prev.imported === imported) return false;
    if (prev) throw redeclared(state, local, cell, prev.cell);
    const declaredIn = state.declared.get(local);
    if (declaredIn !== undefined) throw redeclared(state, local, cell, declaredIn);
    if (RESERVED.includes(local)) throw new ExportError(`${state.file}: cell ${cell} imports "${local}", a name reserved for the exported script`);
    state.imports.set(local, { imported, module, typeOnly: clause.isTypeOnly, cell });
    return true;
  };
  const parts: string[] = [];
  let dropped = false;
  if (clause.name) {
    if (keep(clause.name.text, "default")) parts.push(clause.name.text);
    else dropped = true;
  }
  const bindings = clause.namedBindings;
  if (bindings && ts.isNamespaceImport(bindings)) {
    if (keep(bindings.name.text, "*")) parts.push(`* as ${bindings.name.text}`);
    else dropped = true;
  } else if (bindings) {
    const kept: string[] = [];
    for (const el of bindings.elements) {
      if (keep(el.name.text, (el.propertyName ?? el.name).text)) kept.push(el.getText(sf));
      else dropped = true;
    }
    if (kept.length) parts.push(`{ ${kept.join(", ")} }`);
    else if (bindings.elements.length === 0) parts.push("{}");
  }
  if (!dropped) return null;
  const start = st.getStart(sf);
  if (parts.length === 0) return { start, end: st.getEnd(), text: `// (import from "${module}" already made in an earlier cell)` };
  const typePrefix = clause.isTypeOnly ? "type " : "";
  return { start, end: st.getEnd(), text: `import ${typePrefix}${parts.join(", ")} from ${JSON.stringify(rewriteSpecifier(module))};` };
}

/** Every name a cell binds anywhere (variables, parameters, functions, classes, catch variables). */
function locallyBound(sf: TS.SourceFile): Set<string> {
  const names: string[] = [];
  const visit = (node: TS.Node): void => {
    if ((ts.isVariableDeclaration(node) || ts.isParameter(node) || ts.isBindingElement(node)) && ts.isIdentifier(node.name)) {
      names.push(node.name.text);
    } else if ((ts.isFunctionDeclaration(node) || ts.isClassDeclaration(node) || ts.isFunctionExpression(node)) && node.name) {
      names.push(node.name.text);
    }
    ts.forEachChild(node, visit);
  };
  visit(sf);
  return new Set(names);
}

/**
 * tslab bug: a shorthand property `{ val }` naming a variable of an earlier cell throws "val is not defined" in the
 * kernel (tslab rewrites references to earlier cells' variables but not shorthand properties); refuse it here.
 */
function checkShorthand(sf: TS.SourceFile, cell: CodeCell, state: ExportState): void {
  const local = locallyBound(sf);
  const visit = (node: TS.Node): void => {
    if (ts.isShorthandPropertyAssignment(node)) {
      const name = node.name.text;
      const first = state.declared.get(name) ?? state.imports.get(name)?.cell;
      if (first !== undefined && first !== cell.index && !local.has(name)) {
        const { line } = sf.getLineAndCharacterOfPosition(node.getStart(sf));
        throw new ExportError(
          `${state.file} cell ${cell.index}, line ${line + 1}: write { ${name}: ${name} } instead of { ${name} }: tslab ` +
            `throws "${name} is not defined" for a shorthand property naming a variable of an earlier cell (cell ${first})`,
        );
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(sf);
}

/** Rewrites one cell: imports merged and re-pointed, the last expression printed like tslab does. */
function transformCell(cell: CodeCell, state: ExportState): string {
  const sf = parse(cell.source);
  const edits: Edit[] = [];
  checkShorthand(sf, cell, state);
  for (const name of topLevelDeclarations(cell.source)) declare(state, name, cell.index);
  const visit = (node: TS.Node): void => {
    const isImportCall = ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword;
    const spec =
      (ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) && node.moduleSpecifier && ts.isStringLiteral(node.moduleSpecifier)
        ? node.moduleSpecifier
        : isImportCall && ts.isStringLiteral((node as TS.CallExpression).arguments[0] ?? node)
          ? ((node as TS.CallExpression).arguments[0] as TS.StringLiteral)
          : undefined;
    if (spec) {
      const rewritten = rewriteSpecifier(spec.text);
      if (rewritten !== spec.text) edits.push({ start: spec.getStart(sf) + 1, end: spec.getEnd() - 1, text: rewritten });
    }
    ts.forEachChild(node, visit);
  };
  for (const st of sf.statements) {
    if (ts.isImportDeclaration(st)) {
      const merged = mergeImport(st, sf, cell.index, state);
      if (merged) {
        edits.push(merged);
        continue;
      }
    }
    visit(st);
  }
  const last = sf.statements[sf.statements.length - 1];
  if (last && ts.isExpressionStatement(last)) {
    edits.push({ start: last.expression.getStart(sf), end: last.expression.getStart(sf), text: "__nb.out(" });
    edits.push({ start: last.expression.getEnd(), end: last.expression.getEnd(), text: ")" });
  }
  return applyEdits(cell.source, edits).trimEnd();
}

/** True if a cell calls notebookParams( (parameters must come first so that --help answers before any work). */
function callsNotebookParams(source: string): boolean {
  let found = false;
  const visit = (node: TS.Node): void => {
    if (ts.isCallExpression(node) && ts.isIdentifier(node.expression) && node.expression.text === "notebookParams") found = true;
    if (!found) ts.forEachChild(node, visit);
  };
  visit(parse(source));
  return found;
}

/** Checks that the cells parse; tslab would reject them anyway, but the error is clearer here. */
function checkSyntax(cell: CodeCell, file: string): void {
  const sf = parse(cell.source) as TS.SourceFile & { parseDiagnostics?: TS.Diagnostic[] };
  const diag = sf.parseDiagnostics?.[0];
  if (diag) {
    const { line, character } = sf.getLineAndCharacterOfPosition(diag.start ?? 0);
    throw new ExportError(`${file} cell ${cell.index}, line ${line + 1}:${character + 1}: ${ts.flattenDiagnosticMessageText(diag.messageText, "\n")}`);
  }
}

/** The script for notebooks/NAME.ipynb; the same notebook always gives the same text. */
export function exportNotebook(nb: Notebook, name: string): string {
  const file = `${NOTEBOOK_DIR}/${name}.ipynb`;
  const state: ExportState = { imports: new Map(), declared: new Map(), file };
  const cells = codeCells(nb);
  const parts = [
    `// AUTOGENERATED from ${file} — edit the notebook, then run npm run export`,
    `// Run: npx tsx ${SCRIPT_DIR}/${name}.ts [--name value ...]   (--help lists the notebook's parameters)`,
    `import { notebookScript as __notebookScript } from "${rewriteSpecifier("./src/notebook/runtime.js")}";`,
    `const __nb = __notebookScript(${JSON.stringify(name)});`,
  ];
  for (const cell of cells) {
    checkSyntax(cell, file);
    const params = callsNotebookParams(cell.source);
    if (params && cell.code !== 1) {
      throw new ExportError(`${file} cell ${cell.index}: notebookParams(...) belongs in the first code cell, so that parameters are read before any work`);
    }
    parts.push("", `// %% cell ${cell.index}${params ? " (parameters)" : ""}`, `__nb.cell(${cell.index}, ${cell.code});`, transformCell(cell, state));
  }
  return parts.join("\n") + "\n";
}

/** The notebooks of a project, sorted: root/notebooks/*.ipynb. */
export function listNotebooks(root: string): string[] {
  const dir = path.join(root, NOTEBOOK_DIR);
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir).filter((f) => f.endsWith(".ipynb")).sort().map((f) => path.join(dir, f));
}

/** notebooks/NAME.ipynb -> NAME */
export function notebookName(file: string): string {
  return path.basename(file).replace(/\.ipynb$/, "");
}
