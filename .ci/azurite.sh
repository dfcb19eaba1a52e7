#!/usr/bin/env bash
# Azurite (the Azure Storage emulator, npm package `azurite`) for the Azure tests.
#
#   .ci/azurite.sh start        install the pinned version if needed, start it on loopback, wait
#   .ci/azurite.sh stop         stop the instance this script started (by its PID file)
#   .ci/azurite.sh connection   print the connection string for the tests (SPCHECK_TEST_AZURITE)
#
# The package is installed into .ci/.cache/azurite (ignored by git), telemetry off. Data lives
# in a temporary directory removed on stop. Ports: AZURITE_BLOB_PORT, AZURITE_QUEUE_PORT and
# AZURITE_TABLE_PORT (default 10000, 10001, 10002), always on 127.0.0.1; when a default port
# is taken by another program (another checkout's Azurite, say), three free ports are used
# instead and `connection` names them.
set -euo pipefail

VERSION="3.37.0"
HOST="127.0.0.1"
BLOB_PORT="${AZURITE_BLOB_PORT:-10000}"
QUEUE_PORT="${AZURITE_QUEUE_PORT:-10001}"
TABLE_PORT="${AZURITE_TABLE_PORT:-10002}"
WAIT_SECONDS="${AZURITE_WAIT_SECONDS:-60}"

root="$(cd "$(dirname "$0")/.." && pwd)"
cache="$root/.ci/.cache"
prefix="$cache/azurite"
pid_file="$cache/azurite.pid"
data_file="$cache/azurite.location"
log_file="$cache/azurite.log"
ports_file="$cache/azurite.ports"
entry="$prefix/node_modules/azurite/dist/src/azurite.js"

# The well-known development account of every Azure Storage emulator: not a secret.
ACCOUNT="devstoreaccount1"
KEY="Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="

say() { echo "azurite: $*" >&2; }

answers() {  # answers PORT: true when something accepts a TCP connection there
    (exec 3<>"/dev/tcp/$HOST/$1") 2>/dev/null
}

free_ports() {  # three distinct ports nothing listens on now
    python3 -c '
import socket
held = [socket.socket() for _ in range(3)]
for s in held:
    s.bind(("127.0.0.1", 0))
print(" ".join(str(s.getsockname()[1]) for s in held))
'
}

load_ports() {  # the ports of the instance this script started, if it chose its own
    if [ -f "$ports_file" ]; then
        read -r BLOB_PORT QUEUE_PORT TABLE_PORT < "$ports_file"
    fi
}

installed_version() {
    [ -f "$prefix/node_modules/azurite/package.json" ] || return 0
    node -p "require('$prefix/node_modules/azurite/package.json').version" 2>/dev/null || true
}

install() {
    mkdir -p "$cache"
    # Keep the cache out of git without touching the project's .gitignore.
    [ -f "$cache/.gitignore" ] || printf '*\n' > "$cache/.gitignore"
    if [ "$(installed_version)" = "$VERSION" ]; then
        return
    fi
    command -v npm > /dev/null || { say "npm is not installed (Node.js 18+ is needed)"; exit 1; }
    say "installing azurite@$VERSION into ${prefix#"$root"/}"
    rm -rf "$prefix"
    mkdir -p "$prefix"
    local attempt
    for attempt in 1 2 3; do
        if npm_config_update_notifier=false npm install --no-audit --no-fund --no-save \
            --loglevel=error --prefix "$prefix" "azurite@$VERSION" > /dev/null; then
            break
        fi
        [ "$attempt" -lt 3 ] || { say "npm install azurite@$VERSION failed 3 times"; exit 1; }
        say "npm install failed (attempt $attempt of 3); trying again in 5 s"
        sleep 5
    done
    [ -f "$entry" ] || { say "azurite@$VERSION installed without $entry"; exit 1; }
}

running_pid() {  # the PID of the instance this script started, if it is still alive
    [ -f "$pid_file" ] || return 0
    local pid
    pid="$(cat "$pid_file")"
    if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
        echo "$pid"
    fi
}

start() {
    if [ -n "$(running_pid)" ]; then
        say "already running (pid $(running_pid))"
        return
    fi
    mkdir -p "$cache"
    rm -f "$ports_file"
    for port in "$BLOB_PORT" "$QUEUE_PORT" "$TABLE_PORT"; do
        if answers "$port"; then
            if [ -n "${AZURITE_BLOB_PORT:-}${AZURITE_QUEUE_PORT:-}${AZURITE_TABLE_PORT:-}" ]; then
                say "port $HOST:$port is already in use by another program; set AZURITE_*_PORT"
                exit 1
            fi
            free_ports > "$ports_file"
            load_ports
            say "port $HOST:$port is taken by another program; using free ports instead"
            break
        fi
    done
    install
    local location
    location="$(mktemp -d "${TMPDIR:-/tmp}/spcheck-azurite.XXXXXX")"
    echo "$location" > "$data_file"
    AZURITE_DISABLE_TELEMETRY=true nohup node "$entry" \
        --blobHost "$HOST" --blobPort "$BLOB_PORT" \
        --queueHost "$HOST" --queuePort "$QUEUE_PORT" \
        --tableHost "$HOST" --tablePort "$TABLE_PORT" \
        --location "$location" \
        --disableTelemetry --skipApiVersionCheck --silent \
        > "$log_file" 2>&1 < /dev/null &
    local pid=$!
    echo "$pid" > "$pid_file"
    local waited=0
    until answers "$BLOB_PORT" && answers "$QUEUE_PORT" && answers "$TABLE_PORT"; do
        if ! kill -0 "$pid" 2>/dev/null; then
            say "exited before it was ready; its log:"
            cat "$log_file" >&2 || true
            rm -f "$pid_file"
            exit 1
        fi
        if [ "$waited" -ge $((WAIT_SECONDS * 4)) ]; then
            say "not ready after ${WAIT_SECONDS}s; stopping it"
            stop
            exit 1
        fi
        sleep 0.25
        waited=$((waited + 1))
    done
    say "ready on $HOST (blob $BLOB_PORT, queue $QUEUE_PORT, table $TABLE_PORT), pid $pid"
}

stop() {
    local pid
    pid="$(running_pid)"
    if [ -n "$pid" ]; then
        kill "$pid" 2>/dev/null || true
        for _ in $(seq 1 40); do
            kill -0 "$pid" 2>/dev/null || break
            sleep 0.25
        done
        if kill -0 "$pid" 2>/dev/null; then
            kill -9 "$pid" 2>/dev/null || true
        fi
        say "stopped (pid $pid)"
    fi
    rm -f "$pid_file" "$ports_file"
    if [ -f "$data_file" ]; then
        local location
        location="$(cat "$data_file")"
        case "$location" in
            "${TMPDIR:-/tmp}"/spcheck-azurite.*) rm -rf "$location" ;;
        esac
        rm -f "$data_file"
    fi
}

connection() {
    load_ports
    local base="http://$HOST"
    echo "DefaultEndpointsProtocol=http;AccountName=$ACCOUNT;AccountKey=$KEY;BlobEndpoint=$base:$BLOB_PORT/$ACCOUNT;QueueEndpoint=$base:$QUEUE_PORT/$ACCOUNT;TableEndpoint=$base:$TABLE_PORT/$ACCOUNT;"
}

case "${1:-}" in
    start) start ;;
    stop) stop ;;
    connection) connection ;;
    *)
        echo "usage: $0 start|stop|connection" >&2
        exit 2
        ;;
esac
