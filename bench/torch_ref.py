#!/usr/bin/python3
# PyTorch reference for the speed benchmark: the same GPT shapes as bench/bench.ts, M1-M3 microgpt-style (no biases,
# weightless RMSNorm, ReLU 4x MLP, untied lm_head), M4 GPT-2 style (LayerNorm with weight and bias, tanh GELU,
# biases, tied embeddings, final LayerNorm), timed as steps/s and tokens/s; prints JSON.
#
# usage: /usr/bin/python3 bench/torch_ref.py [--threads 1,2] [--models M1,M2,M3] [--windows 5] [--seconds 1.0]
#        /usr/bin/python3 bench/torch_ref.py --generate [--models M3,M4] [--prompt 8] [--new-tokens 128] [--reps 5]
#        (KV-cached sampling, one sequence, temperature 1; the block is widened to prompt + new tokens)
#        /usr/bin/python3 bench/torch_ref.py --train-text FILE [--models M4] [--steps 1000] [--eval-every 500]
#        (the loop of `gptlab train --tokenizer char --mode text` on FILE, timed whole, at PyTorch's default threads)
import argparse
import json
import math
import resource
import statistics
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

# name -> (vocab, n_embd, n_head, n_layer, block_size, batch, tokens per row)
MODELS = {
    "M1": dict(vocab=597, n_embd=32, n_head=4, n_layer=2, block=16, batch=1, seq=7),
    "M2": dict(vocab=27, n_embd=64, n_head=4, n_layer=4, block=32, batch=32, seq=32),
    "M3": dict(vocab=2048, n_embd=128, n_head=4, n_layer=4, block=128, batch=16, seq=128),
    "M4": dict(vocab=65, n_embd=128, n_head=4, n_layer=4, block=64, batch=12, seq=64, gpt2=True),
    # nanoGPT's shakespeare-char model (no biases, dropout left out), batch 4 as in bench/models.ts
    "M5": dict(vocab=65, n_embd=384, n_head=6, n_layer=6, block=256, batch=4, seq=256, gpt2=True, bias=False),
}


class LayerNorm(nn.Module):
    """nanoGPT's LayerNorm with an optional bias (torch 1.13's nn.LayerNorm always has one)."""

    def __init__(self, c, bias):
        super().__init__()
        self.weight = nn.Parameter(torch.ones(c))
        self.bias = nn.Parameter(torch.zeros(c)) if bias else None

    def forward(self, x):
        return F.layer_norm(x, self.weight.shape, self.weight, self.bias, 1e-5)


def set_threads(threads):
    """torch.set_num_threads does not reach Debian's OpenBLAS (a pthread build with a pool of its own, which then
    runs a one-thread PyTorch's matrix products on every core): set both."""
    import ctypes

    torch.set_num_threads(threads)
    try:
        ctypes.CDLL("libopenblas.so.0").openblas_set_num_threads(threads)
    except (OSError, AttributeError):
        pass


def isa_report():
    """What each part of PyTorch runs with: ATen's CPU capability, OpenBLAS's core, oneDNN's effective ISA."""
    import ctypes

    cap = next((l.split(":", 1)[1].strip() for l in torch.__config__.show().splitlines() if "CPU capability usage" in l), "?")
    out = {"aten": cap, "openblas": "?", "onednn": "?"}
    try:
        f = ctypes.CDLL("libopenblas.so.0").openblas_get_corename
        f.restype = ctypes.c_char_p
        out["openblas"] = f().decode()
    except (OSError, AttributeError):
        pass
    try:
        isa = ctypes.CDLL("libdnnl.so.2").dnnl_get_effective_cpu_isa()
        names = {0x1: "sse41", 0x3: "avx", 0x7: "avx2", 0x27: "avx512_core", 0x67: "avx512_core_vnni", 0xE7: "avx512_core_bf16"}
        out["onednn"] = names.get(isa, hex(isa))
    except (OSError, AttributeError):
        pass
    return out


def rmsnorm(x, eps=1e-5):
    return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + eps)


