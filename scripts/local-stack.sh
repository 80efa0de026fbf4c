#!/usr/bin/env bash
# The local stack without Docker: the service, node exporter, Prometheus with the repository's own
# configuration and alert rules (deploy/prometheus, targets rewritten to loopback) and, when it is
# installed, a private PostgreSQL cluster. Everything listens on 127.0.0.1 only; pid files and logs live
# in .local-stack/ (gitignored). Grafana is not packaged by Debian, so Prometheus's own UI is the view;
# `docker compose up --build` (compose.yaml) adds Grafana and its dashboards. See docs/local-stack.md.
#
#   scripts/local-stack.sh up       build the service, start what is not running yet
#   scripts/local-stack.sh status   what runs, where
#   scripts/local-stack.sh down     stop exactly what `up` started
#
# Settings (environment): PULSE_PORT (8080), PROMETHEUS_PORT (9090), NODE_EXPORTER_PORT (9100),
# POSTGRES_PORT (55432, beside a system cluster on 5432), LOCAL_STACK_POSTGRES (auto | off),
# LOCAL_STACK_DIR (.local-stack), PULSE_API_DLL (run this build instead of publishing one),
# LOCAL_STACK_NATIVE_HISTOGRAMS (auto | on | off: auto is on from Prometheus 2.45, see start_prometheus).
# Debian packages: prometheus, prometheus-node-exporter, optionally postgresql.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
state="${LOCAL_STACK_DIR:-$root/.local-stack}"
run="$state/run"
logs="$state/logs"
api_port="${PULSE_PORT:-8080}"
prometheus_port="${PROMETHEUS_PORT:-9090}"
node_port="${NODE_EXPORTER_PORT:-9100}"
postgres_port="${POSTGRES_PORT:-55432}"
postgres_mode="${LOCAL_STACK_POSTGRES:-auto}"
# Where Prometheus's pages are: Debian's package has only the classic UI, under /classic; upstream builds
# serve the new UI at the root. Probed once Prometheus answers, and recorded with the ports.
prometheus_ui="/classic"
components=(postgres pulse-api node-exporter prometheus)
ports_file="$state/ports"

die() { echo "local-stack: $*" >&2; exit 1; }
say() { echo "local-stack: $*"; }

usage() {
  sed -n '2,18p' "$0" | sed 's/^# \{0,1\}//'
  exit 2
}

