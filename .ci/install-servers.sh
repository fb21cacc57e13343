#!/usr/bin/env bash
# Installs the server programs that @quiesce/test-servers starts for the tests and the demo:
# PostgreSQL, Redis, RabbitMQ, MariaDB, NATS and HAProxy (Debian/Ubuntu packages; HAProxy only for the
# rolling-deploy test and demo). Idempotent: a fast no-op when all are
# present. The test harness starts its own private instances on free loopback ports, so the
# packages' system-wide services are neither needed nor wanted: this script keeps them from
# starting during the install.
set -euo pipefail

log() { printf 'install-servers: %s\n' "$*" >&2; }

have_postgres() {
  local dir
  for dir in /usr/lib/postgresql/*/bin; do
    [ -x "$dir/initdb" ] && [ -x "$dir/postgres" ] && return 0
  done
  command -v initdb >/dev/null 2>&1 && command -v postgres >/dev/null 2>&1
}
have_redis() { command -v redis-server >/dev/null 2>&1 || [ -x /usr/bin/redis-server ]; }
have_rabbitmq() {
  { [ -x /usr/lib/rabbitmq/bin/rabbitmq-server ] || command -v rabbitmq-server >/dev/null 2>&1; } &&
    { command -v epmd >/dev/null 2>&1 || [ -x /usr/lib/erlang/bin/epmd ]; }
}
have_mariadb() {
  { [ -x /usr/sbin/mariadbd ] || command -v mariadbd >/dev/null 2>&1; } &&
    { [ -x /usr/bin/mariadb-install-db ] || command -v mariadb-install-db >/dev/null 2>&1; }
}
have_nats() { [ -x /usr/sbin/nats-server ] || command -v nats-server >/dev/null 2>&1; }
have_haproxy() { [ -x /usr/sbin/haproxy ] || command -v haproxy >/dev/null 2>&1; }

missing=()
have_postgres || missing+=(postgresql)
have_redis || missing+=(redis-server)
have_rabbitmq || missing+=(rabbitmq-server)
have_mariadb || missing+=(mariadb-server)
have_nats || missing+=(nats-server)
have_haproxy || missing+=(haproxy)

if [ "${#missing[@]}" -eq 0 ]; then
  log "postgresql, redis-server, rabbitmq-server, mariadb-server, nats-server and haproxy are already installed"
  exit 0
fi

if ! command -v apt-get >/dev/null 2>&1; then
  log "missing: ${missing[*]}; no apt-get here. Install PostgreSQL (initdb/postgres), redis-server and"
  log "RabbitMQ (rabbitmq-server, rabbitmqctl, epmd), MariaDB (mariadbd, mariadb-install-db), nats-server and haproxy"
  log "with this system's package manager (macOS: brew install postgresql redis rabbitmq mariadb nats-server haproxy)."
  exit 1
fi

# Root directly, or through sudo (non-interactive in CI: fail rather than hang on a password prompt).
as_root=()
if [ "$(id -u)" -ne 0 ]; then
  if ! command -v sudo >/dev/null 2>&1; then
    log "missing: ${missing[*]}; need root or sudo to run: apt-get install -y --no-install-recommends ${missing[*]}"
    exit 1
  fi
  if [ -t 0 ]; then as_root=(sudo); else as_root=(sudo -n); fi
fi
root() { "${as_root[@]}" env DEBIAN_FRONTEND=noninteractive "$@"; }

# Package scripts start system-wide instances (5432, 6379, 5672, 3306, 4222, haproxy with its default
# config, and epmd on 4369) through invoke-rc.d / deb-systemd-invoke, both of which ask policy-rc.d
# first; 101 = "not allowed".
# Only install our own policy if there is none, and remove it again whatever happens.
policy=/usr/sbin/policy-rc.d
own_policy=false
if [ ! -e "$policy" ]; then
  printf '#!/bin/sh\n# temporary, from .ci/install-servers.sh\nexit 101\n' | root tee "$policy" >/dev/null
  root chmod 0755 "$policy"
  own_policy=true
fi
cleanup() { if [ "$own_policy" = true ]; then root rm -f "$policy"; fi; }
trap cleanup EXIT

# pgrep (procps) may be absent on minimal images; then nothing is considered running.
running() { command -v pgrep >/dev/null 2>&1 && pgrep -x "$1" >/dev/null 2>&1; }
epmd_before=false
if running epmd; then epmd_before=true; fi

started=$(date +%s)
log "installing: ${missing[*]}"
root apt-get update -q
root apt-get install -y -q --no-install-recommends "${missing[@]}"

# A pre-existing policy-rc.d may have allowed the services to start: stop and disable those we
# just installed, so nothing listens on the default ports and no system epmd lingers. (Never ask
# a SysV script for `status`: rabbitmq-server's runs rabbitmqctl, which spawns `epmd -daemon`.)
if [ -d /run/systemd/system ] && command -v systemctl >/dev/null 2>&1; then
  for pkg in "${missing[@]}"; do
    case "$pkg" in
      rabbitmq-server) units=(rabbitmq-server epmd.socket epmd) ;;
      mariadb-server) units=(mariadb) ;;
      *) units=("$pkg") ;;
    esac
    for unit in "${units[@]}"; do root systemctl disable --now "$unit" >/dev/null 2>&1 || true; done
  done
elif command -v service >/dev/null 2>&1; then
  for pkg in "${missing[@]}"; do
    case "$pkg" in
      postgresql) running postgres && { root service postgresql stop >/dev/null 2>&1 || true; } ;;
      redis-server) running redis-server && { root service redis-server stop >/dev/null 2>&1 || true; } ;;
      rabbitmq-server) running beam.smp && { root service rabbitmq-server stop >/dev/null 2>&1 || true; } ;;
      mariadb-server) running mariadbd && { root service mariadb stop >/dev/null 2>&1 || true; } ;;
      nats-server) running nats-server && { root service nats-server stop >/dev/null 2>&1 || true; } ;;
      haproxy) running haproxy && { root service haproxy stop >/dev/null 2>&1 || true; } ;;
    esac
  done
fi
if [ "$epmd_before" = false ] && running epmd; then
  root epmd -kill >/dev/null 2>&1 || true
fi

have_postgres && have_redis && have_rabbitmq && have_mariadb && have_nats && have_haproxy || { log "install finished but some programs are still missing"; exit 1; }
log "installed ${missing[*]} in $(( $(date +%s) - started )) s"