class Block(nn.Module):
    def __init__(self, c, nh, separate_qkv, gpt2=False, bias=True):
        super().__init__()
        self.nh = nh
        self.gpt2 = gpt2
        if gpt2:  # nanoGPT's Block: LayerNorm with weight (and bias), biases everywhere (or none), tanh GELU
            self.ln_1, self.ln_2 = LayerNorm(c, bias), LayerNorm(c, bias)
            self.c_attn = nn.Linear(c, 3 * c, bias=bias)
            self.c_proj = nn.Linear(c, c, bias=bias)
            self.c_fc = nn.Linear(c, 4 * c, bias=bias)
            self.mlp_proj = nn.Linear(4 * c, c, bias=bias)
            return
        if separate_qkv:  # microgpt's attn_wq, attn_wk, attn_wv: three matmuls instead of one
            q, k, v = (nn.Linear(c, c, bias=False) for _ in range(3))
            self.q, self.k, self.v = q, k, v
            self.c_attn = lambda x: torch.cat([q(x), k(x), v(x)], dim=2)
        else:
            self.c_attn = nn.Linear(c, 3 * c, bias=False)
        self.c_proj = nn.Linear(c, c, bias=False)
        self.c_fc = nn.Linear(c, 4 * c, bias=False)
        self.mlp_proj = nn.Linear(4 * c, c, bias=False)

    def forward(self, x, mask):
        B, T, C = x.shape
        hs = C // self.nh
        norm1 = self.ln_1 if self.gpt2 else rmsnorm
        norm2 = self.ln_2 if self.gpt2 else rmsnorm
        act = (lambda h: F.gelu(h, approximate="tanh")) if self.gpt2 else F.relu
        q, k, v = self.c_attn(norm1(x)).split(C, dim=2)  # (B, T, C) each
        q = q.view(B, T, self.nh, hs).transpose(1, 2)  # (B, nh, T, hs)
        k = k.view(B, T, self.nh, hs).transpose(1, 2)
        v = v.view(B, T, self.nh, hs).transpose(1, 2)
        att = (q @ k.transpose(-2, -1)) * (1.0 / math.sqrt(hs))  # (B, nh, T, T)
        att = att.masked_fill(mask[:T, :T], float("-inf")).softmax(dim=-1)
        y = (att @ v).transpose(1, 2).contiguous().view(B, T, C)
        x = x + self.c_proj(y)
        x = x + self.mlp_proj(act(self.c_fc(norm2(x))))
        return x


    def forward_cached(self, x, cache):
        """x (1, T, C) continuing the sequence in cache (a dict with k, v of shape (1, nh, t, hs)); no mask needed
        for T = 1, a causal one for the prompt."""
        B, T, C = x.shape
        hs = C // self.nh
        norm1 = self.ln_1 if self.gpt2 else rmsnorm
        norm2 = self.ln_2 if self.gpt2 else rmsnorm
        act = (lambda h: F.gelu(h, approximate="tanh")) if self.gpt2 else F.relu
        q, k, v = self.c_attn(norm1(x)).split(C, dim=2)
        q = q.view(B, T, self.nh, hs).transpose(1, 2)
        k = k.view(B, T, self.nh, hs).transpose(1, 2)
        v = v.view(B, T, self.nh, hs).transpose(1, 2)
        if "k" in cache:
            k = torch.cat([cache["k"], k], dim=2)
            v = torch.cat([cache["v"], v], dim=2)
        cache["k"], cache["v"] = k, v
        att = (q @ k.transpose(-2, -1)) * (1.0 / math.sqrt(hs))  # (1, nh, T, t)
        if T > 1:
            t = k.size(2)
            att = att.masked_fill(torch.ones(T, t, dtype=torch.bool).triu(t - T + 1), float("-inf"))
        y = (att.softmax(dim=-1) @ v).transpose(1, 2).contiguous().view(B, T, C)
        x = x + self.c_proj(y)
        x = x + self.mlp_proj(act(self.c_fc(norm2(x))))
        return x


class GPT(nn.Module):
    def __init__(self, vocab, n_embd, n_head, n_layer, block, separate_qkv=False, gpt2=False, bias=True, **_):
        super().__init__()
        self.gpt2 = gpt2
        self.wte = nn.Embedding(vocab, n_embd)
        self.wpe = nn.Embedding(block, n_embd)
        self.h = nn.ModuleList([Block(n_embd, n_head, separate_qkv, gpt2, bias) for _ in range(n_layer)])
        self.lm_head = nn.Linear(n_embd, vocab, bias=False)
        if gpt2:
            self.ln_f = LayerNorm(n_embd, bias)
            self.lm_head.weight = self.wte.weight  # tied, as nanoGPT
            # nanoGPT's (and gptlab's gpt2 preset's) init: normal 0.02, residual projections 0.02 / sqrt(2 n_layer);
            # torch's default N(0, 1) embeddings, tied to the output, start the loss near 80 (a different regime)
            for name, p in self.named_parameters():
                if name.endswith("bias"):
                    nn.init.zeros_(p)
                elif p.dim() == 2:
                    std = 0.02 / math.sqrt(2 * n_layer) if name.endswith(("c_proj.weight", "mlp_proj.weight")) else 0.02
                    nn.init.normal_(p, 0.0, std)
        self.register_buffer("mask", torch.ones(block, block, dtype=torch.bool).triu(1), persistent=False)

    def forward(self, idx, targets):
        B, T = idx.shape
        x = self.wte(idx) + self.wpe(torch.arange(T))  # (B, T, C)
        if not self.gpt2:
            x = rmsnorm(x)
        for block in self.h:
            x = block(x, self.mask)
        logits = self.lm_head(self.ln_f(x) if self.gpt2 else x)  # (B, T, V)
        return F.cross_entropy(logits.reshape(-1, logits.size(-1)), targets.reshape(-1))


    def forward_cached(self, idx, caches, start):
        """Logits (1, T, V) of idx (1, T) at positions start.., with one KV cache per block."""
        T = idx.size(1)
        x = self.wte(idx) + self.wpe(torch.arange(start, start + T))
        if not self.gpt2:
            x = rmsnorm(x)
        for block, cache in zip(self.h, caches):
            x = block.forward_cached(x, cache)
        return self.lm_head(self.ln_f(x) if self.gpt2 else x)