# Whether something accepts TCP connections on 127.0.0.1:$1.
port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# Whether GET http://127.0.0.1:$1$2 answers 200 (bash's /dev/tcp: no curl needed).
http_ok() {
  local status
  status="$(
    exec 3<>"/dev/tcp/127.0.0.1/$1" || exit 1
    printf 'GET %s HTTP/1.0\r\nHost: 127.0.0.1:%s\r\n\r\n' "$2" "$1" >&3
    IFS= read -r -t 5 line <&3 && printf '%s' "$line"
  )" 2>/dev/null || return 1
  [[ "$status" == HTTP/*" 200"* ]]
}

# Polls "$@" every 0.5 s until it succeeds or $1 seconds have passed.
wait_for() {
  local seconds="$1" what="$2"
  shift 2
  local deadline=$((SECONDS + seconds))
  until "$@" 2>/dev/null; do
    if ((SECONDS >= deadline)); then
      return 1
    fi
    sleep 0.5
  done
  [ -n "$what" ] && say "$what"
  return 0
}

# A recorded pid is ours only while its command line still holds the marker recorded with it (the
# component's data directory or listen address), so a recycled pid is never signalled.
pid_of() {
  local file="$run/$1.pid" pid marker
  [ -f "$file" ] && [ -f "$run/$1.marker" ] || return 1
  pid="$(head -n 1 "$file")"
  marker="$(cat "$run/$1.marker")"
  [[ "$pid" =~ ^[0-9]+$ ]] && [ -r "/proc/$pid/cmdline" ] || return 1
  tr '\0' ' ' <"/proc/$pid/cmdline" | grep -q -F -- "$marker" || return 1
  echo "$pid"
}

running() { pid_of "$1" >/dev/null; }

any_running() {
  local name
  for name in "${components[@]}"; do
    running "$name" && return 0
  done
  return 1
}

# The ports `up` used, recorded in $ports_file: while anything it started runs, they win over the
# environment, so that `status` and a second `up` describe and extend the stack that runs.
save_ports() {
  printf '%s\n' "api_port=$api_port" "prometheus_port=$prometheus_port" "node_port=$node_port" \
    "postgres_port=$postgres_port" "prometheus_ui=$prometheus_ui" >"$ports_file"
}

load_ports() {
  local key value
  [ -f "$ports_file" ] && any_running || return 0
  while IFS='=' read -r key value; do
    case "$key" in
      api_port | prometheus_port | node_port | postgres_port) [[ "$value" =~ ^[0-9]+$ ]] && printf -v "$key" '%s' "$value" ;;
      prometheus_ui) [[ "$value" =~ ^(/classic)?$ ]] && prometheus_ui="$value" ;;
    esac
  done <"$ports_file"
}

prometheus_pages() {
  local base="http://127.0.0.1:$prometheus_port$prometheus_ui"
  echo "alerts: $base/alerts, targets: $base/targets, rules: $base/rules"
}

require_free_port() {
  if port_open "$2"; then
    die "port $2 (for $1) is in use by another program; stop it or choose another port with $3 (docs/local-stack.md)"
  fi
}

# Starts "$@" in the background with its output in logs/$name.log, its pid in run/$name.pid and the
# marker (an argument unique to this start) in run/$name.marker.
start_background() {
  local name="$1" marker="$2"
  shift 2
  echo "$marker" >"$run/$name.marker"
  nohup "$@" >"$logs/$name.log" 2>&1 </dev/null &
  echo "$!" >"$run/$name.pid"
}

fail_start() {
  echo "local-stack: $1 did not start; the end of $logs/$1.log:" >&2
  tail -n 20 "$logs/$1.log" >&2 || true
  die "run '$0 down' to stop what did start"
}

# ---- PostgreSQL: a private cluster in $state/postgres, owned by the invoking user (or by the
# ---- postgres user when run as root: initdb refuses to run as root).
postgres_bin=""
find_postgres() {
  local dir
  local -a candidates
  if command -v pg_ctl >/dev/null 2>&1; then
    postgres_bin="$(dirname "$(readlink -f "$(command -v pg_ctl)")")"
    return 0
  fi
  # Debian keeps the server binaries off PATH, one directory per major version: take the newest.
  mapfile -t candidates < <(printf '%s\n' /usr/lib/postgresql/*/bin | sort -V -r)
  for dir in "${candidates[@]}"; do
    if [ -x "$dir/pg_ctl" ]; then
      postgres_bin="$dir"
      return 0
    fi
  done
  return 1
}

