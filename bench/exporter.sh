#!/usr/bin/env bash
# Benchmarks `pgtls exporter` against local PostgreSQL servers on this machine:
#   - /probe latency: median and p90 of sequential scrapes (one keep-alive
#     connection, targets in turn), for the default module (scan only) and
#     for a module with libpq credentials (scan + credentialed probe);
#   - sustained probes per second with 4, 16 and 32 scrapers at once;
#   - the same figures for what people use instead: blackbox_exporter
#     (Debian's; it cannot speak PostgreSQL's SSLRequest, see
#     prometheus/blackbox_exporter#801, so its plain tcp_connect probe is the
#     floor of any blackbox probe), a `pgtls scan` process per target (cron +
#     textfile collector), and one bare `openssl s_client -starttls postgres`
#     handshake per target.
# The servers, the exporter and the load generator share the machine's
# cores. Needs root or the postgres account (the lab runs the servers as
# postgres when root).
set -euo pipefail
cd "$(dirname "$0")/.."

RUNS=${RUNS:-300}
SECONDS_PER_LOAD=${SECONDS_PER_LOAD:-8}
CONCURRENCY=${CONCURRENCY:-32}
WORK=$(mktemp -d)
PIDS=()
cleanup() {
    for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
    exec 3>&- 2>/dev/null || true
    wait 2>/dev/null || true
    rm -rf "$WORK"
}
trap cleanup EXIT

echo "building release binaries..."
cargo build --release -q -p pgtls --bin pgtls
cargo build --release -q -p pgtls-lab --example lab_server
# PGTLS_BIN=path compares another build (the servers and load are the same).
PGTLS=${PGTLS_BIN:-target/release/pgtls}

# Two clusters, each on 127.0.0.1..4: eight endpoints. Their PKI and data
# live under $WORK/lab, which the server account must be able to traverse.
chmod 755 "$WORK"
mkdir -m 755 "$WORK/lab"
mkfifo "$WORK/stdin"
TMPDIR="$WORK/lab" target/release/examples/lab_server 2 4 < "$WORK/stdin" > "$WORK/endpoints" 2> "$WORK/lab.log" &
PIDS+=($!)
exec 3> "$WORK/stdin"
for _ in $(seq 1 240); do
    [ "$(wc -l < "$WORK/endpoints")" -ge 8 ] && break
    sleep 0.25
done
mapfile -t ENDPOINTS < "$WORK/endpoints"
[ "${#ENDPOINTS[@]}" -ge 8 ] || { echo "lab servers did not start:"; cat "$WORK/lab.log"; exit 2; }
echo "servers: ${ENDPOINTS[*]}"

# The lab's roles: kong with a SCRAM password; the root CA verifies the servers.
PKI=$(ls -d "$WORK"/lab/pgtls-lab-pki-* | head -n 1)
printf 'lab-Secret-9f2c\n' > "$WORK/password"
chmod 600 "$WORK/password"
cat > "$WORK/exporter.toml" <<EOF
[modules.monitor]
trust = "$PKI/root_ca.crt"
user = "kong"
dbname = "kong"
password_file = "$WORK/password"
# A module with credentials names where it may send them.
allowed_targets = ["127.0.0.0/8"]
EOF

"$PGTLS" exporter --listen 127.0.0.1:0 --concurrency "$CONCURRENCY" --config "$WORK/exporter.toml" 2> "$WORK/exporter.log" &
PIDS+=($!)
for _ in $(seq 1 100); do
    grep -q "listening on" "$WORK/exporter.log" && break
    sleep 0.1
done
EXPORTER=$(sed -n 's|.*listening on http://\([^ ]*\).*|\1|p' "$WORK/exporter.log" | head -n 1)
[ -n "$EXPORTER" ] || { cat "$WORK/exporter.log"; exit 2; }
echo "exporter: $EXPORTER (--concurrency $CONCURRENCY)"

cat > "$WORK/load.py" <<'EOF'
"""Scrapes /probe: `latency N` sequentially, or `load CLIENTS SECONDS` at once."""
import http.client, statistics, sys, threading, time

