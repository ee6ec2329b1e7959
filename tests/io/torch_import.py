# Builds GPT-2-style models in PyTorch (nanoGPT's model.py structure and names, random weights), saves each state
# dict as safetensors (nanoGPT's Linear layout, or Hugging Face's: Conv1D weights transposed, no "transformer."
# prefix, no lm_head), and prints each one's loss on a fixed batch as JSON: the import test compares gptlab's loss.
# Usage: torch_import.py OUTDIR SEED LAYOUT-BIAS... (e.g. nanogpt-1 nanogpt-0 hf-1); writes OUTDIR/LAYOUT-BIAS.safetensors
import json, math, struct, sys
import torch
import torch.nn.functional as F

def make(out, layout, bias, seed):
    V, T, C, H, L, B = 37, 12, 24, 4, 2, 3
    g = torch.Generator().manual_seed(seed)
    def rnd(*shape, std=0.2): return torch.randn(*shape, generator=g) * std

    sd = {"transformer.wte.weight": rnd(V, C), "transformer.wpe.weight": rnd(T, C)}
    def linear(name, o, i):
        sd[name + ".weight"] = rnd(o, i)
        if bias: sd[name + ".bias"] = rnd(o, std=0.05)
    def norm(name):
        sd[name + ".weight"] = 1 + rnd(C, std=0.1)
        if bias: sd[name + ".bias"] = rnd(C, std=0.05)
    for l in range(L):
        p = f"transformer.h.{l}"
        norm(p + ".ln_1"); linear(p + ".attn.c_attn", 3 * C, C); linear(p + ".attn.c_proj", C, C)
        norm(p + ".ln_2"); linear(p + ".mlp.c_fc", 4 * C, C); linear(p + ".mlp.c_proj", C, 4 * C)
    norm("transformer.ln_f")
    sd["lm_head.weight"] = sd["transformer.wte.weight"]  # tied, as nanoGPT's state dict holds it

    def forward(ids, gelu):
        x = sd["transformer.wte.weight"][ids] + sd["transformer.wpe.weight"][: ids.shape[1]]
        ln = lambda x, n: F.layer_norm(x, (C,), sd[n + ".weight"], sd.get(n + ".bias"), 1e-5)
        lin = lambda x, n: F.linear(x, sd[n + ".weight"], sd.get(n + ".bias"))
        for l in range(L):
            p = f"transformer.h.{l}"
            q, k, v = lin(ln(x, p + ".ln_1"), p + ".attn.c_attn").split(C, dim=2)
            q, k, v = (t.view(B, -1, H, C // H).transpose(1, 2) for t in (q, k, v))
            y = F.scaled_dot_product_attention(q, k, v, is_causal=True) if hasattr(F, "scaled_dot_product_attention") else \
                ((q @ k.transpose(-2, -1)) / math.sqrt(C // H)).masked_fill(torch.triu(torch.ones(T, T, dtype=torch.bool), 1), float("-inf")).softmax(-1) @ v
            x = x + lin(y.transpose(1, 2).reshape(B, -1, C), p + ".attn.c_proj")
            x = x + lin(gelu(lin(ln(x, p + ".ln_2"), p + ".mlp.c_fc")), p + ".mlp.c_proj")
        return ln(x, "transformer.ln_f") @ sd["lm_head.weight"].T

    ids = torch.randint(0, V, (B, T + 1), generator=g)
    inputs, targets = ids[:, :-1], ids[:, 1:]
    loss = lambda gelu: F.cross_entropy(forward(inputs, gelu).reshape(-1, V), targets.reshape(-1)).item()

    tensors = dict(sd)
    if layout == "hf":  # GPT2LMHeadModel's transformer part: Conv1D (in, out), names without "transformer.", tied head left out
        tensors = {k.replace("transformer.", "", 1): (v.T.contiguous() if k.endswith(("c_attn.weight", "c_proj.weight", "c_fc.weight")) else v) for k, v in sd.items() if k != "lm_head.weight"}
        for l in range(L): tensors[f"h.{l}.attn.bias"] = torch.tril(torch.ones(T, T)).view(1, 1, T, T)  # the causal-mask buffer
    header, data, offset = {}, b"", 0
    for k, v in tensors.items():
        b = v.contiguous().numpy().astype("<f4").tobytes() if hasattr(v, "numpy") else b""
        header[k] = {"dtype": "F32", "shape": list(v.shape), "data_offsets": [offset, offset + len(b)]}
        data += b; offset += len(b)
    h = json.dumps(header).encode()
    h += b" " * (-len(h) % 8)
    with open(out, "wb") as f:
        f.write(struct.pack("<Q", len(h)) + h + data)
    return {"heads": H, "inputs": inputs.flatten().tolist(), "targets": targets.flatten().tolist(), "B": B, "T": T,
                      "loss": loss(lambda h: F.gelu(h, approximate="tanh")), "lossExactGelu": loss(F.gelu)}

outdir, seed = sys.argv[1], int(sys.argv[2])
print(json.dumps({spec: make(f"{outdir}/{spec}.safetensors", spec.split("-")[0], spec.split("-")[1] == "1", seed) for spec in sys.argv[3:]}))
