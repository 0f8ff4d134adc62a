"""bench-server for grpcio's asyncio API: gRPC's benchmark service with async handlers on grpc.aio.server().

    python bench_aio_server.py --port N

Prints "listening on PORT" once it serves (--port 0 picks a free port), then serves until killed.
"""

import argparse
import asyncio
import sys

import grpc

from bench_server import MAX_MESSAGE_LENGTH, benchmark_service_pb2_grpc, make_response


class BenchmarkServicer(benchmark_service_pb2_grpc.BenchmarkServiceServicer):
    async def UnaryCall(self, request, context):
        return make_response(request.response_size)

    async def StreamingCall(self, request_iterator, context):
        async for request in request_iterator:
            yield make_response(request.response_size)

    async def StreamingFromClient(self, request_iterator, context):
        size = 0
        async for request in request_iterator:
            size = request.response_size
        return make_response(size)

    async def StreamingFromServer(self, request, context):
        response = make_response(request.response_size)
        while not context.done():
            await context.write(response)

    async def StreamingBothWays(self, request_iterator, context):
        async for request in request_iterator:
            yield make_response(request.response_size)


async def serve(port):
    server = grpc.aio.server(
        options=[
            ("grpc.max_receive_message_length", MAX_MESSAGE_LENGTH),
            ("grpc.max_send_message_length", MAX_MESSAGE_LENGTH),
        ],
    )
    benchmark_service_pb2_grpc.add_BenchmarkServiceServicer_to_server(BenchmarkServicer(), server)
    bound = server.add_insecure_port("127.0.0.1:%d" % port)
    await server.start()
    print("listening on %d" % bound, flush=True)
    await server.wait_for_termination()


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args()
    asyncio.run(serve(args.port))


if __name__ == "__main__":
    sys.exit(main())
