#!/usr/bin/env bash
# Start dockerd in the background, published ports on loopback only, no iptables
# (none of which CI needs), and wait until `docker version` answers.
# Writes its pid to $CI_DOCKER_STATE/dockerd.pid (stop-engine.sh stops it) and its log next to it.
set -euo pipefail
: "${CI_DOCKER_STATE:?set CI_DOCKER_STATE to a folder for the pid and log of dockerd}"
mkdir -p "$CI_DOCKER_STATE"

if docker version >/dev/null 2>&1; then
    echo "ci/docker: a Docker engine already answers; using it"
    exit 0
fi
dockerd --iptables=false --ip-forward=false --ip=127.0.0.1 \
    >"$CI_DOCKER_STATE/dockerd.log" 2>&1 </dev/null &
echo $! >"$CI_DOCKER_STATE/dockerd.pid"

for _ in $(seq 1 300); do  # up to 30 s; it usually answers within half a second
    if docker version >/dev/null 2>&1; then
        echo "ci/docker: dockerd $(docker version --format '{{.Server.Version}}') answers (pid $(cat "$CI_DOCKER_STATE/dockerd.pid"))"
        exit 0
    fi
    if ! kill -0 "$(cat "$CI_DOCKER_STATE/dockerd.pid")" 2>/dev/null; then
        echo "ci/docker: dockerd exited; the end of its log:" >&2
        tail -n 20 "$CI_DOCKER_STATE/dockerd.log" >&2
        exit 1
    fi
    sleep 0.1
done
echo "ci/docker: dockerd did not answer within 30 s; the end of its log:" >&2
tail -n 20 "$CI_DOCKER_STATE/dockerd.log" >&2
exit 1
