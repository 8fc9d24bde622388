#!/usr/bin/env bash
# `npm run test:image`: the real image, built and run. Installs and starts what it needs
# (engine.sh), makes the base image the Dockerfile names (base-image.sh), builds the project's
# Dockerfile, unchanged, for linux/arm64, then checks the image and the running container under
# emulation (check-image.ts). Prints each phase's time. Rerunning reuses the engine and caches;
# scripts/image/clean.sh removes them.
source "$(dirname "$0")/lib.sh"
SCRIPT_DIR=$(cd "$(dirname "$0")" && pwd)
REPO_ROOT=$(cd "$SCRIPT_DIR/../.." && pwd)
cd "$REPO_ROOT"

PHASE_TIMES_FILE=$(mktemp)
export PHASE_TIMES_FILE
started=$(date +%s.%N)

# The phase times, on success and on failure alike (a failed run says how far it got).
summary() {
  local code=$? size
  if [ "$code" -eq 0 ]; then
    size=$($DOCKER image inspect --format '{{.Size}}' "$IMAGE_TAG")
    log "summary: image $IMAGE_TAG, $(awk -v s="$size" 'BEGIN { printf "%.1f MB", s / 1e6 }') ($size bytes)"
  else
    log "summary: FAILED (exit $code) after these phases:"
  fi
  while IFS=$'\t' read -r name took; do log "  $name: $took s"; done <"$PHASE_TIMES_FILE"
  log "  total: $(awk -v a="$started" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }') s"
  rm -f "$PHASE_TIMES_FILE"
}
trap summary EXIT

build_image() {
  local build_log="$IMAGE_STATE_DIR/build.log"
  # No build args: the Dockerfile's NODE_IMAGE default is the name the local registry serves.
  # --network host: the engine has no bridge network, and `RUN npm ci` needs the npm registry.
  # The build stage runs natively (BuildKit sets BUILDPLATFORM to linux/amd64); only the run
  # stage's `npm ci --omit=dev` runs under qemu.
  if ! $DOCKER build --platform linux/arm64 --network host --progress plain -t "$IMAGE_TAG" . >"$build_log" 2>&1; then
    tail -60 "$build_log" >&2
    fail "docker build (full log: $build_log)"
  fi
  grep -E '^#[0-9]+ \[(build|run) |^#[0-9]+ (DONE|CACHED)' "$build_log" | paste -d ' ' - - | sed 's/^/[image]   /' >&2 || true
  # The previous build's image loses the tag: drop it so reruns do not pile up images.
  $DOCKER image prune --force >/dev/null
}

run_checks() {
  node --import tsx "$SCRIPT_DIR/check-image.ts" --image "$IMAGE_TAG"
}

bash "$SCRIPT_DIR/engine.sh"
bash "$SCRIPT_DIR/base-image.sh"
phase build build_image
phase run-checks run_checks

