"""bench-server for grpcio: gRPC's benchmark service on grpc.server(ThreadPoolExecutor).

    python bench_server.py --port N [--workers W] [--tls CERTS_DIR]

Prints "listening on PORT" once it serves (--port 0 picks a free port), then serves until killed.
With --tls the port is TLS, with CERTS_DIR/server.key and server.pem (Tests/Certificates of the repository).
"""

import argparse
import os
import sys
from concurrent import futures

import grpc

import stubs

messages_pb2, benchmark_service_pb2_grpc = stubs.load()

MAX_MESSAGE_LENGTH = 64 * 1024 * 1024


def make_response(size):
    return messages_pb2.SimpleResponse(payload=messages_pb2.Payload(body=bytes(max(size, 0))))


class BenchmarkServicer(benchmark_service_pb2_grpc.BenchmarkServiceServicer):
    def UnaryCall(self, request, context):
        return make_response(request.response_size)

    def StreamingCall(self, request_iterator, context):
        for request in request_iterator:
            yield make_response(request.response_size)

    def StreamingFromClient(self, request_iterator, context):
        size = 0
        for request in request_iterator:
            size = request.response_size
        return make_response(size)

    def StreamingFromServer(self, request, context):
        response = make_response(request.response_size)
        while context.is_active():
            yield response

    def StreamingBothWays(self, request_iterator, context):
        for request in request_iterator:
            yield make_response(request.response_size)


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--workers", type=int, default=10)
    parser.add_argument("--tls", metavar="CERTS_DIR", help="serve TLS with CERTS_DIR/server.key and server.pem")
    args = parser.parse_args()
    server = grpc.server(
        futures.ThreadPoolExecutor(max_workers=args.workers),
        options=[
            ("grpc.max_receive_message_length", MAX_MESSAGE_LENGTH),
            ("grpc.max_send_message_length", MAX_MESSAGE_LENGTH),
        ],
    )
    benchmark_service_pb2_grpc.add_BenchmarkServiceServicer_to_server(BenchmarkServicer(), server)
    address = "127.0.0.1:%d" % args.port
    if args.tls:
        pair = []
        for name in ("server.key", "server.pem"):
            with open(os.path.join(args.tls, name), "rb") as f:
                pair.append(f.read())
        port = server.add_secure_port(address, grpc.ssl_server_credentials([tuple(pair)]))
    else:
        port = server.add_insecure_port(address)
    server.start()
    print("listening on %d" % port, flush=True)
    server.wait_for_termination()


if __name__ == "__main__":
    sys.exit(main())
