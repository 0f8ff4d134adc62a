#!/usr/bin/env bash
# Builds the libFuzzer targets of Fuzz/ (release, with AddressSanitizer and LeakSanitizer) and runs
# each one, starting from its seed corpus (Fuzz/Corpus/<target>, captured from grpcio by
# Fuzz/capture_corpus.py). What a run finds new goes to Fuzz/.build/corpus/<target>; a crash, leak
# or timeout is written to Fuzz/.build/artifacts and fails the script.
#
#   scripts/fuzz.sh [--seconds N | --runs N] [--fork N] [target ...]
#
# --fork N runs N processes at once (libFuzzer's -fork: each job a child process that runs a
# while, then hands back what it found); a timeout or out-of-memory fails the run as a crash does.
# Targets: deframer headers metadata server-connection client-connection (all by default).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

SWIFT=${SWIFT:-swift}
limit=(-max_total_time=60)
fork=()
targets=()
while [[ $# -gt 0 ]]; do
    case "$1" in
        --seconds) limit=(-max_total_time="$2"); shift 2 ;;
        --runs) limit=(-runs="$2"); shift 2 ;;
        --fork) fork=(-fork="$2" -ignore_timeouts=0 -ignore_ooms=0); shift 2 ;;
        *) targets+=("$1"); shift ;;
    esac
done
if [[ ${#targets[@]} -eq 0 ]]; then
    targets=(deframer headers metadata server-connection client-connection)
fi

# --sanitize=fuzzer links libFuzzer's main; -Xswiftc -sanitize=fuzzer adds the coverage
# instrumentation; -enable-testing lets the targets reach the runtime's internals.
mkdir -p Fuzz/.build
if ! "$SWIFT" build --package-path Fuzz -c release --sanitize=fuzzer --sanitize=address \
    -Xswiftc -sanitize=fuzzer -Xswiftc -enable-testing > Fuzz/.build/build.log 2>&1; then
    grep -E "error" Fuzz/.build/build.log | head -40
    echo "fuzz.sh: the build failed (Fuzz/.build/build.log)" >&2
    exit 1
fi
bin=Fuzz/.build/release
export LSAN_OPTIONS="suppressions=$PWD/Fuzz/lsan.supp:print_suppressions=0"
export ASAN_OPTIONS="detect_leaks=1"
mkdir -p Fuzz/.build/artifacts
status=0
for target in "${targets[@]}"; do
    [[ -x "$bin/fuzz-$target" ]] || { echo "fuzz.sh: no target $target (build failed?)" >&2; exit 1; }
    work=Fuzz/.build/corpus/$target
    mkdir -p "$work"
    echo "== fuzz-$target ${limit[*]} ${fork[*]}"
    log=Fuzz/.build/fuzz-$target.log
    # A whole connection frees its objects on other threads after the input returns, so
    # libFuzzer's check after each input would see them as leaks and cost 10 ms an input: these
    # targets are checked for leaks once, at exit (LeakSanitizer reports what nothing refers to).
    extra=()
    case "$target" in server-connection | client-connection) extra=(-detect_leaks=0) ;; esac
    if ! "$bin/fuzz-$target" "$work" "Fuzz/Corpus/$target" "${limit[@]}" "${fork[@]}" "${extra[@]}" -max_len=16384 -timeout=60 \
        -print_final_stats=1 \
        -artifact_prefix="Fuzz/.build/artifacts/$target-" > "$log" 2>&1; then
        status=1
        echo "fuzz-$target FAILED (log: $log):"
        grep -E "ERROR|SUMMARY|Test unit written|==[0-9]+==" "$log" | head -20
    fi
    grep -E "^stat::(number_of_executed_units|average_exec_per_sec|peak_rss_mb)|^Done" "$log" || true
done
exit $status
