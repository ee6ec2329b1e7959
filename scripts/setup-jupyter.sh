#!/bin/sh
# Makes this machine able to run the notebooks: Jupyter from Debian (PyPI is unreachable) and the tslab kernel.
# Idempotent: installs only what is missing. Usage: scripts/setup-jupyter.sh
set -eu
cd "$(dirname "$0")/.."
PY=/usr/bin/python3

if ! "$PY" -c "import nbconvert, nbclient, jupyter_client, ipykernel, notebook" 2>/dev/null; then
  echo "installing Jupyter from apt (Debian packages; they run on $PY)"
  SUDO=""
  if [ "$(id -u)" -ne 0 ]; then SUDO=sudo; fi
  $SUDO apt-get update
  $SUDO apt-get install -y jupyter-nbconvert jupyter-client python3-nbclient python3-ipykernel jupyter-notebook
fi

if [ ! -x node_modules/.bin/tslab ]; then
  echo "node_modules/.bin/tslab is missing: run npm install first" >&2
  exit 1
fi

# the kernel spec starts `tslab` from PATH, so whoever runs notebooks puts node_modules/.bin on PATH
if ! "$PY" -m jupyter kernelspec list 2>/dev/null | grep -q '^ *tslab '; then
  PATH="$PWD/node_modules/.bin:$PATH" node_modules/.bin/tslab install --python="$PY"
fi
echo "Jupyter $("$PY" -m jupyter nbconvert --version 2>/dev/null) (nbconvert) with the tslab kernel is ready"
