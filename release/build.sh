#!/usr/bin/env bash
# Builds the portable release binary pgtls-VERSION-x86_64-linux: OpenSSL
# compiled in (feature `vendored`) and linked against glibc 2.17 with
# cargo-zigbuild, so it starts on RHEL/CentOS 7+, Amazon Linux 2, Debian 9+
# and Ubuntu 18.04+, where the gateways are. Then the Debian package.
#
#   release/build.sh             binary + .deb into target/dist, SHA-256 printed
#   release/build.sh --compare   also builds the default release binary and
#                                prints both sizes and start-up times
#
# cargo-zigbuild and ziglang come from PyPI into a venv under the build
# directory when they are not on PATH; cargo-deb from crates.io.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

compare=0
for arg in "$@"; do
    case "$arg" in
        --compare) compare=1 ;;
        -h|--help) sed -n '2,12p' "$0"; exit 0 ;;
        *) echo "build.sh: unknown argument $arg (try --help)" >&2; exit 2 ;;
    esac
done

target_dir=${CARGO_TARGET_DIR:-$root/target}
export CARGO_TARGET_DIR=$target_dir
tools=$target_dir/release-tools
dist=$target_dir/dist
triple=x86_64-unknown-linux-gnu
glibc=2.17
version=$(sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -1)
name=pgtls-$version-x86_64-linux
# Network steps (package downloads) give up rather than hang a CI run.
net_timeout=${PGTLS_NET_TIMEOUT:-600}

mkdir -p "$tools" "$dist"
started=$(date +%s)

# cargo-zigbuild finds zig on PATH or as `python3 -m ziglang`.
if [ -x "$tools/venv/bin/cargo-zigbuild" ]; then
    export PATH="$tools/venv/bin:$PATH"
fi
if ! command -v cargo-zigbuild >/dev/null 2>&1 \
    || ! { command -v zig >/dev/null 2>&1 || python3 -c 'import ziglang' 2>/dev/null; }; then
    echo "build.sh: installing cargo-zigbuild and ziglang into $tools/venv"
    python3 -m venv "$tools/venv"
    timeout "$net_timeout" "$tools/venv/bin/pip" install -q --disable-pip-version-check cargo-zigbuild ziglang
    export PATH="$tools/venv/bin:$PATH"
fi
if [ -x "$tools/cargo/bin/cargo-deb" ]; then
    export PATH="$tools/cargo/bin:$PATH"
fi
if ! command -v cargo-deb >/dev/null 2>&1; then
    echo "build.sh: installing cargo-deb"
    timeout "$net_timeout" cargo install --locked --quiet --root "$tools/cargo" cargo-deb
    export PATH="$tools/cargo/bin:$PATH"
fi

# Symbols are stripped from the shipped binary (debug = false already).
export CARGO_PROFILE_RELEASE_STRIP=true
rustup target list --installed 2>/dev/null | grep -qx "$triple" || rustup target add "$triple"
timeout "$net_timeout" cargo fetch --locked
cargo zigbuild --release --locked --offline --features vendored --target "$triple.$glibc" --bin pgtls
built=$target_dir/$triple/release/pgtls
build_seconds=$(( $(date +%s) - started ))

# The promises, checked on the artefact: no shared OpenSSL, nothing newer
# than glibc 2.17.
if readelf -d "$built" | grep -E 'NEEDED.*(libssl|libcrypto)'; then
    echo "build.sh: $built still links a shared OpenSSL" >&2
    exit 1
fi
newest=$(objdump -T "$built" | grep -o 'GLIBC_[0-9.]*' | sort -uV | tail -1)
if [ "$(printf '%s\n%s\n' "$newest" "GLIBC_$glibc" | sort -V | tail -1)" != "GLIBC_$glibc" ]; then
    echo "build.sh: $built needs $newest, newer than glibc $glibc" >&2
    exit 1
fi

cp "$built" "$dist/$name"
(cd "$dist" && sha256sum "$name" > "$name.sha256")

# The Debian package carries this same binary, the man pages and the
# completions (Cargo.toml, [package.metadata.deb]).
cargo deb --no-build --no-strip --target "$triple" --output "$dist" >/dev/null
deb=$(ls -t "$dist"/pgtls_"$version"*_amd64.deb | head -1)
(cd "$dist" && sha256sum "$(basename "$deb")" > "$(basename "$deb").sha256")

echo "built $dist/$name ($(stat -c %s "$dist/$name") bytes, needs glibc >= ${newest#GLIBC_}, OpenSSL built in) in ${build_seconds}s"
echo "built $deb"
echo "SHA-256:"
cat "$dist/$name.sha256" "$deb.sha256"

if [ "$compare" = 1 ]; then
    # The default build as a user gets it from `cargo build --release`
    # (system OpenSSL, the host's glibc), stripped the same way.
    cargo build --release --locked --offline --bin pgtls
    default=$target_dir/release/pgtls
    # Start-up: the median of 200 runs of a command that only starts, and
    # of one that loads the catalogue.
    startup() {
        python3 - "$@" <<'PY'
import statistics, subprocess, sys, time
def median_ms(argv):
    runs = []
    for _ in range(200):
        t = time.perf_counter()
        subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
        runs.append((time.perf_counter() - t) * 1000)
    return statistics.median(runs)
binary = sys.argv[1]
print(f"--version {median_ms([binary, '--version']):.2f} ms, explain PGTLS005 {median_ms([binary, 'explain', 'PGTLS005']):.2f} ms")
PY
    }
    printf '%-10s %12s  %s\n' build bytes start-up
    printf '%-10s %12s  %s\n' default "$(stat -c %s "$default")" "$(startup "$default")"
    printf '%-10s %12s  %s\n' portable "$(stat -c %s "$dist/$name")" "$(startup "$dist/$name")"
fi
