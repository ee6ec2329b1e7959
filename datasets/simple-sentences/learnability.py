# Checks that sentences.txt is learnable: trains the word-level lab's model (microgpt-style, 63k parameters for
# V=597) for 5000 one-sentence steps with PyTorch and prints the mean loss of the last 500 steps vs ln(V).
# Run: /usr/bin/python3 datasets/simple-sentences/learnability.py [path] [steps] [seed]
import math, random, re, sys
import torch
import torch.nn.functional as F

path = sys.argv[1] if len(sys.argv) > 1 else "datasets/simple-sentences/sentences.txt"
steps = int(sys.argv[2]) if len(sys.argv) > 2 else 5000
seed = int(sys.argv[3]) if len(sys.argv) > 3 else 42
torch.manual_seed(seed)
random.seed(seed)
torch.set_num_threads(1)

# same rule as src/data/word.ts for ASCII text: lowercase words (inner apostrophes kept), each punctuation mark a token
TOKEN = re.compile(r"[a-z0-9]+(?:'[a-z0-9]+)*|[^\sa-z0-9]")
docs = [TOKEN.findall(l.lower()) for l in open(path, encoding="utf8") if l.strip()]
vocab = sorted({w for d in docs for w in d})
stoi = {w: i for i, w in enumerate(vocab)}
BOS = len(vocab)
V = len(vocab) + 1
random.shuffle(docs)

n_embd, n_head, n_layer, block = 32, 4, 2, 16
hd = n_embd // n_head
def p(*shape):
    return (torch.randn(*shape) * 0.08).requires_grad_()
P = {"wte": p(V, n_embd), "wpe": p(block, n_embd), "lm_head": p(V, n_embd)}
for i in range(n_layer):
    for k, s in [("wq", (n_embd, n_embd)), ("wk", (n_embd, n_embd)), ("wv", (n_embd, n_embd)), ("wo", (n_embd, n_embd)),
                 ("fc1", (4 * n_embd, n_embd)), ("fc2", (n_embd, 4 * n_embd))]:
        P[f"{i}.{k}"] = p(*s)
print(f"vocab {V} (ln V = {math.log(V):.4f}), parameters {sum(t.numel() for t in P.values())}, docs {len(docs)}")

def rms(x):
    return x * torch.rsqrt((x * x).mean(-1, keepdim=True) + 1e-5)

def forward(ids):
    T = len(ids)
    x = rms(P["wte"][ids] + P["wpe"][:T])
    mask = torch.triu(torch.ones(T, T, dtype=torch.bool), 1)
    for i in range(n_layer):
        h = rms(x)
        q, k, v = (h @ P[f"{i}.{n}"].T for n in ("wq", "wk", "wv"))
        q, k, v = (t.view(T, n_head, hd).transpose(0, 1) for t in (q, k, v))
        att = (q @ k.transpose(1, 2)) / math.sqrt(hd)
        att = att.masked_fill(mask, float("-inf")).softmax(-1)
        x = x + (att @ v).transpose(0, 1).reshape(T, n_embd) @ P[f"{i}.wo"].T
        x = x + F.relu(rms(x) @ P[f"{i}.fc1"].T) @ P[f"{i}.fc2"].T
    return x @ P["lm_head"].T

opt = torch.optim.Adam(P.values(), lr=0.01, betas=(0.85, 0.99), eps=1e-8)
losses = []
for step in range(steps):
    seq = ([BOS] + [stoi[w] for w in docs[step % len(docs)]] + [BOS])[: block + 1]
    ids = torch.tensor(seq)
    loss = F.cross_entropy(forward(ids[:-1]), ids[1:])
    for g in opt.param_groups:
        g["lr"] = 0.01 * (1 - step / steps)
    opt.zero_grad()
    loss.backward()
    opt.step()
    losses.append(loss.item())
first = sum(losses[:500]) / 500
last = sum(losses[-500:]) / 500
print(f"mean loss steps 1-500: {first:.3f}; steps {steps - 499}-{steps}: {last:.3f}; ln V - last = {math.log(V) - last:.3f}")
