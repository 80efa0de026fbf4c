#!/usr/bin/env bash
# What instrumentation costs a request, as CPU time of the service per request (bench/README.md, "Instrumentation
# overhead"). One Release build of each app, every variant a process of its own, all started at once; the
# servers pinned to CPU 0, wrk (one thread) to CPU 1. After a warm-up of each, rounds run the variants one after
# the other (the order rotates every round), and each round reads the server's own utime + stime from
# /proc/PID/stat before and after a wrk run of fixed length and divides by the requests wrk reports. Printed:
# every round's µs per request, the median, and the median of the per-round ratios to the variant's baseline.
#
#   bench/overhead.sh [rounds=7] [seconds=4] [connections=32]
#
# Scenarios (BENCH_SCENARIOS, default "root sqlite"):
#   root    GET / on Pulse.Api with telemetry off (pulse-off, the baseline of every pulse variant) and with its
#           defaults (pulse), and on the peers under bench/peers: plain (uninstrumented, the baseline of the
#           other two), prometheus-net (UseHttpMetrics/MapMetrics) and opentelemetry (ASP.NET Core and
#           runtime instrumentation, Prometheus exporter).
#   sqlite  GET /products/1 on Pulse.Api on SQLite, telemetry off and on.
# More Pulse variants (the breakdown by part) come from BENCH_EXTRA, space-separated name:env:args with commas
# between several envs or args, for example
#   BENCH_EXTRA="pulse-noemf::--Telemetry:Emf:Enabled=false pulse-nosizes:PULSE_BENCH_OFF=sizes:" bench/overhead.sh
# BENCH_PAIRED=1 runs every variant's wrk at the same time in each round instead of one after the other (servers
# still on CPU 0, every wrk on CPU 1): other load on the machine then disturbs all variants alike, which makes
# the per-round ratios far steadier on a shared machine, at the price of the servers sharing CPU 0.
# PULSE_BENCH_OFF switches parts of the telemetry off for measuring only (src/Pulse.Telemetry/BenchmarkSwitches.cs).
# BENCH_PEERS=0 leaves the peers out of the root scenario; BENCH_WARMUP sets the warm-up in seconds (default 10).
set -euo pipefail
cd "$(dirname "$0")/.."

rounds="${1:-7}"
seconds="${2:-4}"
connections="${3:-32}"
warmup="${BENCH_WARMUP:-10}"
scenarios="${BENCH_SCENARIOS:-root sqlite}"
out=artifacts/bench/overhead
ticks=$(getconf CLK_TCK)

for tool in wrk taskset curl; do
  command -v "$tool" >/dev/null || { echo "$tool is required" >&2; exit 2; }
done

echo "building (Release)..."
dotnet publish src/Pulse.Api -c Release -o "$out/pulse" --nologo -v quiet >/dev/null
for peer in Plain PrometheusNet OpenTelemetry; do
  dotnet publish "bench/peers/Peer.$peer" -c Release -o "$out/peer-$peer" --nologo -v quiet >/dev/null
done

data=$(mktemp -d)
pids=()
stop_all() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  pids=()
}
trap 'stop_all; rm -rf "$data"' EXIT

declare -A port_of pid_of baseline_of
next_port=$((18100 + RANDOM % 500))

# start NAME PROGRAM ENVS ARGS: one server on CPU 0. DOTNET_TC_CallCountingDelayMs=0 for every process, so that
# tiered compilation reaches steady state within the warm-up (bench/README.md).
start() {
  local name="$1" program="$2" envs="$3" args="$4" port=$next_port
  next_port=$((next_port + 1))
  local dll
  case "$program" in
    pulse) dll="$out/pulse/Pulse.Api.dll" ;;
    plain) dll="$out/peer-Plain/Peer.Plain.dll" ;;
    prometheus-net) dll="$out/peer-PrometheusNet/Peer.PrometheusNet.dll" ;;
    opentelemetry) dll="$out/peer-OpenTelemetry/Peer.OpenTelemetry.dll" ;;
  esac
  local -a env_list=() arg_list=()
  [ -n "$envs" ] && IFS=',' read -ra env_list <<<"$envs"
  [ -n "$args" ] && IFS=',' read -ra arg_list <<<"$args"
  env "${env_list[@]}" DOTNET_TC_CallCountingDelayMs=0 taskset -c 0 dotnet "$dll" --urls "http://127.0.0.1:$port" \
    --Logging:LogLevel:Default=Warning --Database:Sqlite:Path="$data/$name.db" "${arg_list[@]}" >"$data/$name.log" 2>&1 &
  pids+=($!)
  port_of[$name]=$port
  pid_of[$name]=$!
}

