"""The grpcio dispatcher server: serves Dispatch and leaves DispatchEvent to the generated
DispatcherServicer, which answers UNIMPLEMENTED "Method not implemented!".

Binds [::]:PORT (0 = any free port), prints `Server started, listening on <port>` and serves until
killed. Needs dispatcher_pb2 and dispatcher_pb2_grpc on PYTHONPATH (see README.md).
"""

import argparse
from concurrent import futures

import dispatcher_pb2
import dispatcher_pb2_grpc
import grpc


class ObjectDispatcher(dispatcher_pb2_grpc.DispatcherServicer):
    """Dispatches objects; events are not served yet."""

    def Dispatch(self, request, context):
        return dispatcher_pb2.Object(id=request.id, kind=request.kind, status="dispatched")


def serve(port):
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=10))
    dispatcher_pb2_grpc.add_DispatcherServicer_to_server(ObjectDispatcher(), server)
    bound = server.add_insecure_port(f"[::]:{port}")
    server.start()
    print(f"Server started, listening on {bound}", flush=True)
    server.wait_for_termination()


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, default=50051)
    serve(parser.parse_args().port)
