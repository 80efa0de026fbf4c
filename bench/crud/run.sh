#!/usr/bin/env bash
# Throughput of the CRUD endpoints against local PostgreSQL, with wrk (see bench/README.md, "CRUD").
# The service (Release) runs pinned to CPU 0, wrk to CPU 1; PostgreSQL is not pinned. GET / (no database)
# is measured in the same run as the baseline.
#
# Usage: bench/crud/run.sh [duration, default 20s] [connections, default 64]
# Needs: wrk, taskset, psql, and a PostgreSQL whose user may create databases, named by PULSE_TEST_POSTGRES
# (default Host=127.0.0.1;Port=5432;Username=pulse;Password=pulse;Database=pulse, as .ci/run sets up).
# BENCH_CONNECTION_OPTIONS is appended to the service's connection string, e.g. "SSL Mode=Disable".
set -euo pipefail
cd "$(dirname "$0")/../.."

duration="${1:-20s}"
connections="${2:-64}"
admin="${PULSE_TEST_POSTGRES:-Host=127.0.0.1;Port=5432;Username=pulse;Password=pulse;Database=pulse}"
database="pulse_bench"
port="${BENCH_PORT:-18080}"
out="artifacts/bench/pulse-api"

# Turn the Npgsql connection string into psql's environment.
IFS=";" read -ra pairs <<<"$admin"
for pair in "${pairs[@]}"; do
  case "${pair%%=*}" in
    Host) export PGHOST="${pair#*=}" ;;
    Port) export PGPORT="${pair#*=}" ;;
    Username) export PGUSER="${pair#*=}" ;;
    Password) export PGPASSWORD="${pair#*=}" ;;
    Database) export PGDATABASE="${pair#*=}" ;;
  esac
done

dotnet publish src/Pulse.Api -c Release -o "$out" --nologo -v quiet
psql -qtA -c "DROP DATABASE IF EXISTS $database WITH (FORCE)" -c "CREATE DATABASE $database"

taskset -c 0 dotnet "$out/Pulse.Api.dll" \
  --urls "http://127.0.0.1:$port" \
  --Database:Provider=Postgres \
  "--ConnectionStrings:Postgres=$admin;Database=$database;${BENCH_CONNECTION_OPTIONS:-}" \
  --Logging:LogLevel:Default=Warning >"artifacts/bench/service.log" 2>&1 &
service=$!
trap 'kill "$service" 2>/dev/null || true; wait "$service" 2>/dev/null || true; psql -qtA -c "DROP DATABASE IF EXISTS $database WITH (FORCE)" >/dev/null' EXIT

for _ in $(seq 1 100); do
  curl -fsS -o /dev/null "http://127.0.0.1:$port/health/ready" 2>/dev/null && break
  sleep 0.2
done
curl -fsS -o /dev/null -X POST -H 'Content-Type: application/json' \
  -d '{"id":1,"name":"Benchmark laptop","price":999.99,"amount":10}' "http://127.0.0.1:$port/products"

run() {
  local name="$1"; shift
  # Warm-up: connection pools, and tiered JIT with dynamic PGO, which needs tens of seconds of traffic.
  taskset -c 1 wrk -t1 -c"$connections" -d15s "$@" >/dev/null
  echo "== $name"
  taskset -c 1 wrk -t1 -c"$connections" -d"$duration" --latency "$@" | grep -E "Requests/sec|Latency|50%|99%|Non-2xx|Socket errors"
}

echo "wrk -t1 -c$connections -d$duration; service on CPU 0, wrk on CPU 1; $(nproc) CPUs; PostgreSQL $(psql -qtA -c 'SHOW server_version'); options '${BENCH_CONNECTION_OPTIONS:-}'"
run "GET / (baseline, no database)" "http://127.0.0.1:$port/"
run "GET /products/1" "http://127.0.0.1:$port/products/1"
run "POST /products" -s bench/crud/post-product.lua "http://127.0.0.1:$port/products"
