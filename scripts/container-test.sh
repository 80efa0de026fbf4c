#!/usr/bin/env bash
# The container engine for the container checks in tests/Pulse.Stack.Tests (docs/local-stack.md, "Container
# checks"): dockerd, the base images, and the service image built from the repository's Dockerfile unchanged.
#
#   scripts/container-test.sh up     start dockerd unless it runs; make sure every base image the Dockerfile and
#                                    compose.yaml name is there (present, pulled, or a local stand-in built from
#                                    deploy/test-images); build the service image; print `export PULSE_TEST_IMAGE=...`
#   scripts/container-test.sh test   up, the container checks (dotnet test ... --filter Category=Container), down
#   scripts/container-test.sh down   end the caller's use of the engine; dockerd is stopped if `up` started it and
#                                    no other caller still uses it
#   scripts/container-test.sh clean  remove the stand-ins and the service images this script made
#
# Settings (environment): PULSE_TEST_IMAGE (an image already in the engine, e.g. built with BuildKit, to test
# instead of building one), CONTAINER_TEST_HOLDER (the process whose use `up` and `down` count; default the
# caller), CONTAINER_TEST_STATE (/var/lib/pulse-container-test), DEBIAN_MIRROR (http://deb.debian.org/debian).
# Runs as root (or through sudo): dockerd, buildah and debootstrap need it. Debian packages, installed when
# missing: docker.io, docker-compose, and where something must be built, buildah and debootstrap.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
recipes="$root/deploy/test-images"
state="${CONTAINER_TEST_STATE:-/var/lib/pulse-container-test}"
mirror="${DEBIAN_MIRROR:-http://deb.debian.org/debian}"
holder="${CONTAINER_TEST_HOLDER:-$PPID}"
# Marks an image as a stand-in built here, with the hash of the recipe it was built from.
recipe_label=org.pulse.stand-in.recipe

say() { echo "container-test: $*" >&2; }
die() { say "$*"; exit 1; }

usage() {
  sed -n '2,19p' "$0" | sed 's/^# \{0,1\}//' >&2
  exit 2
}

as_root() {
  if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null 2>&1 || die "needs root (dockerd, buildah, debootstrap); run it as root"
    exec sudo --preserve-env=PULSE_TEST_IMAGE,CONTAINER_TEST_STATE,DEBIAN_MIRROR,CI \
      env PATH="$PATH" CONTAINER_TEST_HOLDER="$holder" "$0" "$@"
  fi
}

# Polls "$@" every 0.5 s until it succeeds or $1 seconds have passed.
wait_for() {
  local seconds="$1" deadline
  shift
  deadline=$((SECONDS + seconds))
  until "$@" >/dev/null 2>&1; do
    ((SECONDS < deadline)) || return 1
    sleep 0.5
  done
}

# Debian packages, installed only when their command is missing.
need() {
  local command="$1" package="$2"
  command -v "$command" >/dev/null 2>&1 && return 0
  say "installing $package"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$package" >/dev/null
}

# ---- Who uses the engine: one file per caller process under $state/holders, holding its start time so that a
# ---- recycled pid never counts. dockerd started here stops once no live caller is left.
start_time() { sed 's/.*) //' "/proc/$1/stat" 2>/dev/null | cut -d' ' -f20; }

# Whether process $1 has ended (a zombie waiting for its parent to reap it has ended too).
process_gone() {
  local status
  status="$(sed 's/.*) //' "/proc/$1/stat" 2>/dev/null | cut -d' ' -f1)"
  [ -z "$status" ] || [ "$status" = Z ]
}

