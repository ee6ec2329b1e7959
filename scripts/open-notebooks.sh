#!/bin/sh
# Opens the notebooks in Jupyter Notebook (npm run notebooks): sets Jupyter up if needed, trusts the committed
# notebooks (so their plot scripts run) and starts the server in notebooks/ with the tslab kernel on PATH.
# Extra arguments go to `jupyter notebook`, e.g. npm run notebooks -- --no-browser --port 8899
set -eu
cd "$(dirname "$0")/.."
PY=/usr/bin/python3
scripts/setup-jupyter.sh
"$PY" - <<'PYEOF' 2>/dev/null
import glob, nbformat
from nbformat.sign import NotebookNotary
notary = NotebookNotary()
for path in sorted(glob.glob("notebooks/*.ipynb")):
    notary.sign(nbformat.read(path, as_version=4))
PYEOF
ROOT_FLAG=""
if [ "$(id -u)" -eq 0 ]; then ROOT_FLAG="--allow-root"; fi
PATH="$PWD/node_modules/.bin:$PATH" exec "$PY" -m jupyter notebook --notebook-dir=notebooks $ROOT_FLAG "$@"
