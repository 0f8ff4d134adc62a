#!/usr/bin/env python3
"""grpcio's side of RetryTests.swift: a server whose calls fail on purpose a number of times, and a
grpcio client that runs retry_cases.json against it with each case's service config.

Usage: retry_peer.py server
           prints `PORT <n>`, serves /retry.Probe/ until stdin closes
       retry_peer.py client --target HOST:PORT
           runs every case of retry_cases.json; prints one line per case (below)
       retry_peer.py once --target HOST:PORT --config JSON --method PATH
           one unary call with that service config; prints `CODE DETAILS`

The server's methods, /retry.Probe/{Unary,ClientStream,ServerStream,Bidi}, read the call's
metadata:
    x-call-id      the call's key: attempts of one call share it (required)
    x-fail         `CODE*N`: the first N attempts fail with status CODE (e.g. `UNAVAILABLE*2`)
    x-pushback     with each failure, trailing metadata grpc-retry-pushback-ms set to this
    x-headers-first  `1`: a failing attempt sends its response headers before it fails
An attempt that does not fail answers `attempts=A previous=P requests=R`: A attempts of this call
seen so far, P the value of grpc-previous-rpc-attempts it carried (`-` without one), R the request
messages it received (streaming responses: that text, then `end`). A failing attempt's details
are `attempt K failed`.

A case (retry_cases.json) has: name, config (the service config's JSON text), options (more
channel options), method (default Unary), requests (messages a client-streaming call sends,
default 1), fail, pushback, headers_first (the metadata above), timeout (default 10), calls (how
many calls, one after the other on one channel, default 1). A client line is `NAME` followed,
for each call, by ` CODE DETAILS | RESPONSES` (responses joined by `;`), calls joined by ` ||`.
"""

import argparse
import json
import os
import sys
import threading
import uuid
from concurrent.futures import ThreadPoolExecutor

import grpc

SERVICE = "retry.Probe"
CASES = os.path.join(os.path.dirname(os.path.abspath(__file__)), "retry_cases.json")

_attempts = {}
_lock = threading.Lock()


def _attempt(context, requests):
    """Records the attempt; fails it if the call asks; returns the success text otherwise."""
    metadata = dict(context.invocation_metadata())
    call_id = metadata["x-call-id"]
    with _lock:
        _attempts[call_id] = _attempts.get(call_id, 0) + 1
        count = _attempts[call_id]
    previous = metadata.get("grpc-previous-rpc-attempts", "-")
    if "x-fail" in metadata:
        code_name, times = metadata["x-fail"].split("*")
        if count <= int(times):
            if metadata.get("x-headers-first") == "1":
                context.send_initial_metadata((("x-headers", "sent"),))
            if "x-pushback" in metadata:
                context.set_trailing_metadata((("grpc-retry-pushback-ms", metadata["x-pushback"]),))
            context.abort(grpc.StatusCode[code_name], "attempt %d failed" % count)
    return "attempts=%d previous=%s requests=%d" % (count, previous, len(requests))


def unary(request, context):
    return _attempt(context, [request]).encode()


def client_stream(request_iterator, context):
    return _attempt(context, list(request_iterator)).encode()


def server_stream(request, context):
    text = _attempt(context, [request])
    yield text.encode()
    yield b"end"


def bidi(request_iterator, context):
    requests = list(request_iterator)
    text = _attempt(context, requests)
    yield text.encode()
    yield b"end"


def serve():
    handler = grpc.method_handlers_generic_handler(
        SERVICE,
        {
            "Unary": grpc.unary_unary_rpc_method_handler(unary),
            "ClientStream": grpc.stream_unary_rpc_method_handler(client_stream),
            "ServerStream": grpc.unary_stream_rpc_method_handler(server_stream),
            "Bidi": grpc.stream_stream_rpc_method_handler(bidi),
        },
    )
    server = grpc.server(ThreadPoolExecutor(max_workers=16), handlers=[handler])
    port = server.add_insecure_port("127.0.0.1:0")
    server.start()
    print("PORT %d" % port, flush=True)
    sys.stdin.read()
    server.stop(None)


def run_call(channel, case):
    metadata = [("x-call-id", uuid.uuid4().hex)]
    for key, field in (("x-fail", "fail"), ("x-pushback", "pushback"), ("x-headers-first", "headers_first")):
        if field in case:
            metadata.append((key, str(case[field])))
    method = case.get("method", "Unary")
    requests = [b"r%d" % i for i in range(case.get("requests", 1))]
    timeout = case.get("timeout", 10)
    responses = []
    path = "/%s/%s" % (SERVICE, method)
    try:
        if method == "Unary":
            responses.append(channel.unary_unary(path)(requests[0], timeout=timeout, metadata=metadata))
        elif method == "ClientStream":
            responses.append(channel.stream_unary(path)(iter(requests), timeout=timeout, metadata=metadata))
        elif method == "ServerStream":
            for response in channel.unary_stream(path)(requests[0], timeout=timeout, metadata=metadata):
                responses.append(response)
        else:
            for response in channel.stream_stream(path)(iter(requests), timeout=timeout, metadata=metadata):
                responses.append(response)
        code, details = "OK", ""
    except grpc.RpcError as error:
        code, details = error.code().name, error.details() or ""
    return " %s %s | %s" % (code, details, ";".join(r.decode() for r in responses))


def run_case(case, target):
    options = [("grpc.service_config", case["config"])] + [tuple(o) for o in case.get("options", [])]
    with grpc.insecure_channel(target, options=options) as channel:
        calls = [run_call(channel, case) for _ in range(case.get("calls", 1))]
    return case["name"] + " ||".join(calls)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("mode", choices=["server", "client", "once"])
    parser.add_argument("--target")
    parser.add_argument("--config")
    parser.add_argument("--method")
    args = parser.parse_args()
    if args.mode == "server":
        serve()
        return
    if args.mode == "once":
        with grpc.insecure_channel(args.target, options=[("grpc.service_config", args.config)]) as channel:
            try:
                channel.unary_unary(args.method)(b"x", timeout=10)
                print("OK ", flush=True)
            except grpc.RpcError as error:
                print("%s %s" % (error.code().name, error.details()), flush=True)
        return
    with open(CASES) as f:
        cases = json.load(f)
    for case in cases:
        print(run_case(case, args.target), flush=True)


if __name__ == "__main__":
    main()
