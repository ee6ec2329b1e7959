// Runs before every test file: the CLI's encoded-data cache (default ~/.cache/gptlab/data) goes to a temporary
// folder of this test worker, so the suite writes nothing into the home folder of the machine it runs on. Children
// the tests spawn inherit it; a test that needs another cache sets GPTLAB_DATA_CACHE itself.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

if (process.env.GPTLAB_DATA_CACHE === undefined) {
  process.env.GPTLAB_DATA_CACHE = fs.mkdtempSync(path.join(os.tmpdir(), "gptlab-test-cache-"));
}
