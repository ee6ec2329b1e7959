// How the CLI learns it must stop and save: SIGINT (Ctrl-C), SIGTERM (timeout, scancel, a Kubernetes eviction),
// SIGHUP (the terminal closed), and, when started by npx, the exit of that npx. npx does not forward a signal sent
// to its own pid (`kill -TERM $!` after `npx gptlab train &`): it exits at once (143) and the trainer, reparented,
// would train on unseen. So under npx the trainer watches its parent and stops and saves when it goes away. What
// cannot be changed from here: the exit code the shell sees is npx's (130 after Ctrl-C, 143 after SIGTERM), not
// gptlab's 75; scripts that need it run `node node_modules/gptlab/bin/gptlab.js` (or the checkout's bin/gptlab.js).

export const STOP_SIGNALS = ["SIGINT", "SIGTERM", "SIGHUP"] as const;

/** True when this process was started by npx (npm exec sets these in the child's environment). */
export function startedByNpx(env: NodeJS.ProcessEnv = process.env): boolean {
  return env.npm_command === "exec" || env.npm_lifecycle_event === "npx";
}

/**
 * Calls onStop(reason) on each stop signal, and once if the npx that started this process exits (checked every
 * pollMs). Returns the function that removes the handlers.
 */
export function onStopRequest(onStop: (reason: string) => void, opts: { pollMs?: number; watchParent?: boolean } = {}): () => void {
  const handler = (sig: NodeJS.Signals): void => onStop(sig);
  for (const sig of STOP_SIGNALS) process.on(sig, handler);
  let timer: NodeJS.Timeout | null = null;
  if (opts.watchParent ?? startedByNpx()) {
    const parent = process.ppid;
    timer = setInterval(() => {
      if (process.ppid === parent) return;
      clearInterval(timer!);
      onStop("the exit of npx, its parent");
    }, opts.pollMs ?? 500);
    timer.unref();
  }
  return () => {
    for (const sig of STOP_SIGNALS) process.removeListener(sig, handler);
    if (timer) clearInterval(timer);
  };
}
