#!/bin/sh
# Starts Debian's ejabberd (23.01, `apt-get install --no-install-recommends
# ejabberd`) in the foreground for sessim, without ejabberdctl (which runs
# only as root or the ejabberd user) and without epmd or a cookie: a node
# without a name (nonode@nohost), its Mnesia spool in DIR/spool, HOME in
# DIR/home, a config in DIR/ejabberd.yml listening on 127.0.0.1:PORT only
# (plain TCP, PLAIN allowed without TLS, SEMANTICS 0.8's 256 KiB stanza
# size limit, in-band registration without a timeout or IP limits, roster
# with versions, offline, stream management with SEMANTICS SM12's 600 s
# resumption time, ping, disco).
# SIGTERM stops it. A second start on the same DIR keeps the spool (the
# `restart` of a scenario). EJABBERD_MODULES_OFF (module names, space
# separated) leaves modules out of the config: a server that differs on
# purpose, for the differential explorer's self-test
# (sim/tests/live/ejabberd-without-offline.yaml).
# usage: ejabberd-start.sh DIR PORT [DOMAIN]
set -eu
dir=$1
port=$2
domain=${3:-localhost}
ebin=$(ls -d /usr/lib/*/ejabberd-*/ebin /usr/lib/ejabberd*/ebin 2>/dev/null | head -1) || true
[ -n "$ebin" ] || { echo "ejabberd-start: ejabberd is not installed (apt-get install ejabberd)" >&2; exit 1; }
mkdir -p "$dir/spool" "$dir/home"
dir=$(cd "$dir" && pwd)
cat > "$dir/ejabberd.yml" <<YML
hosts:
  - "$domain"
loglevel: info
log_rotate_count: 0
listen:
  -
    port: $port
    ip: "127.0.0.1"
    module: ejabberd_c2s
    starttls_required: false
    shaper: none
    max_stanza_size: 262144
auth_method: internal
auth_password_format: plain
registration_timeout: infinity
acl:
  local:
    user_regexp: ""
access_rules:
  register:
    allow: all
  local:
    allow: local
  c2s:
    allow: all
YML
# One module per line group, each left out when EJABBERD_MODULES_OFF names it.
module() {
    case " ${EJABBERD_MODULES_OFF:-} " in *" $1 "*) return 0;; esac
    printf '  %s:%s\n' "$1" "$2" >> "$dir/ejabberd.yml"
    [ -z "$3" ] || printf '%s\n' "$3" >> "$dir/ejabberd.yml"
}
echo "modules:" >> "$dir/ejabberd.yml"
module mod_roster "" "    versioning: true"
module mod_register "" "    ip_access: all
    access: register"
module mod_offline " {}" ""
module mod_stream_mgmt "" "    resume_timeout: 600"
module mod_ping " {}" ""
module mod_disco " {}" ""
cd "$dir"   # where the node writes what it leaves (a MnesiaCore dump of a crash)
export HOME="$dir/home"
export ERL_LIBS="$(dirname "$(dirname "$ebin")")"
export EJABBERD_CONFIG_PATH="$dir/ejabberd.yml"
export EJABBERD_LOG_PATH="$dir/ejabberd.log"
exec erl -noinput -mnesia dir "\"$dir/spool\"" -s ejabberd
