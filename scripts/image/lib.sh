# shellcheck shell=bash disable=SC2034 # the scripts that source this use these variables
# Shared settings for the image scripts (sourced, not run). Everything lives outside the work
# tree: a dedicated Docker engine (own socket, data root and mount namespace), a local registry
# and the caches, so a rerun reuses them and a developer's own engine is never touched.
set -euo pipefail

IMAGE_STATE_DIR=${IMAGE_STATE_DIR:-/run/agentcore-chat-bridge-image}
IMAGE_CACHE_DIR=${IMAGE_CACHE_DIR:-/var/tmp/agentcore-chat-bridge-image}
IMAGE_DOCKER_ROOT=${IMAGE_DOCKER_ROOT:-/var/lib/agentcore-chat-bridge-image/docker}
export DOCKER_HOST="unix://$IMAGE_STATE_DIR/docker.sock"
# Debian's client (20.10) builds with the engine's BuildKit; a newer client without the buildx
# plugin (as in /usr/local/bin on these machines) refuses BuildKit builds.
DOCKER=/usr/bin/docker
export DOCKER_BUILDKIT=1

# The name the Dockerfile's NODE_IMAGE default gives, served by the local registry. Inside the
# engine's mount namespace public.ecr.aws resolves to REGISTRY_ADDRESS (loopback only).
BASE_REGISTRY_HOST=public.ecr.aws
BASE_REPOSITORY=docker/library/node
BASE_TAG=22-slim
# Another loopback address gives a second, independent set (with its own IMAGE_STATE_DIR).
REGISTRY_ADDRESS=${IMAGE_REGISTRY_ADDRESS:-127.77.0.1}
# Pinned so the base image (and its cache key) only changes on purpose.
NODE_VERSION=${NODE_VERSION:-22.23.5}
NPM_VERSION=${NPM_VERSION:-10.9.9}
DEBIAN_SUITE=bookworm
DEBIAN_MIRROR=${DEBIAN_MIRROR:-http://deb.debian.org/debian}

# What engine.sh installs when missing (clean.sh --packages purges them and their engine parts).
PACKAGES=(docker.io qemu-user-static binfmt-support mmdebstrap docker-registry)

IMAGE_TAG=${IMAGE_TAG:-agentcore-chat-bridge:image-test}

log() { printf '[image] %s\n' "$*" >&2; }
fail() { printf '[image] FAILED: %s\n' "$*" >&2; exit 1; }

# Records how long a phase took; run.sh prints the list at the end.
PHASE_TIMES_FILE=${PHASE_TIMES_FILE:-}
phase() {
  local name=$1 start end
  shift
  start=$(date +%s.%N)
  log "phase $name: start"
  "$@"
  end=$(date +%s.%N)
  local took
  took=$(awk -v a="$start" -v b="$end" 'BEGIN { printf "%.1f", b - a }')
  log "phase $name: ${took} s"
  if [ -n "$PHASE_TIMES_FILE" ]; then printf '%s\t%s\n' "$name" "$took" >>"$PHASE_TIMES_FILE"; fi
}

engine_running() { [ -S "$IMAGE_STATE_DIR/docker.sock" ] && $DOCKER info >/dev/null 2>&1; }
