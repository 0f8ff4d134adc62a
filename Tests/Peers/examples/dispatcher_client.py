"""The grpcio dispatcher client: calls both methods and prints what each returned.

Needs dispatcher_pb2 and dispatcher_pb2_grpc on PYTHONPATH (see README.md).
"""

import argparse

import dispatcher_pb2
import dispatcher_pb2_grpc
import grpc


def run(target):
    with grpc.insecure_channel(target) as channel:
        stub = dispatcher_pb2_grpc.DispatcherStub(channel)

        obj = stub.Dispatch(dispatcher_pb2.Object(id="order-1", kind="order", status="new"), timeout=10)
        print("Dispatch returned: %s (%s) is %s" % (obj.id, obj.kind, obj.status))

        try:
            reply = stub.DispatchEvent(dispatcher_pb2.Event(object_id="order-1", name="shipped"), timeout=10)
            print("DispatchEvent returned: %s" % reply.message)
        except grpc.RpcError as error:
            print("DispatchEvent failed: %s %s" % (error.code(), error.details()))


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--target", default="localhost:50051")
    run(parser.parse_args().target)
