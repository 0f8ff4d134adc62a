"""grpcio interop test server: grpc.testing.TestService as doc/interop-test-descriptions.md
("Server") requires it, the counterpart of the Swift interop-server.

Usage: interop_server.py [--port=PORT] [--use_tls=false] [--tls_cert_file=PEM] [--tls_key_file=PEM]

Binds [::]:PORT (0: a free port), prints "interop_server.py listening on port N" and serves until
SIGTERM or SIGINT. UnimplementedCall is left unimplemented on purpose.

--use_tls=true serves TLS (grpc.ssl_server_credentials, no client certificate) with
--tls_cert_file/--tls_key_file, by default Tests/Certificates/server.pem and server.key, whose CA
is Tests/Certificates/ca.pem (the clients' --use_test_ca). grpc's Python interop server takes only
--port and --use_tls; the file flags are grpc-go's interop server's.

grpcio's ServicerContext cannot tell whether a request arrived compressed, so the server runs with
per-message decompression off and decompresses in its deserializers (interop_common).
"""

import argparse
import signal
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import grpc

from interop_common import (
    KEEP_COMPRESSED_MESSAGES,
    SERVER_CERT,
    SERVER_KEY,
    add_bool_flag,
    compression_aware,
    empty_pb2,
    messages_pb2,
)

SERVICE = "grpc.testing.TestService"
ECHO_INITIAL_KEY = "x-grpc-test-echo-initial"
ECHO_TRAILING_KEY = "x-grpc-test-echo-trailing-bin"
STATUS_BY_NUMBER = {code.value[0]: code for code in grpc.StatusCode}


def _echo_metadata(context, initial=()):
    """Echo Metadata: the echo-initial entry goes back in the initial metadata (with `initial`),
    the echo-trailing-bin entry in the trailing metadata."""
    received = context.invocation_metadata()
    echoed_initial = [(k, v) for k, v in received if k == ECHO_INITIAL_KEY] + list(initial)
    if echoed_initial:
        context.send_initial_metadata(echoed_initial)
    echoed_trailing = [(k, v) for k, v in received if k == ECHO_TRAILING_KEY]
    if echoed_trailing:
        context.set_trailing_metadata(echoed_trailing)


def _echo_status(request, context):
    """Echo Status: ends the call with the requested code and message (code 0: goes on)."""
    if request.HasField("response_status") and request.response_status.code != 0:
        code = STATUS_BY_NUMBER.get(request.response_status.code, grpc.StatusCode.UNKNOWN)
        context.abort(code, request.response_status.message)


def _check_compression(request, compressed, context):
    """CompressedRequest: a request that says it was sent compressed must have been."""
    if request.HasField("expect_compressed") and request.expect_compressed.value and not compressed:
        context.abort(grpc.StatusCode.INVALID_ARGUMENT,
                      "Expected compressed request, but the request was not compressed")


def _payload(response_type, size, context):
    if response_type != messages_pb2.COMPRESSABLE:
        context.abort(grpc.StatusCode.INVALID_ARGUMENT, f"Unsupported payload type {response_type}")
    if size < 0:
        context.abort(grpc.StatusCode.INVALID_ARGUMENT, f"Negative payload size {size}")
    return messages_pb2.Payload(type=messages_pb2.COMPRESSABLE, body=bytes(size))


def _responses(request, context):
    """The echoed status, else one response per ResponseParameters, each after its interval_us
    pause and compressed as its `compressed` asks (gzip is chosen for the whole call first)."""
    _echo_status(request, context)
    parameters = request.response_parameters
    if any(p.HasField("compressed") and p.compressed.value for p in parameters):
        context.set_compression(grpc.Compression.Gzip)
    for p in parameters:
        if p.interval_us > 0:
            time.sleep(p.interval_us / 1e6)
        if p.HasField("compressed") and not p.compressed.value:
            context.disable_next_message_compression()
        yield messages_pb2.StreamingOutputCallResponse(
            payload=_payload(request.response_type, p.size, context))


def empty_call(received, context):
    _echo_metadata(context)
    return empty_pb2.Empty()


