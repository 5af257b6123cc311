#!/usr/bin/env bash
# Install Debian's Docker engine (docker.io) and debootstrap, which builds the PostgreSQL
# image when no registry can be reached. Needs root and Debian's archive. ~10-30 s.
set -euo pipefail

if command -v dockerd >/dev/null && command -v debootstrap >/dev/null; then
    echo "ci/docker: dockerd and debootstrap are already installed"
    exit 0
fi
if [ "$(id -u)" != 0 ]; then
    echo "ci/docker: installing docker.io needs root" >&2
    exit 1
fi

# Keep apt from starting the docker service on its own (without our flags):
# policy-rc.d exit 101 means "do not start services". Only ours is removed afterwards.
created_policy=""
if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d
    chmod +x /usr/sbin/policy-rc.d
    created_policy=yes
fi
cleanup() { if [ -n "$created_policy" ]; then rm -f /usr/sbin/policy-rc.d; fi; }
trap cleanup EXIT

export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends docker.io debootstrap </dev/null >/dev/null
echo "ci/docker: installed $(dockerd --version)"
