#!/bin/bash
# Captures how real PostgreSQL servers read pg_hba.conf and pg_ident.conf
# records that changed in 16 (include records, regular expressions, all and
# +role in pg_ident.conf's database-user column), into
# tests/fixtures/versions/auth_files/pgV-SCENARIO.txt: the files, whether the
# server started, what a cert-authenticated psql got, and the server's log.
# Run as root with the lab's cached builds (lab/fetch-postgres.sh) and a
# local psql: lab/capture-auth-files.sh [VERSION...] (default 12 15 16 18).
set -u
OUTDIR=${OUTDIR:-$(cd "$(dirname "$0")/.." && pwd)/tests/fixtures/versions/auth_files}
CACHE=${PGTLS_LAB_CACHE:-/var/cache/pgtls-lab}
WORK=$(mktemp -d /tmp/pgtls-auth-XXXXXX); chmod 755 "$WORK"
trap 'rm -rf "$WORK"' EXIT
mkdir -p "$WORK/pki" "$OUTDIR"
( cd "$WORK/pki"
  openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.crt -subj "/CN=authca" -days 30
  openssl req -newkey rsa:2048 -nodes -keyout server.key -out server.csr -subj "/CN=localhost"
  openssl x509 -req -in server.csr -CA ca.crt -CAkey ca.key -CAcreateserial -out server.crt -days 30
  openssl req -newkey rsa:2048 -nodes -keyout foo.key -out foo.csr -subj "/CN=foo"
  openssl x509 -req -in foo.csr -CA ca.crt -CAkey ca.key -CAcreateserial -out foo.crt -days 30
  chmod 600 *.key ) >/dev/null 2>&1
HBA_CERT='hostssl all all 127.0.0.1/32 cert'
HBA_MAP='local all all trust\nhostssl all all 127.0.0.1/32 cert map=m\n'

# Each scenario writes the files into $D/data and sets USERS (and maybe
# EXTRA_FILES, RELOAD_HBA).
scenario() {
  EXTRA_FILES=; RELOAD_HBA=; : > "$D/data/pg_ident.conf"
  case $1 in
    hba_include) printf 'local all all trust\ninclude hba_extra.conf\n' > "$D/data/pg_hba.conf"
      echo "$HBA_CERT" > "$D/data/hba_extra.conf"; EXTRA_FILES=hba_extra.conf; USERS=foo ;;
    hba_include_if_exists) printf "local all all trust\ninclude_if_exists missing.conf\n$HBA_CERT\n" > "$D/data/pg_hba.conf"; USERS=foo ;;
    hba_include_dir) printf 'local all all trust\ninclude_dir hba.d\n' > "$D/data/pg_hba.conf"
      mkdir -p "$D/data/hba.d"; echo "$HBA_CERT" > "$D/data/hba.d/10-cert.conf"; EXTRA_FILES=hba.d/10-cert.conf; USERS=foo ;;
    hba_regex_user) printf 'local all all trust\nhostssl all /^fo 127.0.0.1/32 cert\n' > "$D/data/pg_hba.conf"; USERS=foo ;;
    hba_include_reload) printf "local all all trust\n$HBA_CERT\n" > "$D/data/pg_hba.conf"; USERS=foo
      RELOAD_HBA='local all all trust\ninclude hba_extra.conf\n' ;;
    hba_include_missing) printf "local all all trust\ninclude missing.conf\n$HBA_CERT\n" > "$D/data/pg_hba.conf"; USERS=foo ;;
    hba_include_dir_missing) printf "local all all trust\ninclude_dir missing.d\n$HBA_CERT\n" > "$D/data/pg_hba.conf"; USERS=foo ;;
    hba_regex_bad) printf 'local all all trust\nhostssl all /^(fo 127.0.0.1/32 cert\n' > "$D/data/pg_hba.conf"; USERS=foo ;;
    ident_pguser_regex_bad) printf "$HBA_MAP" > "$D/data/pg_hba.conf"; printf 'm foo /^(kon\nm foo kong\n' > "$D/data/pg_ident.conf"; USERS=kong ;;
    ident_regex_pguser) printf "$HBA_MAP" > "$D/data/pg_hba.conf"; printf 'm foo /^kon\n' > "$D/data/pg_ident.conf"; USERS=kong ;;
    ident_all) printf "$HBA_MAP" > "$D/data/pg_hba.conf"; printf 'm foo all\n' > "$D/data/pg_ident.conf"; USERS=kong ;;
    ident_group) printf "$HBA_MAP" > "$D/data/pg_hba.conf"; printf 'm foo +grp\n' > "$D/data/pg_ident.conf"; USERS="kong foo" ;;
    ident_backref) printf "$HBA_MAP" > "$D/data/pg_hba.conf"; printf 'm /^f(o)o$ k\\1ng\n' > "$D/data/pg_ident.conf"; USERS=kong ;;
    ident_include) printf "$HBA_MAP" > "$D/data/pg_hba.conf"; printf 'include ident_extra.conf\n' > "$D/data/pg_ident.conf"
      printf 'm foo kong\n' > "$D/data/ident_extra.conf"; EXTRA_FILES=ident_extra.conf; USERS=kong ;;
  esac
}