host, port = sys.argv[1].rsplit(":", 1)
mode, targets = sys.argv[2], sys.argv[5:]
module = sys.argv[4] if len(sys.argv) > 4 else "default"
path = lambda i: f"/probe?target={targets[i % len(targets)]}&module={module}"

def one(conn, i):
    """0: healthy, 1: answered with probe_success 0, 2: HTTP error."""
    conn.request("GET", path(i))
    r = conn.getresponse()
    body = r.read()
    if r.status != 200:
        return 2
    return 0 if b"\nprobe_success 1" in body else 1

if mode == "latency":
    n = int(sys.argv[3])
    conn = http.client.HTTPConnection(host, int(port), timeout=30)
    times, counts = [], [0, 0, 0]
    for i in range(n):
        t0 = time.perf_counter()
        counts[one(conn, i)] += 1
        times.append((time.perf_counter() - t0) * 1000)
    times.sort()
    print(f"{statistics.median(times):.1f} {times[int(len(times) * 0.9)]:.1f} {counts[1]} {counts[2]}")
else:
    clients, seconds = int(sys.argv[3].split(",")[0]), float(sys.argv[3].split(",")[1])
    counts, lock = [0, 0, 0], threading.Lock()
    stop = time.perf_counter() + seconds
    def worker(k):
        conn = http.client.HTTPConnection(host, int(port), timeout=30)
        i = k
        while time.perf_counter() < stop:
            outcome = one(conn, i)
            i += clients
            with lock:
                counts[outcome] += 1
    threads = [threading.Thread(target=worker, args=(k,)) for k in range(clients)]
    t0 = time.perf_counter()
    for t in threads: t.start()
    for t in threads: t.join()
    print(f"{sum(counts) / (time.perf_counter() - t0):.1f} {counts[1]} {counts[2]}")
EOF

median() { sort -n | awk '{a[NR]=$1} END {if (NR%2) print a[(NR+1)/2]; else print (a[NR/2]+a[NR/2+1])/2}'; }
now_ms() { date +%s%3N; }
time_runs() { # n cmd...
    local n=$1; shift
    for i in $(seq 1 "$n"); do
        local t0; t0=$(now_ms)
        "$@" >/dev/null 2>&1 || true
        echo $(( $(now_ms) - t0 ))
    done | median
}

echo
echo "== pgtls exporter /probe latency (sequential, ${RUNS} scrapes over ${#ENDPOINTS[@]} targets) =="
echo "(probe_success 0 is expected for 3 targets in 4: the lab certificate names 127.0.0.1, not"
echo " 127.0.0.2-4, so the scan reports PGTLS012; HTTP errors must be 0)"
read -r P50 P90 UNHEALTHY HTTPERR < <(python3 "$WORK/load.py" "$EXPORTER" latency "$RUNS" default "${ENDPOINTS[@]}")
echo "module default (scan)             median ${P50} ms  p90 ${P90} ms  (probe_success 0: ${UNHEALTHY}, HTTP errors: ${HTTPERR})"
read -r C50 C90 UNHEALTHY HTTPERR < <(python3 "$WORK/load.py" "$EXPORTER" latency $((RUNS / 3)) monitor "${ENDPOINTS[@]}")
echo "module monitor (scan + libpq)     median ${C50} ms  p90 ${C90} ms  (probe_success 0: ${UNHEALTHY}, HTTP errors: ${HTTPERR})"

# The exporter's own CPU time (user + system, clock ticks) and probes answered.
EXPORTER_PID=${PIDS[1]}
cpu_ticks() { awk '{print $14 + $15}' "/proc/$EXPORTER_PID/stat"; }
probes_done() { curl -s "http://$EXPORTER/metrics" | awk '/^pgtls_exporter_probes_total/ {n += $2} END {print n + 0}'; }

echo
echo "== pgtls exporter sustained probes/s (module default, ${SECONDS_PER_LOAD}s each) =="
T0=$(cpu_ticks); N0=$(probes_done)
for c in 4 16 32; do
    read -r RATE _ HTTPERR < <(python3 "$WORK/load.py" "$EXPORTER" load "$c,$SECONDS_PER_LOAD" default "${ENDPOINTS[@]}")
    printf '%-34s%s probes/s  (HTTP errors: %s)\n' "$c scrapers at once" "$RATE" "$HTTPERR"
    BEST=$(awk -v a="${BEST:-0}" -v b="$RATE" 'BEGIN{print (b > a) ? b : a}')
