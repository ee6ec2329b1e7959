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

# the kernel spec starts `tslab` from PATH, so whoever runs notebooks puts node_modules/.bin on PATH
if ! "$PY" -m jupyter kernelspec list 2>/dev/null | grep -q '^ *tslab '; then
  PATH="$PWD/node_modules/.bin:$PATH" node_modules/.bin/tslab install --python="$PY"
fi
echo "Jupyter $("$PY" -m jupyter nbconvert --version 2>/dev/null) (nbconvert) with the tslab kernel is ready"
