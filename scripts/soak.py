#!/usr/bin/env python3
"""Soak run of swift-grpc-sync (`make soak`): long runs that a leak, a lost wake-up or a slow
growth would fail, with the server's memory and threads sampled.

    scripts/soak.py [--iterations N] [--minutes M] [--parallel P] [--bin DIR] [--json FILE]

1. gRPC's interop soak cases against one interop-server: `rpc_soak` (N unary calls on one
   channel) and `channel_soak` (N calls, each on a new channel), N = 100,000 by default.
2. A mixed load for M minutes (10 by default): P loops (4), each running interop-client cases one
   after another against the same server: unary, large unary (314 KB), client, server and
   ping-pong streaming, empty streams, metadata and status cases, cancels (after begin, after the
   first response) and deadlines (timeout_on_sleeping_server). Each case checks its own outcome,
   so a case that fails is a call that failed without the load asking for it. The mixed load
   starts with a warm-up burst: 16 calls at once, each holding a server worker for 6 s. The
   server's executor runs each call it holds on a Dispatch thread, which Dispatch starts when more
   calls run at once than it has threads for; the burst takes them past the most the loops will
   ever run at once, so the thread count after it says whether threads leak.

Throughout, the server's RSS and thread count are sampled every 5 s (/proc). The run fails when a
case fails, or when the server's RSS at the end is more than 25 % (plus 16 MiB) above its RSS once
the first minute of the mixed load is over, or its thread count at the end is above the largest
seen during that first minute (which holds the burst). Prints a table for docs/reliability.md;
--json writes the samples.
"""

import argparse
import itertools
import json
import os
import subprocess
import sys
import threading
import time

MIXED_CASES = [
    "empty_unary", "large_unary", "client_streaming", "server_streaming", "ping_pong", "empty_stream",
    "custom_metadata", "status_code_and_message", "special_status_message", "cancel_after_begin",
    "cancel_after_first_response", "timeout_on_sleeping_server", "client_compressed_unary",
    "server_compressed_streaming",
]


def thread_names(pid):
    """The names of process `pid`'s threads, sorted (each thread's `comm`)."""
    names = []
    for task in os.listdir(f"/proc/{pid}/task"):
        try:
            with open(f"/proc/{pid}/task/{task}/comm") as comm:
                names.append(comm.read().strip())
        except OSError:
            pass  # the thread ended meanwhile
    return sorted(names)


def proc_status(pid):
    """(RSS in KiB, threads) of process `pid`."""
    rss = threads = 0
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                rss = int(line.split()[1])
            elif line.startswith("Threads:"):
                threads = int(line.split()[1])
    return rss, threads


class Sampler(threading.Thread):
    """Samples a process's RSS and threads every `period` seconds, with a phase label."""

    def __init__(self, pid, period=5.0):
        super().__init__(daemon=True)
        self.pid, self.period = pid, period
        self.samples = []  # (seconds since start, phase, rss KiB, threads)
        self.names_at = {}  # thread count -> the threads' names when that count was first seen
        self.phase = "start"
        self.stopped = threading.Event()
        self.start_time = time.monotonic()

    def run(self):
        while not self.stopped.is_set():
            rss, threads = proc_status(self.pid)
            if threads not in self.names_at:
                self.names_at[threads] = thread_names(self.pid)
            self.samples.append((round(time.monotonic() - self.start_time, 1), self.phase, rss, threads))
            self.stopped.wait(self.period)


def run_client(bin_dir, port, case, extra=(), timeout=600):
    """Runs one interop-client case; (exit status, output)."""
    command = [os.path.join(bin_dir, "interop-client"), "--server_host=localhost", f"--server_port={port}",
               f"--test_case={case}", *extra]
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=timeout)
        return done.returncode, done.stdout + done.stderr
    except subprocess.TimeoutExpired:
        return -1, f"{case}: no result within {timeout} s"


# The warm-up burst: calls held open at once, and for how long (longer than a sampling period).
BURST_CALLS = 16
BURST_SECONDS = 6


