#!/usr/bin/env bash
# Build a local PostgreSQL image from Debian's archive alone (no container registry is
# reachable on CI machines), unless the engine already has it:
#   .ci/docker/build-image.sh localhost/course-postgres:15-bookworm
# 1. the root file system: debootstrap minbase + postgresql-15, imported as IMAGE-rootfs
#    (~50 s, once per machine);
# 2. the image: Dockerfile (entrypoint, user, port) on top of it (~1 s).
# Needs root, a running engine and Debian's archive.
set -euo pipefail
image="${1:?usage: build-image.sh IMAGE_TAG}"
rootfs_image="${image}-rootfs"
here="$(cd "$(dirname "$0")" && pwd)"
suite=bookworm
pg_major=15  # also in the Dockerfile's PATH

if docker image inspect "$image" >/dev/null 2>&1; then
    echo "ci/docker: image $image is already there"
    exit 0
fi

if ! docker image inspect "$rootfs_image" >/dev/null 2>&1; then
    # The Debian mirror apt is configured with (deb822 or one-line sources), else deb.debian.org.
    mirror="$(
        {
            grep -hs '^URIs:' /etc/apt/sources.list.d/*.sources | awk '{print $2}'
            grep -hs '^deb ' /etc/apt/sources.list /etc/apt/sources.list.d/*.list | awk '{print $2}'
        } | grep -v security | grep -m1 debian || true
    )"
    mirror="${mirror:-http://deb.debian.org/debian}"
    work="$(mktemp -d)"
    trap 'rm -rf "$work"' EXIT
    rootfs="$work/rootfs"
    echo "ci/docker: debootstrap $suite + postgresql-$pg_major from $mirror"
    if ! debootstrap --variant=minbase --include="postgresql-$pg_major" \
        "$suite" "$rootfs" "$mirror" >"$work/debootstrap.log" 2>&1; then
        echo "ci/docker: debootstrap failed; the end of its log:" >&2
        tail -n 20 "$work/debootstrap.log" >&2
        exit 1
    fi
    # The package's own cluster, caches and docs are not needed: the entrypoint makes its own.
    rm -rf "$rootfs/var/lib/postgresql/$pg_major" "$rootfs/etc/postgresql/$pg_major" \
        "$rootfs/var/cache/apt/archives/"*.deb "$rootfs/var/lib/apt/lists/"* \
        "$rootfs/usr/share/doc" "$rootfs/usr/share/man" "$rootfs/usr/share/locale"
    chroot "$rootfs" install -d -o postgres -g postgres -m 0700 /var/lib/postgresql/data
    chroot "$rootfs" install -d -o postgres -g postgres -m 2775 /var/run/postgresql
    tar -C "$rootfs" -c . | docker import \
        --message "Debian $suite minbase + postgresql-$pg_major (debootstrap)" - "$rootfs_image" >/dev/null
fi

# The legacy builder: it needs no buildx plugin, which Debian's docker.io may lack.
if ! build_log="$(DOCKER_BUILDKIT=0 docker build --quiet --build-arg ROOTFS="$rootfs_image" \
    -t "$image" "$here" 2>&1)"; then
    echo "ci/docker: docker build failed: $build_log" >&2
    exit 1
fi
echo "ci/docker: built $image ($(docker image inspect --format '{{.Size}}' "$image" | awk '{printf "%.0f MB", $1/1e6}'))"
