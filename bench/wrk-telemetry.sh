#!/usr/bin/env bash
# Throughput of GET / with telemetry off (baseline) and on, same Release build, runs interleaved.
# The service is pinned to CPU 0 and wrk to CPU 1 so they do not compete for a core.
#
#   bench/wrk-telemetry.sh [runs=5] [seconds=10] [connections=32] [path=/]
#
# Prints each run and the median throughput ratio on/off (goal: >= 0.97).
set -euo pipefail
cd "$(dirname "$0")/.."

runs="${1:-5}"
seconds="${2:-10}"
connections="${3:-32}"
path="${4:-/}"
port=18080
out=artifacts/bench/api

command -v wrk >/dev/null || { echo "wrk is required: apt-get install -y wrk" >&2; exit 2; }
command -v taskset >/dev/null || { echo "taskset is required (util-linux)" >&2; exit 2; }

dotnet publish src/Pulse.Api -c Release -o "$out" --nologo -v quiet >/dev/null

server_pid=""
stop_server() { if [ -n "$server_pid" ]; then kill "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true; server_pid=""; fi; }
trap stop_server EXIT

# Starts the service with telemetry on or off and waits (at most 30 s) until it answers.
# DOTNET_TC_CallCountingDelayMs=0 (both modes) lets tiered compilation reach steady state within the
# warm-up: by default, under saturation, promotion to optimized code is postponed for tens of seconds and
# the instrumented build, which has more code to promote, is measured half-optimized (bench/README.md).
start_server() {
  DOTNET_TC_CallCountingDelayMs=0 taskset -c 0 dotnet "$out/Pulse.Api.dll" --urls "http://127.0.0.1:$port" \
    --Telemetry:Enabled="$1" --Logging:LogLevel:Default=Warning >/dev/null 2>&1 &
  server_pid=$!
  for _ in $(seq 1 300); do
    curl -fs "http://127.0.0.1:$port/health/live" >/dev/null 2>&1 && return 0
    sleep 0.1
  done
  echo "service did not start" >&2
  exit 1
}

# Runs wrk against the started service and prints requests per second. The 15 s warm-up lets tiered
# compilation and dynamic PGO finish: measured earlier, the instrumented build's extra code is still
# partly unoptimized and the comparison is unfair to it.
measure() {
  taskset -c 1 wrk -t1 -c"$connections" -d15s "http://127.0.0.1:$port$path" >/dev/null
  taskset -c 1 wrk -t1 -c"$connections" -d"${seconds}s" "http://127.0.0.1:$port$path" | awk '/Requests\/sec/ {print $2}'
}

median() { sort -g | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }

off=() on=() ratios=()
printf 'run  telemetry=false  telemetry=true  ratio\n'
for run in $(seq 1 "$runs"); do
  # Alternate which mode goes first so that drift (thermal, noisy neighbours) does not favour one.
  if [ $((run % 2)) -eq 1 ]; then order=(false true); else order=(true false); fi
  declare -A result=()
  for mode in "${order[@]}"; do
    start_server "$mode"
    result[$mode]=$(measure)
    stop_server
  done
  ratio=$(awk -v a="${result[true]}" -v b="${result[false]}" 'BEGIN {printf "%.3f", a / b}')
  off+=("${result[false]}") on+=("${result[true]}") ratios+=("$ratio")
  printf '%3d  %15s  %14s  %5s\n' "$run" "${result[false]}" "${result[true]}" "$ratio"
done

printf 'median  %13s  %14s  %5s\n' \
  "$(printf '%s\n' "${off[@]}" | median)" "$(printf '%s\n' "${on[@]}" | median)" "$(printf '%s\n' "${ratios[@]}" | median)"
