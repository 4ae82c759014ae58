#!/usr/bin/env bash
# Starts the Debian PostgreSQL cluster (installed with `apt-get install postgresql`), creates the
# role and database the storage contract tests and bench/cache-load.mjs use, and prints the
# connection URL on stdout:   export POSTGRES_URL="$(bash apps/api/scripts/start-postgres.sh)"
# Runs as root (CI) or with sudo. The server itself runs as the postgres user (Debian cluster tools).
set -euo pipefail
SUDO=""
[ "$(id -u)" = 0 ] || SUDO="sudo"
log() { printf '[start-postgres] %s\n' "$*" >&2; }

command -v pg_lsclusters >/dev/null 2>&1 || { log "PostgreSQL is not installed: apt-get install -y postgresql"; exit 1; }
read -r version cluster port _ < <(pg_lsclusters --no-header | head -n 1) || true
if [ -z "${version:-}" ]; then
  version="$(ls /usr/lib/postgresql | sort -V | tail -n 1)"
  cluster=main
  log "creating cluster $version/$cluster"
  $SUDO pg_createcluster "$version" "$cluster" >&2
  read -r version cluster port _ < <(pg_lsclusters --no-header | head -n 1)
fi
if ! pg_lsclusters --no-header | awk -v v="$version" -v c="$cluster" '$1==v && $2==c {print $4}' | grep -q online; then
  log "starting cluster $version/$cluster on port $port"
  $SUDO pg_ctlcluster "$version" "$cluster" start >&2
fi
for _ in $(seq 1 30); do
  pg_isready -q -h 127.0.0.1 -p "$port" && break
  sleep 0.5
done
pg_isready -q -h 127.0.0.1 -p "$port" || { log "PostgreSQL did not become ready on port $port"; exit 1; }

psql_admin() { $SUDO runuser -u postgres -- psql -X -q -v ON_ERROR_STOP=1 -p "$port" "$@" >&2; }
psql_admin -c "DO \$\$ BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'branch_env') THEN
    CREATE ROLE branch_env LOGIN PASSWORD 'branch_env';
  END IF; END \$\$;"
if [ -z "$($SUDO runuser -u postgres -- psql -X -tA -p "$port" -c "SELECT 1 FROM pg_database WHERE datname = 'branch_env'")" ]; then
  psql_admin -c "CREATE DATABASE branch_env OWNER branch_env"
fi
log "ready on 127.0.0.1:$port (role and database branch_env)"
echo "postgres://branch_env:branch_env@127.0.0.1:$port/branch_env"
