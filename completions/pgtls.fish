# Print an optspec for argparse to handle cmd's options that are independent of any subcommand.
function __fish_pgtls_global_optspecs
    string join \n format= lang= h/help V/version
end

function __fish_pgtls_needs_command
    # Figure out if the current invocation already has a command.
    set -l cmd (commandline -opc)
    set -e cmd[1]
    argparse -s (__fish_pgtls_global_optspecs) -- $cmd 2>/dev/null
    or return
    if set -q argv[1]
        # Also print the command, so this can be used to figure out what it is.
        echo $argv[1]
        return 1
    end
    return 0
end

function __fish_pgtls_using_subcommand
    set -l cmd (__fish_pgtls_needs_command)
    test -z "$cmd"
    and return 1
    contains -- $cmd[1] $argv
end

complete -c pgtls -n "__fish_pgtls_needs_command" -l format -d 'Output format (`jsonl`, for `scan` only: one object per target as it finishes)' -r -f -a "text\t''
json\t''
jsonl\t''"
complete -c pgtls -n "__fish_pgtls_needs_command" -l lang -d 'Output language (default: from LC_ALL, LC_MESSAGES or LANG, else English)' -r -f -a "en\t''
ja\t''"
complete -c pgtls -n "__fish_pgtls_needs_command" -s h -l help -d 'Print help'
complete -c pgtls -n "__fish_pgtls_needs_command" -s V -l version -d 'Print version'
complete -c pgtls -n "__fish_pgtls_needs_command" -f -a "explain" -d 'Explain an error line pasted from anywhere, or a diagnosis code'
complete -c pgtls -n "__fish_pgtls_needs_command" -f -a "check" -d 'Predict the server\'s start-up FATAL and each client\'s connection failure from the configuration files, without connecting'
complete -c pgtls -n "__fish_pgtls_needs_command" -f -a "scan" -d 'A server\'s TLS posture without credentials, for one target or a fleet'
complete -c pgtls -n "__fish_pgtls_needs_command" -f -a "logs" -d 'Find every TLS failure in PostgreSQL and Kong logs, grouped, counted and explained'
complete -c pgtls -n "__fish_pgtls_needs_command" -f -a "setup" -d 'Generate a working mutual-TLS setup: CA, server and client certificates, and the config lines'
complete -c pgtls -n "__fish_pgtls_needs_command" -f -a "fix" -d 'Show, as a unified diff, the changes the findings of `check` call for, and apply them'
complete -c pgtls -n "__fish_pgtls_needs_command" -f -a "demo" -d 'Watch every documented failure happen on a throwaway PostgreSQL, diagnosed and fixed'
complete -c pgtls -n "__fish_pgtls_needs_command" -f -a "probe" -d 'Connect exactly as Kong or libpq would, step by step, and diagnose any failure'
complete -c pgtls -n "__fish_pgtls_needs_command" -f -a "exporter" -d 'Serve a fleet\'s PostgreSQL TLS health to Prometheus (blackbox_exporter\'s multi-target pattern)'
complete -c pgtls -n "__fish_pgtls_needs_command" -f -a "completions" -d 'Print the shell completion script for bash, zsh or fish'
complete -c pgtls -n "__fish_pgtls_needs_command" -f -a "man" -d 'Write the man pages, one per command (pgtls.1, pgtls-probe.1, ...), into a directory'
complete -c pgtls -n "__fish_pgtls_needs_command" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c pgtls -n "__fish_pgtls_using_subcommand explain" -l format -d 'Output format (`jsonl`, for `scan` only: one object per target as it finishes)' -r -f -a "text\t''
json\t''
jsonl\t''"
complete -c pgtls -n "__fish_pgtls_using_subcommand explain" -l lang -d 'Output language (default: from LC_ALL, LC_MESSAGES or LANG, else English)' -r -f -a "en\t''
ja\t''"
complete -c pgtls -n "__fish_pgtls_using_subcommand explain" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c pgtls -n "__fish_pgtls_using_subcommand check" -s D -l pgdata -d 'The data directory: postgresql.conf, postgresql.auto.conf, pg_hba.conf and pg_ident.conf are read from there unless given' -r -F
complete -c pgtls -n "__fish_pgtls_using_subcommand check" -l postgresql-conf -d 'postgresql.conf (when it is not in the data directory, e.g. Debian\'s /etc/postgresql/15/main)' -r -F
complete -c pgtls -n "__fish_pgtls_using_subcommand check" -l hba -d 'pg_hba.conf (default: hba_file, else the configuration directory\'s)' -r -F
complete -c pgtls -n "__fish_pgtls_using_subcommand check" -l ident -d 'pg_ident.conf (default: ident_file, else the configuration directory\'s)' -r -F
complete -c pgtls -n "__fish_pgtls_using_subcommand check" -l server-user -d 'The account the server runs as (default: the data directory\'s owner)' -r
complete -c pgtls -n "__fish_pgtls_using_subcommand check" -l kong-conf -d 'Cross-check Kong\'s settings from this kong.conf (KONG_* environment variables override it)' -r -F
complete -c pgtls -n "__fish_pgtls_using_subcommand check" -l kong-edition -d 'Which Kong edition (default: enterprise when an Enterprise-only option is set)' -r -f -a "oss\t''
enterprise\t''"
complete -c pgtls -n "__fish_pgtls_using_subcommand check" -l kong-version -d 'Which Kong version\'s defaults to assume: 2.8 or 3.0 to 3.9 (a release such as 3.4.2 counts as 3.4; default: the newest)' -r
complete -c pgtls -n "__fish_pgtls_using_subcommand check" -l libpq -d 'Cross-check a libpq client: a connection string or postgres:// URI (PG* environment variables apply, as for libpq)' -r
complete -c pgtls -n "__fish_pgtls_using_subcommand check" -l client-addr -d 'The client\'s IP address as the server sees it (for pg_hba.conf), when it is not the loopback address the client dials' -r
complete -c pgtls -n "__fish_pgtls_using_subcommand check" -l match -d 'Which pg_hba.conf line a connection matches and what it demands: host=IP|local,user=U,database=D,ssl=on|off,cn=NAME (or dn="...")' -r
complete -c pgtls -n "__fish_pgtls_using_subcommand check" -l pgbouncer-ini -d 'Check pgbouncer between the clients and PostgreSQL: this pgbouncer.ini (with its %include files), both its legs' -r -F
complete -c pgtls -n "__fish_pgtls_using_subcommand check" -l libpq-version -d 'With --libpq: which libpq to model, 12 to 18 (default: 18)' -r
complete -c pgtls -n "__fish_pgtls_using_subcommand check" -l pg-version -d 'The server\'s major version (12-18) when there is no data directory to read PG_VERSION from; PG_VERSION wins when present' -r
complete -c pgtls -n "__fish_pgtls_using_subcommand check" -l warn-days -d 'Warn when a certificate expires within this many days' -r
complete -c pgtls -n "__fish_pgtls_using_subcommand check" -l format -d 'Output format (`jsonl`, for `scan` only: one object per target as it finishes)' -r -f -a "text\t''
json\t''
jsonl\t''"
complete -c pgtls -n "__fish_pgtls_using_subcommand check" -l lang -d 'Output language (default: from LC_ALL, LC_MESSAGES or LANG, else English)' -r -f -a "en\t''
ja\t''"
complete -c pgtls -n "__fish_pgtls_using_subcommand check" -l kong -d 'Cross-check Kong with its defaults and the KONG_* environment, without a kong.conf'
complete -c pgtls -n "__fish_pgtls_using_subcommand check" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c pgtls -n "__fish_pgtls_using_subcommand scan" -l targets-file -d 'A file of targets, one per line; `#` starts a comment' -r -F
complete -c pgtls -n "__fish_pgtls_using_subcommand scan" -l concurrency -d 'How many targets to scan at once' -r
complete -c pgtls -n "__fish_pgtls_using_subcommand scan" -l timeout -d 'Seconds allowed for each network step' -r
complete -c pgtls -n "__fish_pgtls_using_subcommand scan" -l warn-days -d 'Warn when a certificate expires within this many days' -r
complete -c pgtls -n "__fish_pgtls_using_subcommand scan" -l trust -d 'Check the chain against this trust store (PEM), as a client would' -r -F
complete -c pgtls -n "__fish_pgtls_using_subcommand scan" -l verify-depth -d 'The verify depth to use with --trust (OpenSSL\'s, as lua_ssl_verify_depth)' -r
complete -c pgtls -n "__fish_pgtls_using_subcommand scan" -l kong-conf -d 'Judge the server as Kong would: trust store, depth and protocols from kong.conf (and KONG_* variables)' -r -F
complete -c pgtls -n "__fish_pgtls_using_subcommand scan" -l kong-version -d 'Which Kong version\'s defaults to assume: 2.8 or 3.0 to 3.9 (a release such as 3.4.2 counts as 3.4; default: the newest)' -r
complete -c pgtls -n "__fish_pgtls_using_subcommand scan" -l format -d 'Output format (`jsonl`, for `scan` only: one object per target as it finishes)' -r -f -a "text\t''
json\t''
jsonl\t''"
complete -c pgtls -n "__fish_pgtls_using_subcommand scan" -l lang -d 'Output language (default: from LC_ALL, LC_MESSAGES or LANG, else English)' -r -f -a "en\t''
ja\t''"
complete -c pgtls -n "__fish_pgtls_using_subcommand scan" -l jsonl -d 'One JSON object per target, as each finishes (for pipelines; the same as `--format jsonl`)'
complete -c pgtls -n "__fish_pgtls_using_subcommand scan" -l server-version -d 'Also try one direct TLS handshake (ALPN `postgresql`, as libpq 17\'s sslnegotiation=direct) to tell whether the server is PostgreSQL 17 or later. A server before 17 logs `invalid length of startup packet` for it, hence off by default'
complete -c pgtls -n "__fish_pgtls_using_subcommand scan" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c pgtls -n "__fish_pgtls_using_subcommand logs" -l log-format -d 'The inputs\' layout; `auto` detects it per file' -r -f -a "auto\t''
stderr\t''
csv\t''
json\t''
syslog\t''
kong\t''"
complete -c pgtls -n "__fish_pgtls_using_subcommand logs" -l prefix -d 'The server\'s log_line_prefix, for prefixes detection does not know (e.g. \'%t [%p]: user=%u,db=%d,client=%h \')' -r
complete -c pgtls -n "__fish_pgtls_using_subcommand logs" -l format -d 'Output format (`jsonl`, for `scan` only: one object per target as it finishes)' -r -f -a "text\t''
json\t''
jsonl\t''"
complete -c pgtls -n "__fish_pgtls_using_subcommand logs" -l lang -d 'Output language (default: from LC_ALL, LC_MESSAGES or LANG, else English)' -r -f -a "en\t''
ja\t''"
complete -c pgtls -n "__fish_pgtls_using_subcommand logs" -l unknown -d 'Also list FATAL/ERROR lines that matched no diagnosis'
complete -c pgtls -n "__fish_pgtls_using_subcommand logs" -s f -l follow -d 'Keep reading as the files grow, like `tail -f` (from their current end; rotated files are reopened), and report each failure as it is logged. JSON output is then one object per line'
complete -c pgtls -n "__fish_pgtls_using_subcommand logs" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c pgtls -n "__fish_pgtls_using_subcommand setup" -l out -d 'Directory to write the certificates, keys and configuration snippets to (created if missing)' -r -F
complete -c pgtls -n "__fish_pgtls_using_subcommand setup" -l host -d 'A DNS name or IP address clients dial (repeatable); the server certificate\'s SANs. Default: localhost, 127.0.0.1, ::1' -r
complete -c pgtls -n "__fish_pgtls_using_subcommand setup" -l user -d 'The client certificate\'s common name' -r
complete -c pgtls -n "__fish_pgtls_using_subcommand setup" -l db-user -d 'The database user the client logs in as (default: --user); a pg_ident.conf map is written when it differs from --user' -r
complete -c pgtls -n "__fish_pgtls_using_subcommand setup" -l database -d 'The database the client connects to' -r
complete -c pgtls -n "__fish_pgtls_using_subcommand setup" -l days -d 'Validity of the server and client certificates, in days (a generated CA lives at least 10 years)' -r
complete -c pgtls -n "__fish_pgtls_using_subcommand setup" -l key-type -d 'Key type of every generated key' -r -f -a "ecdsa\t'ECDSA on P-256'
rsa\t'RSA, 3072 bits'"
complete -c pgtls -n "__fish_pgtls_using_subcommand setup" -l ca-cert -d 'Sign with this existing CA certificate (PEM) instead of generating a CA' -r -F
complete -c pgtls -n "__fish_pgtls_using_subcommand setup" -l ca-key -d 'The unencrypted PEM key of --ca-cert' -r -F
complete -c pgtls -n "__fish_pgtls_using_subcommand setup" -l server-dir -d 'Where the server\'s files will be installed: the paths postgresql.conf names (default: --out)' -r -F
complete -c pgtls -n "__fish_pgtls_using_subcommand setup" -l client-dir -d 'Where Kong\'s (the client\'s) files will be installed: the paths kong.conf and the conninfo name (default: --out)' -r -F
complete -c pgtls -n "__fish_pgtls_using_subcommand setup" -l client-addr -d 'The ADDRESS of the pg_hba.conf line (all, a CIDR such as 10.0.0.0/8, ...)' -r
complete -c pgtls -n "__fish_pgtls_using_subcommand setup" -l port -d 'The server\'s port, for kong.conf and the conninfo' -r
complete -c pgtls -n "__fish_pgtls_using_subcommand setup" -l format -d 'Output format (`jsonl`, for `scan` only: one object per target as it finishes)' -r -f -a "text\t''
json\t''
jsonl\t''"
complete -c pgtls -n "__fish_pgtls_using_subcommand setup" -l lang -d 'Output language (default: from LC_ALL, LC_MESSAGES or LANG, else English)' -r -f -a "en\t''
ja\t''"
complete -c pgtls -n "__fish_pgtls_using_subcommand setup" -l intermediate -d 'Sign the server and client certificates with an intermediate CA under the root'
complete -c pgtls -n "__fish_pgtls_using_subcommand setup" -l force -d 'Replace files that already exist in --out (symbolic links are still refused)'
complete -c pgtls -n "__fish_pgtls_using_subcommand setup" -l verify -d 'Start a throwaway PostgreSQL with the written server files and connect with the written client files'
complete -c pgtls -n "__fish_pgtls_using_subcommand setup" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c pgtls -n "__fish_pgtls_using_subcommand fix" -s D -l pgdata -d 'The data directory: postgresql.conf, postgresql.auto.conf, pg_hba.conf and pg_ident.conf are read from there unless given' -r -F
complete -c pgtls -n "__fish_pgtls_using_subcommand fix" -l postgresql-conf -d 'postgresql.conf (when it is not in the data directory, e.g. Debian\'s /etc/postgresql/15/main)' -r -F
complete -c pgtls -n "__fish_pgtls_using_subcommand fix" -l hba -d 'pg_hba.conf (default: hba_file, else the configuration directory\'s)' -r -F
complete -c pgtls -n "__fish_pgtls_using_subcommand fix" -l ident -d 'pg_ident.conf (default: ident_file, else the configuration directory\'s)' -r -F
complete -c pgtls -n "__fish_pgtls_using_subcommand fix" -l server-user -d 'The account the server runs as (default: the data directory\'s owner)' -r
complete -c pgtls -n "__fish_pgtls_using_subcommand fix" -l kong-conf -d 'Cross-check Kong\'s settings from this kong.conf (KONG_* environment variables override it)' -r -F
complete -c pgtls -n "__fish_pgtls_using_subcommand fix" -l kong-edition -d 'Which Kong edition (default: enterprise when an Enterprise-only option is set)' -r -f -a "oss\t''
enterprise\t''"
complete -c pgtls -n "__fish_pgtls_using_subcommand fix" -l kong-version -d 'Which Kong version\'s defaults to assume: 2.8 or 3.0 to 3.9 (a release such as 3.4.2 counts as 3.4; default: the newest)' -r
complete -c pgtls -n "__fish_pgtls_using_subcommand fix" -l libpq -d 'Cross-check a libpq client: a connection string or postgres:// URI (PG* environment variables apply, as for libpq)' -r
complete -c pgtls -n "__fish_pgtls_using_subcommand fix" -l client-addr -d 'The client\'s IP address as the server sees it (for pg_hba.conf), when it is not the loopback address the client dials' -r
complete -c pgtls -n "__fish_pgtls_using_subcommand fix" -l match -d 'Which pg_hba.conf line a connection matches and what it demands: host=IP|local,user=U,database=D,ssl=on|off,cn=NAME (or dn="...")' -r
complete -c pgtls -n "__fish_pgtls_using_subcommand fix" -l pgbouncer-ini -d 'Check pgbouncer between the clients and PostgreSQL: this pgbouncer.ini (with its %include files), both its legs' -r -F
complete -c pgtls -n "__fish_pgtls_using_subcommand fix" -l libpq-version -d 'With --libpq: which libpq to model, 12 to 18 (default: 18)' -r
complete -c pgtls -n "__fish_pgtls_using_subcommand fix" -l pg-version -d 'The server\'s major version (12-18) when there is no data directory to read PG_VERSION from; PG_VERSION wins when present' -r
complete -c pgtls -n "__fish_pgtls_using_subcommand fix" -l warn-days -d 'Warn when a certificate expires within this many days' -r
complete -c pgtls -n "__fish_pgtls_using_subcommand fix" -l timeout -d 'With --connect: seconds allowed for each network step (default: Kong\'s pg_timeout, libpq\'s connect_timeout, else 5)' -r
complete -c pgtls -n "__fish_pgtls_using_subcommand fix" -l format -d 'Output format (`jsonl`, for `scan` only: one object per target as it finishes)' -r -f -a "text\t''
json\t''
jsonl\t''"
complete -c pgtls -n "__fish_pgtls_using_subcommand fix" -l lang -d 'Output language (default: from LC_ALL, LC_MESSAGES or LANG, else English)' -r -f -a "en\t''
ja\t''"
complete -c pgtls -n "__fish_pgtls_using_subcommand fix" -l kong -d 'Cross-check Kong with its defaults and the KONG_* environment, without a kong.conf'
complete -c pgtls -n "__fish_pgtls_using_subcommand fix" -l apply -d 'Write the machine-applicable edits (without it nothing is written)'
complete -c pgtls -n "__fish_pgtls_using_subcommand fix" -l unsafe -d 'With --apply, also write the maybe-incorrect edits (right in most setups; read the diff first). Edits with placeholders are never written'
complete -c pgtls -n "__fish_pgtls_using_subcommand fix" -l reload -d 'With --apply, reload the server afterwards when an edit needs it (SIGHUP to the postmaster named in postmaster.pid; run as the server\'s account or root)'
complete -c pgtls -n "__fish_pgtls_using_subcommand fix" -l connect -d 'Connect as the client given (--kong-conf, --kong or --libpq) to gather evidence, as probe does: what the server sends and answers adds its findings\' edits to the plan (those check already plans are kept as check has them), and what the server\'s files say of it (a refused password, a password asked for over an unverified connection) adds the server\'s side'
complete -c pgtls -n "__fish_pgtls_using_subcommand fix" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c pgtls -n "__fish_pgtls_using_subcommand demo" -l only -d 'Run only this scenario (a code such as PGTLS005; repeatable). All nine by default' -r
complete -c pgtls -n "__fish_pgtls_using_subcommand demo" -l pg-version -d 'Run the failures on PostgreSQL N (12-18, the lab\'s packaged build from `lab/fetch-postgres.sh N`) instead of the local installation' -r
complete -c pgtls -n "__fish_pgtls_using_subcommand demo" -l format -d 'Output format (`jsonl`, for `scan` only: one object per target as it finishes)' -r -f -a "text\t''
json\t''
jsonl\t''"
complete -c pgtls -n "__fish_pgtls_using_subcommand demo" -l lang -d 'Output language (default: from LC_ALL, LC_MESSAGES or LANG, else English)' -r -f -a "en\t''
ja\t''"
complete -c pgtls -n "__fish_pgtls_using_subcommand demo" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c pgtls -n "__fish_pgtls_using_subcommand probe" -l kong-conf -d 'Kong mode: connect as Kong would with this kong.conf (KONG_* variables override it)' -r -F
complete -c pgtls -n "__fish_pgtls_using_subcommand probe" -l kong-shape -d 'Which of Kong\'s two error shapes to show first (both connections always run)' -r -f -a "cosocket\t'Kong CLI 3.5+ (`kong start`, nginx cosocket)'
luasec\t'nginx init / Kong CLI before 3.5 (LuaSec; the shape the troubleshooting page quotes)'"
complete -c pgtls -n "__fish_pgtls_using_subcommand probe" -l kong-edition -d 'Kong edition; default: enterprise when the configuration sets an Enterprise-only option, else oss' -r -f -a "oss\t''
enterprise\t''"
complete -c pgtls -n "__fish_pgtls_using_subcommand probe" -l kong-version -d 'Which Kong version\'s defaults to assume: 2.8 or 3.0 to 3.9 (a release such as 3.4.2 counts as 3.4; default: the newest)' -r
complete -c pgtls -n "__fish_pgtls_using_subcommand probe" -l timeout -d 'Seconds allowed for each network step (default: Kong\'s pg_timeout, libpq\'s connect_timeout, else 5)' -r
complete -c pgtls -n "__fish_pgtls_using_subcommand probe" -l security-level -d 'The client\'s OpenSSL security level (default: this host\'s), to model a client host with a stricter crypto policy' -r
complete -c pgtls -n "__fish_pgtls_using_subcommand probe" -l libpq-version -d 'libpq mode: which libpq to model, 12 to 18 (default: 18). Options a version lacks stop it as they stop that libpq (PGTLS034)' -r
complete -c pgtls -n "__fish_pgtls_using_subcommand probe" -l pg-version -d 'The server\'s PostgreSQL major version, 12 to 18, for fixes written in its syntax (a pg_ident.conf line for PGTLS007); the server tells it only after a login, which wins when one succeeds. Unknown: a form every version reads alike' -r
complete -c pgtls -n "__fish_pgtls_using_subcommand probe" -l format -d 'Output format (`jsonl`, for `scan` only: one object per target as it finishes)' -r -f -a "text\t''
json\t''
jsonl\t''"
complete -c pgtls -n "__fish_pgtls_using_subcommand probe" -l lang -d 'Output language (default: from LC_ALL, LC_MESSAGES or LANG, else English)' -r -f -a "en\t''
ja\t''"
complete -c pgtls -n "__fish_pgtls_using_subcommand probe" -l kong -d 'Kong mode without a kong.conf: Kong\'s defaults and the KONG_* variables'
complete -c pgtls -n "__fish_pgtls_using_subcommand probe" -l password-to-unverified-server -d 'Send the password when the server asks for it in cleartext or as an MD5 hash although its certificate was not verified (no TLS, sslmode below verify-ca, pg_ssl_verify off). RISK: whoever answers at that address (a hijacked name or address, a rogue proxy) reads the password or can crack the hash. Without it such a request is answered with nothing and reported as PGTLS026'
complete -c pgtls -n "__fish_pgtls_using_subcommand probe" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c pgtls -n "__fish_pgtls_using_subcommand exporter" -l listen -d 'Address to serve on. Loopback by default: whoever can reach the exporter can make it dial any host, so expose it only to Prometheus' -r
complete -c pgtls -n "__fish_pgtls_using_subcommand exporter" -l config -d 'Modules (TOML, `[modules.NAME]` tables): trust store, verify depth, kong.conf, libpq credentials and client certificate, timeout' -r -F
complete -c pgtls -n "__fish_pgtls_using_subcommand exporter" -l concurrency -d 'How many probes may run at once; further requests wait for a slot until their own deadline, then get 503' -r
complete -c pgtls -n "__fish_pgtls_using_subcommand exporter" -l format -d 'Output format (`jsonl`, for `scan` only: one object per target as it finishes)' -r -f -a "text\t''
json\t''
jsonl\t''"
complete -c pgtls -n "__fish_pgtls_using_subcommand exporter" -l lang -d 'Output language (default: from LC_ALL, LC_MESSAGES or LANG, else English)' -r -f -a "en\t''
ja\t''"
complete -c pgtls -n "__fish_pgtls_using_subcommand exporter" -l check-config -d 'Check the configuration, list the modules and exit'
complete -c pgtls -n "__fish_pgtls_using_subcommand exporter" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c pgtls -n "__fish_pgtls_using_subcommand completions" -l format -d 'Output format (`jsonl`, for `scan` only: one object per target as it finishes)' -r -f -a "text\t''
json\t''
jsonl\t''"
complete -c pgtls -n "__fish_pgtls_using_subcommand completions" -l lang -d 'Output language (default: from LC_ALL, LC_MESSAGES or LANG, else English)' -r -f -a "en\t''
ja\t''"
complete -c pgtls -n "__fish_pgtls_using_subcommand completions" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c pgtls -n "__fish_pgtls_using_subcommand man" -l dir -d 'The directory to write pgtls.1 and pgtls-COMMAND.1 into (created if missing)' -r -F
complete -c pgtls -n "__fish_pgtls_using_subcommand man" -l format -d 'Output format (`jsonl`, for `scan` only: one object per target as it finishes)' -r -f -a "text\t''
json\t''
jsonl\t''"
complete -c pgtls -n "__fish_pgtls_using_subcommand man" -l lang -d 'Output language (default: from LC_ALL, LC_MESSAGES or LANG, else English)' -r -f -a "en\t''
ja\t''"
complete -c pgtls -n "__fish_pgtls_using_subcommand man" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c pgtls -n "__fish_pgtls_using_subcommand help; and not __fish_seen_subcommand_from explain check scan logs setup fix demo probe exporter completions man help" -f -a "explain" -d 'Explain an error line pasted from anywhere, or a diagnosis code'
complete -c pgtls -n "__fish_pgtls_using_subcommand help; and not __fish_seen_subcommand_from explain check scan logs setup fix demo probe exporter completions man help" -f -a "check" -d 'Predict the server\'s start-up FATAL and each client\'s connection failure from the configuration files, without connecting'
complete -c pgtls -n "__fish_pgtls_using_subcommand help; and not __fish_seen_subcommand_from explain check scan logs setup fix demo probe exporter completions man help" -f -a "scan" -d 'A server\'s TLS posture without credentials, for one target or a fleet'
complete -c pgtls -n "__fish_pgtls_using_subcommand help; and not __fish_seen_subcommand_from explain check scan logs setup fix demo probe exporter completions man help" -f -a "logs" -d 'Find every TLS failure in PostgreSQL and Kong logs, grouped, counted and explained'
complete -c pgtls -n "__fish_pgtls_using_subcommand help; and not __fish_seen_subcommand_from explain check scan logs setup fix demo probe exporter completions man help" -f -a "setup" -d 'Generate a working mutual-TLS setup: CA, server and client certificates, and the config lines'
complete -c pgtls -n "__fish_pgtls_using_subcommand help; and not __fish_seen_subcommand_from explain check scan logs setup fix demo probe exporter completions man help" -f -a "fix" -d 'Show, as a unified diff, the changes the findings of `check` call for, and apply them'
complete -c pgtls -n "__fish_pgtls_using_subcommand help; and not __fish_seen_subcommand_from explain check scan logs setup fix demo probe exporter completions man help" -f -a "demo" -d 'Watch every documented failure happen on a throwaway PostgreSQL, diagnosed and fixed'
complete -c pgtls -n "__fish_pgtls_using_subcommand help; and not __fish_seen_subcommand_from explain check scan logs setup fix demo probe exporter completions man help" -f -a "probe" -d 'Connect exactly as Kong or libpq would, step by step, and diagnose any failure'
complete -c pgtls -n "__fish_pgtls_using_subcommand help; and not __fish_seen_subcommand_from explain check scan logs setup fix demo probe exporter completions man help" -f -a "exporter" -d 'Serve a fleet\'s PostgreSQL TLS health to Prometheus (blackbox_exporter\'s multi-target pattern)'
complete -c pgtls -n "__fish_pgtls_using_subcommand help; and not __fish_seen_subcommand_from explain check scan logs setup fix demo probe exporter completions man help" -f -a "completions" -d 'Print the shell completion script for bash, zsh or fish'
complete -c pgtls -n "__fish_pgtls_using_subcommand help; and not __fish_seen_subcommand_from explain check scan logs setup fix demo probe exporter completions man help" -f -a "man" -d 'Write the man pages, one per command (pgtls.1, pgtls-probe.1, ...), into a directory'
complete -c pgtls -n "__fish_pgtls_using_subcommand help; and not __fish_seen_subcommand_from explain check scan logs setup fix demo probe exporter completions man help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
