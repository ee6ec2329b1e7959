// Finds the tslab kernel this code runs in, if any, without importing tslab (so plain Node, tsx and jest never load it).
// tslab sets globalThis.__tslab__ before running cells; its jupyter module holds the display writer of the running request.

/** One Jupyter display_data / update_display_data message body. */
export interface DisplayMessage {
  data: Record<string, unknown>;
  metadata: Record<string, unknown>;
  transient: { display_id?: string };
}

export type DisplayWriter = (message: DisplayMessage, update: boolean) => void;

interface LoadedModule {
  filename?: string;
  exports?: { lastWriteDisplayData?: unknown };
}

interface TslabGlobal {
  require?: { cache?: Record<string, LoadedModule | undefined> };
}

const JUPYTER_MODULE = /[\\/]tslab[\\/]dist[\\/]jupyter\.js$/;

let writerOverride: DisplayWriter | null | undefined;

function tslabGlobal(): TslabGlobal | undefined {
  return (globalThis as { __tslab__?: TslabGlobal }).__tslab__;
}

/**
 * tslab's public display API can send one MIME type per output; a bundle (plotly JSON + HTML + text) needs the
 * writer behind it, `lastWriteDisplayData` in tslab/dist/jupyter.js (tslab is pinned to 1.0.22 for this reason).
 * It is read at each call: tslab replaces it for every execute request.
 */
export function kernelWriter(): DisplayWriter | null {
  if (writerOverride !== undefined) return writerOverride;
  // Two copies of tslab can be loaded: the kernel's, and one a cell's import of "tslab" found beside the notebook (a
  // kernel registered from another folder). Only the running kernel's copy holds a writer during a request.
  const cache = tslabGlobal()?.require?.cache;
  if (!cache) return null;
  for (const key of Object.keys(cache)) {
    const mod = cache[key];
    const write = mod && JUPYTER_MODULE.test(mod.filename ?? key) ? mod.exports?.lastWriteDisplayData : undefined;
    if (typeof write === "function") return write as DisplayWriter;
  }
  return null;
}

/**
 * True inside a tslab kernel that is executing a cell. GPTLAB_DISPLAY=file forces the file/console mode
 * (e.g. to test exported behaviour from a notebook); GPTLAB_DISPLAY=kernel makes a missing kernel an error.
 */
export function inKernel(): boolean {
  const mode = process.env.GPTLAB_DISPLAY;
  if (mode === "file") return false;
  const found = kernelWriter() !== null;
  if (mode === "kernel" && !found) {
    throw new Error("GPTLAB_DISPLAY=kernel but no tslab kernel was found: unset GPTLAB_DISPLAY or run inside Jupyter");
  }
  return found;
}

/** Replaces the kernel writer (tests record messages with it); undefined restores detection. */
export function setKernelWriterForTesting(writer: DisplayWriter | null | undefined): void {
  writerOverride = writer;
}
