#!/usr/bin/env bash
# Where the service's CPU goes under GET / load with telemetry on: samples `perf` takes of the service
# (pinned to CPU 0) while wrk (pinned to CPU 1) saturates it, and the share of them spent in telemetry code
# (Pulse.Telemetry, the OpenTelemetry SDK, ASP.NET Core's HostingMetrics). That share is what telemetry costs
# the service per request, measured without the run-to-run noise of a throughput comparison.
#
#   bench/profile-telemetry.sh [seconds=10] [connections=32] [path=/]
#
# Needs perf (apt-get install -y linux-perf) and root or kernel.perf_event_paranoid <= 0.
set -euo pipefail
cd "$(dirname "$0")/.."

seconds="${1:-10}"
connections="${2:-32}"
path="${3:-/}"
port=18081
out=artifacts/bench/overhead/pulse
data=artifacts/bench/perf-telemetry.data

for tool in perf wrk taskset; do
  command -v "$tool" >/dev/null || { echo "$tool is required" >&2; exit 2; }
done

[ -f "$out/Pulse.Api.dll" ] || dotnet publish src/Pulse.Api -c Release -o "$out" --nologo -v quiet >/dev/null

# PerfMapEnabled writes /tmp/perf-PID.map so that perf can name JIT-compiled methods; W^X off keeps the code
# at the addresses that map names (with double mapping, perf sees an anonymous memfd instead).
DOTNET_PerfMapEnabled=1 DOTNET_EnableWriteXorExecute=0 DOTNET_TC_CallCountingDelayMs=0 \
  taskset -c 0 dotnet "$out/Pulse.Api.dll" --urls "http://127.0.0.1:$port" \
  --Telemetry:Enabled=true --Logging:LogLevel:Default=Warning >/dev/null 2>&1 &
server_pid=$!
trap 'kill "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true; rm -f "/tmp/perf-$server_pid.map"' EXIT
for _ in $(seq 1 300); do
  curl -fs "http://127.0.0.1:$port/health/live" >/dev/null 2>&1 && break
  sleep 0.1
done
curl -fs "http://127.0.0.1:$port/health/live" >/dev/null 2>&1 || { echo "service did not start within 30 s" >&2; exit 1; }

# Warm-up (tiered compilation, dynamic PGO), then the profiled run inside a longer wrk run.
taskset -c 1 wrk -t1 -c"$connections" -d15s "http://127.0.0.1:$port$path" >/dev/null
taskset -c 1 wrk -t1 -c"$connections" -d"$((seconds + 2))s" "http://127.0.0.1:$port$path" >/dev/null &
wrk_pid=$!
sleep 1
perf record -F 2999 -p "$server_pid" -o "$data" -- sleep "$seconds" >/dev/null 2>&1
wait "$wrk_pid"

# One line per sample, so the shares are exact counts of what perf saw.
perf script -i "$data" -F ip,sym 2>/dev/null |
  awk '
    { total++; sub(/^ *[0-9a-f]+ /, "") }
    /\[Pulse\.Telemetry\]|\[OpenTelemetry\]|HostingMetrics::/ { telemetry++; by[substr($0, 1, 150)]++ }
    END {
      for (s in by) if (by[s] * 1000 >= total) printf "%6.2f%%  %s\n", 100 * by[s] / total, s | "sort -rn"
      close("sort -rn")
      printf "\n%d samples, %.2f%% of them in telemetry code\n", total, 100 * telemetry / total
    }'
