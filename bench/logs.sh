#!/usr/bin/env bash
# Throughput and memory of `pgtls logs`, against `grep -c -E` with the same
# failure patterns (the floor: grep only counts lines) and pgbadger (what
# people use today to read PostgreSQL logs), in one run on the same file.
#
#   bench/logs.sh [MEBIBYTES]     (default 500)
#   PGTLS_BENCH_LOG=FILE bench/logs.sh   (makes FILE once and keeps it, reuses it after)
#   AUTH_MIB=N                            (size of the second log, default 100)
#
# Makes two synthetic PostgreSQL 15 logs (default log_line_prefix '%m [%p] ',
# log_connections/log_disconnections on): a mixed one, where ordinary lines
# of nine kinds (connection received/authenticated/authorized, disconnection,
# duration, statement, checkpoint, autovacuum, errors) surround one
# TLS/authentication failure per 1,000 lines with its HINT/DETAIL lines,
# and one where every line is `connection authenticated: identity=...
# method=cert (.../pg_hba.conf:12)`, what a mutual-TLS server writes for
# each connection. Builds pgtls in release mode,
# reads the file once to put it in the page cache, then times each tool
# (best of 3 runs; every tool runs single-threaded, pgbadger with -j 1).
# Peak memory is measured on a 1 GiB file.
# Files go under $TMPDIR (default /tmp) and are removed at the end.
set -euo pipefail

