#!/usr/bin/python3
# A notebook's first response in a real tslab kernel: starts a fresh kernel in notebooks/ (as Jupyter does), runs
# the notebook's first code cells (parameters, imports) and times them until they return, then runs the cells up
# to its training cell and times until the first training progress is drawn (the first display output of that
# cell). Every time is measured from the moment the first cell is sent. Prints one JSON line.
#
# usage: /usr/bin/python3 bench/first_response.py [--notebook notebooks/01-training.ipynb] [--steps 50] [--reps 1]
import argparse
import json
import os
import sys
import time

import tempfile

from jupyter_client.kernelspec import KernelSpecManager
from jupyter_client.manager import KernelManager


def code_cells(path):
    with open(path) as f:
        nb = json.load(f)
    return ["".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "code"]


def run_cell(kc, code, timeout, on_output=None):
    """Executes code; returns when the kernel is idle again. Raises with the kernel's message on an error."""
    msg_id = kc.execute(code)
    error = None
    while True:
        msg = kc.get_iopub_msg(timeout=timeout)
        if msg["parent_header"].get("msg_id") != msg_id:
            continue
        kind = msg["msg_type"]
        if on_output and kind in ("display_data", "update_display_data", "stream"):
            on_output(kind)
        if kind == "error":
            error = f"{msg['content']['ename']}: {msg['content']['evalue']}"
        if kind == "status" and msg["content"]["execution_state"] == "idle":
            break
    reply = kc.get_shell_msg(timeout=timeout)
    while reply["parent_header"].get("msg_id") != msg_id:
        reply = kc.get_shell_msg(timeout=timeout)
    if error or reply["content"].get("status") != "ok":
        raise RuntimeError(f"cell failed: {error or reply['content']}\n{code[:300]}")


def first_response(notebook, steps, timeout):
    cells = code_cells(notebook)
    imports = [i for i, c in enumerate(cells) if "/src/index.js" in c or "/src/notebook/index.js" in c]
    train = next((i for i, c in enumerate(cells) if "trainView(" in c or "trainAsync(" in c), None)
    if not imports or train is None:
        sys.exit(f"{notebook}: no import cell or no training cell (trainView / trainAsync) found")
    root = os.getcwd()
    env = dict(os.environ)
    env["PATH"] = os.path.join(root, "node_modules", ".bin") + os.pathsep + env.get("PATH", "")
    env["GPTLAB_PARAMS"] = json.dumps({"steps": steps})
    # the project's own tslab (node_modules/.bin), whatever kernel spec is installed on the machine
    specs = tempfile.mkdtemp(prefix="gptlab-kernelspec-")
    os.makedirs(os.path.join(specs, "tslab"))
    with open(os.path.join(specs, "tslab", "kernel.json"), "w") as f:
        argv = [os.path.join(root, "node_modules", ".bin", "tslab"), "kernel", "--config-path", "{connection_file}"]
        json.dump({"argv": argv, "display_name": "TypeScript", "language": "typescript"}, f)
    km = KernelManager(kernel_name="tslab", kernel_spec_manager=KernelSpecManager(kernel_dirs=[specs]))
    t_start = time.perf_counter()
    km.start_kernel(cwd=os.path.dirname(os.path.abspath(notebook)), env=env)
    try:
        kc = km.client()
        kc.start_channels()
        kc.wait_for_ready(timeout=timeout)
        t_ready = time.perf_counter()
        t0 = time.perf_counter()
        for i in range(max(imports) + 1):
            run_cell(kc, cells[i], timeout)
        t_import = time.perf_counter() - t0
        between = []
        for i in range(max(imports) + 1, train):
            t_cell = time.perf_counter()
            run_cell(kc, cells[i], timeout)
            between.append(round(time.perf_counter() - t_cell, 3))
        first = []
        t_train = time.perf_counter()

        def seen(kind):
            if not first and kind != "stream":
                first.append(time.perf_counter() - t0)

        run_cell(kc, cells[train], timeout, seen)
        t_done = time.perf_counter() - t0
        kc.stop_channels()
    finally:
        km.shutdown_kernel(now=True)
    return {
        "notebook": os.path.relpath(notebook, root),
        "kernel_start_s": t_ready - t_start,
        "import_cells": max(imports) + 1,
        "import_s": t_import,
        "first_progress_s": first[0] if first else None,
        "train_cell_done_s": t_done,
        # from sending the training cell (the cells between the imports and it build the run, evaluate, ...)
        "train_cell_first_progress_s": first[0] - (t_train - t0) if first else None,
        # seconds of each cell between the imports and the training cell (where the rest of first_progress_s goes)
        "between_cells_s": between,
        "steps": steps,
    }


def main():
    ap = argparse.ArgumentParser(description="time a notebook's first response in a fresh tslab kernel")
    ap.add_argument("--notebook", default="notebooks/01-training.ipynb")
    ap.add_argument("--steps", type=int, default=50, help="training steps (GPTLAB_PARAMS), small: only the first progress matters")
    ap.add_argument("--reps", type=int, default=1, help="fresh kernels; each figure is the median")
    ap.add_argument("--timeout", type=float, default=300)
    args = ap.parse_args()
    if not os.path.exists(args.notebook):
        sys.exit(f"--notebook: {args.notebook} does not exist")
    runs = [first_response(args.notebook, args.steps, args.timeout) for _ in range(args.reps)]
    med = lambda k: sorted(r[k] for r in runs)[len(runs) // 2] if all(r[k] is not None for r in runs) else None
    out = dict(runs[0])
    for k in ("kernel_start_s", "import_s", "first_progress_s", "train_cell_done_s", "train_cell_first_progress_s"):
        out[k] = med(k)
    out["runs"] = runs
    print(json.dumps(out))


if __name__ == "__main__":
    main()
