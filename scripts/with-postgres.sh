#!/usr/bin/env bash
# Runs a command with a throwaway PostgreSQL cluster: initialised under target/pg on a free port,
# reachable as $CHECKOUT_TEST_POSTGRES_URL, and stopped (and deleted) when the command ends,
# whatever its result. Debian's postgresql package (bootstrap installs it); initdb refuses to run
# as root, so as root the cluster belongs to the `postgres` user.
#   scripts/with-postgres.sh cargo test --workspace
set -euo pipefail
cd "$(dirname "$0")/.."
[ $# -gt 0 ] || { echo "usage: $0 COMMAND [ARGS...]" >&2; exit 2; }

bindir=$(pg_config --bindir 2>/dev/null || true)
if [ ! -x "$bindir/initdb" ]; then
  bindir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
fi
[ -x "$bindir/initdb" ] || { echo "with-postgres: no PostgreSQL server found; run scripts/bootstrap.sh" >&2; exit 1; }

# A free port below the kernel's ephemeral range, so no client connection can take it first.
port=$(python3 -c 'import random, socket
while True:
    port = random.randrange(20000, 32000)
    s = socket.socket()
    try:
        s.bind(("127.0.0.1", port))
        break
    except OSError:
        pass
    finally:
        s.close()
print(port)')
dir="$PWD/target/pg/$port"
rm -rf "$dir"
mkdir -p "$dir"

as_owner() {
  if [ "$(id -u)" -eq 0 ]; then (cd / && runuser -u postgres -- "$@"); else "$@"; fi
}
if [ "$(id -u)" -eq 0 ]; then
  chown postgres "$dir"
  # The postgres user must reach the folder: a clone under a private home (mode 700) is not
  # reachable, so the cluster goes to a private folder of its own under /tmp instead.
  if ! runuser -u postgres -- test -w "$dir"; then
    rm -rf "$dir"
    dir=$(mktemp -d /tmp/checkout-pg.XXXXXX)
    chown postgres "$dir"
    echo "with-postgres: $PWD/target is not reachable by the postgres user; the cluster is in $dir" >&2
  fi
fi

stop() {
  as_owner "$bindir/pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null 2>&1 || true
  rm -rf "$dir"
}
trap stop EXIT

as_owner "$bindir/initdb" -D "$dir/data" -A trust -U postgres --no-sync -E UTF8 >"$dir/initdb.log" 2>&1 \
  || { cat "$dir/initdb.log" >&2; exit 1; }
# Tests create a database each; fsync off is for this throwaway cluster only (the benchmark
# starts its own with the production setting).
as_owner "$bindir/pg_ctl" -D "$dir/data" -l "$dir/log" -w \
  -o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c max_connections=400 ${PG_EXTRA_OPTIONS:--c fsync=off -c synchronous_commit=off -c full_page_writes=off}" start >/dev/null \
  || { cat "$dir/log" >&2; exit 1; }

export CHECKOUT_TEST_POSTGRES_URL="postgres://postgres@127.0.0.1:$port/postgres"
echo "with-postgres: PostgreSQL $("$bindir/postgres" --version | awk '{print $3}') on port $port" >&2
set +e
"$@"
status=$?
set -e
exit $status
