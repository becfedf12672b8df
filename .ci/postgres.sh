#!/usr/bin/env bash
# Start a throwaway PostgreSQL on loopback for the store tests.
#
#   eval "$(.ci/postgres.sh | tail -1)"    # start; sets IDCMD_TEST_POSTGRES_URL
#   .ci/postgres.sh stop DATA_DIR           # stop it and delete its data
#
# On a fresh Debian machine, run as root: it installs Debian's postgresql
# package when initdb/pg_ctl are missing, and runs the server as the
# unprivileged `postgres` user (created if missing). Authentication is
# `trust`, so the server listens on 127.0.0.1 only and its Unix socket lives
# in the private data directory. Progress goes to stderr; the last line of
# stdout is the export line.
set -euo pipefail

PORT="${IDCMD_PG_PORT:-55432}"
DB=idcmd_test
PGUSER_OS=postgres

log() { echo "postgres.sh: $*" >&2; }

# bindir prints the directory holding initdb and pg_ctl: PATH first, then
# Debian's versioned directories (highest version wins).
bindir() {
	if command -v pg_ctl >/dev/null 2>&1 && command -v initdb >/dev/null 2>&1; then
		dirname "$(readlink -f "$(command -v pg_ctl)")"
		return
	fi
	local d
	d="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1 || true)"
	[[ -n "$d" && -x "$d/pg_ctl" && -x "$d/initdb" ]] && echo "$d"
}

# as_pg runs a command as the server's user (root may not run PostgreSQL).
as_pg() {
	if [[ $EUID -eq 0 ]]; then
		runuser -u "$PGUSER_OS" -- "$@"
	else
		"$@"
	fi
}

if [[ "${1:-}" == "stop" ]]; then
	data="${2:?usage: postgres.sh stop DATA_DIR}"
	BIN="$(bindir)" || { log "PostgreSQL binaries not found"; exit 1; }
	[[ $EUID -eq 0 ]] || PGUSER_OS="$(id -un)"
	as_pg "$BIN/pg_ctl" -D "$data" -m fast -w stop >&2 || true
	rm -rf -- "$data"
	exit 0
fi

BIN="$(bindir || true)"
if [[ -z "$BIN" ]]; then
	if [[ $EUID -ne 0 ]]; then
		log "initdb/pg_ctl not found and not root: install PostgreSQL first"
		exit 1
	fi
	log "installing Debian's postgresql package"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update >&2
	apt-get install -y --no-install-recommends postgresql >&2
	BIN="$(bindir)" || { log "PostgreSQL binaries still not found after install"; exit 1; }
fi

if [[ $EUID -eq 0 ]]; then
	if ! id -u "$PGUSER_OS" >/dev/null 2>&1; then
		useradd --system --no-create-home --shell /usr/sbin/nologin "$PGUSER_OS"
	fi
else
	PGUSER_OS="$(id -un)"
fi

# port_in_use succeeds when something accepts connections on 127.0.0.1:$1.
port_in_use() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
for _ in $(seq 1 100); do
	port_in_use "$PORT" || break
	PORT=$((PORT + 1))
done
port_in_use "$PORT" && { log "no free port found"; exit 1; }

DATA="$(mktemp -d "${TMPDIR:-/tmp}/idcmd-pg.XXXXXX")"
chown "$PGUSER_OS" "$DATA"
chmod 700 "$DATA"
log "initdb in $DATA"
as_pg "$BIN/initdb" -D "$DATA" -U postgres -A trust -E UTF8 --no-locale >&2
cat >>"$DATA/postgresql.conf" <<EOF
listen_addresses = '127.0.0.1'
port = $PORT
unix_socket_directories = '$DATA'
max_connections = 200
EOF

log "starting on 127.0.0.1:$PORT"
as_pg "$BIN/pg_ctl" -D "$DATA" -l "$DATA/server.log" -w -t 60 start </dev/null >&2 || {
	cat "$DATA/server.log" >&2
	exit 1
}
for _ in $(seq 1 60); do
	"$BIN/pg_isready" -q -h 127.0.0.1 -p "$PORT" && break
	sleep 1
done
"$BIN/pg_isready" -h 127.0.0.1 -p "$PORT" >&2
"$BIN/createdb" -h 127.0.0.1 -p "$PORT" -U postgres "$DB"

echo "# stop with: $0 stop $DATA"
echo "export IDCMD_TEST_POSTGRES_URL=postgres://postgres@127.0.0.1:$PORT/$DB?sslmode=disable"
