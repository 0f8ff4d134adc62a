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
# LeakSanitizer too, with Fuzz/lsan.supp (Swift's weak-reference side tables look leaked).
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
# Leaks: the fuzz targets check the runtime for them; across the whole suite LeakSanitizer still
# reports what test support and Foundation keep unreachable at exit (docs/reliability.md), so it
# is on only with SANITIZER_LEAKS=1.
export ASAN_OPTIONS="detect_leaks=${SANITIZER_LEAKS:-0}"
export LSAN_OPTIONS="suppressions=$PWD/Fuzz/lsan.supp:print_suppressions=0"

# GRPCSYNC_TSAN: the runtime announces its Mutexes to ThreadSanitizer (Mutex.withCheckedLock).
flags=(--sanitize="$kind" --scratch-path "$dir")
[[ "$kind" == thread ]] && flags+=(-Xswiftc -DGRPCSYNC_TSAN)
"$SWIFT" build --build-tests "${flags[@]}"
SWIFT="$SWIFT" scripts/run-tests.sh --skip-build "${flags[@]}" --disable-swift-testing "$@"
if [[ " $* " != *" --filter "* ]]; then
    flags=(--sanitize="$kind" --scratch-path "Programs/$dir")
    [[ "$kind" == thread ]] && flags+=(-Xswiftc -DGRPCSYNC_TSAN)
    "$SWIFT" build --package-path Programs --build-tests "${flags[@]}"
    SWIFT="$SWIFT" scripts/run-tests.sh --package-path Programs --skip-build "${flags[@]}" --disable-swift-testing
fi
