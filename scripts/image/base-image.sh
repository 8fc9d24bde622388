#!/usr/bin/env bash
# Makes the base image the Dockerfile names (public.ecr.aws/docker/library/node:22-slim) for
# linux/amd64 (the build stage) and linux/arm64 (the run stage) and pushes both, under one
# multi-platform index, to the local registry engine.sh started.
#
# Each rootfs is Debian bookworm's Essential:yes set, extracted from the .debs without running
# maintainer scripts (so no emulation: seconds, not minutes), plus what the node image adds that
# the Dockerfile relies on: /usr/local/bin/node (npm package node-linux-<arch>), npm, and the
# "node" user with uid 1000. Like node:22-slim it has /bin/sh and no compilers, make or python.
source "$(dirname "$0")/lib.sh"

SCRIPT_DIR=$(cd "$(dirname "$0")" && pwd)
# The CA bundle this machine's npm trusts (here the egress proxy re-signs TLS with its own CA):
# the image's npm gets it too, or `RUN npm ci` fails with SELF_SIGNED_CERT_IN_CHAIN. npm only:
# the bot's own trust store is untouched. Nothing where the host's npm needs no extra CA.
HOST_NPM_CAFILE=$(npm config get cafile 2>/dev/null || true)
case "$HOST_NPM_CAFILE" in null | undefined | '') HOST_NPM_CAFILE=${NODE_EXTRA_CA_CERTS:-} ;; esac
# What the base image is made of; a change makes new tarballs instead of reusing the cached ones.
BASE_KEY=$({ cat "$SCRIPT_DIR/base-image.sh"; [ -z "$HOST_NPM_CAFILE" ] || cat "$HOST_NPM_CAFILE"; } | sha256sum | cut -c1-12)-node$NODE_VERSION-npm$NPM_VERSION

npm_tarball() {
  local spec=$1 dir="$IMAGE_CACHE_DIR/npm"
  mkdir -p "$dir"
  local list="$dir/$spec.name"
  if [ ! -s "$list" ] || [ ! -s "$dir/$(cat "$list")" ]; then
    (cd "$dir" && npm pack --silent --cache "$IMAGE_CACHE_DIR/npm-cache" "$spec") >"$list"
  fi
  echo "$dir/$(cat "$list")"
}

make_rootfs() {
  local arch=$1 node_arch=$2 out=$3 root="$IMAGE_CACHE_DIR/rootfs-$1"
  rm -rf "$root"
  # --variant=extract: unpack only. usr-is-merged satisfies init-system-helpers without pulling
  # usrmerge (and perl with it); the hook lays out merged /usr as bookworm images have it.
  mmdebstrap --quiet --variant=extract --architectures="$arch" --mode=root \
    --include='?essential' --include=libstdc++6,usr-is-merged \
    --setup-hook=/usr/share/mmdebstrap/hooks/merged-usr/setup00.sh \
    "$DEBIAN_SUITE" "$root" "$DEBIAN_MIRROR" >"$IMAGE_CACHE_DIR/mmdebstrap-$arch.log" 2>&1 \
    || fail "mmdebstrap for $arch: $(tail -20 "$IMAGE_CACHE_DIR/mmdebstrap-$arch.log")"
  # What the skipped maintainer scripts would have made and a slim image keeps: the accounts
  # (base-passwd's preinst copies these), plus node's user; no docs, man pages or locales.
  cp "$root/usr/share/base-passwd/passwd.master" "$root/etc/passwd"
  cp "$root/usr/share/base-passwd/group.master" "$root/etc/group"
  echo 'node:x:1000:1000::/home/node:/bin/bash' >>"$root/etc/passwd"
  echo 'node:x:1000:' >>"$root/etc/group"
  install -d -o 1000 -g 1000 "$root/home/node"
  install -d "$root"/usr/local/{bin,include,lib,sbin,share,src}
  find "$root/usr/share/doc" -type f ! -name copyright -delete
  rm -rf "${root:?}"/usr/share/{man,info,locale}/* "${root:?}"/var/cache/apt/* "${root:?}"/var/lib/apt/lists/* "${root:?}"/dev/*

  tar -xzf "$(npm_tarball "node-linux-$node_arch@$NODE_VERSION")" -C "$root/usr/local" --strip-components=1 package/bin/node
  install -d "$root/usr/local/lib/node_modules/npm"
  tar -xzf "$(npm_tarball "npm@$NPM_VERSION")" -C "$root/usr/local/lib/node_modules/npm" --strip-components=1
  ln -s ../lib/node_modules/npm/bin/npm-cli.js "$root/usr/local/bin/npm"
  ln -s ../lib/node_modules/npm/bin/npx-cli.js "$root/usr/local/bin/npx"
  if [ -n "$HOST_NPM_CAFILE" ]; then
    install -D -m 644 "$HOST_NPM_CAFILE" "$root/etc/ssl/certs/npm-ca-bundle.crt"
    install -d "$root/usr/local/etc"
    echo 'cafile=/etc/ssl/certs/npm-ca-bundle.crt' >"$root/usr/local/etc/npmrc"
  fi

  tar --numeric-owner -C "$root" -cf "$out.partial" .
  mv "$out.partial" "$out"
  rm -rf "$root"
}

build_rootfs_tars() {
  mkdir -p "$IMAGE_CACHE_DIR"
  local arch node_arch tarball
  for pair in amd64:x64 arm64:arm64; do
    arch=${pair%%:*} node_arch=${pair##*:}
    tarball="$IMAGE_CACHE_DIR/base-$arch-$BASE_KEY.tar"
    if [ -s "$tarball" ]; then log "rootfs $arch: cached ($tarball)"; continue; fi
    rm -f "$IMAGE_CACHE_DIR"/base-"$arch"-*.tar "$IMAGE_CACHE_DIR"/blobs/base-"$arch"-*
    make_rootfs "$arch" "$node_arch" "$tarball"
    log "rootfs $arch: $(du -h "$tarball" | cut -f1)"
  done
}

push_base() {
  node --import tsx "$SCRIPT_DIR/push-base.ts" \
    --registry "http://$REGISTRY_ADDRESS" --repository "$BASE_REPOSITORY" --tag "$BASE_TAG" \
    --node-version "$NODE_VERSION" --cache "$IMAGE_CACHE_DIR/blobs" \
    --layer "amd64=$IMAGE_CACHE_DIR/base-amd64-$BASE_KEY.tar" \
    --layer "arm64=$IMAGE_CACHE_DIR/base-arm64-$BASE_KEY.tar"
}

phase rootfs build_rootfs_tars
phase base-image push_base
