// An exclusive lock on a folder (a run folder, a sweep trial): DIR/.lock, created with O_EXCL, names its holder
// (pid, host, a random token) and has its mtime refreshed while held. A lock is stale, and taken over, when its
// holder is gone: on this host its pid no longer exists; from another host (a shared file system) its mtime is
// older than STALE_MS. Taking over renames the stale file away first, so of two processes that both judged it
// stale exactly one proceeds, and a fresh lock renamed by mistake is put back.

import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { randomBytes } from "node:crypto";
import { makeOutputFolder } from "./paths.js";

export const LOCK_FILE = ".lock";
/** A lock from another host whose mtime is older than this is stale (the holder refreshes it every REFRESH_MS). */
export const STALE_MS = 60_000;
const REFRESH_MS = 10_000;

/** The folder is in use by another process; the message names it and says what to do. */
export class FolderLockedError extends Error {}

interface LockInfo {
  pid: number;
  host: string;
  token: string;
  since: string;
}

const held = new Map<string, { token: string; timer: NodeJS.Timeout }>();
let exitHook = false;

function readLock(file: string): LockInfo | null {
  try {
    const v = JSON.parse(fs.readFileSync(file, "utf8")) as LockInfo;
    return typeof v === "object" && v !== null && Number.isSafeInteger(v.pid) && typeof v.host === "string" && typeof v.token === "string" ? v : null;
  } catch {
    return null;
  }
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
  // a killed process whose parent died too stays a zombie until init reaps it, which some inits (a container's, a
  // VM's process manager) do late or never: it answers kill(pid, 0) but holds nothing. Linux says so in /proc.
  try {
    return !/^\d+ \(.*\) Z/s.test(fs.readFileSync(`/proc/${pid}/stat`, "utf8"));
  } catch {
    return true;
  }
}

/** Whether the lock file's holder is gone (a lock without readable content is judged by its age, like a remote one). */
function isStale(info: LockInfo | null, mtimeMs: number, now = Date.now()): boolean {
  if (info && info.host === os.hostname()) return info.pid !== process.pid && !pidAlive(info.pid);
  return now - mtimeMs > STALE_MS;
}

/** Removes a stale lock unless someone replaced it meanwhile (then it is put back). */
function takeOverStale(file: string, judged: LockInfo | null): void {
  const aside = `${file}.stale-${process.pid}-${randomBytes(4).toString("hex")}`;
  try {
    fs.renameSync(file, aside);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return; // another process took it over first
    throw e;
  }
  const moved = readLock(aside);
  if (moved && judged && moved.token !== judged.token) {
    // a fresh lock taken between our look and our rename: give it back (link fails if a third one exists)
    try {
      fs.linkSync(aside, file);
    } catch {
      /* the folder has a lock again either way */
    }
  }
  fs.rmSync(aside, { force: true });
}

function releaseAll(): void {
  for (const dir of [...held.keys()]) release(dir);
}

function release(dir: string): void {
  const h = held.get(dir);
  if (!h) return;
  held.delete(dir);
  clearInterval(h.timer);
  const file = path.join(dir, LOCK_FILE);
  if (readLock(file)?.token === h.token) fs.rmSync(file, { force: true });
}

/**
 * Takes the lock of dir (created if missing) for this process, or throws FolderLockedError naming the holder.
 * Returns the release function (also run at process exit). `what` names the folder in the message.
 */
export function lockFolder(dir: string, what = "run folder"): () => void {
  const key = path.resolve(dir);
  const file = path.join(key, LOCK_FILE);
  if (held.has(key)) throw new FolderLockedError(`${what} ${dir} is already in use by this process (two trainings of one folder at once); wait for the first to end`);
  if (fs.existsSync(key) && !fs.statSync(key).isDirectory()) throw new Error(`${what} ${dir} is a file, not a folder; choose another`);
  makeOutputFolder(dir, what === "run folder" ? "--out" : what);
  for (let attempt = 0; ; attempt++) {
    const token = randomBytes(8).toString("hex");
    try {
      const fd = fs.openSync(file, "wx");
      try {
        fs.writeSync(fd, JSON.stringify({ pid: process.pid, host: os.hostname(), token, since: new Date().toISOString() } satisfies LockInfo) + "\n");
      } finally {
        fs.closeSync(fd);
      }
      const timer = setInterval(() => {
        const now = new Date();
        try {
          fs.utimesSync(file, now, now);
        } catch {
          /* removed by hand: the next look at it says so */
        }
      }, REFRESH_MS);
      timer.unref();
      held.set(key, { token, timer });
      if (!exitHook) {
        exitHook = true;
        process.on("exit", releaseAll);
      }
      return () => release(key);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
    }
    const info = readLock(file);
    let mtimeMs: number;
    try {
      mtimeMs = fs.statSync(file).mtimeMs;
    } catch {
      continue; // released meanwhile: try again
    }
    if (attempt < 3 && isStale(info, mtimeMs)) {
      takeOverStale(file, info);
      continue;
    }
    const who = info ? `pid ${info.pid} on ${info.host === os.hostname() ? "this host" : `host ${info.host}`}, since ${info.since}` : "a process that is starting";
    throw new FolderLockedError(`${what} ${dir} is in use by another gptlab process (${who}); wait for it to end or stop it (if it no longer exists, delete ${file})`);
  }
}
