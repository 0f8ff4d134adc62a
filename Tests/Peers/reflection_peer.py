"""grpcio-reflection's side of the reflection tests (Tests/ReflectionTests).

`reflection_peer.py server` serves the golden services of protos/testing (golden.RouteGuide,
golden.imported.Imported, golden.extensions.Tagger; no method implemented) with grpcio-reflection's
`enable_server_reflection`, prints `PORT <n>` and serves until stdin closes.

`reflection_peer.py client --target HOST:PORT [--version v1alpha|v1]` asks a reflection server
what the tests compare and prints it as one JSON object:

- `services`: `ProtoReflectionDescriptorDatabase.get_services()`;
- `messages`: for each of MESSAGES, its fields as a `DescriptorPool` over that database builds
  the type from nothing but the server (name, number, type, message or enum type name), or
  `KeyError`; `extensions`: the extensions of golden.extensions.Extendable the pool finds;
- `requests`: for each raw request of REQUESTS, the answer: the names of the files returned, the
  extension numbers, or the error response's code and message.

grpcio-reflection serves v1alpha only and its client speaks v1alpha; `--version v1` sends the same
messages (identical on the wire) to `grpc.reflection.v1.ServerReflection` instead.
"""

import argparse
import hashlib
import json
import shutil
import sys
import tempfile
import types
from concurrent import futures
from pathlib import Path

import grpc

_REPO = Path(__file__).resolve().parents[2]
_PROTOS = ("messages.proto", "route_guide.proto", "imported.proto", "extensions.proto")

MESSAGES = [
    "golden.messages.Feature",
    "golden.messages.RouteNote",
    "helloworld.HelloRequest",
    "google.protobuf.Empty",
    "golden.extensions.Extendable",
    "golden.extensions.Holder",
    "golden.Missing",
]

SYMBOLS = [
    "golden.RouteGuide",
    "golden.RouteGuide.GetFeature",
    "golden.imported.Imported",
    "golden.messages.Point",
    "golden.messages.Point.latitude",
    "golden.extensions.Holder.Kind",
    "golden.extensions.Holder.KIND_PLAIN",
    "golden.extensions.Holder.Kind.KIND_PLAIN",
    "golden.extensions.Holder.choice",
    "golden.extensions.Holder.text",
    "golden.extensions.label",
    "golden.extensions.Holder.rank",
    "helloworld.Greeter",
    "helloworld.HelloReply.message",
    "google.protobuf.Empty",
    "golden",
    "golden.messages",
    ".golden.messages.Point",
    "Point",
    "golden.Missing",
    "",
]

FILES = [
    "messages.proto",
    "route_guide.proto",
    "imported.proto",
    "extensions.proto",
    "helloworld.proto",
    "google/protobuf/empty.proto",
    "missing.proto",
    "",
]

EXTENSION_TYPES = ["golden.extensions.Extendable", "golden.messages.Point", "golden.Missing", ""]
EXTENSIONS = [
    ("golden.extensions.Extendable", 100),
    ("golden.extensions.Extendable", 150),
    ("golden.extensions.Extendable", 199),
    ("golden.Missing", 100),
]


def _modules():
    """Generates the golden protos' Python modules into a temporary directory (reused while the
    protos and grpcio-tools stay the same) and imports them."""
    from grpc_tools import protoc

    roots = [_REPO / "protos" / "testing", _REPO / "protos"]
    sources = [root / name for root in roots for name in _PROTOS + ("helloworld.proto",)]
    digest = hashlib.sha256(protoc.__file__.encode())
    for source in sources:
        if source.exists():
            digest.update(source.read_bytes())
    out = Path(tempfile.gettempdir()) / f"grpc-sync-reflection-py-{digest.hexdigest()[:16]}"
    if not (out / "extensions_pb2_grpc.py").exists():
        staging = Path(tempfile.mkdtemp(prefix=out.name + "-", dir=out.parent))
        well_known = Path(protoc.__file__).parent / "_proto"
        status = protoc.main([
            "protoc", *(f"-I{root}" for root in roots), f"-I{well_known}", f"--python_out={staging}",
            f"--grpc_python_out={staging}", *_PROTOS, "helloworld.proto",
        ])
        if status != 0:
            sys.exit(f"grpc_tools.protoc failed ({status})")
        try:
            staging.rename(out)
        except OSError:  # another process made it first
            shutil.rmtree(staging, ignore_errors=True)
    sys.path.insert(0, str(out))
    return {name: (__import__(f"{name}_pb2"), __import__(f"{name}_pb2_grpc"))
            for name in ("route_guide", "imported", "extensions")}