connect() { # user
  PGCONNECT_TIMEOUT=5 psql "host=127.0.0.1 port=$P user=$1 dbname=postgres sslmode=require sslcert=$WORK/pki/foo.crt sslkey=$WORK/pki/foo.key" -qAt -c "select current_user" 2>&1
}

run() { # version scenario
  V=$1; S=$2; B=$CACHE/pg-$V/bin; D=$WORK/$V-$S; P=$((5400 + V)); O=$OUTDIR/pg$V-$S.txt
  mkdir -p "$D"; chown postgres "$D"
  su postgres -c "$B/initdb -D $D/data -U postgres --auth=trust" >/dev/null 2>&1 || { echo "initdb $V failed" >&2; return 1; }
  cp "$WORK/pki/server.crt" "$WORK/pki/server.key" "$WORK/pki/ca.crt" "$D/data/"
  printf "port = $P\nlisten_addresses = '127.0.0.1'\nunix_socket_directories = '$D'\nssl = on\nssl_cert_file = 'server.crt'\nssl_key_file = 'server.key'\nssl_ca_file = 'ca.crt'\n" >> "$D/data/postgresql.conf"
  scenario "$S"
  chown -R postgres "$D/data"
  echo "# PostgreSQL $V ($(cat "$CACHE/pg-$V/VERSION")), scenario $S" > "$O"
  for f in pg_hba.conf pg_ident.conf $EXTRA_FILES; do echo "### file $f" >> "$O"; grep -v '^#' "$D/data/$f" | grep -v '^$' >> "$O"; done
  su postgres -c "$B/pg_ctl -D $D/data -l $D/log -w -t 20 start" >/dev/null 2>&1; rc=$?
  echo "### start status $rc" >> "$O"
  if [ $rc = 0 ]; then
    psql "host=$D port=$P user=postgres dbname=postgres" -qAt -c "create role kong login; create role foo login; create role grp; grant grp to kong;" >/dev/null 2>&1
    for u in $USERS; do
      echo "### connect user=$u" >> "$O"
      out=$(connect "$u"); echo "status $? $out" | sed "s/port $P/port PORT/" >> "$O"
    done
    if [ -n "$RELOAD_HBA" ]; then
      printf "$RELOAD_HBA" > "$D/data/pg_hba.conf"; echo "$HBA_CERT" > "$D/data/hba_extra.conf"; chown postgres "$D"/data/*.conf
      echo "### reload with pg_hba.conf:" >> "$O"; cat "$D/data/pg_hba.conf" >> "$O"
      su postgres -c "$B/pg_ctl -D $D/data reload" >/dev/null; sleep 1.5
      echo "### connect after reload user=foo" >> "$O"
      out=$(connect foo); echo "status $? $out" | sed "s/port $P/port PORT/" >> "$O"
    fi
    su postgres -c "$B/pg_ctl -D $D/data -w stop -m fast" >/dev/null 2>&1
  fi
  echo "### server log" >> "$O"
  sed -E 's/^[0-9-]+ [0-9:.]+ [A-Z]+ \[[0-9]+\] //' "$D/log" \
    | grep -v "starting PostgreSQL\|listening on\|database system is\|database system was shut down\|received fast shutdown\|aborting any active\|background worker\|shutting down\|checkpoint\|last completed transaction\|redo \|^$" \
    | sed "s#$D#\$DIR#g" >> "$O"
}

VERSIONS=${*:-12 15 16 18}
for v in $VERSIONS; do
  for s in hba_include hba_include_if_exists hba_include_dir hba_regex_user hba_include_reload \
           ident_regex_pguser ident_all ident_group ident_backref ident_include; do
    run "$v" "$s"
  done
done
# Errors in 16's new syntax (16 and later only: earlier versions do not
# read it).
for v in $VERSIONS; do
  [ "$v" -ge 16 ] || continue
  for s in hba_include_missing hba_include_dir_missing hba_regex_bad ident_pguser_regex_bad; do
    run "$v" "$s"
  done
done
