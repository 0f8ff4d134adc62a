#!/usr/bin/env bash
# Runs the XCTest suite with a watchdog, so a hung test fails the run in minutes instead of using
# up the CI budget, and says where it hung.
#
# - Output is line-buffered, so the last "Test Case ... started" line names a test that hangs.
# - When nothing is printed for STALL_SECONDS (default 600; the slowest test takes well under a
#   minute) or the run exceeds TOTAL_SECONDS (default 2400), the watchdog prints every thread's
#   stack of the test process (gdb, else lldb), kills the run and exits 124.
# - The run is a session of its own. Processes the tests started and left behind (a peer server
#   that outlives its test) are listed and killed once the tests are over: `swift test` would
#   otherwise wait for any of them that still holds its output open.
#
# Usage: scripts/run-tests.sh [swift test arguments...]
set -uo pipefail

swift="${SWIFT:-swift}"
stall_seconds="${STALL_SECONDS:-600}"
total_seconds="${TOTAL_SECONDS:-2400}"
# After the suite's summary line, how long `swift test` may take to exit.
exit_seconds="${EXIT_SECONDS:-60}"
log="$(mktemp)"

# `setsid --wait` runs `swift test` as the leader of a new session (forking first when it must)
# and returns its exit status.
setsid --wait stdbuf -oL -eL "$swift" test "$@" > >(tee "$log") 2>&1 &
runner=$!
sleep 1
session=$(ps -o sid= -p "$runner" | tr -d ' ')
if [[ "$session" != "$runner" ]]; then
    session=$(ps -o sid= -p "$(pgrep -P "$runner" | head -1)" | tr -d ' ')
fi

# The processes of the run's session, but for `swift test` itself (the session leader).
others() {
    [[ -n "$session" ]] || return 0
    pgrep -s "$session" | grep -vx "$session" || true
}

# Kills what is left of the session after giving it up to `$1` seconds to exit on its own (peer
# servers stop when the test process's end closes their stdin).
kill_others() {
    local pids pid command listed=0
    for _ in $(seq $((${1:-0} * 5))); do
        [[ -z "$(others)" ]] && break
        sleep 0.2
    done
    pids=$(others)
    for pid in $pids; do
        command=$(tr '\0' ' ' < "/proc/$pid/cmdline" 2>/dev/null | cut -c1-200)
        [[ -z "$command" ]] && continue  # already exiting
        ((listed++)) || echo "=== watchdog: killing processes the tests left running:"
        echo "  $pid $command"
    done
    [[ -n "$pids" ]] && kill -KILL $pids 2>/dev/null
    return 0
}

dump_stacks() {
    local pid="$1"
    echo "=== watchdog: stacks of process $pid ==="
    if command -v gdb >/dev/null; then
        timeout 120 gdb -p "$pid" -batch -nx -ex 'set pagination off' -ex 'thread apply all bt' 2>&1 \
            | grep -v '^\[New LWP\|^warning:' || true
    elif command -v lldb >/dev/null; then
        timeout 120 lldb -p "$pid" --batch -o 'thread backtrace all' 2>&1 || true
    else
        echo "no gdb or lldb to print stacks"
    fi
    echo "=== watchdog: end of stacks ==="
}

cleanup() {
    kill -KILL "$runner" "$session" 2>/dev/null
    kill_others
    rm -f "$log"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

started=$(date +%s)
last_size=0
last_change=$started
summary_seen=0
while kill -0 "$runner" 2>/dev/null; do
    sleep 5
    now=$(date +%s)
    size=$(stat -c %s "$log" 2>/dev/null || echo 0)
    if [[ "$size" != "$last_size" ]]; then
        last_size=$size
        last_change=$now
    fi
    if ((summary_seen == 0)) && grep -q "^Test Suite 'All tests' \(passed\|failed\)" "$log"; then
        summary_seen=$now
    fi
    if ((summary_seen > 0 && now - summary_seen >= exit_seconds)); then
        echo "=== watchdog: the tests are over but \`swift test\` has not exited after ${exit_seconds} s"
        kill_others
        summary_seen=$((now + 3600))  # once
        continue
    fi
    reason=""
    if ((now - last_change >= stall_seconds)); then
        reason="no output for ${stall_seconds} s"
    elif ((now - started >= total_seconds)); then
        reason="the tests ran longer than ${total_seconds} s"
    fi
    if [[ -n "$reason" ]]; then
        echo
        echo "=== watchdog: $reason; the last test started:"
        grep "started at" "$log" | tail -1
        for pid in $(others); do
            if [[ "$(tr '\0' ' ' < "/proc/$pid/cmdline" 2>/dev/null)" == *.xctest* ]]; then
                dump_stacks "$pid"
            fi
        done
        exit 124
    fi
done
wait "$runner"
status=$?
kill_others 5
exit "$status"
