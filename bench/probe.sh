#!/usr/bin/env bash
# pgtls probe vs psql: the same successful verify-full SCRAM connection
# (TCP, SSLRequest, TLS 1.3, SCRAM-SHA-256-PLUS, SHOW server_version_num)
# against one throwaway local PostgreSQL, timed in one run, interleaved so
# both see the same machine load. Prints the median wall time of each, the
# ratio, and the peak RSS of each (GNU time's "Maximum resident set size").
#
#   bench/probe.sh            # 40 rounds
#   ROUNDS=100 bench/probe.sh
#   PGTLS=/path/to/pgtls bench/probe.sh   # skip the release build
#
# Needs: PostgreSQL 15 server binaries (PG_BINDIR, default
# /usr/lib/postgresql/15/bin), psql, openssl, python3, /usr/bin/time. As
# root the server runs as the `postgres` account. Everything lives in one
# temporary directory under $TMPDIR, removed on exit.
set -euo pipefail

ROUNDS=${ROUNDS:-40}
PG_BINDIR=${PG_BINDIR:-/usr/lib/postgresql/15/bin}
here=$(cd "$(dirname "$0")/.." && pwd)

if [[ -z "${PGTLS:-}" ]]; then
    (cd "$here" && cargo build --release -p pgtls --quiet)
    PGTLS="$here/target/release/pgtls"
fi
for tool in psql openssl python3 /usr/bin/time "$PG_BINDIR/initdb" "$PG_BINDIR/pg_ctl"; do
    command -v "$tool" >/dev/null || { echo "bench/probe.sh: missing $tool" >&2; exit 2; }
done

work=$(mktemp -d "${TMPDIR:-/tmp}/pgtls-bench-probe-XXXXXX")
chmod 0755 "$work"
as_server() {
    if [[ $(id -u) -eq 0 ]]; then
        runuser -u postgres -- "$@"
    else
        "$@"
    fi
}
cleanup() {
    as_server "$PG_BINDIR/pg_ctl" -D "$work/data" -m immediate stop >/dev/null 2>&1 || true
    rm -rf "$work"
}
trap cleanup EXIT

# A CA and a server certificate for localhost (EC P-256, SHA-256).
openssl req -x509 -new -nodes -newkey ec -pkeyopt ec_paramgen_curve:P-256 -days 2 \
    -subj "/CN=pgtls bench CA" -keyout "$work/ca.key" -out "$work/ca.crt" \
    -addext basicConstraints=critical,CA:TRUE -addext keyUsage=keyCertSign 2>/dev/null
openssl req -new -nodes -newkey ec -pkeyopt ec_paramgen_curve:P-256 \
    -subj "/CN=localhost" -keyout "$work/server.key" -out "$work/server.csr" 2>/dev/null
printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n' >"$work/ext"
openssl x509 -req -in "$work/server.csr" -CA "$work/ca.crt" -CAkey "$work/ca.key" \
    -CAcreateserial -days 2 -extfile "$work/ext" -out "$work/server.crt" 2>/dev/null

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
password="bench-$(openssl rand -hex 8)"
mkdir "$work/data" "$work/run"
[[ $(id -u) -eq 0 ]] && chown postgres: "$work/data" "$work/run"
as_server "$PG_BINDIR/initdb" -D "$work/data" -U postgres --auth-local=trust \
    --auth-host=scram-sha-256 >/dev/null
cp "$work/server.crt" "$work/server.key" "$work/data/"
chmod 0600 "$work/data/server.key"
[[ $(id -u) -eq 0 ]] && chown postgres: "$work/data/server.crt" "$work/data/server.key"
cat >>"$work/data/postgresql.conf" <<EOF
port = $port
listen_addresses = '127.0.0.1'
unix_socket_directories = '$work/run'
ssl = on
ssl_cert_file = 'server.crt'
ssl_key_file = 'server.key'
EOF
cat >"$work/data/pg_hba.conf" <<EOF
local all all trust
hostssl all all 127.0.0.1/32 scram-sha-256
EOF
as_server "$PG_BINDIR/pg_ctl" -D "$work/data" -l "$work/run/server.log" -w start >/dev/null
psql -X -q -h "$work/run" -p "$port" -U postgres -d postgres \
    -c "CREATE ROLE bench LOGIN PASSWORD '$password'" >/dev/null

conninfo="host=localhost port=$port user=bench dbname=postgres sslmode=verify-full sslrootcert=$work/ca.crt"
export PGPASSWORD=$password
run_probe() { "$PGTLS" probe "$conninfo" >/dev/null; }
run_psql() { psql -X -w -At -c 'show server_version_num' -d "$conninfo" >/dev/null; }

# Both must really succeed before anything is timed.
"$PGTLS" probe --format json "$conninfo" | python3 -c '
import json, sys
r = json.load(sys.stdin)
assert r["ok"] and r["auth_method"] == "SCRAM-SHA-256-PLUS", r
print("probe: %s %s %s server_version_num %s" % (r["tls_version"], r["cipher"], r["auth_method"], r["server_version_num"]))'
echo "psql:  server_version_num $(psql -X -w -At -c 'show server_version_num' -d "$conninfo")"

python3 - "$ROUNDS" "$PGTLS" "$conninfo" <<'EOF'
import os, re, statistics, subprocess, sys, time

rounds, pgtls, conninfo = int(sys.argv[1]), sys.argv[2], sys.argv[3]
cmds = {
    "pgtls probe": [pgtls, "probe", conninfo],
    "psql": ["psql", "-X", "-w", "-At", "-c", "show server_version_num", "-d", conninfo],
}

def once(cmd):
    start = time.perf_counter()
    subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
    return (time.perf_counter() - start) * 1000

def peak_rss_kib(cmd):
    out = subprocess.run(["/usr/bin/time", "-v", *cmd], stdout=subprocess.DEVNULL,
                         stderr=subprocess.PIPE, text=True, check=True).stderr
    return int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", out).group(1))

for cmd in cmds.values():  # warm caches
    for _ in range(3):
        once(cmd)
times = {name: [] for name in cmds}
for _ in range(rounds):  # interleaved: the same load for both
    for name, cmd in cmds.items():
        times[name].append(once(cmd))
rss = {name: statistics.median(peak_rss_kib(cmd) for _ in range(5)) for name, cmd in cmds.items()}

med = {name: statistics.median(v) for name, v in times.items()}
print(f"rounds: {rounds} (interleaved), verify-full, SCRAM-SHA-256-PLUS, TLS 1.3, localhost")
for name in cmds:
    v = sorted(times[name])
    print(f"{name:12s} median {med[name]:6.1f} ms  (p10 {v[len(v)//10]:.1f}, p90 {v[len(v)*9//10]:.1f})"
          f"  peak RSS {rss[name]/1024:5.1f} MiB")
print(f"ratio (pgtls probe / psql): wall {med['pgtls probe']/med['psql']:.2f}x, "
      f"peak RSS {rss['pgtls probe']/rss['psql']:.2f}x")
EOF