def time_generation(name, spec, threads, reps, prompt_len, new_tokens, seed):
    """KV-cached sampling (temperature 1) of new_tokens after a prompt, one sequence; block widened to fit."""
    set_threads(threads)
    torch.manual_seed(seed)
    block = max(spec["block"], prompt_len + new_tokens)
    args = {k: v for k, v in spec.items() if k not in ("batch", "seq", "block")}
    model = GPT(**args, block=block).eval()
    gen = torch.Generator().manual_seed(seed)
    prompt = torch.randint(0, spec["vocab"], (1, prompt_len), generator=gen)

    def sample():
        caches = [dict() for _ in model.h]
        with torch.no_grad():
            logits = model.forward_cached(prompt, caches, 0)[:, -1, :]
            out = []
            for i in range(new_tokens):
                nxt = torch.multinomial(F.softmax(logits, dim=-1), 1, generator=gen)  # (1, 1)
                out.append(int(nxt))
                if i + 1 < new_tokens:
                    logits = model.forward_cached(nxt, caches, prompt_len + i)[:, -1, :]
        return out

    sample()  # warm up
    times = []
    for _ in range(reps):
        t0 = time.perf_counter()
        sample()
        times.append(time.perf_counter() - t0)
    t = statistics.median(times)
    return {"model": name, "threads": threads, "prompt": prompt_len, "new_tokens": new_tokens, "block": block,
            "seconds": t, "tokens_per_s": new_tokens / t, "runs": [round(x, 4) for x in times]}


