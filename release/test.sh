#!/usr/bin/env bash
# Runs the portable binary and the .deb from release/build.sh where glibc is
# older and OpenSSL 3 is absent: a Debian bullseye root file system (glibc
# 2.31, OpenSSL 1.1 only) made with debootstrap and entered with chroot.
#
# In the chroot: --version, explain, check -D on a copied data directory,
# scan and probe (mutual TLS, cert authentication) against a PostgreSQL
# cluster started outside it on loopback; then dpkg -i of the .deb and
# `pgtls demo --help`, the man pages and the completions it installed.
#
# Needs root (debootstrap, chroot, mount). The root file system is cached in
# /var/cache/pgtls-release (PGTLS_RELEASE_CACHE); where Debian's packages
# cannot be reached it says so and skips (exit 0).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

target_dir=${CARGO_TARGET_DIR:-$root/target}
dist=$target_dir/dist
cache=${PGTLS_RELEASE_CACHE:-/var/cache/pgtls-release}
suite=bullseye
mirror=${PGTLS_DEBIAN_MIRROR:-http://deb.debian.org/debian}
net_timeout=${PGTLS_NET_TIMEOUT:-900}
version=$(sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -1)
binary=$dist/pgtls-$version-x86_64-linux
deb=$(ls -t "$dist"/pgtls_"$version"*_amd64.deb 2>/dev/null | head -1 || true)
pg_bindir=${PGTLS_PG_BINDIR:-$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)}
started=$(date +%s)

say() { echo "release/test.sh: $*"; }
fail() { echo "release/test.sh: FAIL: $*" >&2; exit 1; }

[ "$(id -u)" -eq 0 ] || fail "needs root (debootstrap, chroot, mount)"
[ -x "$binary" ] || fail "no $binary: run release/build.sh first"
[ -n "$deb" ] || fail "no .deb in $dist: run release/build.sh first"
[ -x "$pg_bindir/postgres" ] || fail "no PostgreSQL server in ${pg_bindir:-/usr/lib/postgresql/*/bin}"

if ! command -v debootstrap >/dev/null 2>&1; then
    say "installing debootstrap"
    timeout "$net_timeout" apt-get update -qq
    DEBIAN_FRONTEND=noninteractive timeout "$net_timeout" apt-get install -y -qq debootstrap
fi

# The cached, pristine root file system; each run works on a copy.
base=$cache/$suite-rootfs
if [ ! -x "$base/bin/sh" ]; then
    mkdir -p "$cache"
    partial=$(mktemp -d "$cache/$suite-partial.XXXXXX")
    say "debootstrap $suite into $base (once)"
    if ! timeout "$net_timeout" debootstrap --variant=minbase "$suite" "$partial" "$mirror" >"$cache/debootstrap.log" 2>&1; then
        rm -rf "$partial"
        if grep -qiE 'Failed getting release file|Temporary failure resolving|Could not resolve|Connection (refused|timed out)|unable to fetch' "$cache/debootstrap.log"; then
            say "SKIPPED: debootstrap cannot reach Debian's packages at $mirror (see $cache/debootstrap.log)"
            exit 0
        fi
        tail -20 "$cache/debootstrap.log" >&2
        fail "debootstrap $suite failed"
    fi
    rm -rf "$base"
    mv "$partial" "$base"
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/pgtls-release-test.XXXXXX")
# The postgres account must reach the cluster inside it.
chmod 0755 "$work"
chroot_dir=$work/rootfs
pgdata=$work/pgdata
pg_pid=""
cleanup() {
    set +e
    if [ -n "$pg_pid" ]; then
        runuser -u postgres -- "$pg_bindir/pg_ctl" -D "$pgdata" -m immediate stop >/dev/null 2>&1
    fi
    for m in proc dev/pts dev; do
        mountpoint -q "$chroot_dir/$m" 2>/dev/null && umount -l "$chroot_dir/$m"
    done
    rm -rf "$work"
}
trap cleanup EXIT

cp -a --reflink=auto "$base" "$chroot_dir"
mount --bind /dev "$chroot_dir/dev"
mount -t proc proc "$chroot_dir/proc"
in_chroot() { chroot "$chroot_dir" /usr/bin/env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LANG=C NO_COLOR=1 "$@"; }

say "$(in_chroot ldd --version | head -1); OpenSSL libraries: $(ls "$chroot_dir"/usr/lib/x86_64-linux-gnu/ | grep -E '^lib(ssl|crypto)\.so' | tr '\n' ' ')"
if ls "$chroot_dir"/usr/lib/x86_64-linux-gnu/libssl.so.3 >/dev/null 2>&1; then
    fail "the $suite root has OpenSSL 3: the test would prove nothing"
fi
install -m 0755 "$binary" "$chroot_dir/usr/local/bin/pgtls"

expect() { # expect WHAT PATTERN TEXT
    grep -qE -- "$2" <<<"$3" || { printf '%s\n' "$3" >&2; fail "$1: no match for /$2/"; }
}