as_postgres_owner() {
  if [ "$(id -u)" -eq 0 ]; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

postgres_wanted() {
  [ "$postgres_mode" != "off" ] || return 1
  find_postgres || return 1
  if [ "$(id -u)" -eq 0 ] && ! id postgres >/dev/null 2>&1; then
    say "PostgreSQL: running as root without a postgres user to run it as; the service uses SQLite"
    return 1
  fi
  return 0
}

start_postgres() {
  local data="$state/postgres" socket="$state/postgres-socket" password_file="$state/postgres.password"
  if [ ! -f "$password_file" ]; then
    (umask 077 && head -c 18 /dev/urandom | base64 | tr -d '/+=\n' >"$password_file")
  fi
  mkdir -p "$socket"
  if [ "$(id -u)" -eq 0 ]; then
    mkdir -p "$data"
    chown postgres "$data" "$socket" "$password_file"
  fi
  if [ ! -f "$data/PG_VERSION" ]; then
    say "PostgreSQL: creating a cluster in $data (user pulse)"
    as_postgres_owner "$postgres_bin/initdb" -D "$data" -U pulse --pwfile="$password_file" \
      --auth=scram-sha-256 -E UTF8 >"$logs/postgres-initdb.log" 2>&1 || fail_start postgres-initdb
  fi
  touch "$logs/postgres.log"
  [ "$(id -u)" -ne 0 ] || chown postgres "$logs/postgres.log"
  as_postgres_owner "$postgres_bin/pg_ctl" -D "$data" -l "$logs/postgres.log" -w -t 30 \
    -o "-c listen_addresses=127.0.0.1 -p $postgres_port -k '$socket'" start >/dev/null || fail_start postgres
  echo "-D $data" >"$run/postgres.marker"
  head -n 1 "$data/postmaster.pid" >"$run/postgres.pid"
  if ! PGPASSWORD="$(cat "$password_file")" "$postgres_bin/psql" -h 127.0.0.1 -p "$postgres_port" -U pulse \
    -d postgres -tAc "SELECT 1 FROM pg_database WHERE datname = 'pulse'" | grep -q 1; then
    PGPASSWORD="$(cat "$password_file")" "$postgres_bin/createdb" -h 127.0.0.1 -p "$postgres_port" -U pulse pulse
  fi
  say "PostgreSQL: 127.0.0.1:$postgres_port, database pulse, user pulse (password in $password_file)"
}

stop_postgres() {
  as_postgres_owner "$postgres_bin/pg_ctl" -D "$state/postgres" -m fast -w -t 30 stop >/dev/null
}

# ---- The service: published with the Dockerfile's arguments and run from the dll, so the pid is the
# ---- service itself (a `dotnet run` parent would outlive or orphan it).
start_api() {
  local dll="${PULSE_API_DLL:-}"
  local -a database
  if [ -z "$dll" ]; then
    say "building the service (dotnet publish -c Release)"
    dotnet publish "$root/src/Pulse.Api/Pulse.Api.csproj" -c Release -o "$state/app" -p:UseAppHost=false \
      --nologo -v quiet >"$logs/publish.log" 2>&1 || fail_start publish
    dll="$state/app/Pulse.Api.dll"
  fi
  if running postgres; then
    database=(
      Database__Provider=Postgres Database__Postgres__Host=127.0.0.1 "Database__Postgres__Port=$postgres_port"
      Database__Postgres__Username=pulse "Database__Postgres__Password=$(cat "$state/postgres.password")"
      Database__Postgres__Dbname=pulse
    )
  else
    database=(Database__Provider=Sqlite "Database__Sqlite__Path=$state/pulse.db")
  fi
  start_background pulse-api "--urls http://127.0.0.1:$api_port" \
    env "${database[@]}" dotnet "$dll" --urls "http://127.0.0.1:$api_port"
  wait_for 60 "service: http://127.0.0.1:$api_port (metrics on /metrics)" http_ok "$api_port" /health/live ||
    fail_start pulse-api
}

start_node_exporter() {
  start_background node-exporter "--web.listen-address=127.0.0.1:$node_port" \
    prometheus-node-exporter --web.listen-address="127.0.0.1:$node_port"
  wait_for 20 "node exporter: http://127.0.0.1:$node_port/metrics" http_ok "$node_port" /metrics ||
    fail_start node-exporter
}

# Whether the installed Prometheus is at least version $1.$2.
prometheus_at_least() {
  local version major minor
  version="$(prometheus --version 2>&1 | sed -n 's/^prometheus, version \([0-9][0-9]*\)\.\([0-9][0-9]*\).*/\1 \2/p' | head -n 1)"
  [ -n "$version" ] || return 1
  major="${version% *}"
  minor="${version#* }"
  ((major > $1 || (major == $1 && minor >= $2)))
}

# The repository's prometheus.yml and rules; only the compose service names become loopback addresses, and the
# configuration is fitted to the installed version. Exemplar storage is always on. Native histograms (scraped
# over protobuf) are on from 2.45, which keeps a histogram's classic buckets beside its native ones
# (scrape_classic_histograms: the dashboards and SLO rules read the classic ones); an older Prometheus, Debian
# 12's 2.42 among them, stores only the native form of a histogram that has both and rejects that setting, so it
# gets exemplar storage only and the setting is left out (LOCAL_STACK_NATIVE_HISTOGRAMS=on: native histograms
# anyway, without the request duration's classic series). From 3.0 the setting is always_scrape_classic_histograms.
start_prometheus() {
  local config="$state/prometheus" features="exemplar-storage" classic=(-e "")
  case "${LOCAL_STACK_NATIVE_HISTOGRAMS:-auto}" in
    auto | on | off) ;;
    *) die "LOCAL_STACK_NATIVE_HISTOGRAMS must be auto, on or off (got '${LOCAL_STACK_NATIVE_HISTOGRAMS}')" ;;
  esac
  if prometheus_at_least 2 45; then
    [ "${LOCAL_STACK_NATIVE_HISTOGRAMS:-auto}" = off ] || features+=",native-histograms"
    if prometheus_at_least 3 0; then
      classic=(-e "s/scrape_classic_histograms:/always_scrape_classic_histograms:/")
    fi
  else
    [ "${LOCAL_STACK_NATIVE_HISTOGRAMS:-auto}" != on ] || features+=",native-histograms"
    classic=(-e "/scrape_classic_histograms:/d")
  fi
  rm -rf "$config"
  mkdir -p "$config"
  cp -R "$root/deploy/prometheus/rules" "$config/rules"
  sed -e "s/\"pulse-api:8080\"/\"127.0.0.1:$api_port\"/" -e "s/\"node-exporter:9100\"/\"127.0.0.1:$node_port\"/" "${classic[@]}" \
    "$root/deploy/prometheus/prometheus.yml" >"$config/prometheus.yml"
  if ! grep -q "\"127.0.0.1:$api_port\"" "$config/prometheus.yml" || ! grep -q "\"127.0.0.1:$node_port\"" "$config/prometheus.yml"; then
    die "deploy/prometheus/prometheus.yml no longer names the targets pulse-api:8080 and node-exporter:9100"
  fi
  say "Prometheus features: $features"
  start_background prometheus "--storage.tsdb.path=$state/prometheus-data" prometheus --config.file="$config/prometheus.yml" \
    --storage.tsdb.path="$state/prometheus-data" --web.listen-address="127.0.0.1:$prometheus_port" --web.enable-lifecycle \
    --enable-feature="$features"
  wait_for 30 "" http_ok "$prometheus_port" /-/ready || fail_start prometheus
  if http_ok "$prometheus_port" /alerts; then prometheus_ui=""; else prometheus_ui="/classic"; fi
  save_ports
  say "Prometheus: http://127.0.0.1:$prometheus_port ($(prometheus_pages))"
}