def hold_calls_at_once(port, count=BURST_CALLS, seconds=BURST_SECONDS):
    """Opens `count` FullDuplexCall streams at once on one grpcio channel, sends nothing for
    `seconds` (each call holds a server worker waiting for its first request), then half-closes
    them all and waits for their ends. Returns the codes they ended with."""
    import grpc  # the repository's venv (make soak)

    with grpc.insecure_channel(f"localhost:{port}") as channel:
        method = channel.stream_stream("/grpc.testing.TestService/FullDuplexCall")
        release = threading.Event()

        def no_requests():
            release.wait(seconds)
            yield from ()

        calls = [method(no_requests(), timeout=seconds + 60) for _ in range(count)]
        time.sleep(seconds)
        release.set()
        codes = []
        for call in calls:
            for _ in call:
                pass
            codes.append(call.code())
        return codes


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--iterations", type=int, default=100_000, help="iterations of rpc_soak and channel_soak")
    parser.add_argument("--minutes", type=float, default=10.0, help="minutes of mixed load")
    parser.add_argument("--parallel", type=int, default=4, help="client loops of the mixed load")
    parser.add_argument("--bin", help="directory of interop-server and interop-client (default: the Programs "
                        "package's swift build)")
    parser.add_argument("--json", help="write the samples and results here")
    args = parser.parse_args()

    bin_dir = args.bin or subprocess.run(["swift", "build", "--package-path", "Programs", "--show-bin-path"],
                                         capture_output=True, text=True, check=True).stdout.strip()
    server = subprocess.Popen([os.path.join(bin_dir, "interop-server"), "--port=0"], stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, text=True)
    port = None
    for line in server.stdout:
        if "listening on" in line or line.startswith("Server started"):
            port = int(line.strip().rsplit(" ", 1)[-1].rsplit(":", 1)[-1])
            break
    if port is None:
        print("soak: interop-server did not start", file=sys.stderr)
        return 1
    threading.Thread(target=lambda: [None for _ in server.stdout], daemon=True).start()
    sampler = Sampler(server.pid)
    sampler.start()
    failures, results = [], {}
    try:
        soak_flags = [f"--soak_iterations={args.iterations}", f"--soak_overall_timeout_seconds={max(60, args.iterations)}",
                      "--soak_max_failures=0"]
        for case in ("rpc_soak", "channel_soak"):
            sampler.phase = case
            started = time.monotonic()
            status, output = run_client(bin_dir, port, case, soak_flags, timeout=max(600, args.iterations // 20))
            results[case] = {"status": status, "seconds": round(time.monotonic() - started, 1)}
            if status != 0:
                failures.append(f"{case}: {output.strip()[-500:]}")

        sampler.phase = "mixed"
        codes = hold_calls_at_once(port)
        if any(code.name != "OK" for code in codes):
            failures.append(f"warm-up burst: {[code.name for code in codes]}")
        end = time.monotonic() + args.minutes * 60
        counts = {"cases": 0}
        lock = threading.Lock()

        def loop(offset):
            for case in itertools.islice(itertools.cycle(MIXED_CASES), offset, None):
                if time.monotonic() >= end:
                    return
                status, output = run_client(bin_dir, port, case, timeout=120)
                with lock:
                    counts["cases"] += 1
                    if status != 0:
                        failures.append(f"mixed {case}: {output.strip()[-300:]}")

        loops = [threading.Thread(target=loop, args=(i * 3,)) for i in range(args.parallel)]
        mixed_start = time.monotonic()
        for thread in loops:
            thread.start()
        for thread in loops:
            thread.join()
        results["mixed"] = {"cases": counts["cases"], "seconds": round(time.monotonic() - mixed_start, 1)}
    finally:
        sampler.stopped.set()
        sampler.join()
        server.terminate()
        server.wait(timeout=10)

    mixed = [s for s in sampler.samples if s[1] == "mixed"]
    warm = [s for s in mixed if s[0] - mixed[0][0] <= 60] if mixed else []
    verdicts = []
    if mixed and warm:
        warm_rss, end_rss = warm[-1][2], mixed[-1][2]
        max_warm_threads, end_threads = max(s[3] for s in warm), mixed[-1][3]
        if end_rss > warm_rss * 1.25 + 16 * 1024:
            verdicts.append(f"RSS grew from {warm_rss} KiB after warm-up to {end_rss} KiB")
        if end_threads > max_warm_threads:
            verdicts.append(f"threads grew from at most {max_warm_threads} during warm-up to {end_threads} "
                            f"(then: {', '.join(sampler.names_at.get(max_warm_threads, []))}; "
                            f"at {end_threads}: {', '.join(sampler.names_at.get(end_threads, []))})")
        results["rss_kib"] = {"after_warmup": warm_rss, "end": end_rss, "max": max(s[2] for s in mixed)}
        results["threads"] = {"warmup_max": max_warm_threads, "end": end_threads, "max": max(s[3] for s in mixed)}

    print("| part | result |\n|---|---|")
    for case in ("rpc_soak", "channel_soak"):
        if case in results:
            r = results[case]
            print(f"| `{case}`, {args.iterations:,} iterations | exit {r['status']}, {r['seconds']} s |")
    if "mixed" in results:
        r = results["mixed"]
        print(f"| mixed load, {args.parallel} loops, {args.minutes:g} min | {r['cases']:,} cases, "
              f"{sum(1 for f in failures if f.startswith('mixed '))} failed |")
    if "rss_kib" in results:
        rss, threads = results["rss_kib"], results["threads"]
        print(f"| server RSS (KiB) | {rss['after_warmup']:,} after the first minute, {rss['end']:,} at the end, "
              f"{rss['max']:,} at most |")
        print(f"| server threads | {threads['warmup_max']} at most in the first minute, {threads['end']} at the end, "
              f"{threads['max']} at most |")
    if args.json:
        with open(args.json, "w") as out:
            json.dump({"results": results, "failures": failures, "samples": sampler.samples,
                       "thread_names": sampler.names_at}, out, indent=1)
    for failure in failures[:20]:
        print("FAILED", failure, file=sys.stderr)
    for verdict in verdicts:
        print("FAILED", verdict, file=sys.stderr)
    return 1 if failures or verdicts else 0


if __name__ == "__main__":
    sys.exit(main())
