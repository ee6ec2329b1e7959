// Durable file writes: every byte checked (a short write on a full disk is an error, never a silent truncation),
// the file fsynced, renamed into place and its folder fsynced. A fault hook lets tests stop a save at any point.

import * as fs from "node:fs";
import * as path from "node:path";

/** One step of a save, as the fault hook sees it. */
export type IoOp = "open" | "write" | "fsync" | "rename" | "mkdir" | "remove" | "fsync-dir";

/**
 * Test hook: called before every file-system step of a save; throwing from it stops the save there (with
 * `IoCrash`, as a crash would: nothing is cleaned up). chunkBytes is the largest single write (Node refuses
 * writes over 2 GiB; tests make it small to have many interruption points).
 */
export const ioFaults: { before: ((op: IoOp, file: string) => void) | null; chunkBytes: number } = { before: null, chunkBytes: 1 << 30 };

/** Thrown by a fault hook to simulate a crash: savers let it through without cleaning up. */
export class IoCrash extends Error {}

export function ioStep(op: IoOp, file: string): void {
  if (ioFaults.before) ioFaults.before(op, file);
}

/** Writes all of bytes to fd, in chunks, checking each write's count (ENOSPC and short writes throw). */
export function writeFully(fd: number, bytes: Uint8Array, file: string): void {
  let pos = 0;
  while (pos < bytes.length) {
    ioStep("write", file);
    const n = Math.min(ioFaults.chunkBytes, bytes.length - pos);
    const written = fs.writeSync(fd, bytes, pos, n);
    if (!(written > 0)) throw new Error(`short write to ${file}: ${pos + Math.max(0, written)} of ${bytes.length} bytes written (disk full?)`);
    pos += written;
  }
}

/** Writes a new file (it must not exist), fsyncs it; used inside a fresh temporary folder. */
export function writeFileDurable(file: string, data: Uint8Array | string): void {
  const bytes = typeof data === "string" ? Buffer.from(data, "utf8") : data;
  ioStep("open", file);
  const fd = fs.openSync(file, "wx");
  try {
    writeFully(fd, bytes, file);
    ioStep("fsync", file);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}

/** fsyncs a folder so that the renames and creations in it survive a power cut (a no-op where unsupported). */
export function fsyncDir(dir: string): void {
  ioStep("fsync-dir", dir);
  let fd: number;
  try {
    fd = fs.openSync(dir, "r");
  } catch {
    return; // Windows cannot open folders; its renames are durable on return
  }
  try {
    fs.fsyncSync(fd);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code !== "EINVAL" && code !== "EPERM" && code !== "EISDIR") throw e;
  } finally {
    fs.closeSync(fd);
  }
}

let tempCounter = 0;

/** A temporary name beside `target` (same folder, so the final rename stays on one file system). */
export function tempPath(target: string): string {
  return path.join(path.dirname(target), `.${path.basename(target)}.tmp-${process.pid}-${tempCounter++}`);
}

/** Replaces `file` atomically: temporary file, checked writes, fsync, rename, folder fsync. */
export function writeFileAtomic(file: string, data: Uint8Array | string): void {
  const tmp = tempPath(file);
  try {
    writeFileDurable(tmp, data);
    ioStep("rename", file);
    fs.renameSync(tmp, file);
  } catch (e) {
    if (e instanceof IoCrash) throw e;
    fs.rmSync(tmp, { force: true });
    throw e;
  }
  fsyncDir(path.dirname(file));
}

/** The message of a failed write, with a hint when the disk is full. */
export function writeErrorMessage(e: unknown): string {
  const err = e as NodeJS.ErrnoException;
  if (err.code === "ENOSPC" || /short write/.test(err.message)) return `${err.message.replace(/^ENOSPC: /, "")} (the disk is full: free some space)`;
  return err.message;
}
