#!/usr/bin/env python3
"""grpcio's client side of FutureCancelTests.swift: what a call's future (and a response
iterator) answers after a local cancel, a server-side cancel or abort, a deadline and a success,
printed one observation a line as `CASE OBSERVATION` so that the Swift client's observations can
be compared with them line by line.

Usage: future_cancel_client.py --target HOST:PORT [--case CASE]...

Every case runs against the conformance TestService (SPEC.md) at the target, grpcio's or the
Swift one; `--case` picks cases (all of them by default), `--list` prints their names.

    unary_local        WaitForCancel as a future, cancelled while it runs
    unary_local_unconnected a future with wait_for_ready on a channel to a port nobody listens
                       on, cancelled while it waits for the channel
    stream_unary_local ClientStream as a future, its requests never closed, cancelled while it runs
    unary_server_cancel ServerCancel as a future (the handler calls context.cancel())
    unary_server_abort Unary with x-status-code 1 (the handler aborts with CANCELLED) as a future
    unary_deadline     Unary sleeping 5 s with a 0.3 s timeout, as a future
    unary_ok           Unary echo as a future
    unary_stream_local ServerStream (3 messages, 10 s apart): one message read, then cancelled
    unary_stream_server_abort ServerStream of 1 message with x-status-code 1

An RpcError is printed as `RpcError CODE` (with its details where both servers send the same).
"""

import argparse
import queue
import socket
import sys
import threading
import uuid

import grpc

from peer_common import method_path

CASES = [
    "unary_local",
    "unary_local_unconnected",
    "stream_unary_local",
    "unary_server_cancel",
    "unary_server_abort",
    "unary_deadline",
    "unary_ok",
    "unary_stream_local",
    "unary_stream_server_abort",
]

ABORT_DETAILS = "aborted by the handler"


def outcome(action, with_details=True):
    """What `action()` returns or raises, as text."""
    try:
        value = action()
    except grpc.FutureCancelledError:
        return "FutureCancelledError"
    except grpc.FutureTimeoutError:
        return "FutureTimeoutError"
    except grpc.RpcError as error:
        if with_details:
            return f"RpcError {error.code().name} {error.details()}"
        return f"RpcError {error.code().name}"
    if value is None:
        return "None"
    if isinstance(value, bytes):
        return f"bytes {value.hex()}"
    if isinstance(value, grpc.RpcError):
        if with_details:
            return f"RpcError {value.code().name} {value.details()}"
        return f"RpcError {value.code().name}"
    return repr(value)


def observe_future(name, future, cancel, with_details=True):
    """Prints the future's answers; cancels it first (after a wait that times out) when `cancel`."""

    def line(text):
        print(f"{name} {text}", flush=True)

    if cancel:
        line(f"result(timeout=0.2) {outcome(lambda: future.result(timeout=0.2))}")
        line(f"cancel {future.cancel()}")
    else:
        future.exception(timeout=30)  # waits until it is done
    line(f"cancelled {future.cancelled()}")
    line(f"done {future.done()}")
    line(f"running {future.running()}")
    line(f"code {future.code().name}")
    if with_details:
        line(f"details {future.details()}")
    line(f"result {outcome(future.result, with_details)}")
    line(f"exception {outcome(future.exception, with_details)}")
    line(f"cancel {future.cancel()}")
    line(f"cancelled {future.cancelled()}")
    seen = []
    future.add_done_callback(lambda done: seen.append(done.cancelled()))
    line(f"callback cancelled {seen[0] if seen else 'not run'}")


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def run_case(channel, name):
    unary = channel.unary_unary(method_path("Unary"))
    if name == "unary_local_unconnected":
        with grpc.insecure_channel(f"127.0.0.1:{free_port()}") as down:
            future = down.unary_unary(method_path("Unary")).future(b"hi", timeout=30, wait_for_ready=True)
            observe_future(name, future, cancel=True)
    elif name == "unary_local":
        wait = channel.unary_unary(method_path("WaitForCancel"))
        request = f"future {uuid.uuid4()}".encode("utf-8")
        observe_future(name, wait.future(request, timeout=30), cancel=True)
    elif name == "stream_unary_local":
        requests = queue.Queue()
        requests.put(b"\x01")
        stream = channel.stream_unary(method_path("ClientStream"))
        observe_future(name, stream.future(iter(requests.get, None), timeout=30), cancel=True)
        requests.put(None)  # ends grpcio's request-consuming thread
    elif name == "unary_server_cancel":
        # The details of a server-side cancel are the transport's words: code only.
        server_cancel = channel.unary_unary(method_path("ServerCancel"))
        observe_future(name, server_cancel.future(b"", timeout=30), cancel=False, with_details=False)
    elif name == "unary_server_abort":
        metadata = (("x-status-code", "1"), ("x-status-details-bin", ABORT_DETAILS.encode("utf-8")))
        observe_future(name, unary.future(b"hi", timeout=30, metadata=metadata), cancel=False)
    elif name == "unary_deadline":
        # The details of a deadline are the runtime's words: code only.
        future = unary.future(b"hi", timeout=0.3, metadata=(("x-sleep-ms", "5000"),))
        observe_future(name, future, cancel=False, with_details=False)
    elif name == "unary_ok":
        observe_future(name, unary.future(b"hi", timeout=30), cancel=False)
    elif name in ("unary_stream_local", "unary_stream_server_abort"):
        server_stream = channel.unary_stream(method_path("ServerStream"))
        if name == "unary_stream_local":
            metadata = (("x-count", "3"), ("x-size", "1"), ("x-interval-ms", "10000"))
        else:
            metadata = (
                ("x-count", "1"),
                ("x-size", "1"),
                ("x-status-code", "1"),
                ("x-status-details-bin", ABORT_DETAILS.encode("utf-8")),
            )
        responses = server_stream(b"", timeout=30, metadata=metadata)
        print(f"{name} next {outcome(lambda: next(responses))}", flush=True)
        if name == "unary_stream_local":
            print(f"{name} cancel {responses.cancel()}", flush=True)
        print(f"{name} next {outcome(lambda: next(responses))}", flush=True)
        print(f"{name} is_active {responses.is_active()}", flush=True)
        print(f"{name} code {responses.code().name}", flush=True)
        print(f"{name} details {responses.details()}", flush=True)
        print(f"{name} cancel {responses.cancel()}", flush=True)


def main():
    if "--list" in sys.argv:
        print("\n".join(CASES))
        return 0
    parser = argparse.ArgumentParser()
    parser.add_argument("--target", required=True)
    parser.add_argument("--case", action="append", choices=CASES)
    args = parser.parse_args()
    with grpc.insecure_channel(args.target) as channel:
        for name in args.case or CASES:
            run_case(channel, name)
    return 0


if __name__ == "__main__":
    sys.exit(main())
