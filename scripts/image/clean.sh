#!/usr/bin/env bash
# Stops the engine and registry that engine.sh started and deletes their data and every cache
# (rootfs tarballs, npm tarballs, registry storage, images), for a fresh-state rerun. The
# installed Debian packages and the binfmt entry stay; `--packages` removes the packages too.
source "$(dirname "$0")/lib.sh"

stop_pidfile() {
  local file=$1 what=$2 pid
  [ -s "$file" ] || return 0
  pid=$(cat "$file")
  if kill -0 "$pid" 2>/dev/null; then
    kill "$pid"
    for _ in $(seq 60); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
    kill -0 "$pid" 2>/dev/null && fail "$what (pid $pid) did not stop"
    log "stopped $what (pid $pid)"
  fi
  rm -f "$file"
}

stop_pidfile "$IMAGE_STATE_DIR/dockerd.pid" "the engine"
stop_pidfile "$IMAGE_STATE_DIR/registry.pid" "the registry"
rm -rf "$IMAGE_STATE_DIR" "$IMAGE_CACHE_DIR" "$IMAGE_DOCKER_ROOT"
log "removed $IMAGE_STATE_DIR, $IMAGE_CACHE_DIR and $IMAGE_DOCKER_ROOT"
if [ "${1:-}" = --packages ]; then
  # Named, not autoremove: that would also take whatever else the machine has left unneeded.
  DEBIAN_FRONTEND=noninteractive apt-get purge -y -qq "${PACKAGES[@]}" containerd runc tini >/dev/null
  log "purged the packages engine.sh installs"
fi
