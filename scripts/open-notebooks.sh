#!/bin/sh
# Opens the notebooks in Jupyter Notebook (npm run notebooks): sets Jupyter up if needed, copies the committed
# notebooks to a working folder (my-notebooks/, git-ignored; GPTLAB_WORK_DIR changes it) and opens those copies, so
# that running and saving a notebook never changes the tracked notebooks/ (npm test checks those). A copy that
# exists is kept as it is: delete it to start again from the committed notebook. The copies are trusted (so their
# plot scripts run) and the server starts with the tslab kernel on PATH.
# Extra arguments go to `jupyter notebook`, e.g. npm run notebooks -- --no-browser --port 8899
set -eu
cd "$(dirname "$0")/.."
PY=/usr/bin/python3
WORK="${GPTLAB_WORK_DIR:-my-notebooks}"
scripts/setup-jupyter.sh
mkdir -p "$WORK"
# tslab compiles only files under the notebook's folder: the copies import the library through their own link,
# to the same place as notebooks/src
ln -sfn "$(readlink -f notebooks/src)" "$WORK/src"
for nb in notebooks/*.ipynb; do
  dest="$WORK/$(basename "$nb")"
  if [ -e "$dest" ]; then echo "keeping your copy $dest (delete it to start again from $nb)"; else cp "$nb" "$dest"; fi
done
echo "Jupyter opens your copies in $WORK/; the committed notebooks/ stay as they are (npm run notebooks:run -- --update NAME rewrites those)"
GPTLAB_WORK="$WORK" "$PY" - <<'PYEOF' 2>/dev/null
import glob, os, nbformat
from nbformat.sign import NotebookNotary
notary = NotebookNotary()
for path in sorted(glob.glob(os.path.join(os.environ["GPTLAB_WORK"], "*.ipynb"))):
    notary.sign(nbformat.read(path, as_version=4))
PYEOF
ROOT_FLAG=""
if [ "$(id -u)" -eq 0 ]; then ROOT_FLAG="--allow-root"; fi
PATH="$PWD/node_modules/.bin:$PATH" exec "$PY" -m jupyter notebook --notebook-dir="$WORK" $ROOT_FLAG "$@"
