#!/usr/bin/env bash
# Installs (if needed) and starts PostgreSQL from Debian's packages on loopback, with a role the tests use to create
# and drop their own databases. Prints the connection string on its last line, for VOICEPROXY_TEST_POSTGRES:
#   export VOICEPROXY_TEST_POSTGRES="$(tests/postgres-up.sh | tail -n 1)"
# The password is made up: the cluster listens on loopback only (Debian's default listen_addresses = 'localhost').
set -euo pipefail

role=voiceproxy_test
password=made-up-test-password
sudo=""; [ "$(id -u)" = 0 ] || sudo=sudo

if ! command -v pg_ctlcluster >/dev/null; then
  $sudo apt-get update >&2 && $sudo apt-get install -y postgresql >&2
fi

version=$(ls /usr/lib/postgresql | sort -V | tail -n 1)
if ! pg_lsclusters -h | awk -v v="$version" '$1 == v && $2 == "main" { found = 1 } END { exit !found }'; then
  $sudo pg_createcluster "$version" main >&2
fi
if ! pg_lsclusters -h | awk -v v="$version" '$1 == v && $2 == "main" && $4 == "online" { found = 1 } END { exit !found }'; then
  $sudo pg_ctlcluster "$version" main start >&2
fi
port=$(pg_lsclusters -h | awk -v v="$version" '$1 == v && $2 == "main" { print $3 }')

for _ in $(seq 1 60); do
  pg_isready -q -h 127.0.0.1 -p "$port" && break
  sleep 0.5
done
pg_isready -h 127.0.0.1 -p "$port" >&2

$sudo runuser -u postgres -- psql -q -p "$port" -v ON_ERROR_STOP=1 >&2 <<SQL
DO \$\$ BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '$role') THEN
    CREATE ROLE $role LOGIN CREATEDB PASSWORD '$password';
  END IF;
END \$\$;
SQL

echo "Host=127.0.0.1;Port=$port;Username=$role;Password=$password;Database=postgres"