def serve(port):
    from grpc_reflection.v1alpha import reflection

    modules = _modules()
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=4))
    service_names = []
    # As grpcio's reflection example does: the service names from the _pb2 modules, which importing
    # adds to the default descriptor pool (a _pb2_grpc module imports only its messages' files).
    for (pb2, pb2_grpc), service in zip(modules.values(), ("RouteGuide", "Imported", "Tagger")):
        getattr(pb2_grpc, f"add_{service}Servicer_to_server")(getattr(pb2_grpc, f"{service}Servicer")(), server)
        service_names.append(pb2.DESCRIPTOR.services_by_name[service].full_name)
    reflection.enable_server_reflection(service_names + [reflection.SERVICE_NAME], server)
    bound = server.add_insecure_port(f"[::]:{port}")
    server.start()
    print(f"PORT {bound}", flush=True)
    sys.stdin.read()
    server.stop(None)


def _stub(channel, version):
    from grpc_reflection.v1alpha import reflection_pb2, reflection_pb2_grpc

    if version == "v1alpha":
        return reflection_pb2_grpc.ServerReflectionStub(channel)
    return types.SimpleNamespace(ServerReflectionInfo=channel.stream_stream(
        "/grpc.reflection.v1.ServerReflection/ServerReflectionInfo",
        request_serializer=reflection_pb2.ServerReflectionRequest.SerializeToString,
        response_deserializer=reflection_pb2.ServerReflectionResponse.FromString))


def _answer(response):
    from google.protobuf import descriptor_pb2

    kind = response.WhichOneof("message_response")
    if kind == "file_descriptor_response":
        files = [descriptor_pb2.FileDescriptorProto.FromString(b).name
                 for b in response.file_descriptor_response.file_descriptor_proto]
        return {"files": files}
    if kind == "all_extension_numbers_response":
        numbers = response.all_extension_numbers_response
        return {"base_type_name": numbers.base_type_name, "numbers": list(numbers.extension_number)}
    if kind == "list_services_response":
        return {"services": [s.name for s in response.list_services_response.service]}
    if kind == "error_response":
        return {"error": [response.error_response.error_code, response.error_response.error_message]}
    return {"none": True}


def _field(field):
    type_name = field.message_type or field.enum_type
    return [field.name, field.number, field.type, type_name.full_name if type_name else ""]


def ask(target, version):
    from google.protobuf.descriptor_pool import DescriptorPool
    from grpc_reflection.v1alpha import reflection_pb2
    from grpc_reflection.v1alpha.proto_reflection_descriptor_database import ProtoReflectionDescriptorDatabase

    Request = reflection_pb2.ServerReflectionRequest
    requests = [("list_services", Request(list_services="")), ("empty", Request())]
    requests += [(f"file {name}", Request(file_by_filename=name)) for name in FILES]
    requests += [(f"symbol {name}", Request(file_containing_symbol=name)) for name in SYMBOLS]
    requests += [(f"extension numbers {name}", Request(all_extension_numbers_of_type=name))
                 for name in EXTENSION_TYPES]
    requests += [(f"extension {name} {number}", Request(file_containing_extension=reflection_pb2.ExtensionRequest(
        containing_type=name, extension_number=number))) for name, number in EXTENSIONS]

    result = {}
    with grpc.insecure_channel(target) as channel:
        stub = _stub(channel, version)
        try:
            responses = list(stub.ServerReflectionInfo(iter([r for _, r in requests]), timeout=30))
        except grpc.RpcError as error:
            print(json.dumps({"rpc_error": [error.code().name, error.details()]}))
            return
        result["requests"] = {name: _answer(r) for (name, _), r in zip(requests, responses)}
        result["original_requests_match"] = all(
            r.original_request == q for (_, q), r in zip(requests, responses))

        database = ProtoReflectionDescriptorDatabase(channel)
        database._stub = stub
        result["services"] = list(database.get_services())
        pool = DescriptorPool(database)
        messages = {}
        for name in MESSAGES:
            try:
                messages[name] = [_field(f) for f in pool.FindMessageTypeByName(name).fields]
            except KeyError:
                messages[name] = "KeyError"
        result["messages"] = messages
        extendable = pool.FindMessageTypeByName("golden.extensions.Extendable")
        result["extensions"] = sorted(
            [e.full_name, e.number] for e in pool.FindAllExtensions(extendable))
    print(json.dumps(result, sort_keys=True))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("mode", choices=["server", "client"])
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--target")
    parser.add_argument("--version", choices=["v1alpha", "v1"], default="v1alpha")
    args = parser.parse_args()
    if args.mode == "server":
        serve(args.port)
    else:
        ask(args.target, args.version)


if __name__ == "__main__":
    main()
