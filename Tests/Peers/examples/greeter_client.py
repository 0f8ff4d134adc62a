"""The helloworld Greeter client of grpc's Python examples (greeter_client.py), with TLS as
docs/tls.md shows it: the grpcio counterpart of helloworld-client.

Usage: greeter_client.py [--target HOST:PORT] [--name NAME] [--ca PEM [--cert PEM --key PEM]]
"""

import argparse

import grpc
import helloworld_pb2
import helloworld_pb2_grpc


def read(path):
    with open(path, "rb") as file:
        return file.read()


def run(target, name, ca, cert, key):
    if ca:
        credentials = grpc.ssl_channel_credentials(
            root_certificates=read(ca),
            private_key=read(key) if key else None,
            certificate_chain=read(cert) if cert else None,
        )
        channel = grpc.secure_channel(target, credentials)
    else:
        channel = grpc.insecure_channel(target)
    with channel:
        stub = helloworld_pb2_grpc.GreeterStub(channel)
        response = stub.SayHello(helloworld_pb2.HelloRequest(name=name), timeout=10)
    print(f"Greeter client received: {response.message}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--target", default="localhost:50051")
    parser.add_argument("--name", default="you")
    parser.add_argument("--ca")
    parser.add_argument("--cert")
    parser.add_argument("--key")
    args = parser.parse_args()
    run(args.target, args.name, args.ca, args.cert, args.key)
