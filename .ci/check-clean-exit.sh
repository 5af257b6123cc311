#!/usr/bin/env bash
# After the test run, no server of the course may be left: the embedded server stops by
# itself a few seconds after the last process that used it exits (course_lib/embedded.py).
set -euo pipefail
cd "$(dirname "$0")/.."
pgdata="$(pwd)/.pgdata"
for _ in $(seq 1 40); do
    if ! pgrep -f -- "-D $pgdata" >/dev/null; then
        echo "ci: no course server process left after the test run"
        exit 0
    fi
    sleep 0.5
done
echo "ci: a course server is still running 20 s after the test run:" >&2
pgrep -a -f -- "-D $pgdata" >&2 || true
exit 1
