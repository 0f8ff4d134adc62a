"""The helloworld Greeter server of grpc's Python examples (greeter_server.py), with TLS as
docs/tls.md shows it: the grpcio counterpart of helloworld-server.

Usage: greeter_server.py [--port N] [--tls-cert PEM --tls-key PEM [--client-ca PEM]]
"""

import argparse
from concurrent import futures

import grpc
import helloworld_pb2
import helloworld_pb2_grpc


class Greeter(helloworld_pb2_grpc.GreeterServicer):
    def SayHello(self, request, context):
        return helloworld_pb2.HelloReply(message=f"Hello, {request.name}!")


def read(path):
    with open(path, "rb") as file:
        return file.read()


def serve(port, cert, key, client_ca):
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=10))
    helloworld_pb2_grpc.add_GreeterServicer_to_server(Greeter(), server)
    if cert:
        credentials = grpc.ssl_server_credentials(
            [(read(key), read(cert))],
            root_certificates=read(client_ca) if client_ca else None,
            require_client_auth=client_ca is not None,
        )
        bound = server.add_secure_port(f"[::]:{port}", credentials)
    else:
        bound = server.add_insecure_port(f"[::]:{port}")
    server.start()
    print(f"Server started, listening on {bound}", flush=True)
    server.wait_for_termination()


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, default=50051)
    parser.add_argument("--tls-cert")
    parser.add_argument("--tls-key")
    parser.add_argument("--client-ca")
    args = parser.parse_args()
    serve(args.port, args.tls_cert, args.tls_key, args.client_ca)
