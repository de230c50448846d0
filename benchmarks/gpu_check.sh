#!/usr/bin/env bash
# GPU check of issue 24: the paper's regional LSTM (531 basins' worth of samples) for one epoch
# (or 100 s of it) with N = 1 and with the chosen predict_last_n, and one per-basin LSTM; prints
# samples/s, target days/s, peak GPU memory and the extrapolated time of full runs. At most
# 8 minutes on one GPU, from a copy of the tree; needs Python with PyTorch and NumPy only.
#   bash benchmarks/gpu_check.sh                 # on the GPU machine
#   bash benchmarks/gpu_check.sh --device cpu --basins 20 --max-seconds 10   # on a CPU
set -euo pipefail
cd "$(dirname "$0")/.."
python=${PYTHON:-python3}
[ -x .venv/bin/python ] && [ -z "${PYTHON:-}" ] && python=.venv/bin/python
command -v nvidia-smi >/dev/null && nvidia-smi --query-gpu=name,memory.total --format=csv,noheader
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
timeout 480 "$python" benchmarks/gpu_check.py "$@"
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
