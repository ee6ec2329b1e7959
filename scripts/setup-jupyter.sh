#!/bin/sh
# Makes this machine able to run the notebooks: Jupyter from Debian (PyPI is unreachable) and the tslab kernel;
# with --chromium also the headless browser the runner checks the plots with. Idempotent: installs only what is missing.
# Usage: scripts/setup-jupyter.sh [--chromium]
set -eu
cd "$(dirname "$0")/.."
PY=/usr/bin/python3
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO=sudo; fi
UPDATED=""
apt_install() {
  if [ -z "$UPDATED" ]; then $SUDO apt-get update; UPDATED=1; fi
  $SUDO apt-get install -y "$@"
}

if ! "$PY" -c "import nbconvert, nbclient, jupyter_client, ipykernel, notebook" 2>/dev/null; then
  echo "installing Jupyter from apt (Debian packages; they run on $PY)"
  apt_install jupyter-nbconvert jupyter-client python3-nbclient python3-ipykernel jupyter-notebook
fi

if [ "${1:-}" = "--chromium" ] && [ ! -x /usr/bin/chromium ]; then
  echo "installing Chromium from apt (headless, to check that the plots are drawn)"
  apt_install chromium
fi

if [ ! -x node_modules/.bin/tslab ]; then
  echo "node_modules/.bin/tslab is missing: run npm install first" >&2
  exit 1
fi

# The kernel spec starts the project's own tslab by its absolute path, so Jupyter, `jupyter nbconvert --execute`
# and VS Code find the kernel without node_modules/.bin on PATH. A spec that starts anything else (e.g. plain
# `tslab` from PATH, as `tslab install` writes by default) is rewritten. GPTLAB_KERNEL_PREFIX=DIR installs the spec
# under DIR/share/jupyter/kernels instead of the default place (tests; a Jupyter that reads JUPYTER_PATH).
TSLAB="$PWD/node_modules/.bin/tslab"
PREFIX_ARG=""
if [ -n "${GPTLAB_KERNEL_PREFIX:-}" ]; then PREFIX_ARG="--prefix=$GPTLAB_KERNEL_PREFIX"; fi
CURRENT=$("$PY" -c "
import json, sys
from jupyter_client.kernelspec import KernelSpecManager, NoSuchKernel
try: print(KernelSpecManager().get_kernel_spec('tslab').argv[0])
except NoSuchKernel: print('')
" 2>/dev/null || true)
if [ "$CURRENT" != "$TSLAB" ]; then
  echo "registering the tslab kernel: $TSLAB (was: ${CURRENT:-none})"
  "$TSLAB" install --python="$PY" --binary="$TSLAB" $PREFIX_ARG
fi
# the engine as the kernels import it (notebooks/src -> build/notebook-lib); rebuilt only when src/ changed
node scripts/build-notebook-lib.cjs
echo "Jupyter $("$PY" -m jupyter nbconvert --version 2>/dev/null) (nbconvert) with the tslab kernel is ready"
