"""What grpcurl and grpc_health_probe would ask an example server, asked with grpcio's own
clients: the services it lists through reflection (grpcio-reflection's
`ProtoReflectionDescriptorDatabase`) and the health of the server and of each of them
(grpcio-health-checking's `HealthStub`).

    health_reflection_client.py --target HOST:PORT

prints `SERVICES a,b,c` (sorted), then `HEALTH SERVICE STATUS` for the server (`-`) and each
service, STATUS the ServingStatus name, or the status code's name when Check failed.
"""

import argparse

import grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha.proto_reflection_descriptor_database import ProtoReflectionDescriptorDatabase


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--target", required=True)
    args = parser.parse_args()
    with grpc.insecure_channel(args.target) as channel:
        services = sorted(ProtoReflectionDescriptorDatabase(channel).get_services())
        print("SERVICES " + ",".join(services))
        stub = health_pb2_grpc.HealthStub(channel)
        for service in [""] + services:
            try:
                response = stub.Check(health_pb2.HealthCheckRequest(service=service), timeout=10)
                status = health_pb2.HealthCheckResponse.ServingStatus.Name(response.status)
            except grpc.RpcError as error:
                status = error.code().name
            print(f"HEALTH {service or '-'} {status}")


if __name__ == "__main__":
    main()
