#!/usr/bin/env bash
# Starts what the test suite needs when it is missing: Debian's chromium for the dashboard browser test.
set -uo pipefail
if [ ! -x /usr/bin/chromium ]; then
  echo "== installing chromium (browser test)"
  if command -v apt-get >/dev/null 2>&1; then
    (apt-get update -qq && apt-get install -y -qq chromium >/dev/null) || echo "chromium could not be installed; the browser test will say so"
  fi
fi
exit 0