wait_ready() {
  local name="$1"
  for _ in $(seq 1 300); do
    curl -fs "http://127.0.0.1:${port_of[$name]}/health/live" >/dev/null 2>&1 && return 0
    sleep 0.1
  done
  echo "$name did not start:" >&2
  cat "$data/$name.log" >&2
  exit 1
}

cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }

median() { sort -g | awk '{a[NR]=$1} END {if (NR == 0) print "-"; else print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }

# record NAME BEFORE AFTER WRK_OUTPUT ROUND(from the caller): one variant's µs per request in one round.
record() {
  local name="$1" before="$2" after="$3" result="$4" requests
  if grep -qE 'Non-2xx|Socket errors' <<<"$result"; then
    echo "$name answered errors:" >&2
    echo "$result" >&2
    exit 1
  fi
  requests=$(awk '/requests in/ {print $1}' <<<"$result")
  us[$name,$round]=$(awk -v t=$((after - before)) -v hz="$ticks" -v n="$requests" 'BEGIN {printf "%.2f", t * 1e6 / hz / n}')
  cpu[$name]=$(( ${cpu[$name]:-0} + after - before ))
  served[$name]=$(( ${served[$name]:-0} + requests ))
}

# Waits for the wrk runs started in the background (not for the servers, which are background jobs too).
wait_for_wrk() {
  local job
  for job in $(jobs -p); do
    case " ${pids[*]} " in *" $job "*) ;; *) wait "$job" ;; esac
  done
}

