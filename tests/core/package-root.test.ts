// gptlabRoot(): the package is found from its own module file, whatever the working folder is.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { gptlabRoot } from "../../src/core/package-root.js";
import { resolveUserPath } from "../../src/io/paths.js";

test("gptlabRoot() is the repository from any working folder, and bundled datasets resolve from a folder of the user's", () => {
  const repo = path.resolve(__dirname, "..", "..");
  const cwd = process.cwd();
  const elsewhere = fs.mkdtempSync(path.join(os.tmpdir(), "gptlab-elsewhere-"));
  try {
    process.chdir(elsewhere);
    expect(gptlabRoot()).toBe(repo);
    expect(resolveUserPath("datasets/names/names.txt")).toBe(path.join(repo, "datasets", "names", "names.txt"));
    expect(resolveUserPath("datasets/missing.txt")).toBe("datasets/missing.txt"); // the reader's error names it as given
  } finally {
    process.chdir(cwd);
    fs.rmSync(elsewhere, { recursive: true, force: true });
  }
});
