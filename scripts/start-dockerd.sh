#!/usr/bin/env bash
# Starts a throwaway Docker engine for tests and benchmarks, and the local test image.
#
#   scripts/start-dockerd.sh [RUN_DIR]          start (or reuse) the engine in RUN_DIR
#   scripts/start-dockerd.sh --stop [RUN_DIR]   stop the engine started there
#   scripts/start-dockerd.sh --image-only       build the test image on $DOCKER_HOST's engine
#
# RUN_DIR defaults to $TGP_DOCKER_RUN, else /tmp/tgp-docker. The engine listens only on
# unix://RUN_DIR/docker.sock, keeps its state under RUN_DIR, and has no bridge network and
# no iptables rules: containers get network "none" (Docker's default 172.17/16 bridge is
# never created). The image tgp-busybox:test is built from busybox-static with
# `docker import`, so no registry is needed. Idempotent: a running engine is reused.
# The last line printed is DOCKER_HOST=unix://RUN_DIR/docker.sock.
set -euo pipefail

STOP=0
IMAGE_ONLY=0
if [[ "${1:-}" == "--stop" ]]; then
  STOP=1
  shift
elif [[ "${1:-}" == "--image-only" ]]; then
  IMAGE_ONLY=1
  shift
fi
RUN="${1:-${TGP_DOCKER_RUN:-/tmp/tgp-docker}}"
SOCK="$RUN/docker.sock"
IMAGE="tgp-busybox:test"
mkdir -p "$RUN"
RUN="$(cd "$RUN" && pwd)"
SOCK="$RUN/docker.sock"

log() { echo "start-dockerd: $*" >&2; }

engine_up() { docker -H "unix://$SOCK" info >/dev/null 2>&1; }

if [[ "$STOP" == 1 ]]; then
  if [[ -f "$RUN/docker.pid" ]]; then
    pid="$(cat "$RUN/docker.pid")"
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 1 100); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.1
    done
    log "stopped dockerd $pid"
  fi
  exit 0
fi

# Several test files may call this at once: one start at a time.
exec 9>"$RUN/.lock"
flock 9

install_missing() {
  local missing=()
  command -v dockerd >/dev/null 2>&1 || missing+=(docker.io)
  command -v docker >/dev/null 2>&1 || missing+=(docker.io)
  # The image has no libc: only a static busybox runs in it.
  local linked
  linked="$(ldd /bin/busybox 2>&1 || true)"
  [[ -x /bin/busybox && "$linked" == *"not a dynamic"* ]] || missing+=(busybox-static)
  [[ ${#missing[@]} -eq 0 ]] && return 0
  if [[ "$(id -u)" != 0 ]]; then
    log "missing ${missing[*]}, and installing them needs root"
    return 1
  fi
  log "installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  # The package lists are refreshed only when the install cannot find the packages.
  if ! apt-get install -y docker.io busybox-static >&2; then
    apt-get update >&2
    apt-get install -y docker.io busybox-static >&2
  fi
}

start_engine() {
  if [[ "$(id -u)" != 0 ]]; then
    log "dockerd needs root; run as root or set DOCKER_HOST to a running engine"
    return 1
  fi
  log "starting dockerd in $RUN"
  rm -f "$SOCK"
  # setsid: the engine outlives the shell (and the test process) that started it.
  setsid dockerd \
    --host "unix://$SOCK" \
    --data-root "$RUN/docker-data" \
    --exec-root "$RUN/docker-exec" \
    --pidfile "$RUN/docker.pid" \
    --bridge=none --iptables=false --ip-masq=false \
    >"$RUN/dockerd.log" 2>&1 </dev/null 9>&- &
  for _ in $(seq 1 300); do
    engine_up && return 0
    sleep 0.1
  done
  log "dockerd did not answer within 30 s; its log:"
  tail -n 30 "$RUN/dockerd.log" >&2 || true
  return 1
}

build_image() {
  docker -H "unix://$SOCK" image inspect "$IMAGE" >/dev/null 2>&1 && return 0
  log "building $IMAGE from /bin/busybox"
  local dir
  dir="$(mktemp -d)"
  mkdir -p "$dir/bin" "$dir/tmp" "$dir/etc"
  cp /bin/busybox "$dir/bin/busybox"
  for applet in $(/bin/busybox --list); do
    [[ "$applet" == busybox ]] || ln -sf busybox "$dir/bin/$applet"
  done
  chmod 1777 "$dir/tmp"
  echo 'root:x:0:0:root:/root:/bin/sh' >"$dir/etc/passwd"
  echo 'nobody:x:65534:65534:nobody:/:/bin/sh' >>"$dir/etc/passwd"
  tar -C "$dir" -c . | docker -H "unix://$SOCK" import -c 'ENV PATH=/bin' - "$IMAGE" >&2
  rm -rf "$dir"
}

if [[ "$IMAGE_ONLY" == 1 ]]; then
  if [[ "${DOCKER_HOST:-}" != unix://* ]]; then
    log "--image-only needs DOCKER_HOST=unix://..."
    exit 1
  fi
  SOCK="${DOCKER_HOST#unix://}"
  build_image
  echo "DOCKER_HOST=$DOCKER_HOST"
  exit 0
fi

install_missing
engine_up || start_engine
build_image
echo "DOCKER_HOST=unix://$SOCK"
