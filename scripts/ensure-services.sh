#!/usr/bin/env bash
# Makes sure the services the test suite uses are there and running: PostgreSQL (and a pgbouncer binary the
# tests start on their own port), Redis, and Debian's chromium for the dashboard browser test.
set -uo pipefail

apt_install() {
  if ! command -v apt-get >/dev/null 2>&1; then echo "apt-get is missing: cannot install $*"; return 1; fi
  if [ -z "${APT_UPDATED:-}" ]; then apt-get update -qq >/dev/null 2>&1; APT_UPDATED=1; fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
}

if [ ! -x /usr/bin/chromium ]; then
  echo "== installing chromium (browser test)"
  apt_install chromium || echo "chromium could not be installed; the browser test will say so"
fi

if ! command -v pgbouncer >/dev/null 2>&1; then
  echo "== installing pgbouncer (the PostgreSQL suites run behind one of their own)"
  apt_install pgbouncer || { echo "pgbouncer could not be installed"; exit 1; }
fi

if ! pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null; then
  echo "== starting PostgreSQL"
  pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -n1)" main start || true
  for _ in $(seq 1 30); do pg_isready -q -h 127.0.0.1 -p 5432 && break; sleep 1; done
fi
pg_isready -h 127.0.0.1 -p 5432 || { echo "PostgreSQL is not reachable on 127.0.0.1:5432"; exit 1; }

if ! redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1; then
  echo "== starting Redis"
  mkdir -p /var/lib/redis /var/log/redis
  redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no --dir /var/lib/redis --logfile /var/log/redis/ci.log || true
  for _ in $(seq 1 30); do redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1 && break; sleep 1; done
fi
redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1 || { echo "Redis is not reachable on 127.0.0.1:6379"; exit 1; }
echo "== services: PostgreSQL, Redis and pgbouncer are ready"
exit 0
