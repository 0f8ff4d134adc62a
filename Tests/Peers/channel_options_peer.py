#!/usr/bin/env python3
"""grpcio's side of ChannelOptionsTests.swift: the options `grpc.primary_user_agent`,
`grpc.default_authority` and `grpc.max_metadata_size`, on a grpcio server that shows what it
receives and a grpcio client that prints what it observes.

Usage: channel_options_peer.py server [--address ADDRESS] [--option KEY=VALUE]...
           prints `PORT <n>`, serves the probe service below on ADDRESS (default [::]:0) until
           stdin closes
       channel_options_peer.py targets --targets TARGET...
           for each TARGET, a channel to it and one Headers call; prints
           `TARGET CODE DETAILS | AUTHORITY` (the answer's `authority=` line)
       channel_options_peer.py headers --target HOST:PORT [--option KEY=VALUE]...
           calls Headers once; prints its answer (two lines)
       channel_options_peer.py metadata --target HOST:PORT [--option KEY=VALUE]... --size SIZE...
           for each SIZE: a Request call carrying metadata `x-big` of SIZE bytes, then
           InitialMetadata and TrailingMetadata asking for SIZE bytes; prints
           `request SIZE CODE`, `initial SIZE CODE`, `trailing SIZE CODE`

The probe service, `/options.Probe/`:
    Headers          answers `user-agent=U` and `authority=A` lines: the request's user-agent
                     (invocation metadata) and :authority (grpcio's call details `host`)
    Request          answers `ok`
    InitialMetadata  the request is a decimal SIZE: sends initial metadata `x-big` of SIZE bytes
                     of `a`, answers `ok`
    TrailingMetadata the same in the trailing metadata
"""

import argparse
import sys
import threading
from concurrent.futures import ThreadPoolExecutor

import grpc

SERVICE = "options.Probe"


def option(text):
    key, value = text.split("=", 1)
    try:
        return (key, int(value))
    except ValueError:
        return (key, value)


def headers(request, context):
    user_agent = dict(context.invocation_metadata()).get("user-agent")
    # grpcio has no public accessor for the :authority a server received: its call details do.
    authority = context._rpc_event.call_details.host.decode("utf-8")  # pylint: disable=protected-access
    return f"user-agent={user_agent}\nauthority={authority}".encode("utf-8")


def initial_metadata(request, context):
    context.send_initial_metadata((("x-big", "a" * int(request)),))
    return b"ok"


def trailing_metadata(request, context):
    context.set_trailing_metadata((("x-big", "a" * int(request)),))
    return b"ok"


def serve(options, address):
    server = grpc.server(ThreadPoolExecutor(max_workers=4), options=options)
    handlers = {
        "Headers": grpc.unary_unary_rpc_method_handler(headers),
        "Request": grpc.unary_unary_rpc_method_handler(lambda request, context: b"ok"),
        "InitialMetadata": grpc.unary_unary_rpc_method_handler(initial_metadata),
        "TrailingMetadata": grpc.unary_unary_rpc_method_handler(trailing_metadata),
    }
    server.add_generic_rpc_handlers((grpc.method_handlers_generic_handler(SERVICE, handlers),))
    port = server.add_insecure_port(address)
    server.start()
    print(f"PORT {port}", flush=True)
    stdin_closed = threading.Event()
    threading.Thread(target=lambda: (sys.stdin.read(), stdin_closed.set()), daemon=True).start()
    stdin_closed.wait()
    server.stop(None)


def code_of(call):
    try:
        call()
        return "OK"
    except grpc.RpcError as error:
        return error.code().name


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("mode", choices=["server", "headers", "metadata", "targets"])
    parser.add_argument("--target")
    parser.add_argument("--address", default="[::]:0")
    parser.add_argument("--targets", nargs="+", default=[])
    parser.add_argument("--option", action="append", default=[])
    parser.add_argument("--size", action="append", type=int, default=[])
    args = parser.parse_args()
    options = [option(text) for text in args.option]
    if args.mode == "server":
        serve(options, args.address)
        return 0
    if args.mode == "targets":
        for target in args.targets:
            with grpc.insecure_channel(target) as channel:
                try:
                    answer = channel.unary_unary(f"/{SERVICE}/Headers")(b"", timeout=10).decode("utf-8")
                    code, details = "OK", ""
                except grpc.RpcError as error:
                    answer, code, details = "", error.code().name, error.details() or ""
            authority = [line for line in answer.split("\n") if line.startswith("authority=")]
            print(f"{target} {code} {details} | {''.join(authority)}", flush=True)
        return 0
    with grpc.insecure_channel(args.target, options=options) as channel:

        def method(name):
            return channel.unary_unary(f"/{SERVICE}/{name}")

        if args.mode == "headers":
            print(method("Headers")(b"", timeout=30).decode("utf-8"), flush=True)
            return 0
        for size in args.size:
            metadata = (("x-big", "a" * size),)
            print(f"request {size} {code_of(lambda: method('Request')(b'', metadata=metadata, timeout=30))}")
            for kind, name in (("initial", "InitialMetadata"), ("trailing", "TrailingMetadata")):
                request = str(size).encode("ascii")
                print(f"{kind} {size} {code_of(lambda: method(name)(request, timeout=30))}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