out=$(in_chroot pgtls --version)
expect "--version" "^pgtls $version\$" "$out"
say "ok: pgtls --version: $out"

out=$(in_chroot pgtls explain 'tlsv1 alert unknown ca')
expect "explain" "PGTLS005" "$out"
expect "explain" "PGTLS006" "$out"
say "ok: explain 'tlsv1 alert unknown ca' (PGTLS005 and PGTLS006)"

# A mutual-TLS cluster from `pgtls setup`, started outside the chroot on a
# free loopback port, owned by the postgres account as PostgreSQL requires.
pki=$work/pki
"$binary" setup --out "$pki" --host localhost --host 127.0.0.1 --user kong >/dev/null
install -d -o postgres -g postgres -m 0700 "$pgdata"
runuser -u postgres -- "$pg_bindir/initdb" -D "$pgdata" -A trust -U postgres >/dev/null
install -o postgres -g postgres -m 0600 "$pki/server.crt" "$pki/server.key" "$pki/ca.crt" "$pgdata/"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
cat >>"$pgdata/postgresql.conf" <<CONF
listen_addresses = '127.0.0.1'
port = $port
unix_socket_directories = '$pgdata'
ssl = on
ssl_cert_file = 'server.crt'
ssl_key_file = 'server.key'
ssl_ca_file = 'ca.crt'
ssl_min_protocol_version = 'TLSv1.2'
CONF
cat >"$pgdata/pg_hba.conf" <<HBA
local all postgres trust
hostssl all all 127.0.0.1/32 cert
HBA
runuser -u postgres -- "$pg_bindir/pg_ctl" -D "$pgdata" -l "$pgdata/server.log" -w -t 60 start >/dev/null
pg_pid=started
runuser -u postgres -- "$pg_bindir/psql" -h "$pgdata" -p "$port" -U postgres -qAt \
    -c "CREATE ROLE kong LOGIN" -c "CREATE DATABASE kong OWNER kong" postgres >/dev/null

# The data directory as an operator would copy it to the gateway host.
mkdir -p "$chroot_dir/srv"
cp -a "$pgdata" "$chroot_dir/srv/pgdata"
rm -f "$chroot_dir/srv/pgdata/postmaster.pid"
cp -a "$pki" "$chroot_dir/srv/pki"
status=0
out=$(in_chroot pgtls check -D /srv/pgdata) || status=$?
[ "$status" -le 1 ] || { printf '%s\n' "$out" >&2; fail "check -D exited $status"; }
expect "check -D" "server start: ok" "$out"
say "ok: check -D on a copied data directory (exit $status)"

out=$(in_chroot pgtls scan "127.0.0.1:$port")
expect "scan" "TLSv1\.3" "$out"
json=$(in_chroot pgtls scan --format json "127.0.0.1:$port")
expect "scan json" '"TLSv1.3": *"accepted"' "$json"
expect "scan json" '"TLSv1.1": *"rejected"' "$json"
expect "scan json" '"client_ca_names": *\[' "$json"
say "ok: scan 127.0.0.1:$port (TLS 1.3 accepted, 1.1 rejected, client CA names read)"

conn="host=127.0.0.1 port=$port user=kong dbname=kong sslmode=verify-full sslrootcert=/srv/pki/ca.crt sslcert=/srv/pki/client.crt sslkey=/srv/pki/client.key"
out=$(in_chroot pgtls probe "$conn") || { printf '%s\n' "$out" >&2; fail "probe failed"; }
expect "probe" "connected" "$out"
status=0
out=$(in_chroot pgtls probe "host=127.0.0.1 port=$port user=kong dbname=kong sslmode=verify-full sslrootcert=/srv/pki/ca.crt") || status=$?
[ "$status" -eq 1 ] || { printf '%s\n' "$out" >&2; fail "probe without a client certificate exited $status, not 1"; }
expect "probe without client certificate" "PGTLS0[0-9][0-9]" "$out"
say "ok: probe with mutual TLS and cert authentication connects; without the client certificate it is diagnosed"

# The Debian package, installed as a user would.
cp "$deb" "$chroot_dir/tmp/pgtls.deb"
rm -f "$chroot_dir/usr/local/bin/pgtls"
in_chroot dpkg -i /tmp/pgtls.deb >/dev/null
out=$(in_chroot /usr/bin/pgtls demo --help)
expect "demo --help" "throwaway PostgreSQL" "$out"
for f in usr/share/man/man1/pgtls.1 usr/share/man/man1/pgtls-probe.1 \
    usr/share/bash-completion/completions/pgtls usr/share/zsh/vendor-completions/_pgtls \
    usr/share/fish/vendor_completions.d/pgtls.fish; do
    ls "$chroot_dir/$f"* >/dev/null 2>&1 || fail "the package did not install /$f"
done
in_chroot dpkg -r pgtls >/dev/null
say "ok: dpkg -i $(basename "$deb"); pgtls demo --help; man pages and completions installed; dpkg -r"

say "all passed in $(( $(date +%s) - started ))s"