def train_text(path, spec, steps, eval_every, eval_batches, lr, seed):
    """`gptlab train --tokenizer char --mode text` in PyTorch: characters of the file, the last 10% for validation,
    random windows of block + 1, Adam (betas 0.85, 0.99) with lr decaying linearly to 0, train and val loss on
    eval_batches batches each every eval_every steps and at the end; wall time of the whole loop."""
    t_start = time.perf_counter()
    torch.manual_seed(seed)
    with open(path, encoding="utf-8") as f:
        text = f.read()
    chars = sorted(set(text))
    index = {c: i for i, c in enumerate(chars)}
    data = torch.tensor([index[c] for c in text], dtype=torch.long)
    n_val = int(len(data) * 0.1)
    splits = {"train": data[: len(data) - n_val], "val": data[len(data) - n_val :]}
    B, T = spec["batch"], spec["seq"]
    gen = torch.Generator().manual_seed(seed)

    def batch(split):
        d = splits[split]
        ix = torch.randint(0, len(d) - T - 1, (B,), generator=gen)
        x = torch.stack([d[i : i + T + 1] for i in ix])
        return x[:, :-1], x[:, 1:]

    args = {k: v for k, v in spec.items() if k not in ("batch", "seq", "vocab")}
    model = GPT(vocab=len(chars), **args)
    opt = torch.optim.Adam(model.parameters(), lr=lr, betas=(0.85, 0.99), eps=1e-8)
    evals = []

    def evaluate(step):
        model.eval()
        with torch.no_grad():
            losses = {s: sum(float(model(*batch(s))) for _ in range(eval_batches)) / eval_batches for s in splits}
        model.train()
        evals.append({"step": step, **losses})

    t0 = time.perf_counter()
    for step in range(1, steps + 1):
        for g in opt.param_groups:
            g["lr"] = lr * (1 - (step - 1) / steps)
        loss = model(*batch("train"))
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        if step % eval_every == 0 or step == steps:
            evaluate(step)
    loop = time.perf_counter() - t0
    return {"file": path, "vocab": len(chars), "steps": steps, "threads": torch.get_num_threads(), "loop_s": loop,
            "s_per_1000_steps": loop * 1000 / steps, "setup_s": t0 - t_start, "evals": evals,
            "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}


def time_model(name, spec, threads, windows, seconds, seed, separate_qkv):
    set_threads(threads)
    torch.manual_seed(seed)
    model = GPT(**{k: v for k, v in spec.items() if k not in ("batch", "seq")}, separate_qkv=separate_qkv)
    opt = torch.optim.Adam(model.parameters(), lr=0.01, betas=(0.85, 0.99), eps=1e-8)
    B, T, V = spec["batch"], spec["seq"], spec["vocab"]
    gen = torch.Generator().manual_seed(seed)

    def step(i):
        # fresh random tokens every step, as in bench/bench.ts: nothing to memorize
        batch = torch.randint(0, V, (B, T + 1), generator=gen)
        loss = model(batch[:, :-1], batch[:, 1:])
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        return loss

    # warm up, and size a window to take about `seconds`
    t0 = time.perf_counter()
    n = 0
    while time.perf_counter() - t0 < max(0.3, seconds / 2) or n < 5:
        step(n)
        n += 1
    per_step = (time.perf_counter() - t0) / n
    window = max(3, int(seconds / per_step))
    rates = []
    cpu_rates = []
    i = 0
    for _ in range(windows):
        t0 = time.perf_counter()
        c0 = time.process_time()
        for _ in range(window):
            loss = step(i)
            i += 1
        rates.append(window / (time.perf_counter() - t0))
        cpu_rates.append(window / (time.process_time() - c0))
    sps = statistics.median(rates)
    params = sum(p.numel() for p in model.parameters())
    return {
        "model": name,
        "threads": threads,
        "separate_qkv": separate_qkv,
        "params": params,
        "batch": B,
        "seq": T,
        "steps_per_s": sps,
        "tokens_per_s": sps * B * T,
        "ms_per_step": 1000.0 / sps,
        # this process's CPU time per step (all its threads): what a step costs whatever else runs on the machine
        "cpu_ms_per_step": 1000.0 / statistics.median(cpu_rates),
        # peak resident memory of this process so far (it times the models one after another: the largest so far)
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "window_steps": window,
        "windows": [round(r, 2) for r in rates],
        "final_loss": float(loss),
    }


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--threads", default="1", help="comma-separated thread counts, e.g. 1,2")
    ap.add_argument("--models", default="M1,M2,M3", help="comma-separated model names: " + ",".join(MODELS))
    ap.add_argument("--windows", type=int, default=5, help="timed windows per model (the median is reported)")
    ap.add_argument("--seconds", type=float, default=1.0, help="approximate length of one timed window")
    ap.add_argument("--seed", type=int, default=1337)
    ap.add_argument("--separate-qkv", action="store_true", help="microgpt's separate q, k, v weights (default: one packed c_attn)")
    ap.add_argument("--generate", action="store_true", help="time KV-cached sampling instead of training")
    ap.add_argument("--prompt", type=int, default=8, help="--generate: prompt tokens")
    ap.add_argument("--new-tokens", type=int, default=128, help="--generate: tokens sampled after the prompt")
    ap.add_argument("--reps", type=int, default=5, help="--generate: timed sequences (the median is reported)")
    ap.add_argument("--train-text", metavar="FILE", help="time `gptlab train --tokenizer char --mode text` on FILE (M4's shape by default) at the default thread count")
    ap.add_argument("--steps", type=int, default=1000, help="--train-text: optimizer steps")
    ap.add_argument("--eval-every", type=int, default=500, help="--train-text: steps between evaluations (and one at the end)")
    ap.add_argument("--eval-batches", type=int, default=100, help="--train-text: batches per split in each evaluation")
    ap.add_argument("--lr", type=float, default=0.01, help="--train-text: peak learning rate (linear decay to 0)")
    args = ap.parse_args()
    if args.train_text:
        name = args.models if args.models in MODELS else "M4"
        print(json.dumps({"torch": torch.__version__, "isa": isa_report(), "model": name,
                          **train_text(args.train_text, MODELS[name], args.steps, args.eval_every, args.eval_batches, args.lr, args.seed)}, indent=1))
        return
    names = [m.strip() for m in args.models.split(",") if m.strip()]
    for m in names:
        if m not in MODELS:
            sys.exit(f"--models: unknown model {m!r} (known: {', '.join(MODELS)})")
    threads = [int(t) for t in args.threads.split(",")]
    results = []
    for t in threads:
        for m in names:
            if args.generate:
                results.append(time_generation(m, MODELS[m], t, args.reps, args.prompt, args.new_tokens, args.seed))
            else:
                results.append(time_model(m, MODELS[m], t, args.windows, args.seconds, args.seed, args.separate_qkv))
            print(json.dumps(results[-1]), file=sys.stderr)
    print(json.dumps({"torch": torch.__version__, "isa": isa_report(), "results": results}, indent=1))


if __name__ == "__main__":
    main()
