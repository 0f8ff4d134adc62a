"""The grpcio errors server: grpc's examples/python/errors/server.py with a --port flag.

Greets each name once; a second SayHello for the same name ends with a rich status
(RESOURCE_EXHAUSTED "Request limit exceeded." with a google.rpc.QuotaFailure detail), sent by
grpcio-status's rpc_status.to_status. Needs helloworld_pb2 and helloworld_pb2_grpc on PYTHONPATH
(see README.md).
"""

import argparse
from concurrent import futures
import threading

from google.protobuf import any_pb2
from google.rpc import code_pb2
from google.rpc import error_details_pb2
from google.rpc import status_pb2
import grpc
from grpc_status import rpc_status

import helloworld_pb2
import helloworld_pb2_grpc


def create_greet_limit_exceed_error_status(name):
    detail = any_pb2.Any()
    detail.Pack(
        error_details_pb2.QuotaFailure(
            violations=[
                error_details_pb2.QuotaFailure.Violation(
                    subject="name: %s" % name,
                    description="Limit one greeting per person",
                )
            ],
        )
    )
    return status_pb2.Status(
        code=code_pb2.RESOURCE_EXHAUSTED,
        message="Request limit exceeded.",
        details=[detail],
    )


class LimitedGreeter(helloworld_pb2_grpc.GreeterServicer):
    def __init__(self):
        self._lock = threading.RLock()
        self._greeted = set()

    def SayHello(self, request, context):
        with self._lock:
            if request.name in self._greeted:
                rich_status = create_greet_limit_exceed_error_status(request.name)
                context.abort_with_status(rpc_status.to_status(rich_status))
            else:
                self._greeted.add(request.name)
        return helloworld_pb2.HelloReply(message="Hello, %s!" % request.name)


def serve(port):
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=10))
    helloworld_pb2_grpc.add_GreeterServicer_to_server(LimitedGreeter(), server)
    bound = server.add_insecure_port("[::]:%d" % port)
    server.start()
    print("Server started, listening on %d" % bound, flush=True)
    server.wait_for_termination()


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, default=50051)
    serve(parser.parse_args().port)
