#!/usr/bin/env python3
"""grpcio's client side of the connectivity tests (ConnectivityTests.swift), printing what it
observes so that the Swift client's observations can be compared with it.

Usage: connectivity_client.py SCENARIO --target HOST:PORT [--option KEY=VALUE]... [--seconds S]

    call          one unary call to /x.Y/Z (a 2-byte message, no deadline) on a channel with the
                  options; prints `OK` or `CODE details`, then a second call the same way
    ready_future  grpc.channel_ready_future on a channel to the target (meant to be down):
                  prints `timeout` when result(timeout=0.2) raises FutureTimeoutError, then
                  `cancel True`, `cancelled True`, `done True` and `cancelled_error` when result()
                  raises FutureCancelledError afterwards
    load          unary calls to the test service's Unary, one after another for --seconds (10 by
                  default): prints `calls N failed F` and the distinct failures, one a line

`connectivity_client.py --list` prints the scenarios.
"""

import argparse
import sys
import time

import grpc

SCENARIOS = ["call", "ready_future", "load"]


def option(text):
    key, value = text.split("=", 1)
    try:
        return (key, int(value))
    except ValueError:
        return (key, value)


def describe(call):
    try:
        call()
        return "OK"
    except grpc.RpcError as error:
        return f"{error.code().name} {error.details()}"


def main():
    if "--list" in sys.argv:
        print("\n".join(SCENARIOS))
        return 0
    parser = argparse.ArgumentParser()
    parser.add_argument("scenario", choices=SCENARIOS)
    parser.add_argument("--target", required=True)
    parser.add_argument("--option", action="append", default=[])
    parser.add_argument("--seconds", type=float, default=10)
    args = parser.parse_args()
    channel = grpc.insecure_channel(args.target, options=[option(o) for o in args.option])
    if args.scenario == "call":
        unary = channel.unary_unary("/x.Y/Z")
        for _ in range(2):
            print(describe(lambda: unary(b"\x00\x00\x00\x00\x02hi")), flush=True)
    elif args.scenario == "ready_future":
        future = grpc.channel_ready_future(channel)
        try:
            future.result(timeout=0.2)
            print("ready")
        except grpc.FutureTimeoutError:
            print("timeout")
        print("cancel", future.cancel())
        print("cancelled", future.cancelled())
        print("done", future.done())
        try:
            future.result()
        except grpc.FutureCancelledError:
            print("cancelled_error")
    elif args.scenario == "load":
        unary = channel.unary_unary("/grpcsync.testing.TestService/Unary")
        end = time.monotonic() + args.seconds
        calls, failures = 0, {}
        while time.monotonic() < end:
            calls += 1
            outcome = describe(lambda: unary(b"load", timeout=10))
            if outcome != "OK":
                failures[outcome] = failures.get(outcome, 0) + 1
        print(f"calls {calls} failed {sum(failures.values())}")
        for text, count in sorted(failures.items()):
            print(f"{count} x {text}")
    channel.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