def unary_call(received, context):
    request = received.message
    _echo_metadata(context)
    if request.HasField("response_compressed"):
        if request.response_compressed.value:
            context.set_compression(grpc.Compression.Gzip)
        else:
            context.disable_next_message_compression()
    _check_compression(request, received.compressed, context)
    response = messages_pb2.SimpleResponse(
        payload=_payload(request.response_type, request.response_size, context))
    _echo_status(request, context)
    return response


def cacheable_unary_call(received, context):
    _echo_metadata(context, initial=[("cache-control", "max-age=60, public")])
    return messages_pb2.SimpleResponse(payload=messages_pb2.Payload(
        type=messages_pb2.COMPRESSABLE, body=str(time.monotonic_ns()).encode()))


def streaming_output_call(received, context):
    _echo_metadata(context)
    yield from _responses(received.message, context)


def streaming_input_call(request_iterator, context):
    _echo_metadata(context)
    total = 0
    for received in request_iterator:
        _check_compression(received.message, received.compressed, context)
        total += len(received.message.payload.body)
    return messages_pb2.StreamingInputCallResponse(aggregated_payload_size=total)


def full_duplex_call(request_iterator, context):
    _echo_metadata(context)
    for received in request_iterator:
        yield from _responses(received.message, context)


def half_duplex_call(request_iterator, context):
    _echo_metadata(context)
    buffered = [received.message for received in request_iterator]
    for request in buffered:
        yield from _responses(request, context)


def _handlers():
    def unary(behaviour, request_class, response_class):
        return grpc.unary_unary_rpc_method_handler(
            behaviour, request_deserializer=compression_aware(request_class),
            response_serializer=response_class.SerializeToString)

    def server_streaming(behaviour, request_class, response_class):
        return grpc.unary_stream_rpc_method_handler(
            behaviour, request_deserializer=compression_aware(request_class),
            response_serializer=response_class.SerializeToString)

    def client_streaming(behaviour, request_class, response_class):
        return grpc.stream_unary_rpc_method_handler(
            behaviour, request_deserializer=compression_aware(request_class),
            response_serializer=response_class.SerializeToString)

    def bidi_streaming(behaviour, request_class, response_class):
        return grpc.stream_stream_rpc_method_handler(
            behaviour, request_deserializer=compression_aware(request_class),
            response_serializer=response_class.SerializeToString)

    m = messages_pb2
    return grpc.method_handlers_generic_handler(SERVICE, {
        "EmptyCall": unary(empty_call, empty_pb2.Empty, empty_pb2.Empty),
        "UnaryCall": unary(unary_call, m.SimpleRequest, m.SimpleResponse),
        "CacheableUnaryCall": unary(cacheable_unary_call, m.SimpleRequest, m.SimpleResponse),
        "StreamingOutputCall": server_streaming(
            streaming_output_call, m.StreamingOutputCallRequest, m.StreamingOutputCallResponse),
        "StreamingInputCall": client_streaming(
            streaming_input_call, m.StreamingInputCallRequest, m.StreamingInputCallResponse),
        "FullDuplexCall": bidi_streaming(
            full_duplex_call, m.StreamingOutputCallRequest, m.StreamingOutputCallResponse),
        "HalfDuplexCall": bidi_streaming(
            half_duplex_call, m.StreamingOutputCallRequest, m.StreamingOutputCallResponse),
        # UnimplementedCall: not registered, so calls end with UNIMPLEMENTED.
    })


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=8080)
    add_bool_flag(parser, "use_tls")
    parser.add_argument("--tls_cert_file", default=str(SERVER_CERT))
    parser.add_argument("--tls_key_file", default=str(SERVER_KEY))
    args = parser.parse_args()

    server = grpc.server(ThreadPoolExecutor(max_workers=64), handlers=[_handlers()],
                         options=[KEEP_COMPRESSED_MESSAGES])
    if args.use_tls:
        with open(args.tls_key_file, "rb") as key, open(args.tls_cert_file, "rb") as cert:
            credentials = grpc.ssl_server_credentials([(key.read(), cert.read())])
        port = server.add_secure_port(f"[::]:{args.port}", credentials)
    else:
        port = server.add_insecure_port(f"[::]:{args.port}")
    server.start()
    print(f"interop_server.py listening on port {port}", flush=True)

    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    stop.wait()
    server.stop(None).wait()


if __name__ == "__main__":
    main()
