#!/usr/bin/env bash
# Install Debian's Chromium and chromedriver for tests/test_browser.py (which skips without
# them). Nothing downloads a browser of its own. Needs root and Debian's archive. ~30-60 s.
set -euo pipefail

if command -v chromium >/dev/null && command -v chromedriver >/dev/null; then
    echo "ci/browser: chromium and chromedriver are already installed"
    exit 0
fi
if [ "$(id -u)" != 0 ]; then
    echo "ci/browser: installing chromium needs root" >&2
    exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends chromium chromium-driver </dev/null >/dev/null
echo "ci/browser: installed $(chromedriver --version | head -n 1)"