MIB=${1:-500}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
WORK=$(mktemp -d "${TMPDIR:-/tmp}/pgtls-bench-logs.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
LOG=$WORK/postgresql.log
AUTH_MIB=${AUTH_MIB:-100}
AUTH_LOG=$WORK/authenticated.log
BIG=$WORK/postgresql-1g.log
SLICE=$WORK/slice.log

cat > "$WORK/make_log.py" <<'PY'
import random, sys
path, mib, MIX = sys.argv[1], int(sys.argv[2]), sys.argv[3]
target = mib << 20
rnd = random.Random(15)
hosts = [f"10.0.{a}.{b}" for a in range(4) for b in range(2, 60)]
users = ["kong", "app", "report", "kong_ro"]
stmts = [
    "SELECT id, name, config FROM services WHERE ws_id = $1",
    "UPDATE upstreams SET healthchecks = $1 WHERE id = $2",
    "INSERT INTO ratelimiting_metrics (identifier, period, period_date, service_id, route_id, value) VALUES ($1, $2, $3, $4, $5, 1) ON CONFLICT DO UPDATE SET value = ratelimiting_metrics.value + 1",
    "SELECT * FROM routes WHERE service_id = $1 ORDER BY created_at LIMIT 1000",
]
def ts(i):
    s = i // 40
    return f"2026-11-28 {(s // 3600) % 24:02d}:{(s // 60) % 60:02d}:{s % 60:02d}.{i % 1000:03d} UTC"
def authenticated(u):
    if u == "kong":
        return 'LOG:  connection authenticated: identity="CN=kong" method=cert (/etc/postgresql/15/main/pg_hba.conf:12)'
    return f'LOG:  connection authenticated: identity="{u}" method=scram-sha-256 (/etc/postgresql/15/main/pg_hba.conf:14)'
def normal(i, pid):
    h = rnd.choice(hosts); u = rnd.choice(users); port = 30000 + i % 30000
    if MIX == "authenticated":
        return [authenticated(u)]
    r = rnd.random()
    if r < 0.18:
        return [f"LOG:  connection received: host={h} port={port}"]
    if r < 0.36:
        # PostgreSQL 14+ with log_connections: one per authenticated
        # connection, naming the pg_hba.conf line that matched.
        return [authenticated(u)]
    if r < 0.54:
        return [f"LOG:  connection authorized: user={u} database=kong application_name=kong SSL enabled (protocol=TLSv1.3, cipher=TLS_AES_256_GCM_SHA384, bits=256)"]
    if r < 0.72:
        return [f"LOG:  disconnection: session time: 0:00:{i % 60:02d}.{i % 1000:03d} user={u} database=kong host={h} port={port}"]
    if r < 0.84:
        return [f"LOG:  duration: {rnd.random() * 50:.3f} ms  execute <unnamed>: {rnd.choice(stmts)}"]
    if r < 0.90:
        return [f"LOG:  statement: {rnd.choice(stmts)}"]
    if r < 0.93:
        return ["LOG:  checkpoint starting: time",
                f"LOG:  checkpoint complete: wrote {i % 900} buffers (0.{i % 10}%); 0 WAL file(s) added, 0 removed, 1 recycled; write=26.{i % 1000:03d} s, sync=0.004 s, total=26.1 s; sync files=12, longest=0.002 s, average=0.001 s; distance=4712 kB, estimate=5120 kB"]
    if r < 0.96:
        return [f"LOG:  automatic vacuum of table \"kong.public.ratelimiting_metrics\": index scans: 1",
                "\tpages: 0 removed, 912 remain, 120 scanned (13.16% of total)",
                f"\ttuples: {i % 500} removed, 20012 remain, 0 are dead but not yet removable"]
    return ["ERROR:  duplicate key value violates unique constraint \"routes_name_key\"",
            f"DETAIL:  Key (name)=(route-{i % 977}) already exists.",
            "STATEMENT:  INSERT INTO routes (id, name, service_id) VALUES ($1, $2, $3)"]
def failure(k, i):
    h = rnd.choice(hosts)
    kind = k % 7
    if kind == 0:
        return ["LOG:  could not accept SSL connection: unsupported protocol",
                "HINT:  This may indicate that the client does not support any SSL protocol version between TLSv1.2 and TLSv1.3."]
    if kind == 1:
        return ["LOG:  could not accept SSL connection: tlsv1 alert unknown ca"]
    if kind == 2:
        return ["LOG:  could not accept SSL connection: certificate verify failed"]
    if kind == 3:
        return [f"FATAL:  no pg_hba.conf entry for host \"{h}\", user \"kong\", database \"kong\", no encryption"]
    if kind == 4:
        return ["FATAL:  password authentication failed for user \"kong\"",
                "DETAIL:  Password does not match for user \"kong\".",
                "\tConnection matched pg_hba.conf line 5: \"hostssl all all 0.0.0.0/0 scram-sha-256\""]
    if kind == 5:
        return ["LOG:  provided user name (kong) and authenticated user name (gateway-01.example.com) do not match",
                "FATAL:  certificate authentication failed for user \"kong\"",
                "DETAIL:  Connection matched pg_hba.conf line 4: \"hostssl all kong 0.0.0.0/0 cert\""]
    return ["FATAL:  connection requires a valid client certificate"]
out = open(path, "w", buffering=1 << 20)
written = lines = i = k = 0
buf = []
while written < target:
    i += 1
    pid = 10000 + (i * 7919) % 50000
    # One failure (with its HINT/DETAIL lines) per 1,000 lines.
    fail = MIX == "mixed" and lines // 1000 > k
    body = failure(k, i) if fail else normal(i, pid)
    if fail:
        k += 1
    t = ts(i)
    for b in body:
        line = (b if b.startswith("\t") else f"{t} [{pid}] {b}") + "\n"
        buf.append(line)
        written += len(line)
        lines += 1
    if len(buf) > 20000:
        out.write("".join(buf)); buf = []
out.write("".join(buf))
out.close()
print(f"failures written: {k}")
PY

if [ -n "${PGTLS_BENCH_LOG:-}" ] && [ -s "$PGTLS_BENCH_LOG" ]; then
    # Reuse a log made by an earlier run (PGTLS_BENCH_LOG=FILE keeps it).
    LOG=$PGTLS_BENCH_LOG
    echo "== mixed log: reusing $LOG"
else
    [ -n "${PGTLS_BENCH_LOG:-}" ] && LOG=$PGTLS_BENCH_LOG
    echo "== mixed log: ${MIB} MiB in $LOG"
    python3 "$WORK/make_log.py" "$LOG" "$MIB" mixed
fi
echo "== authenticated log: ${AUTH_MIB} MiB of 'connection authenticated' lines in $AUTH_LOG"
python3 "$WORK/make_log.py" "$AUTH_LOG" "$AUTH_MIB" authenticated
SIZE=$(stat -c %s "$LOG")
MB=$(python3 -c "print(f'{$SIZE/1e6:.1f}')")
LINES=$(wc -l < "$LOG")
echo "   $MB MB, $LINES lines"

# The failure patterns of the catalogue's server-log lines (English and Japanese).
PATTERNS='could not accept SSL connection|SSL接続を受け付けられませんでした|could not receive data from client|クライアントからデータを受信できませんでした|no pg_hba\.conf entry for host|pg_hba\.conf にホスト|password authentication failed|パスワード認証に失敗しました|certificate authentication failed|の証明書認証に失敗しました|and authenticated user name|と認証されたユーザー名|no match in usermap|connection requires a valid client certificate|有効なクライアント証明が必要です|hostssl record cannot match|root certificate store is available|could not load server certificate file|could not access private key file|could not load private key file|has group or world access|key values mismatch|could not load root certificate file|SSL configuration was not reloaded|does not support any SSL protocol version|alert certificate expired|alert unknown ca'

echo "== building pgtls (release)"
(cd "$ROOT" && cargo build --release -p pgtls --quiet)
PGTLS=$ROOT/target/release/pgtls

cat "$LOG" "$AUTH_LOG" > /dev/null   # page cache


# Best of 3 runs of a command: "WALL CPU" seconds, CPU being user+sys of
# the child. On a shared machine the CPU time is the steadier figure; both
# tools are single-threaded, so on an idle core the two agree. Output goes
# to a pipe, not /dev/null: GNU grep stops at the first match when its
# output is /dev/null.
best_of_3() {
    python3 - "$@" <<'PY'
import resource, subprocess, sys, time
best_wall = best_cpu = None
for _ in range(3):
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t = time.perf_counter()
    subprocess.run(sys.argv[1:], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    wall = time.perf_counter() - t
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    best_wall = wall if best_wall is None else min(best_wall, wall)
    best_cpu = cpu if best_cpu is None else min(best_cpu, cpu)
print(f"{best_wall:.3f} {best_cpu:.3f}")
PY
}

# "WALL CPU" of pgtls and of grep on one file, with the findings pgtls made.
measure() {
    local file=$1 name=$2
    echo "== $name: pgtls logs"
    eval "T_PGTLS_$name=\$(best_of_3 \"\$PGTLS\" logs --format json \"\$file\")"
    "$PGTLS" logs --format json "$file" | python3 -c '
import json, sys
d = json.load(sys.stdin)
per_code = {}
for f in d["findings"]:
    per_code[f["code"]] = per_code.get(f["code"], 0) + f["count"]
groups = ", ".join("%s x%d" % kv for kv in sorted(per_code.items()))
print("  ", d["summary"]["incidents"], "incidents in", d["summary"]["groups"], "groups:", groups)' || true
    echo "== $name: grep -c -E (LC_ALL=C)"
    eval "T_GREP_$name=\$(LC_ALL=C best_of_3 grep -c -E \"\$PATTERNS\" \"\$file\")"
    echo "   $(LC_ALL=C grep -c -E "$PATTERNS" "$file" || true) matching lines"
    echo "== $name: grep -c -E (LC_ALL=C.UTF-8)"
    eval "T_GREPU_$name=\$(LC_ALL=C.UTF-8 best_of_3 grep -c -E \"\$PATTERNS\" \"\$file\")"
}
measure "$LOG" mixed
measure "$AUTH_LOG" authenticated
AUTH_SIZE=$(stat -c %s "$AUTH_LOG")

echo "== pgbadger (one 20 MiB slice of the same file)"
head -c $((20 << 20)) "$LOG" | sed '$d' > "$SLICE"
SLICE_SIZE=$(stat -c %s "$SLICE")
if command -v pgbadger > /dev/null; then
    T_BADGER=$(python3 - "$SLICE" "$WORK" <<'PY'
import resource, subprocess, sys, time
slice_, work = sys.argv[1], sys.argv[2]
t = time.perf_counter()
subprocess.run(["pgbadger", "--quiet", "-j", "1", "-f", "stderr",
                "--prefix", "%m [%p] ", "-o", f"{work}/pgbadger.txt", "-x", "text", slice_],
               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
wall = time.perf_counter() - t
r = resource.getrusage(resource.RUSAGE_CHILDREN)
print(f"{wall:.3f} {r.ru_utime + r.ru_stime:.3f}")
PY
)
else
    T_BADGER=""
    echo "   pgbadger is not installed (apt-get install pgbadger); skipped"
fi

echo "== peak memory on a 1 GiB file"
: > "$BIG"
while [ "$(stat -c %s "$BIG")" -lt $((1 << 30)) ]; do cat "$LOG" >> "$BIG"; done
truncate -s $((1 << 30)) "$BIG"
rss() { { /usr/bin/time -v "$@" 2>&1 >"$WORK/out" || true; } | awk -F': ' '/Maximum resident set size/ {print $2}'; }
RSS_PGTLS=$(rss "$PGTLS" logs --format json "$BIG")
RSS_GREP=$(LC_ALL=C rss grep -c -E "$PATTERNS" "$BIG")
rm -f "$BIG"

python3 - "$SIZE" "$AUTH_SIZE" "$T_PGTLS_mixed" "$T_GREP_mixed" "$T_GREPU_mixed" \
    "$T_PGTLS_authenticated" "$T_GREP_authenticated" "$T_GREPU_authenticated" \
    "$SLICE_SIZE" "$T_BADGER" "$RSS_PGTLS" "$RSS_GREP" <<'PY'
import sys
(size, auth_size, t_pgtls, t_grep, t_grep_u, a_pgtls, a_grep, a_grep_u,
 slice_size, t_badger, rss_pgtls, rss_grep) = sys.argv[1:]
size, auth_size, slice_size = int(size), int(auth_size), int(slice_size)
def rates(n, t):
    wall, cpu = (float(x) for x in t.split())
    return n / 1e6 / wall, n / 1e6 / cpu
def table(title, rows):
    pw, pc = rows[0][1]
    print()
    print(title)
    print(f"{'tool':<36} {'MB/s wall':>10} {'MB/s CPU':>10} {'pgtls/it wall':>14} {'pgtls/it CPU':>13}")
    for name, (w, c) in rows:
        rw = "" if name.startswith("pgtls") else f"{pw / w:.2f}x"
        rc = "" if name.startswith("pgtls") else f"{pc / c:.2f}x"
        print(f"{name:<36} {w:>10.1f} {c:>10.1f} {rw:>14} {rc:>13}")
rows = [("pgtls logs (parse, group, explain)", rates(size, t_pgtls)),
        ("grep -c -E, LC_ALL=C", rates(size, t_grep)),
        ("grep -c -E, LC_ALL=C.UTF-8", rates(size, t_grep_u))]
if t_badger:
    rows.append(("pgbadger -j 1 (20 MiB slice)", rates(slice_size, t_badger)))
table(f"mixed log ({size / 1e6:.0f} MB)", rows)
table(f"every line 'connection authenticated' ({auth_size / 1e6:.0f} MB)",
      [("pgtls logs (parse, group, explain)", rates(auth_size, a_pgtls)),
       ("grep -c -E, LC_ALL=C", rates(auth_size, a_grep)),
       ("grep -c -E, LC_ALL=C.UTF-8", rates(auth_size, a_grep_u))])
print()
print(f"peak RSS on 1 GiB: pgtls logs {int(rss_pgtls) / 1024:.1f} MiB, grep {int(rss_grep) / 1024:.1f} MiB")
PY
