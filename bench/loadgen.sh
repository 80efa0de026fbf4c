#!/usr/bin/env bash
# The load generator's speed, measured against wrk in the same run (Release builds; the service pinned to
# CPU 0, the generators to CPU 1 so they never compete with the service for a core):
#   1. closed-loop throughput against GET /: wrk and `--scenario root --concurrency N`, interleaved runs,
#      median ratio loadgen/wrk (goal: >= 0.5);
#      Each client's CPU time (user + system) per request is printed too: on a busy machine the
#      multi-threaded generator can win more CPU share than single-threaded wrk, so the throughput ratio
#      alone can flatter it; CPU per request does not depend on share;
#   2. rate accuracy: `--rps 500` for 10 s, checked against the service's own http_requests_total
#      (goal: within 2%).
#
#   bench/loadgen.sh [runs=5] [seconds=10] [connections=64]
set -euo pipefail
cd "$(dirname "$0")/.."

runs="${1:-5}"
seconds="${2:-10}"
connections="${3:-64}"
port=18090
url="http://127.0.0.1:$port"
out=artifacts/bench

for tool in wrk taskset jq curl; do
  command -v "$tool" >/dev/null || { echo "$tool is required (apt-get install -y wrk util-linux jq curl)" >&2; exit 2; }
done

dotnet publish src/Pulse.Api -c Release -o "$out/api" --nologo -v quiet >/dev/null
dotnet publish src/Pulse.LoadGen -c Release -o "$out/loadgen" --nologo -v quiet >/dev/null

server_pid=""
stop_server() { if [ -n "$server_pid" ]; then kill "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true; server_pid=""; fi; }
trap stop_server EXIT

taskset -c 0 dotnet "$out/api/Pulse.Api.dll" --urls "$url" --Logging:LogLevel:Default=Warning >/dev/null 2>&1 &
server_pid=$!
for _ in $(seq 1 300); do
  curl -fs "$url/health/live" >/dev/null 2>&1 && break
  sleep 0.1
done
curl -fs "$url/health/live" >/dev/null || { echo "service did not start" >&2; exit 1; }

loadgen() { taskset -c 1 dotnet "$out/loadgen/Pulse.LoadGen.dll" --url "$url" "$@"; }
# Each prints "<requests per second> <CPU microseconds per request>".
TIMEFORMAT='%U %S'
wrk_run() {
  local cpu rps requests
  cpu=$({ time taskset -c 1 wrk -t1 -c"$connections" -d"${seconds}s" "$url/" >"$out/wrk.txt"; } 2>&1)
  rps=$(awk '/Requests\/sec/ {print $2}' "$out/wrk.txt")
  requests=$(awk '/requests in/ {print $1}' "$out/wrk.txt")
  echo "$rps $(awk -v c="$cpu" -v n="$requests" 'BEGIN {split(c, t, " "); printf "%.1f", (t[1] + t[2]) * 1e6 / n}')"
}
loadgen_run() {
  local cpu
  cpu=$({ time loadgen --scenario root --concurrency "$connections" --duration "${seconds}s" --json "$out/closed.json" >/dev/null; } 2>&1)
  jq -r --arg cpu "$cpu" '"\(.overall.rate) \((($cpu | split(" ") | map(tonumber) | add) * 1e6 / .overall.count * 10 | round) / 10)"' "$out/closed.json"
}
median() { sort -g | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }
get_root_count() { curl -fs "$url/metrics" | awk '/^http_requests_total\{method="GET",endpoint="\/",/ {s += $2} END {print s + 0}'; }

# Warm up the service's JIT and connection handling with both clients.
taskset -c 1 wrk -t1 -c"$connections" -d3s "$url/" >/dev/null
loadgen --scenario root --concurrency "$connections" --duration 3s >/dev/null

echo "Closed loop, GET /, $connections connections, ${seconds}s per run (load average before: $(cut -d' ' -f1-3 /proc/loadavg))"
printf 'run  %10s  %12s  %6s  %14s  %14s\n' "wrk rps" "loadgen rps" "ratio" "wrk us CPU/req" "loadgen us/req"
wrks=() gens=() ratios=() wcpus=() gcpus=()
for run in $(seq 1 "$runs"); do
  # Alternate which client goes first so that drift does not favour one.
  if [ $((run % 2)) -eq 1 ]; then read -r w wc < <(wrk_run); read -r g gc < <(loadgen_run)
  else read -r g gc < <(loadgen_run); read -r w wc < <(wrk_run); fi
  r=$(awk -v g="$g" -v w="$w" 'BEGIN {printf "%.3f", g / w}')
  wrks+=("$w") gens+=("$g") ratios+=("$r") wcpus+=("$wc") gcpus+=("$gc")
  printf '%3d  %10s  %12s  %6s  %14s  %14s\n' "$run" "$w" "$g" "$r" "$wc" "$gc"
done
printf 'median %8s  %12s  %6s  %14s  %14s\n' \
  "$(printf '%s\n' "${wrks[@]}" | median)" "$(printf '%s\n' "${gens[@]}" | median)" "$(printf '%s\n' "${ratios[@]}" | median)" \
  "$(printf '%s\n' "${wcpus[@]}" | median)" "$(printf '%s\n' "${gcpus[@]}" | median)"
echo "(load average after: $(cut -d' ' -f1-3 /proc/loadavg))"

echo
echo "Open loop, --rps 500 for 10 s, GET /"
before=$(get_root_count)
start=$(date +%s.%N)
loadgen --scenario root --rps 500 --duration 10s --json "$out/open.json" >/dev/null
end=$(date +%s.%N)
after=$(get_root_count)
jq -r --arg served "$((after - before))" --arg wall "$(awk -v a="$start" -v b="$end" 'BEGIN {printf "%.3f", b - a}')" '
  "sent (generator count):          \(.overall.count)",
  "counted by the service:          \($served)",
  "measured duration (s):           \(.durationSeconds)",
  "achieved rate (count/duration):  \(.overall.rate)",
  "error vs 500 rps:                \(((.overall.rate - 500) / 500 * 100 * 1000 | round) / 1000)%",
  "schedule lag p50/p99/max (ms):   \(.scheduleLagMs.p50) / \(.scheduleLagMs.p99) / \(.scheduleLagMs.max)",
  "latency p50/p99/max (ms):        \(.overall.latencyMs.p50) / \(.overall.latencyMs.p99) / \(.overall.latencyMs.max)",
  "process wall time incl. start (s): \($wall)"' "$out/open.json"
