#!/usr/bin/env bash
# Benchmarks `pgtls scan` against the tools people use today, in one run,
# against the same local PostgreSQL servers:
#   - one full scan of one server: pgtls vs sslyze (PyPI, in a venv made
#     here) vs testssl.sh (Debian) on what each reports by default;
#   - a fleet of 50 and 500 targets (local servers on several 127.0.0.x
#     addresses, repeated): wall time and peak RSS, against the floor of the
#     same number of bare `openssl s_client -starttls postgres` handshakes
#     run 8 in parallel.
# Prints medians and ratios. Needs root or the postgres account (the lab
# runs the servers as postgres when root).
set -euo pipefail
cd "$(dirname "$0")/.."

RUNS=${RUNS:-15}
SLOW_RUNS=${SLOW_RUNS:-3}
WORK=$(mktemp -d)
trap 'exec 3>&- 2>/dev/null || true; wait 2>/dev/null || true; rm -rf "$WORK"' EXIT

echo "building release binaries..."
cargo build --release -q -p pgtls --bin pgtls
cargo build --release -q -p pgtls-lab --example lab_server
PGTLS=target/release/pgtls

if [ ! -x "$WORK/venv/bin/sslyze" ]; then
    python3 -m venv "$WORK/venv" >/dev/null
    "$WORK/venv/bin/pip" install -q sslyze >/dev/null 2>&1 || echo "sslyze could not be installed; skipping it"
fi
SSLYZE="$WORK/venv/bin/sslyze"
if ! command -v testssl.sh >/dev/null 2>&1 && ! command -v testssl >/dev/null 2>&1; then
    apt-get install -y -qq testssl.sh >/dev/null 2>&1 || echo "testssl.sh could not be installed; skipping it"
fi
TESTSSL=$(command -v testssl.sh || command -v testssl || true)

# Two clusters, each on 127.0.0.1..4: eight endpoints.
mkfifo "$WORK/stdin"
target/release/examples/lab_server 2 4 < "$WORK/stdin" > "$WORK/endpoints" &
exec 3> "$WORK/stdin"
for _ in $(seq 1 120); do
    [ "$(wc -l < "$WORK/endpoints")" -ge 8 ] && break
    sleep 0.25
done
mapfile -t ENDPOINTS < "$WORK/endpoints"
ONE=${ENDPOINTS[0]}
echo "servers: ${ENDPOINTS[*]}"

median() { sort -n | awk '{a[NR]=$1} END {if (NR%2) print a[(NR+1)/2]; else print (a[NR/2]+a[NR/2+1])/2}'; }
now_ms() { date +%s%3N; }
time_runs() { # n cmd...
    local n=$1; shift
    for _ in $(seq 1 "$n"); do
        local t0; t0=$(now_ms)
        "$@" >/dev/null 2>&1 || true
        echo $(( $(now_ms) - t0 ))
    done | median
}

echo
echo "== one full scan of $ONE =="
P=$(time_runs "$RUNS" "$PGTLS" scan --format json "$ONE")
echo "pgtls scan          median ${P} ms  (${RUNS} runs)"
if [ -x "$SSLYZE" ]; then
    S=$(time_runs "$SLOW_RUNS" "$SSLYZE" --starttls postgres "$ONE")
    echo "sslyze              median ${S} ms  (${SLOW_RUNS} runs)  ratio sslyze/pgtls = $(awk "BEGIN{printf \"%.0f\", $S/$P}")x"
fi
if [ -n "$TESTSSL" ]; then
    T=$(time_runs 1 "$TESTSSL" --quiet --color 0 --starttls postgres "$ONE")
    echo "testssl.sh          ${T} ms  (1 run)  ratio testssl.sh/pgtls = $(awk "BEGIN{printf \"%.0f\", $T/$P}")x"
    TP=$(time_runs "$SLOW_RUNS" "$TESTSSL" --quiet --color 0 -p --starttls postgres "$ONE")
    echo "testssl.sh -p       median ${TP} ms  (protocols only)  ratio = $(awk "BEGIN{printf \"%.0f\", $TP/$P}")x"
fi

fleet() { # n
    local n=$1 file="$WORK/targets-$1"
    : > "$file"
    for i in $(seq 0 $((n - 1))); do echo "${ENDPOINTS[$((i % ${#ENDPOINTS[@]}))]}" >> "$file"; done
    local t0; t0=$(now_ms)
    /usr/bin/time -f "%M" -o "$WORK/rss-$n" "$PGTLS" scan --format json --concurrency 32 --targets-file "$file" > "$WORK/out-$n" || true
    local wall=$(( $(now_ms) - t0 ))
    local rss; rss=$(tail -n 1 "$WORK/rss-$n")
    local ok; ok=$(grep -c '"verdict": "ok"' "$WORK/out-$n" || true)
    echo "pgtls scan $n targets: ${wall} ms, peak RSS $((rss / 1024)) MiB, $ok ok"
    FLEET_MS=$wall
}

floor() { # n : bare handshakes, 8 in parallel
    local n=$1 file="$WORK/targets-$1"
    local t0; t0=$(now_ms)
    xargs -P 8 -I{} sh -c 'openssl s_client -starttls postgres -connect {} </dev/null >/dev/null 2>&1' < "$file"
    FLOOR_MS=$(( $(now_ms) - t0 ))
    echo "openssl s_client x$n (8 parallel): ${FLOOR_MS} ms"
}

echo
echo "== fleet =="
fleet 50
floor 50
fleet 500
floor 500
echo "ratio pgtls(500 targets, 4 handshakes each)/s_client(500 handshakes) = $(awk "BEGIN{printf \"%.2f\", $FLEET_MS/$FLOOR_MS}")"
echo "handshakes per second by pgtls: $(awk "BEGIN{printf \"%.0f\", 2000*1000/$FLEET_MS}")"