live_holders() {
  local file pid
  for file in "$state"/holders/*; do
    [ -f "$file" ] || continue
    pid="$(basename "$file")"
    if [ -n "$(start_time "$pid")" ] && [ "$(start_time "$pid")" = "$(cat "$file")" ]; then
      echo "$pid"
    else
      rm -f "$file"
    fi
  done
}

lock() {
  mkdir -p "$state/holders"
  exec 9>"$state/lock"
  # Another caller may be building the same images: wait for it rather than build them twice.
  flock -w 1800 9 || die "another container-test run held $state/lock for 30 minutes"
}

engine_running() { docker info >/dev/null 2>&1; }

start_engine() {
  need docker docker.io
  need dockerd docker.io
  if engine_running; then
    return 0
  fi
  [ -z "${DOCKER_HOST:-}" ] || die "DOCKER_HOST=$DOCKER_HOST does not answer"
  say "starting dockerd (log: $state/dockerd.log)"
  local started=$SECONDS pid
  # Without the lock's descriptor: dockerd outlives this script and must not hold the lock.
  setsid dockerd >"$state/dockerd.log" 2>&1 </dev/null 9>&- &
  if ! wait_for 60 engine_running; then
    tail -n 30 "$state/dockerd.log" >&2 || true
    die "dockerd did not answer within 60 s (log above)"
  fi
  pid="$(cat /var/run/docker.pid)"
  echo "$pid $(start_time "$pid")" >"$state/dockerd.pid"
  say "dockerd $pid answers ($((SECONDS - started)) s)"
}

stop_engine_if_ours() {
  local pid started
  [ -f "$state/dockerd.pid" ] || return 0
  read -r pid started <"$state/dockerd.pid"
  rm -f "$state/dockerd.pid"
  if [ "$(start_time "$pid")" != "$started" ] || [ "$(cat "/proc/$pid/comm" 2>/dev/null)" != dockerd ]; then
    return 0
  fi
  say "stopping dockerd $pid (started by this script, no caller left)"
  kill -TERM "$pid"
  wait_for 60 process_gone "$pid" || die "dockerd $pid did not stop within 60 s"
}

# ---- Base images. Each one the Dockerfile or compose.yaml names is used as it is when the engine has it (a real
# ---- image, or a stand-in built from the current recipe), else pulled, else built here from deploy/test-images
# ---- and tagged with the upstream name in this machine's engines only. Nothing is ever pushed to a registry.
hash_of() {
  { (cd "$recipes" && find "$1" -type f -print0 | sort -z | xargs -0 sha256sum); printf '%s\n' "${@:2}"; } | sha256sum | cut -c1-16
}

buildah_recipe() {
  buildah inspect --type image --format "{{index .Docker.Config.Labels \"$recipe_label\"}}" "$1" 2>/dev/null
}

docker_recipe() {
  docker image inspect --format "{{index .Config.Labels \"$recipe_label\"}}" "$1" 2>/dev/null
}

# Whether image $2 must be built: "present" and "pulled" mean no; the engine is $1 (buildah or docker).
needs_build() {
  local engine="$1" image="$2" hash="$3" recipe
  if recipe="$("${engine}_recipe" "$image")"; then
    if [ -z "$recipe" ] || [ "$recipe" = "<no value>" ]; then
      say "$image: present (not a stand-in), used as it is"
      return 1
    elif [ "$recipe" = "$hash" ]; then
      say "$image: stand-in up to date"
      return 1
    fi
    say "$image: stand-in recipe changed, rebuilding"
    return 0
  fi
  if timeout 600 "$engine" pull -q "$image" >/dev/null 2>&1; then
    say "$image: pulled"
    return 1
  fi
  say "$image: no registry answers, building the stand-in (deploy/test-images)"
  return 0
}

stand_in_labels() {
  printf '%s\n' --label "$recipe_label=$2" --label "org.pulse.stand-in.for=$1" \
    --label "org.opencontainers.image.description=Local stand-in for $1 (deploy/test-images/README.md); never pushed"
}

debian_suite() { sed -n 's/^SUITE=//p' "$recipes/debian/bootstrap.conf"; }
debian_packages() { sed -n 's/^PACKAGES=//p' "$recipes/debian/bootstrap.conf"; }
debian_image() { echo "localhost/pulse-test/debian:$(debian_suite)"; }
debian_hash() { hash_of debian "$mirror"; }

ensure_debian() {
  local image hash ctr mnt started=$SECONDS
  image="$(debian_image)"
  hash="$(debian_hash)"
  if [ "$(buildah_recipe "$image" || true)" = "$hash" ]; then
    return 0
  fi
  need debootstrap debootstrap
  say "$image: debootstrap --variant=minbase $(debian_suite) (log: $state/debootstrap.log)"
  ctr="$(buildah from scratch)"
  mnt="$(buildah mount "$ctr")"
  if ! debootstrap --variant=minbase --include="$(debian_packages)" "$(debian_suite)" "$mnt" "$mirror" >"$state/debootstrap.log" 2>&1; then
    buildah rm "$ctr" >/dev/null
    tail -n 30 "$state/debootstrap.log" >&2
    die "debootstrap failed (log above)"
  fi
  # Downloaded packages, package lists and the host's resolver and name are not part of the image.
  rm -rf "$mnt"/var/cache/apt/archives/*.deb "$mnt"/var/lib/apt/lists/*
  : >"$mnt/etc/resolv.conf"
  : >"$mnt/etc/hostname"
  buildah umount "$ctr" >/dev/null
  mapfile -t labels < <(stand_in_labels "debian:$(debian_suite) (minbase)" "$hash")
  buildah config "${labels[@]}" --cmd /bin/bash "$ctr"
  buildah commit -q --rm --format docker "$ctr" "$image" >/dev/null
  say "$image: built ($((SECONDS - started)) s)"
}

# buildah bud of deploy/test-images/$1 into $2 with hash $3 and further arguments.
build_stand_in() {
  local recipe="$1" image="$2" hash="$3" started=$SECONDS
  shift 3
  mapfile -t labels < <(stand_in_labels "$image" "$hash")
  if ! buildah bud --format docker --network host --pull=never --layers -q "${labels[@]}" \
    --build-arg BASE="$(debian_image)" "$@" -t "$image" -f "$recipes/$recipe/Containerfile" "$recipes/$recipe" \
    >"$state/build-$recipe.log" 2>&1; then
    tail -n 40 "$state/build-$recipe.log" >&2
    die "the $recipe stand-in did not build (log above)"
  fi
  say "$image: stand-in built ($((SECONDS - started)) s)"
}

# The newest installed version of .NET component $1 (sdk, Microsoft.NETCore.App, ...) in series $2 (10.0).
dotnet_version() {
  if [ "$1" = sdk ]; then dotnet --list-sdks; else dotnet --list-runtimes | sed -n "s/^$1 //p"; fi |
    awk -v series="$2." 'index($1, series) == 1 { print $1 }' | sort -V | tail -n 1
}

dotnet_root() { dotnet --list-runtimes | sed -n 's/^Microsoft.NETCore.App [^ ]* \[\(.*\)\/shared\/Microsoft.NETCore.App\]$/\1/p' | head -n 1; }

# The NuGet source the machine restores from, for the SDK stand-in: its configuration file and CA bundle.
nuget_context() {
  local dir="$state/nuget" home
  home="$(getent passwd "${SUDO_USER:-root}" | cut -d: -f6)"
  rm -rf "$dir" && mkdir -p "$dir"
  cp /etc/ssl/certs/ca-certificates.crt "$dir/"
  if [ -f "$home/.nuget/NuGet/NuGet.Config" ]; then
    cp "$home/.nuget/NuGet/NuGet.Config" "$dir/"
  fi
  echo "$dir"
}

ensure_dotnet_images() {
  local sdk_image runtime_image series netcore aspnetcore sdk dotnet nuget hash
  mapfile -t from < <(sed -nE 's/^FROM[[:space:]]+(--platform=[^[:space:]]+[[:space:]]+)?([^[:space:]]+).*/\2/p' "$root/Dockerfile")
  [ "${#from[@]}" -eq 2 ] || die "expected two stages in the Dockerfile (SDK, runtime), found: ${from[*]}"
  sdk_image="${from[0]}"
  runtime_image="${from[1]}"
  [[ "$sdk_image" == */dotnet/sdk:* && "$runtime_image" == */dotnet/aspnet:* ]] ||
    die "no stand-in recipe for $sdk_image and $runtime_image (deploy/test-images)"
  series="${runtime_image##*:}"
  dotnet="$(dotnet_root)"
  netcore="$(dotnet_version Microsoft.NETCore.App "$series")"
  aspnetcore="$(dotnet_version Microsoft.AspNetCore.App "$series")"
  sdk="$(dotnet_version sdk "$series")"

  need buildah buildah
  hash="$(hash_of dotnet-aspnet "$(debian_hash)" "$netcore" "$aspnetcore")"
  if needs_build buildah "$runtime_image" "$hash"; then
    if [ -z "$netcore" ] || [ -z "$aspnetcore" ]; then
      die "the stand-in for $runtime_image needs the .NET $series and ASP.NET Core $series runtimes installed here"
    fi
    ensure_debian
    build_stand_in dotnet-aspnet "$runtime_image" "$hash" -v "$dotnet:/host/dotnet:ro" \
      --build-arg NETCORE_VERSION="$netcore" --build-arg ASPNETCORE_VERSION="$aspnetcore"
  fi

  nuget="$(nuget_context)"
  hash="$(hash_of dotnet-sdk "$(buildah inspect --type image --format '{{.FromImageID}}' "$runtime_image")" "$sdk" \
    "$(cat "$nuget"/* | sha256sum)" "${NUGET_CERT_REVOCATION_MODE:-}")"
  if needs_build buildah "$sdk_image" "$hash"; then
    [ -n "$sdk" ] || die "the stand-in for $sdk_image needs a .NET $series SDK installed here"
    build_stand_in dotnet-sdk "$sdk_image" "$hash" -v "$dotnet:/host/dotnet:ro" -v "$nuget:/host/nuget:ro" \
      --build-arg RUNTIME="$runtime_image" --build-arg SDK_VERSION="$sdk" \
      --build-arg NUGET_CERT_REVOCATION_MODE="${NUGET_CERT_REVOCATION_MODE:-}"
  fi
}

# The image compose.yaml gives service $1 (services at two spaces, their keys at four).
compose_image() {
  local image
  image="$(awk -v service="$1" '
    /^[^ #]/ { in_services = ($0 ~ /^services:/) }
    in_services && /^  [^ #]/ { current = $1; sub(/:$/, "", current) }
    in_services && current == service && /^    image:/ { print $2; exit }
  ' "$root/compose.yaml")"
  [ -n "$image" ] || die "compose.yaml names no image for the service $1"
  echo "$image"
}

# The images compose.yaml runs besides the service (Grafana and Jaeger have no stand-in: the checks leave them out).
ensure_compose_images() {
  local service image hash
  need docker-compose docker-compose
  for service in postgres prometheus node-exporter; do
    image="$(compose_image "$service")"
    hash="$(hash_of "$service" "$(debian_hash)")"
    if needs_build docker "$image" "$hash"; then
      need buildah buildah
      ensure_debian
      build_stand_in "$service" "localhost/pulse-test/$service:$hash" "$hash"
      buildah push -q "localhost/pulse-test/$service:$hash" "docker-daemon:$image" >/dev/null
    fi
  done
}

# The repository's Dockerfile, unchanged, with buildah (Debian's docker has no BuildKit); the result goes to dockerd.
build_service_image() {
  local started=$SECONDS id image
  say "building the service image from Dockerfile (log: $state/build-pulse-api.log)"
  if ! buildah bud --format docker --network host --pull=never --layers --iidfile "$state/pulse-api.iid" \
    -t localhost/pulse-test/pulse-api:latest -f "$root/Dockerfile" "$root" >"$state/build-pulse-api.log" 2>&1; then
    tail -n 60 "$state/build-pulse-api.log" >&2
    die "the service image did not build (log above)"
  fi
  id="$(sed 's/^sha256://' "$state/pulse-api.iid" | cut -c1-12)"
  image="pulse-test/pulse-api:$id"
  if ! docker image inspect "$image" >/dev/null 2>&1; then
    buildah push -q "$id" "docker-daemon:$image" >/dev/null
  fi
  say "$image: built and handed to dockerd ($((SECONDS - started)) s, $(docker image inspect --format '{{.Size}}' "$image" | awk '{ printf "%.0f MB", $1 / 1e6 }'))"
  echo "$image"
}

up() {
  local started=$SECONDS image
  as_root up
  lock
  start_time "$holder" >"$state/holders/$holder"
  start_engine
  ensure_compose_images
  if [ -n "${PULSE_TEST_IMAGE:-}" ]; then
    docker image inspect "$PULSE_TEST_IMAGE" >/dev/null 2>&1 || die "PULSE_TEST_IMAGE=$PULSE_TEST_IMAGE is not in the engine"
    image="$PULSE_TEST_IMAGE"
    say "testing $image as it is"
  else
    ensure_dotnet_images
    image="$(build_service_image)"
  fi
  say "ready in $((SECONDS - started)) s"
  echo "export PULSE_TEST_IMAGE=$image"
}

down() {
  as_root down
  lock
  rm -f "$state/holders/$holder"
  if [ -z "$(live_holders)" ]; then
    stop_engine_if_ours
  fi
}

clean() {
  as_root clean
  lock
  if engine_running; then
    docker image ls --filter "label=$recipe_label" --format '{{.Repository}}:{{.Tag}}' | xargs -r docker rmi >/dev/null
    docker image ls pulse-test/pulse-api --format '{{.Repository}}:{{.Tag}}' | xargs -r docker rmi >/dev/null
  fi
  if command -v buildah >/dev/null 2>&1; then
    # By name: what is left without one (the stand-ins' and the service's build layers) goes with --prune.
    buildah images --filter "label=$recipe_label" --format '{{.Name}}:{{.Tag}}' | { grep -v '^<none>' || true; } | xargs -r buildah rmi >/dev/null
    buildah rmi localhost/pulse-test/pulse-api:latest >/dev/null 2>&1 || true
    # Each pass removes the layers nothing else builds on any more.
    while [ -n "$(buildah rmi --prune 2>/dev/null)" ]; do :; done
  fi
  say "removed the stand-ins and the service images"
}

run_tests() {
  local environment
  export CONTAINER_TEST_HOLDER=$$
  trap '"$0" down' EXIT
  environment="$("$0" up)"
  eval "$environment"
  dotnet test "$root/tests/Pulse.Stack.Tests" --filter "Category=Container"
}

case "${1:-}" in
  up) up ;;
  down) down ;;
  test) run_tests ;;
  clean) clean ;;
  *) usage ;;
esac
