#!/bin/sh
# Entrypoint of the stand-in PostgreSQL image (build-image.sh), modelled on the official
# postgres image's, as far as testcontainers relies on it:
#   - on first start, create the cluster with POSTGRES_USER / POSTGRES_PASSWORD and the
#     database POSTGRES_DB, on a socket-only temporary server (no TCP until this is done:
#     testcontainers' readiness check connects to 127.0.0.1 and must not get in early);
#   - then run PostgreSQL in the foreground on *:5432, scram password auth for TCP.
set -eu
: "${POSTGRES_PASSWORD:?POSTGRES_PASSWORD must be set}"
POSTGRES_USER="${POSTGRES_USER:-postgres}"
POSTGRES_DB="${POSTGRES_DB:-$POSTGRES_USER}"
PGDATA="${PGDATA:-/var/lib/postgresql/data}"
SOCKETS=/var/run/postgresql

if [ ! -s "$PGDATA/PG_VERSION" ]; then
    pwfile="$(mktemp)"
    printf '%s\n' "$POSTGRES_PASSWORD" >"$pwfile"
    initdb -D "$PGDATA" --username="$POSTGRES_USER" --pwfile="$pwfile" \
        --auth-local=trust --auth-host=scram-sha-256 --encoding=UTF8 --locale=C.UTF-8 >/dev/null
    rm -f "$pwfile"
    # Published ports arrive from the bridge's gateway, not from 127.0.0.1.
    printf 'host all all all scram-sha-256\n' >>"$PGDATA/pg_hba.conf"

    pg_ctl -D "$PGDATA" -w -s -o "-c listen_addresses='' -c unix_socket_directories=$SOCKETS" start
    if [ "$POSTGRES_DB" != postgres ]; then
        # psql quotes the name (:"db"); it interpolates variables only in its input, not in -c.
        echo 'CREATE DATABASE :"db"' | psql -v ON_ERROR_STOP=1 -q -h "$SOCKETS" \
            --username="$POSTGRES_USER" --dbname=postgres --set=db="$POSTGRES_DB"
    fi
    pg_ctl -D "$PGDATA" -m fast -w -s stop
    echo "PostgreSQL init process complete; ready for start up."
fi

exec postgres -D "$PGDATA" -c listen_addresses='*' -c unix_socket_directories="$SOCKETS"
