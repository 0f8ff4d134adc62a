#!/usr/bin/env python3
"""What grpcio's server logs (Python `logging`, configured as most applications configure it with
`logging.basicConfig`) when a handler fails, so a test can compare the Swift server's log.

Usage:
    logging_peer.py

Serves `log.Test` on a free port with grpcio, calls each method once with a grpcio client, and
prints one line per record grpcio logged, `RECORD <LEVEL> <message>`, then `CODES` and each
call's status as `<method> <code name> <details>`. The methods:

    Throw       raises ValueError("boom")
    Abort       context.abort(NOT_FOUND, "nothing here")
    BadRequest  its request deserializer raises (any request fails to deserialize)
"""

import logging
import sys
from concurrent import futures

import grpc


class Recorder(logging.Handler):
    def __init__(self):
        super().__init__()
        self.records = []

    def emit(self, record):
        # The first line: the traceback that logging.exception appends is not compared.
        self.records.append((record.levelname, record.getMessage().split("\n")[0]))


def throw(request, context):
    raise ValueError("boom")


def abort(request, context):
    context.abort(grpc.StatusCode.NOT_FOUND, "nothing here")


def bad_deserializer(data):
    raise ValueError("cannot parse")


def main():
    if len(sys.argv) > 1:
        print(__doc__)
        return 2
    recorder = Recorder()
    logging.basicConfig(level=logging.WARNING, handlers=[recorder])
    handler = grpc.method_handlers_generic_handler(
        "log.Test",
        {
            "Throw": grpc.unary_unary_rpc_method_handler(throw),
            "Abort": grpc.unary_unary_rpc_method_handler(abort),
            "BadRequest": grpc.unary_unary_rpc_method_handler(throw, request_deserializer=bad_deserializer),
        },
    )
    server = grpc.server(futures.ThreadPoolExecutor(4), handlers=[handler])
    port = server.add_insecure_port("localhost:0")
    server.start()
    codes = []
    with grpc.insecure_channel(f"localhost:{port}") as channel:
        for method in ["Throw", "Abort", "BadRequest"]:
            try:
                channel.unary_unary(f"/log.Test/{method}")(b"x", timeout=10)
                codes.append(f"{method} OK")
            except grpc.RpcError as error:
                codes.append(f"{method} {error.code().name} {error.details()}")
    server.stop(None).wait()
    for level, message in recorder.records:
        print(f"RECORD {level} {message}")
    print("CODES")
    for line in codes:
        print(line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