up() {
  command -v dotnet >/dev/null 2>&1 || die "dotnet is not on PATH (the .NET 10 SDK)"
  command -v prometheus >/dev/null 2>&1 || die "prometheus is not on PATH: apt-get install prometheus"
  command -v prometheus-node-exporter >/dev/null 2>&1 ||
    die "prometheus-node-exporter is not on PATH: apt-get install prometheus-node-exporter"
  mkdir -p "$run" "$logs"
  local requested="$api_port $prometheus_port $node_port $postgres_port"
  load_ports
  if [ "$requested" != "$api_port $prometheus_port $node_port $postgres_port" ]; then
    say "part of the stack runs already: keeping its ports (see '$0 status'); run '$0 down' first to change them"
  fi
  save_ports

  if running postgres; then
    say "PostgreSQL: already running"
  elif postgres_wanted; then
    require_free_port PostgreSQL "$postgres_port" POSTGRES_PORT
    start_postgres
  else
    say "PostgreSQL: not installed or LOCAL_STACK_POSTGRES=off; the service uses SQLite in $state/pulse.db"
  fi

  if running pulse-api; then say "service: already running"; else
    require_free_port service "$api_port" PULSE_PORT
    start_api
  fi
  if running node-exporter; then say "node exporter: already running"; else
    require_free_port "node exporter" "$node_port" NODE_EXPORTER_PORT
    start_node_exporter
  fi
  if running prometheus; then say "Prometheus: already running"; else
    require_free_port Prometheus "$prometheus_port" PROMETHEUS_PORT
    start_prometheus
  fi
  say "up; '$0 down' stops it. Grafana needs Docker: docker compose up --build"
}

stop_component() {
  local name="$1" pid
  pid="$(pid_of "$name")" || {
    rm -f "$run/$name.pid" "$run/$name.marker"
    return 0
  }
  if [ "$name" = postgres ] && find_postgres; then
    stop_postgres
  else
    kill -TERM "$pid"
    if ! wait_for 15 "" bash -c "! kill -0 $pid"; then
      say "$name (pid $pid) ignored SIGTERM for 15 s; sending SIGKILL"
      kill -KILL "$pid" 2>/dev/null || true
    fi
  fi
  rm -f "$run/$name.pid" "$run/$name.marker"
  say "stopped $name (pid $pid)"
}

down() {
  local index
  for ((index = ${#components[@]} - 1; index >= 0; index--)); do
    stop_component "${components[index]}"
  done
}

status() {
  local name pid all=0
  load_ports
  for name in "${components[@]}"; do
    if pid="$(pid_of "$name")"; then
      case "$name" in
        postgres) echo "postgres       running  pid $pid  127.0.0.1:$postgres_port" ;;
        pulse-api) echo "pulse-api      running  pid $pid  http://127.0.0.1:$api_port" ;;
        node-exporter) echo "node-exporter  running  pid $pid  http://127.0.0.1:$node_port/metrics" ;;
        prometheus) echo "prometheus     running  pid $pid  http://127.0.0.1:$prometheus_port ($(prometheus_pages))" ;;
      esac
    else
      printf '%-14s stopped\n' "$name"
      [ "$name" = postgres ] || all=3
    fi
  done
  return "$all"
}

case "${1:-}" in
  up) up ;;
  down) down ;;
  status) status ;;
  *) usage ;;
esac
