#!/usr/bin/env bash
# Builds the HelloWorld example (in the Programs package), starts helloworld-server on 127.0.0.1:$PORT in
# the background, waits until it accepts connections, runs helloworld-client
# against it and stops the server again, also when something fails.
#
# Usage: scripts/demo.sh [helloworld-client arguments...]
# Environment:
#   PORT          server port (default 50051; the client's own default is
#                 50051 too, so pass it client arguments if you change this)
#   WAIT_SECONDS  how long to wait for the server to listen (default 10)
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

port="${PORT:-50051}"
wait_seconds="${WAIT_SECONDS:-10}"

log() { printf 'demo: %s\n' "$*" >&2; }

port_open() {
    # bash's /dev/tcp; the subshell closes the descriptor again.
    (exec 3<>"/dev/tcp/127.0.0.1/${port}") 2>/dev/null
}

# SwiftPM takes one --product per invocation, hence two builds (the second one
# only links what the first did not already build).
swift build --package-path Programs --product helloworld-server
swift build --package-path Programs --product helloworld-client
bin="$(swift build --package-path Programs --show-bin-path)"

if port_open; then
    log "something is already listening on port ${port}; stop it or set PORT"
    exit 1
fi

server_pid=""
stop_server() {
    if [[ -n "$server_pid" ]] && kill -0 "$server_pid" 2>/dev/null; then
        kill "$server_pid" 2>/dev/null || true
        for _ in $(seq 1 50); do
            kill -0 "$server_pid" 2>/dev/null || break
            sleep 0.1
        done
        if kill -0 "$server_pid" 2>/dev/null; then
            log "server did not stop on SIGTERM; sending SIGKILL"
            kill -9 "$server_pid" 2>/dev/null || true
        fi
        wait "$server_pid" 2>/dev/null || true
    fi
}
trap stop_server EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

log "starting helloworld-server --port ${port}"
"${bin}/helloworld-server" --port "$port" &
server_pid=$!

deadline=$((SECONDS + wait_seconds))
until port_open; do
    if ! kill -0 "$server_pid" 2>/dev/null; then
        wait "$server_pid" && rc=0 || rc=$?
        server_pid=""
        log "helloworld-server exited (status ${rc}) before listening on port ${port}"
        exit 1
    fi
    if ((SECONDS >= deadline)); then
        log "helloworld-server is not listening on port ${port} after ${wait_seconds}s"
        exit 1
    fi
    sleep 0.1
done

log "running helloworld-client $*"
"${bin}/helloworld-client" "$@"
