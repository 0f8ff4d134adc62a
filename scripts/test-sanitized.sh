#!/usr/bin/env bash
# Builds and runs the test suites (the root package's and Programs') under a sanitizer:
#
#   scripts/test-sanitized.sh thread|address [swift test arguments, e.g. --filter X]
#
# thread: ThreadSanitizer, built in .build-tsan (Programs/.build-tsan) with GRPCSYNC_TSAN defined.
# A race report fails the run (the test process exits 66). The standard library's Mutex is not
# instrumented; with GRPCSYNC_TSAN the runtime announces its acquire and release
# (Mutex.withCheckedLock).
# address: AddressSanitizer, built in .build-asan (Programs/.build-asan); with SANITIZER_LEAKS=1
# LeakSanitizer too, with Fuzz/lsan.supp (Swift's weak-reference side tables look leaked). At exit
# it reports what XCTest's test case objects and Foundation's `Process` keep too, so its report
# fails the run only when the runtime made a leaked block (scripts/leak_owners.py --check).
# With --filter, only the root package's matching tests run.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

SWIFT=${SWIFT:-swift}
kind=${1:?thread or address}
shift
case "$kind" in
    thread) dir=.build-tsan ;;
    address) dir=.build-asan ;;
    *) echo "test-sanitized.sh: thread or address, not $kind" >&2; exit 2 ;;
esac
# Deadlines of the longer scenarios grow by this much: a sanitizer build runs several times slower.
export GRPCSYNC_TEST_TIMEOUT_SCALE=5
export TSAN_OPTIONS="halt_on_error=0 second_deadlock_stack=1 history_size=4"
# Leaks: the fuzz targets check the runtime for them at every CI run; the test suites are checked
# with SANITIZER_LEAKS=1 (docs/reliability.md). Never while building: the build plugin's
# generator is an AddressSanitizer build too.
leaks=${SANITIZER_LEAKS:-0}
export ASAN_OPTIONS="detect_leaks=0"
export LSAN_OPTIONS="suppressions=$PWD/Fuzz/lsan.supp:print_suppressions=0"

# Runs scripts/run-tests.sh with "$@"; with leak checks on, a run whose only error is
# LeakSanitizer's report passes when the runtime made none of the leaked blocks.
run_tests() {
    if [[ "$kind" != address || "$leaks" != 1 ]]; then
        SWIFT="$SWIFT" scripts/run-tests.sh "$@"
        return
    fi
    local output status=0
    output=$(mktemp)
    ASAN_OPTIONS="detect_leaks=1" SWIFT="$SWIFT" scripts/run-tests.sh "$@" 2>&1 | tee "$output" || status=$?
    if ((status != 0)) && grep -q "ERROR: LeakSanitizer" "$output" \
        && ! grep -q "ERROR: AddressSanitizer" "$output" \
        && grep "^Test Suite '\(All\|Selected\) tests' \(passed\|failed\)" "$output" | tail -1 | grep -q passed; then
        python3 scripts/leak_owners.py --check "$output" && status=0
    fi
    rm -f "$output"
    return "$status"
}

# GRPCSYNC_TSAN: the runtime announces its Mutexes to ThreadSanitizer (Mutex.withCheckedLock).
flags=(--sanitize="$kind" --scratch-path "$dir")
[[ "$kind" == thread ]] && flags+=(-Xswiftc -DGRPCSYNC_TSAN)
"$SWIFT" build --build-tests "${flags[@]}"
run_tests --skip-build "${flags[@]}" --disable-swift-testing "$@"
if [[ " $* " != *" --filter "* ]]; then
    flags=(--sanitize="$kind" --scratch-path "Programs/$dir")
    [[ "$kind" == thread ]] && flags+=(-Xswiftc -DGRPCSYNC_TSAN)
    "$SWIFT" build --package-path Programs --build-tests "${flags[@]}"
    run_tests --package-path Programs --skip-build "${flags[@]}" --disable-swift-testing
fi
