#!/usr/bin/env python3
"""grpcio's client side of the rolling restart behind nginx (NginxRollingRestartTests.swift):
continuous unary calls through one channel until stdin closes, then a count of what they did.

Usage: nginx_load_client.py --target HOST:PORT [--threads N] [--sleep-ms N] [--timeout S]

Each of the --threads threads (3 by default) calls the test service's `Unary` (request `load`,
metadata `x-sleep-ms: N`, so calls are still running on a server when it starts to stop; 5 ms by
default) one call after another, with a deadline of --timeout seconds (10 by default), on one
`grpc.insecure_channel`. Once the first call has succeeded the script prints `STARTED`. When its
stdin closes it lets each thread finish its call, then prints, each on a line of its own:

    OK <calls that succeeded>
    FAILED <calls that failed>
    FAILURE <CODE> <count> <details of the first such failure>     (one line per status code)
    DONE

and exits 0. A call whose answer is not its request counts as a failure (`WRONG_ANSWER`).
"""

import argparse
import sys
import threading

import grpc

from peer_common import method_path

REQUEST = b"load"


class Counts:
    """What the calls did: successes, and failures by status code with the first details."""

    def __init__(self):
        self.lock = threading.Lock()
        self.ok = 0
        self.failures = {}
        self.first_ok = threading.Event()

    def succeeded(self):
        with self.lock:
            self.ok += 1
        self.first_ok.set()

    def failed(self, code, details):
        with self.lock:
            count, first = self.failures.get(code, (0, details))
            self.failures[code] = (count + 1, first)


def call_until(stop, unary, counts, sleep_ms, timeout):
    """One thread's calls, each after the previous one ended, until `stop` is set."""
    metadata = (("x-sleep-ms", str(sleep_ms)),)
    while not stop.is_set():
        try:
            answer = unary(REQUEST, timeout=timeout, metadata=metadata)
        except grpc.RpcError as error:
            counts.failed(error.code().name, error.details())
            continue
        if answer == REQUEST:
            counts.succeeded()
        else:
            counts.failed("WRONG_ANSWER", repr(answer[:40]))


def announce_start(counts):
    """Prints STARTED once a call has succeeded."""
    counts.first_ok.wait()
    print("STARTED", flush=True)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--target", required=True)
    parser.add_argument("--threads", type=int, default=3)
    parser.add_argument("--sleep-ms", type=int, default=5)
    parser.add_argument("--timeout", type=float, default=10)
    args = parser.parse_args()

    counts = Counts()
    stop = threading.Event()
    with grpc.insecure_channel(args.target) as channel:
        unary = channel.unary_unary(method_path("Unary"))
        threads = [
            threading.Thread(target=call_until, args=(stop, unary, counts, args.sleep_ms, args.timeout))
            for _ in range(args.threads)
        ]
        for thread in threads:
            thread.start()
        # STARTED once calls go through, unless stdin closes first.
        threading.Thread(target=announce_start, args=(counts,), daemon=True).start()
        sys.stdin.read()
        stop.set()
        for thread in threads:
            thread.join()

    with counts.lock:
        print(f"OK {counts.ok}")
        print(f"FAILED {sum(count for count, _ in counts.failures.values())}")
        for code, (count, details) in sorted(counts.failures.items()):
            print(f"FAILURE {code} {count} {details}")
    print("DONE", flush=True)


if __name__ == "__main__":
    main()
