# Loads a gptlab run folder into a plain PyTorch implementation of the model (nanoGPT names) and prints the
# logits for the token ids given on the command line as JSON: the interop test compares them with gptlab's.
import json, math, struct, sys
import torch
import torch.nn.functional as F

def load_safetensors(path):
    with open(path, "rb") as f:
        n = struct.unpack("<Q", f.read(8))[0]
        header = json.loads(f.read(n))
        data = f.read()
    meta = header.pop("__metadata__", {})
    return {k: torch.frombuffer(bytearray(data[v["data_offsets"][0]:v["data_offsets"][1]]), dtype=torch.float32).reshape(v["shape"])
            for k, v in header.items()}, meta

run, ids = sys.argv[1], [int(x) for x in sys.argv[2].split(",")]
sd, meta = load_safetensors(f"{run}/model.safetensors")
cfg = json.loads(meta["config"])
C, H, L = cfg["nEmbd"], cfg["nHead"], cfg["nLayer"]

def norm(x, prefix):
    w, b = sd.get(prefix + ".weight"), sd.get(prefix + ".bias")
    if cfg["norm"] == "rms":
        y = x * torch.rsqrt((x * x).mean(-1, keepdim=True) + cfg["normEps"])
        return y * w if w is not None else y
    return F.layer_norm(x, (C,), w, b, cfg["normEps"])

def linear(x, prefix):
    return F.linear(x, sd[prefix + ".weight"], sd.get(prefix + ".bias"))

T = len(ids)
x = sd["transformer.wte.weight"][torch.tensor(ids)] + sd["transformer.wpe.weight"][:T]
if cfg["embedNorm"]:
    x = norm(x, "transformer.ln_e")
for l in range(L):
    p = f"transformer.h.{l}"
    q, k, v = linear(norm(x, p + ".ln_1"), p + ".attn.c_attn").split(C, dim=-1)
    q, k, v = (t.view(T, H, C // H).transpose(0, 1) for t in (q, k, v))
    att = (q @ k.transpose(-2, -1)) / math.sqrt(C // H)
    att = att.masked_fill(torch.triu(torch.ones(T, T, dtype=torch.bool), 1), float("-inf")).softmax(-1)
    x = x + linear((att @ v).transpose(0, 1).reshape(T, C), p + ".attn.c_proj")
    h = linear(norm(x, p + ".ln_2"), p + ".mlp.c_fc")
    h = F.relu(h) if cfg["activation"] == "relu" else F.gelu(h, approximate="tanh")
    x = x + linear(h, p + ".mlp.c_proj")
if cfg["finalNorm"]:
    x = norm(x, "transformer.ln_f")
head = sd["transformer.wte.weight"] if cfg["tieWeights"] else sd["lm_head.weight"]
print(json.dumps((x @ head.T).flatten().tolist()))
