#!/usr/bin/env bash
# Stop the dockerd that start-engine.sh started (by its pid, never by name), then remove
# the docker0 link it created. Safe to run when nothing was started.
set -uo pipefail
pid_file="${CI_DOCKER_STATE:-/nonexistent}/dockerd.pid"
[ -f "$pid_file" ] || exit 0
pid="$(cat "$pid_file")"
if kill -0 "$pid" 2>/dev/null; then
    # Containers still running (a test that failed half-way) go first.
    mapfile -t leftovers < <(docker ps -q 2>/dev/null || true)
    if [ "${#leftovers[@]}" -gt 0 ]; then
        echo "ci/docker: removing leftover containers: ${leftovers[*]}"
        docker rm -f "${leftovers[@]}" >/dev/null 2>&1 || true
    fi
    kill -TERM "$pid"
    for _ in $(seq 1 150); do  # up to 15 s
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
    done
    if kill -0 "$pid" 2>/dev/null; then
        echo "ci/docker: dockerd (pid $pid) ignored SIGTERM for 15 s; killing it" >&2
        kill -KILL "$pid" 2>/dev/null || true
    fi
    echo "ci/docker: stopped dockerd (pid $pid)"
fi
rm -f "$pid_file"
if ip link show docker0 >/dev/null 2>&1; then
    ip link delete docker0 && echo "ci/docker: removed the docker0 link"
fi
exit 0
