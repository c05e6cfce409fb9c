#!/usr/bin/env bash
# Starts what the test suite needs beside Node: PostgreSQL (Debian's package,
# installed when absent) with the test role, Debian's Chromium for the
# end-to-end tests, and Debian's redis-server (installed when absent, never
# run as a system service: the tests start their own on a free port).
# Idempotent. Prints the PostgreSQL URL for the tests.
set -euo pipefail

as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }
apt_updated=0
apt_log="${TMPDIR:-/tmp}/datastack-apt.log"
apt_install() {
  if [ "$apt_updated" -eq 0 ]; then as_root apt-get update -qq >>"$apt_log" 2>&1; apt_updated=1; fi
  if ! DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq --no-install-recommends "$@" >>"$apt_log" 2>&1; then
    echo "datastack: apt-get install $* failed; see $apt_log" >&2
    tail -20 "$apt_log" >&2
    exit 1
  fi
}

if ! command -v pg_ctlcluster >/dev/null 2>&1 || [ -z "$(ls /usr/lib/postgresql 2>/dev/null)" ]; then
  echo "datastack: installing PostgreSQL" >&2
  apt_install postgresql
fi
pg_version="$(ls /usr/lib/postgresql | sort -n | tail -1)"
if ! pg_lsclusters -h | awk -v v="$pg_version" '$1 == v && $2 == "main"' | grep -q .; then
  as_root pg_createcluster "$pg_version" main >&2
fi
if ! pg_lsclusters -h | awk -v v="$pg_version" '$1 == v && $2 == "main" && $4 == "online"' | grep -q .; then
  as_root pg_ctlcluster "$pg_version" main start >&2
fi
port="$(pg_lsclusters -h | awk -v v="$pg_version" '$1 == v && $2 == "main" {print $3}')"
as_root su postgres -c "psql -q -p $port -tc \"SELECT 1 FROM pg_roles WHERE rolname='datastack'\" | grep -q 1 || psql -q -p $port -c \"CREATE ROLE datastack LOGIN CREATEDB PASSWORD 'datastack'\"" >&2

if ! command -v chromium >/dev/null 2>&1; then
  echo "datastack: installing Chromium" >&2
  apt_install chromium
fi

if ! command -v redis-server >/dev/null 2>&1 || ! command -v redis-cli >/dev/null 2>&1; then
  echo "datastack: installing redis-server" >&2
  apt_install redis-server
  # The package's init script may have started a system-wide server on 6379
  # (where no policy-rc.d forbids it): the tests do not use it.
  if command -v systemctl >/dev/null 2>&1 && [ -d /run/systemd/system ]; then
    as_root systemctl disable --now redis-server >/dev/null 2>&1 || true
  else
    as_root invoke-rc.d redis-server stop >/dev/null 2>&1 || true
    as_root update-rc.d redis-server disable >/dev/null 2>&1 || true
  fi
fi

echo "postgresql://datastack:datastack@127.0.0.1:$port"
