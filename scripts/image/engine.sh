#!/usr/bin/env bash
# Installs what the image test needs and starts it, each only if missing: Debian's Docker engine,
# qemu-user-static with binfmt (ARM64 binaries in containers), mmdebstrap (the base image's
# rootfs) and Debian's docker-registry (serves the base image under the name the Dockerfile uses).
# Safe to rerun: a running engine or registry of ours is reused.
source "$(dirname "$0")/lib.sh"
[ "$(id -u)" -eq 0 ] || fail "the image test needs root: it installs packages, mounts binfmt_misc and runs its own dockerd (CI runs .ci/run as root)"

install_packages() {
  local missing=()
  for package in "${PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q 'install ok installed' || missing+=("$package")
  done
  if [ ${#missing[@]} -eq 0 ]; then log "packages already installed"; return; fi
  log "installing ${missing[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

enable_arm64_emulation() {
  if [ ! -e /proc/sys/fs/binfmt_misc/register ]; then
    mount -t binfmt_misc binfmt_misc /proc/sys/fs/binfmt_misc
  fi
  local entry=/proc/sys/fs/binfmt_misc/qemu-aarch64
  if [ ! -e "$entry" ] || ! grep -qx enabled "$entry"; then
    update-binfmts --enable qemu-aarch64
  fi
  # F: the kernel opens the interpreter now, so it works inside containers that lack it.
  grep -q '^flags: .*F' "$entry" || fail "qemu-aarch64 binfmt entry lacks the F flag: $(cat "$entry")"
}

wait_for() {
  local what=$1 seconds=$2 log_file=$3
  shift 3
  for _ in $(seq "$((seconds * 4))"); do
    if "$@" >/dev/null 2>&1; then return 0; fi
    sleep 0.25
  done
  tail -20 "$log_file" >&2 || true
  fail "$what did not come up within ${seconds} s (log: $log_file)"
}

# overlay2 cannot sit on an overlay filesystem (a CI runner that is itself a container): vfs there.
storage_driver() {
  if [ -n "${IMAGE_STORAGE_DRIVER:-}" ]; then echo "$IMAGE_STORAGE_DRIVER"; return; fi
  case "$(stat -f -c %T "$IMAGE_DOCKER_ROOT")" in overlayfs) echo vfs ;; *) echo overlay2 ;; esac
}

registry_answers() {
  node -e "fetch('http://$REGISTRY_ADDRESS/v2/').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"
}

start_registry() {
  if registry_answers; then log "registry already running on $REGISTRY_ADDRESS:80"; return; fi
  mkdir -p "$IMAGE_STATE_DIR" "$IMAGE_CACHE_DIR/registry"
  cat >"$IMAGE_STATE_DIR/registry.yml" <<YAML
version: 0.1
log:
  level: warn
  accesslog:
    disabled: true
storage:
  filesystem:
    rootdirectory: $IMAGE_CACHE_DIR/registry
  delete:
    enabled: true
http:
  addr: $REGISTRY_ADDRESS:80
YAML
  setsid nohup docker-registry serve "$IMAGE_STATE_DIR/registry.yml" >"$IMAGE_STATE_DIR/registry.log" 2>&1 </dev/null &
  echo $! >"$IMAGE_STATE_DIR/registry.pid"
  wait_for "the registry on $REGISTRY_ADDRESS:80" 20 "$IMAGE_STATE_DIR/registry.log" registry_answers
  log "registry started (pid $(cat "$IMAGE_STATE_DIR/registry.pid"))"
}

start_engine() {
  if engine_running; then log "engine already running at $DOCKER_HOST"; return; fi
  mkdir -p "$IMAGE_STATE_DIR" "$IMAGE_DOCKER_ROOT"
  # Only this engine sees public.ecr.aws on the local registry: its own /etc/hosts, bound in a
  # private mount namespace, leaves the machine's name resolution alone.
  { cat /etc/hosts; printf '%s %s\n' "$REGISTRY_ADDRESS" "$BASE_REGISTRY_HOST"; } >"$IMAGE_STATE_DIR/hosts"
  cat >"$IMAGE_STATE_DIR/daemon.json" <<JSON
{
  "hosts": ["$DOCKER_HOST"],
  "data-root": "$IMAGE_DOCKER_ROOT",
  "exec-root": "$IMAGE_STATE_DIR/exec",
  "pidfile": "$IMAGE_STATE_DIR/dockerd.pid",
  "storage-driver": "$(storage_driver)",
  "iptables": false,
  "ip-forward": false,
  "ip-masq": false,
  "bridge": "none",
  "insecure-registries": ["http://$BASE_REGISTRY_HOST"],
  "features": { "buildkit": true },
  "builder": { "gc": { "enabled": true, "defaultKeepStorage": "4GB" } }
}
JSON
  # shellcheck disable=SC2016 # $1 and $2 are the inner shell's arguments
  setsid nohup unshare --mount --propagation private -- \
    sh -c 'mount --bind "$1" /etc/hosts && exec dockerd --config-file "$2"' sh \
    "$IMAGE_STATE_DIR/hosts" "$IMAGE_STATE_DIR/daemon.json" \
    >"$IMAGE_STATE_DIR/dockerd.log" 2>&1 </dev/null &
  wait_for "the Docker engine" 60 "$IMAGE_STATE_DIR/dockerd.log" engine_running
  log "engine started: $($DOCKER version --format 'server {{.Server.Version}}'), storage $($DOCKER info --format '{{.Driver}}')"
}

start_services() {
  enable_arm64_emulation
  start_registry
  start_engine
}

phase engine-install install_packages
phase engine-start start_services
