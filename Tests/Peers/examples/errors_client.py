"""The grpcio errors client: grpc's examples/python/errors/client.py with a --target flag,
printing instead of logging, and calling process twice (as grpc's test of the example does), so
that against errors_server.py the first call succeeds and the second prints the rich status's
QuotaFailure. Needs helloworld_pb2 and helloworld_pb2_grpc on PYTHONPATH (see README.md).
"""

import argparse

from google.rpc import error_details_pb2
import grpc
from grpc_status import rpc_status

import helloworld_pb2
import helloworld_pb2_grpc


def process(stub):
    try:
        response = stub.SayHello(helloworld_pb2.HelloRequest(name="Alice"), timeout=10)
        print("Call success: %s" % response.message)
    except grpc.RpcError as rpc_error:
        print("Call failure: %s %s" % (rpc_error.code(), rpc_error.details()))
        status = rpc_status.from_call(rpc_error)
        for detail in status.details:
            if detail.Is(error_details_pb2.QuotaFailure.DESCRIPTOR):
                info = error_details_pb2.QuotaFailure()
                detail.Unpack(info)
                print("Quota failure: %s" % info)
            else:
                raise RuntimeError("Unexpected failure: %s" % detail)


def run(target):
    with grpc.insecure_channel(target) as channel:
        stub = helloworld_pb2_grpc.GreeterStub(channel)
        process(stub)
        process(stub)


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--target", default="localhost:50051")
    run(parser.parse_args().target)