# run_scenario TITLE PATH VARIANT...: each VARIANT is name:program:baseline:envs:args.
run_scenario() {
  local title="$1" path="$2"; shift 2
  local -a names=()
  for spec in "$@"; do
    IFS=':' read -r name program baseline envs args <<<"$spec"
    names+=("$name")
    baseline_of[$name]=$baseline
    start "$name" "$program" "$envs" "$args"
  done
  for name in "${names[@]}"; do wait_ready "$name"; done
  if [ "$path" != "/" ]; then
    for name in "${names[@]}"; do
      curl -fsS -o /dev/null -X POST -H 'Content-Type: application/json' \
        -d '{"id":1,"name":"Benchmark laptop","price":999.99,"amount":10}' "http://127.0.0.1:${port_of[$name]}/products"
    done
  fi

  echo
  local how="interleaved"
  [ "${BENCH_PAIRED:-0}" = 1 ] && how="paired (all variants at once)"
  echo "== $title: GET $path, wrk -t1 -c$connections, $rounds $how rounds of ${seconds}s after ${warmup}s of warm-up each; load before: $(cut -d' ' -f1-3 /proc/loadavg)"
  for name in "${names[@]}"; do
    taskset -c 1 wrk -t1 -c"$connections" -d"${warmup}s" "http://127.0.0.1:${port_of[$name]}$path" >/dev/null
  done

  declare -A us=() cpu=() served=()
  local -a loads=()
  for round in $(seq 1 "$rounds"); do
    local count=${#names[@]}
    if [ "${BENCH_PAIRED:-0}" = 1 ]; then
      # Every variant under load at once: whatever else runs on the machine disturbs them all alike.
      declare -A before=()
      for name in "${names[@]}"; do before[$name]=$(cpu_ticks "${pid_of[$name]}"); done
      for name in "${names[@]}"; do
        taskset -c 1 wrk -t1 -c"$connections" -d"${seconds}s" "http://127.0.0.1:${port_of[$name]}$path" >"$data/$name.wrk" &
      done
      wait_for_wrk
      for name in "${names[@]}"; do record "$name" "${before[$name]}" "$(cpu_ticks "${pid_of[$name]}")" "$(cat "$data/$name.wrk")"; done
    else
      for i in $(seq 0 $((count - 1))); do
        local name=${names[$(((i + round) % count))]}
        local pid=${pid_of[$name]}
        local start result
        start=$(cpu_ticks "$pid")
        result=$(taskset -c 1 wrk -t1 -c"$connections" -d"${seconds}s" "http://127.0.0.1:${port_of[$name]}$path")
        record "$name" "$start" "$(cpu_ticks "$pid")" "$result"
      done
    fi
    loads+=("$(cut -d' ' -f1 /proc/loadavg)")
  done

  printf '%-22s' "variant"
  for round in $(seq 1 "$rounds"); do printf '%8s' "r$round"; done
  printf '%10s  %-14s %8s %16s %10s\n' "median" "baseline" "ratio" "ratios (q1-q3)" "of totals"
  for name in "${names[@]}"; do
    printf '%-22s' "$name"
    local -a values=() ratios=()
    for round in $(seq 1 "$rounds"); do
      printf '%8s' "${us[$name,$round]}"
      values+=("${us[$name,$round]}")
      local base=${baseline_of[$name]}
      if [ -n "$base" ]; then
        ratios+=("$(awk -v a="${us[$name,$round]}" -v b="${us[$base,$round]}" 'BEGIN {printf "%.4f", a / b}')")
      fi
    done
    local base=${baseline_of[$name]} quartiles="-" totals="-"
    if [ -n "$base" ]; then
      quartiles=$(printf '%s\n' "${ratios[@]}" | sort -g | awk '{a[NR]=$1} END {printf "%.3f-%.3f", a[int((NR+3)/4)], a[int((3*NR+1)/4)]}')
      totals=$(awk -v a="${cpu[$name]}" -v n="${served[$name]}" -v b="${cpu[$base]}" -v m="${served[$base]}" 'BEGIN {printf "%.4f", (a / n) / (b / m)}')
    fi
    printf '%10s  %-14s %8s %16s %10s\n' "$(printf '%s\n' "${values[@]}" | median)" "${base:--}" \
      "$( [ ${#ratios[@]} -gt 0 ] && printf '%s\n' "${ratios[@]}" | median || echo -)" "$quartiles" "$totals"
  done
  echo "(µs of the server's CPU per request; ratio: median over rounds of variant / baseline in the same round, with"
  echo " the quartiles of those per-round ratios; of totals: all rounds' CPU over all rounds' requests, variant / baseline;"
  echo " 1-minute load average after each round: ${loads[*]}; after: $(cut -d' ' -f1-3 /proc/loadavg))"
  stop_all
}

extra_variants() {
  local path_baseline="$1"
  for spec in ${BENCH_EXTRA:-}; do
    IFS=':' read -r name envs args <<<"$spec"
    echo "$name:pulse:$path_baseline:$envs:$args"
  done
}

echo "$(nproc) CPUs, $(dotnet --version) SDK; load average $(cut -d' ' -f1-3 /proc/loadavg)"
for scenario in $scenarios; do
  case "$scenario" in
    root)
      mapfile -t extra < <(extra_variants pulse-off)
      peers=("plain:plain:::" "prometheus-net:prometheus-net:plain::" "opentelemetry:opentelemetry:plain::")
      [ "${BENCH_PEERS:-1}" = 0 ] && peers=()
      run_scenario "GET / (no database)" / \
        "pulse-off:pulse::Telemetry__Enabled=false:" "pulse:pulse:pulse-off::" "${extra[@]}" "${peers[@]}"
      ;;
    sqlite)
      mapfile -t extra < <(extra_variants pulse-off)
      run_scenario "GET /products/{id} on SQLite" /products/1 \
        "pulse-off:pulse::Telemetry__Enabled=false:" "pulse:pulse:pulse-off::" "${extra[@]}"
      ;;
    *) echo "unknown scenario $scenario" >&2; exit 2 ;;
  esac
done
