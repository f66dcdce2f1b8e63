#!/usr/bin/env bash
# The evidence runs behind docs/comparison.md: each `rnnkit compare` writes report.json, report.md, report.html
# and plots into runs/evidence/<task>; the tables of docs/comparison.md are those report.md files, concatenated
# by the last step. One torch thread per run, so two runs can share a 2-core machine.
#   bash benchmarks/comparison.sh            # all runs (about 1.5 hours on 2 CPU cores)
set -euo pipefail
cd "$(dirname "$0")/.."
export OMP_NUM_THREADS=1
R=${RNNKIT:-.venv/bin/rnnkit}
OUT=${OUT:-runs/evidence}
$R clipping --out "$OUT/clipping"
$R compare --task adding --length 200 --seeds 5 --steps 3000 --eval-every 250 --out "$OUT/adding200"
# the LSTM alone with twice the budget, two processes (seeds 0-2 and 3-4)
$R compare --task adding --length 200 --cells lstm --seeds 3 --steps 6000 --eval-every 500 --out "$OUT/adding200_lstm6000_a" &
$R compare --task adding --length 200 --cells lstm --seeds 2 --first-seed 3 --steps 6000 --eval-every 500 \
  --out "$OUT/adding200_lstm6000_b"
wait
$R compare --task digits --seeds 3 --steps 1500 --eval-every 100 --out "$OUT/digits"
$R compare --task mnist1d --seeds 3 --steps 3000 --hidden-size 128 --eval-every 250 --out "$OUT/mnist1d"
$R compare --task permuted_digits --seeds 3 --steps 2000 --hidden-size 128 --eval-every 250 --out "$OUT/permuted_digits"
$R compare --task copy --length 100 --seeds 3 --steps 3000 --hidden-size 128 --eval-every 250 --out "$OUT/copy100"
for d in adding200 adding200_lstm6000_a adding200_lstm6000_b copy100 mnist1d digits permuted_digits clipping; do
  cat "$OUT/$d/"{report,clipping}.md 2>/dev/null; echo
done > "$OUT/tables.md"
echo "tables in $OUT/tables.md"