done
T1=$(cpu_ticks); N1=$(probes_done)
CPU_MS=$(awk -v t="$((T1 - T0))" -v n="$((N1 - N0))" -v hz="$(getconf CLK_TCK)" 'BEGIN{printf "%.2f", t * 1000 / hz / n}')
echo "exporter CPU per probe            ${CPU_MS} ms  (so one core of exporter alone would answer ~$(awk "BEGIN{printf \"%.0f\", 1000/$CPU_MS}") probes/s;"
echo "                                   here the PostgreSQL servers on the same 2 cores are most of the cost)"
read -r CRATE _ HTTPERR < <(python3 "$WORK/load.py" "$EXPORTER" load "16,$SECONDS_PER_LOAD" monitor "${ENDPOINTS[@]}")
echo "16 scrapers, module monitor       ${CRATE} probes/s  (HTTP errors: ${HTTPERR})"
RSS=$(awk '/VmHWM/ {print $2}' "/proc/$EXPORTER_PID/status" 2>/dev/null || echo "?")
echo "exporter peak RSS                 ${RSS} KiB"

echo
echo "== what people use instead =="
SCAN=$(time_runs 30 "$PGTLS" scan --format json "${ENDPOINTS[0]}")
echo "pgtls scan, a process per target  median ${SCAN} ms   ratio scan/exporter = $(awk "BEGIN{printf \"%.1f\", $SCAN/$P50}")x"
OSSL=$(time_runs 30 sh -c "openssl s_client -starttls postgres -connect ${ENDPOINTS[0]} </dev/null")
echo "openssl s_client (1 handshake)    median ${OSSL} ms   ratio openssl/exporter = $(awk "BEGIN{printf \"%.1f\", $OSSL/$P50}")x"

BLACKBOX=$(command -v prometheus-blackbox-exporter || true)
if [ -z "$BLACKBOX" ]; then
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq prometheus-blackbox-exporter >/dev/null 2>&1 \
        || echo "prometheus-blackbox-exporter could not be installed; skipping it"
    BLACKBOX=$(command -v prometheus-blackbox-exporter || true)
fi
if [ -n "$BLACKBOX" ]; then
    cat > "$WORK/blackbox.yml" <<'EOF'
modules:
  tcp_connect:
    prober: tcp
    timeout: 5s
EOF
    BB_PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
    "$BLACKBOX" --config.file="$WORK/blackbox.yml" --web.listen-address="127.0.0.1:$BB_PORT" > "$WORK/blackbox.log" 2>&1 &
    PIDS+=($!)
    for _ in $(seq 1 50); do
        curl -sf "http://127.0.0.1:$BB_PORT/metrics" >/dev/null 2>&1 && break
        sleep 0.1
    done
    read -r B50 B90 _ _ < <(python3 "$WORK/load.py" "127.0.0.1:$BB_PORT" latency "$RUNS" tcp_connect "${ENDPOINTS[@]}")
    read -r BRATE _ _ < <(python3 "$WORK/load.py" "127.0.0.1:$BB_PORT" load "16,$SECONDS_PER_LOAD" tcp_connect "${ENDPOINTS[@]}")
    echo "blackbox_exporter tcp_connect     median ${B50} ms  p90 ${B90} ms  ${BRATE} probes/s (16 at once)"
    echo "  (TCP connect only: it cannot send PostgreSQL's SSLRequest, so it sees no certificate;"
    echo "   pgtls makes 4 TLS handshakes per probe: latency ratio pgtls/blackbox = $(awk "BEGIN{printf \"%.1f\", $P50/$B50}")x)"
fi

echo
echo "machine load during the run (other work shares these cores): $(cut -d' ' -f1-3 /proc/loadavg)"
echo "summary: one exporter on this $(nproc)-core machine answers /probe in ${P50} ms (median, scan of 4 TLS versions)"
echo "         and sustains ${BEST} probes/s; with libpq credentials ${C50} ms and ${CRATE} probes/s."
