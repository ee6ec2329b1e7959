// nanoGPT's option names (train.py and model.py's GPTConfig) as gptlab reads them: the ones that mean the same as
// a run option are aliases of it, on the command line and in config files; the ones with no equivalent are named
// with the reason, and skipped with a note, so that a nanoGPT config file runs as it is.

/** nanoGPT name -> run option of the same meaning. Names that camelCase to a run option (n_layer, beta1) work as such. */
export const nanoGPTAliases: Readonly<Record<string, string>> = {
  max_iters: "steps",
  learning_rate: "lr",
  lr_decay_iters: "scheduleSteps",
  min_lr: "minLr",
  warmup_iters: "warmupSteps",
  eval_interval: "evalEvery",
  eval_iters: "evalBatches",
  gradient_accumulation_steps: "gradAccum",
  grad_clip: "clipNorm",
  out_dir: "out",
  n_layer: "nLayer",
  n_head: "nHead",
  n_embd: "nEmbd",
  block_size: "blockSize",
  batch_size: "batchSize",
  weight_decay: "weightDecay",
};

/** nanoGPT options gptlab has no equivalent of, and why (or what to use instead). */
export const nanoGPTUnsupported: Readonly<Record<string, string>> = {
  dataset: "gptlab reads a text file, not data/NAME/train.bin: set data = 'path/to/input.txt' (and mode = 'text')",
  wandb_log: "no Weights & Biases logging: metrics.json holds every step's loss and every evaluation",
  wandb_project: "no Weights & Biases logging",
  wandb_run_name: "no Weights & Biases logging",
  log_interval: "every step's loss is in metrics.json; the progress bar shows the latest",
  always_save_checkpoint: "last/ is saved every --save-every-seconds (and --save-every steps), best/ at each new best validation loss",
  eval_only: "use npx gptlab eval --run DIR",
  device: "gptlab runs on the CPU (--backend picks the kernels)",
  dtype: "gptlab trains in float32",
  compile: "no compilation step (the kernels are WebAssembly or the native addon)",
  backend: "DDP's backend (nccl, gloo): gptlab trains in one process (its own --backend picks the kernels)",
};

/**
 * nanoGPT's keys that choose a schedule or a start rather than set a value: decay_lr (True: warmup then cosine to
 * min_lr, as train.py's get_lr; False: constant) and init_from ('scratch': the default; 'resume': --resume DIR; a
 * run folder: gptlab's initFrom). Returns run options, or throws naming the file and what to use instead.
 */
export function nanoGPTChoice(key: string, value: unknown, where: string): Record<string, unknown> | null {
  if (key === "decay_lr") {
    if (typeof value !== "boolean") throw new Error(`${where}: decay_lr must be True or False (got ${JSON.stringify(value)})`);
    return { schedule: value ? nanoGPTSchedule : "constant" };
  }
  if (key === "init_from") {
    if (value === "scratch") return {};
    if (value === "resume") throw new Error(`${where}: init_from = 'resume' has no config-file form in gptlab; continue a run with npx gptlab train --resume DIR`);
    if (typeof value === "string" && /^gpt2/.test(value)) throw new Error(`${where}: init_from = '${value}' downloads OpenAI's weights, which gptlab does not; give a run folder of gptlab's instead`);
    return { initFrom: value };
  }
  return null;
}

/** train.py's get_lr: linear warmup over warmup_iters, cosine down to min_lr at lr_decay_iters, min_lr after. */
export const nanoGPTSchedule = "warmup_cosine_floor";

/** The keys of nanoGPT's schedule: a config file that sets one and no schedule gets nanoGPT's (decay_lr = True). */
export const nanoGPTScheduleKeys: readonly string[] = ["warmup_iters", "lr_decay_iters", "min_lr"];
