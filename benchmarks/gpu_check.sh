#!/usr/bin/env bash
# Every GPU check of rnnkit in one command, in under 5 minutes; paste its output into docs/kernels.md.
#
#   bash benchmarks/gpu_check.sh            # from anywhere; uses .venv/bin/python if there is one
#   PYTHON=python3 bash benchmarks/gpu_check.sh
#
# 1. checks (benchmarks/kernels.py --check): every fast path (native/cuDNN, fused Triton with and without the
#    CUDA graphs, GRU-D, the minimal cells' scan) against the float64 reference in float32 and bfloat16,
#    values and gradients; what backend="auto" picks per layer (the fused self-check's outcome); cuDNN's one
#    weight buffer; the fused CUDA graphs' capture and reuse, and a fused layer inside a user's capture.
# 2. the kernels table (benchmarks/kernels.py) at (B, T, F, H) = (64, 512, 128, 512), float32 and bfloat16.
# 3. the layers table (benchmarks/layers.py): rnnkit.{RNN,LSTM,GRU} against torch.nn.
# Each part has a time limit (160 + 80 + 40 s); a part cut short keeps the rows it printed and says so.
# Without a CUDA GPU it says so and exits 0.
set -uo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-.venv/bin/python}
[ -x "$PY" ] || PY=$(command -v python3 || command -v python)
START=$SECONDS

if ! "$PY" -c 'import torch, sys; sys.exit(0 if torch.cuda.is_available() else 1)' 2>/dev/null; then
  echo "gpu_check: no CUDA GPU visible to torch ($("$PY" -c 'import torch; print("torch", torch.__version__)' 2>&1 | tail -1)); nothing to check."
  exit 0
fi
if ! "$PY" -c 'import triton' 2>/dev/null; then
  echo "note: Triton is not installed (pip install -e '.[kernels]'): the fused rows will say n/a."
fi

FAILED=()
part() {  # part NAME LIMIT_S COMMAND...: run one part under a time limit, report how it ended
  local name=$1 limit=$2 t0=$SECONDS rc
  shift 2
  echo
  echo "## $name"
  echo
  timeout --signal=INT --kill-after=10 "$limit" "$@" 2>&1
  rc=$?
  case $rc in
    0) echo; echo "($name: done in $((SECONDS - t0)) s)" ;;
    124|130|137) echo; echo "($name: CUT at the ${limit} s limit; the rows above are complete)"; FAILED+=("$name (time limit)") ;;
    *) echo; echo "($name: exit code $rc after $((SECONDS - t0)) s)"; FAILED+=("$name (exit $rc)") ;;
  esac
}

echo "# rnnkit GPU check, $(date -u +%Y-%m-%dT%H:%MZ), commit $(git rev-parse --short HEAD 2>/dev/null || echo unknown)"
nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader 2>/dev/null | sed 's/^/GPU: /'
"$PY" -c 'import torch; print("torch", torch.__version__, "CUDA", torch.version.cuda, "cuDNN", torch.backends.cudnn.version())'
"$PY" -c 'import triton; print("triton", triton.__version__)' 2>/dev/null

part "checks" 160 "$PY" benchmarks/kernels.py --device cuda --check --no-table --dtypes float32,bfloat16
part "kernels table" 80 "$PY" benchmarks/kernels.py --device cuda --dtypes float32,bfloat16 --repeat 3 \
  --sizes 64,512,128,512
part "layers table" 40 "$PY" benchmarks/layers.py --device cuda --repeat 3

echo
if [ ${#FAILED[@]} -eq 0 ]; then
  echo "gpu_check: all parts done in $((SECONDS - START)) s."
else
  echo "gpu_check: done in $((SECONDS - START)) s; parts with failures or cut short: ${FAILED[*]}"
  exit 1
fi
