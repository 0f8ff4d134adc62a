"""grpcio interop test client: the cases of doc/interop-test-descriptions.md ("Client") that need
no cloud services, the counterpart of the Swift interop-client.

Usage: interop_client.py --server_host=HOST --server_port=PORT --test_case=CASE
                         [--server_host_override=HOST] [--use_tls=false] [--use_test_ca=false]
                         [--ca_file=PEM]
                         [--additional_metadata=KEY:VALUE;...] [--soak_iterations=N]
                         [--soak_max_failures=N] [--soak_per_iteration_max_acceptable_latency_ms=MS]
                         [--soak_overall_timeout_seconds=S]

TLS as gRPC's interop clients take it: --use_tls=true makes a grpc.secure_channel with
grpc.ssl_channel_credentials; --use_test_ca=true trusts the test CA (Tests/Certificates/ca.pem, or
--ca_file, grpc-go's flag), otherwise grpc's default roots; --server_host_override sets
grpc.ssl_target_name_override with TLS (the name the server certificate is checked against, as in
grpc's Python client) and grpc.default_authority without.

The negative HTTP/2 cases of doc/negative-http2-interop-test-descriptions.md (goaway,
rst_after_header, rst_during_data, rst_after_data, ping, max_streams) run against
http2_negative_server.py started with the same case; the rst_* cases print `STATUS CODE details`,
the status their call ended with.

Prints "PASS CASE" and exits 0, or prints "FAIL CASE: what differed" on stderr and exits 1.

Where grpcio's API cannot do what a case asks (docs/interop.md):
- client_compressed_streaming: grpcio compresses every message of a call or none, so the second
  message (expect_compressed=false, which the spec sends uncompressed) goes out compressed too.
- server_compressed_*: grpcio does not show a response's compressed flag; these cases read the
  responses on a channel with per-message decompression off and decompress them here, which shows
  whether each one arrived compressed.
"""

import argparse
import queue
import sys
import time

import grpc

from interop_common import (
    KEEP_COMPRESSED_MESSAGES,
    TEST_CA,
    add_bool_flag,
    compression_aware,
    empty_pb2,
    messages_pb2,
    test_pb2_grpc,
)

ECHO_INITIAL_KEY = "x-grpc-test-echo-initial"
ECHO_TRAILING_KEY = "x-grpc-test-echo-trailing-bin"
LARGE_REQUEST_SIZE = 271828
LARGE_RESPONSE_SIZE = 314159
NEGATIVE_DEADLINE = 20  # seconds each call of a negative HTTP/2 case may take


class Failure(Exception):
    """The server's behaviour differs from what the interop descriptions require."""


def expect(condition, message):
    if not condition:
        raise Failure(message)


def expect_error(code, what, invoke):
    """Runs `invoke()`, which must raise an RpcError with `code`; returns the error."""
    try:
        invoke()
    except grpc.RpcError as error:
        expect(error.code() == code,
               f"{what} ended with {error.code().name} {error.details()!r}, expected {code.name}")
        return error
    raise Failure(f"{what} succeeded, expected {code.name}")


def payload(size):
    return messages_pb2.Payload(type=messages_pb2.COMPRESSABLE, body=bytes(size))


def check_payload(p, size, what):
    expect(p.type == messages_pb2.COMPRESSABLE, f"{what} has payload type {p.type}, expected COMPRESSABLE")
    expect(len(p.body) == size, f"{what} has a {len(p.body)}-byte payload, expected {size}")
    expect(p.body.count(0) == size, f"{what} has a payload that is not all zeros")


def large_unary_request(**fields):
    return messages_pb2.SimpleRequest(response_type=messages_pb2.COMPRESSABLE,
                                      response_size=LARGE_RESPONSE_SIZE,
                                      payload=payload(LARGE_REQUEST_SIZE), **fields)


def streaming_request(response_sizes, payload_size=None, **fields):
    request = messages_pb2.StreamingOutputCallRequest(
        response_type=messages_pb2.COMPRESSABLE,
        response_parameters=[messages_pb2.ResponseParameters(size=s) for s in response_sizes],
        **fields)
    if payload_size is not None:
        request.payload.CopyFrom(payload(payload_size))
    return request


def check_responses(responses, sizes):
    expect(len(responses) == len(sizes), f"{len(responses)} responses arrived, expected {len(sizes)}")
    for i, (response, size) in enumerate(zip(responses, sizes)):
        check_payload(response.payload, size, f"response {i + 1}")


class RequestQueue:
    """Requests handed to a streaming call one at a time; iteration blocks until the next request
    is put or the queue is closed (half-close)."""

    _END = object()

    def __init__(self):
        self._queue = queue.Queue()

    def put(self, request):
        self._queue.put(request)

    def close(self):
        self._queue.put(self._END)

    def __iter__(self):
        return self

    def __next__(self):
        item = self._queue.get()
        if item is self._END:
            raise StopIteration
        return item


class InteropClient:
    def __init__(self, args):
        self.args = args
        self.metadata = parse_additional_metadata(args.additional_metadata)

    def channel(self, options=()):
        host = f"[{self.args.server_host}]" if ":" in self.args.server_host else self.args.server_host
        options = list(options)
        target = f"{host}:{self.args.server_port}"
        if self.args.use_tls:
            root_certificates = None  # grpc's default roots
            if self.args.use_test_ca:
                with open(self.args.ca_file, "rb") as file:
                    root_certificates = file.read()
            if self.args.server_host_override:
                options.append(("grpc.ssl_target_name_override", self.args.server_host_override))
            credentials = grpc.ssl_channel_credentials(root_certificates)
            return grpc.secure_channel(target, credentials, options=options)
        if self.args.server_host_override:
            options.append(("grpc.default_authority", self.args.server_host_override))
        return grpc.insecure_channel(target, options=options)

    def md(self, *own):
        return tuple(self.metadata) + own

    def run(self, case):
        with self.channel() as channel:
            stub = test_pb2_grpc.TestServiceStub(channel)
            getattr(self, case)(stub, channel)

    # The unary cases

    def empty_unary(self, stub, _channel):
        response = stub.EmptyCall(empty_pb2.Empty(), metadata=self.md())
        expect(response == empty_pb2.Empty(), f"EmptyCall answered {response}, not an empty message")

    def large_unary(self, stub, _channel):
        response = stub.UnaryCall(large_unary_request(), metadata=self.md())
        check_payload(response.payload, LARGE_RESPONSE_SIZE, "the UnaryCall response")

    def client_compressed_unary(self, stub, _channel):
        expecting = large_unary_request(expect_compressed=messages_pb2.BoolValue(value=True))
        expect_error(grpc.StatusCode.INVALID_ARGUMENT,
                     "the uncompressed probe UnaryCall with expect_compressed=true",
                     lambda: stub.UnaryCall(expecting, metadata=self.md(),
                                            compression=grpc.Compression.NoCompression))
        response = stub.UnaryCall(expecting, metadata=self.md(), compression=grpc.Compression.Gzip)
        check_payload(response.payload, LARGE_RESPONSE_SIZE, "the response to the compressed UnaryCall")
        plain = large_unary_request(expect_compressed=messages_pb2.BoolValue(value=False))
        response = stub.UnaryCall(plain, metadata=self.md(), compression=grpc.Compression.NoCompression)
        check_payload(response.payload, LARGE_RESPONSE_SIZE, "the response to the uncompressed UnaryCall")

    def server_compressed_unary(self, _stub, _channel):
        with self.channel(options=[KEEP_COMPRESSED_MESSAGES]) as channel:
            unary_call = channel.unary_unary(
                "/grpc.testing.TestService/UnaryCall",
                request_serializer=messages_pb2.SimpleRequest.SerializeToString,
                response_deserializer=compression_aware(messages_pb2.SimpleResponse))
            for compressed in (True, False):
                request = large_unary_request(response_compressed=messages_pb2.BoolValue(value=compressed))
                received = unary_call(request, metadata=self.md())
                what = f"the response to UnaryCall with response_compressed={compressed}"
                expect(received.compressed == compressed,
                       f"{what} arrived {'un' if compressed else ''}compressed")
                check_payload(received.message.payload, LARGE_RESPONSE_SIZE, what)

    def concurrent_large_unary(self, stub, _channel):
        request = large_unary_request()
        futures = [stub.UnaryCall.future(request, metadata=self.md()) for _ in range(1000)]
        for i, future in enumerate(futures):
            check_payload(future.result().payload, LARGE_RESPONSE_SIZE,
                          f"the response to UnaryCall {i + 1} of 1000")
            futures[i] = None

    # The streaming cases

    def client_streaming(self, stub, _channel):
        requests = [messages_pb2.StreamingInputCallRequest(payload=payload(size))
                    for size in (27182, 8, 1828, 45904)]
        response = stub.StreamingInputCall(iter(requests), metadata=self.md())
        expect(response.aggregated_payload_size == 74922,
               f"aggregated_payload_size is {response.aggregated_payload_size}, expected 74922")

    def client_compressed_streaming(self, stub, _channel):
        def request(size, expect_compressed):
            return messages_pb2.StreamingInputCallRequest(
                payload=payload(size), expect_compressed=messages_pb2.BoolValue(value=expect_compressed))

        probe = request(27182, True)
        expect_error(grpc.StatusCode.INVALID_ARGUMENT,
                     "the uncompressed probe StreamingInputCall with expect_compressed=true",
                     lambda: stub.StreamingInputCall(iter([probe]), metadata=self.md(),
                                                     compression=grpc.Compression.NoCompression))
        # grpcio cannot leave one message of a compressed call uncompressed: both go compressed.
        response = stub.StreamingInputCall(iter([probe, request(45904, False)]), metadata=self.md(),
                                           compression=grpc.Compression.Gzip)
        expect(response.aggregated_payload_size == 73086,
               f"aggregated_payload_size is {response.aggregated_payload_size}, expected 73086")

    def server_streaming(self, stub, _channel):
        sizes = [31415, 9, 2653, 58979]
        check_responses(list(stub.StreamingOutputCall(streaming_request(sizes), metadata=self.md())), sizes)

    def server_compressed_streaming(self, _stub, _channel):
        with self.channel(options=[KEEP_COMPRESSED_MESSAGES]) as channel:
            streaming_output_call = channel.unary_stream(
                "/grpc.testing.TestService/StreamingOutputCall",
                request_serializer=messages_pb2.StreamingOutputCallRequest.SerializeToString,
                response_deserializer=compression_aware(messages_pb2.StreamingOutputCallResponse))
            request = streaming_request([31415, 92653])
            request.response_parameters[0].compressed.value = True
            request.response_parameters[1].compressed.value = False
            received = list(streaming_output_call(request, metadata=self.md()))
            check_responses([r.message for r in received], [31415, 92653])
            expect(received[0].compressed, "response 1 (compressed=true) arrived uncompressed")
            expect(not received[1].compressed, "response 2 (compressed=false) arrived compressed")

    def ping_pong(self, stub, _channel):
        requests = RequestQueue()
        try:
            responses = stub.FullDuplexCall(requests, metadata=self.md())
            exchanges = [(31415, 27182), (9, 8), (2653, 1828), (58979, 45904)]
            for i, (response_size, payload_size) in enumerate(exchanges):
                requests.put(streaming_request([response_size], payload_size))
                response = next(responses, None)
                expect(response is not None, f"the stream ended after {i} responses, expected 4")
                check_payload(response.payload, response_size, f"response {i + 1}")
            requests.close()
            expect(next(responses, None) is None, "a fifth response arrived")
        finally:
            requests.close()

    def empty_stream(self, stub, _channel):
        responses = list(stub.FullDuplexCall(iter([]), metadata=self.md()))
        expect(not responses, f"{len(responses)} responses arrived, expected none")

    # Metadata and status

    def custom_metadata(self, stub, _channel):
        sent = self.md((ECHO_INITIAL_KEY, "test_initial_metadata_value"), (ECHO_TRAILING_KEY, b"\xab\xab\xab"))
        response, call = stub.UnaryCall.with_call(large_unary_request(), metadata=sent)
        check_payload(response.payload, LARGE_RESPONSE_SIZE, "the UnaryCall response")
        self._check_echoed(call, "UnaryCall")
        responses = stub.FullDuplexCall(iter([streaming_request([314159], 271828)]), metadata=sent)
        check_responses(list(responses), [314159])
        self._check_echoed(responses, "FullDuplexCall")

    @staticmethod
    def _check_echoed(call, what):
        initial = [v for k, v in call.initial_metadata() if k == ECHO_INITIAL_KEY]
        expect(initial == ["test_initial_metadata_value"],
               f"{what}: initial metadata {call.initial_metadata()} lacks the echoed {ECHO_INITIAL_KEY}")
        trailing = [v for k, v in call.trailing_metadata() if k == ECHO_TRAILING_KEY]
        expect(trailing == [b"\xab\xab\xab"],
               f"{what}: trailing metadata {call.trailing_metadata()} lacks the echoed {ECHO_TRAILING_KEY}")

    def _check_echoed_status(self, stub, message, also_full_duplex):
        status = messages_pb2.EchoStatus(code=2, message=message)
        error = expect_error(grpc.StatusCode.UNKNOWN, "UnaryCall with response_status",
                             lambda: stub.UnaryCall(messages_pb2.SimpleRequest(response_status=status),
                                                    metadata=self.md()))
        expect(error.details() == message, f"UnaryCall ended with message {error.details()!r}, expected {message!r}")
        if not also_full_duplex:
            return
        request = messages_pb2.StreamingOutputCallRequest(response_status=status)
        error = expect_error(grpc.StatusCode.UNKNOWN, "FullDuplexCall with response_status",
                             lambda: list(stub.FullDuplexCall(iter([request]), metadata=self.md())))
        expect(error.details() == message,
               f"FullDuplexCall ended with message {error.details()!r}, expected {message!r}")

    def status_code_and_message(self, stub, _channel):
        self._check_echoed_status(stub, "test status message", also_full_duplex=True)

    def special_status_message(self, stub, _channel):
        message = "\t\ntest with whitespace\r\nand Unicode BMP \u263a and non-BMP \U0001f608\t\n"
        self._check_echoed_status(stub, message, also_full_duplex=False)

    def unimplemented_method(self, stub, _channel):
        expect_error(grpc.StatusCode.UNIMPLEMENTED, "grpc.testing.TestService/UnimplementedCall",
                     lambda: stub.UnimplementedCall(empty_pb2.Empty(), metadata=self.md()))

    def unimplemented_service(self, _stub, channel):
        stub = test_pb2_grpc.UnimplementedServiceStub(channel)
        expect_error(grpc.StatusCode.UNIMPLEMENTED, "grpc.testing.UnimplementedService/UnimplementedCall",
                     lambda: stub.UnimplementedCall(empty_pb2.Empty(), metadata=self.md()))

    # Cancellation and deadlines

    def cancel_after_begin(self, stub, _channel):
        requests = RequestQueue()
        try:
            future = stub.StreamingInputCall.future(requests, metadata=self.md())
            future.cancel()
            expect(future.cancelled(), "the call was not cancelled")
            expect(future.code() == grpc.StatusCode.CANCELLED,
                   f"the cancelled call ended with {future.code().name}, expected CANCELLED")
        finally:
            requests.close()

    def cancel_after_first_response(self, stub, _channel):
        requests = RequestQueue()
        try:
            responses = stub.FullDuplexCall(requests, metadata=self.md())
            requests.put(streaming_request([31415], 27182))
            first = next(responses, None)
            expect(first is not None, "the stream ended before the first response")
            check_payload(first.payload, 31415, "the first response")
            responses.cancel()
            expect(responses.code() == grpc.StatusCode.CANCELLED,
                   f"the cancelled call ended with {responses.code().name}, expected CANCELLED")
        finally:
            requests.close()

    def timeout_on_sleeping_server(self, stub, _channel):
        requests = RequestQueue()
        try:
            requests.put(messages_pb2.StreamingOutputCallRequest(payload=payload(27182)))
            expect_error(grpc.StatusCode.DEADLINE_EXCEEDED, "FullDuplexCall with a 1 ms timeout",
                         lambda: list(stub.FullDuplexCall(requests, timeout=0.001, metadata=self.md())))
        finally:
            requests.close()

    # Soak

    def rpc_soak(self, stub, _channel):
        self._soak(lambda: self._soak_iteration(stub))

    def channel_soak(self, _stub, _channel):
        def iteration():
            with self.channel() as channel:
                self._soak_iteration(test_pb2_grpc.TestServiceStub(channel))
        self._soak(iteration)

    def _soak_iteration(self, stub):
        response = stub.UnaryCall(large_unary_request(), metadata=self.md())
        check_payload(response.payload, LARGE_RESPONSE_SIZE, "the UnaryCall response")

    def _soak(self, iteration):
        args = self.args
        max_latency = args.soak_per_iteration_max_acceptable_latency_ms / 1000
        start = time.monotonic()
        failures = []
        completed = 0
        while completed < args.soak_iterations and time.monotonic() - start < args.soak_overall_timeout_seconds:
            iteration_start = time.monotonic()
            try:
                iteration()
                latency = time.monotonic() - iteration_start
                if latency > max_latency:
                    failures.append(f"iteration {completed + 1}: took {int(latency * 1000)} ms, "
                                    f"more than {int(max_latency * 1000)} ms")
            except (grpc.RpcError, Failure) as error:
                failures.append(f"iteration {completed + 1}: {describe(error)}")
            completed += 1
        report = "".join(f"\n  {f}" for f in failures[:10])
        expect(completed == args.soak_iterations,
               f"only {completed} of {args.soak_iterations} iterations ran within "
               f"{args.soak_overall_timeout_seconds} s{report}")
        expect(len(failures) <= args.soak_max_failures,
               f"{len(failures)} of {args.soak_iterations} iterations failed, more than the "
               f"{args.soak_max_failures} allowed{report}")


    # The negative HTTP/2 cases (doc/negative-http2-interop-test-descriptions.md), against
    # Tests/Peers/interop/http2_negative_server.py run with the same case. Each call has a deadline
    # so that a server left waiting ends the case instead of hanging it.

    def goaway(self, stub, _channel):
        for i in (1, 2):
            response = stub.UnaryCall(large_unary_request(), timeout=NEGATIVE_DEADLINE, metadata=self.md())
            check_payload(response.payload, LARGE_RESPONSE_SIZE, f"the response to UnaryCall {i}")

    def rst_after_header(self, stub, _channel):
        self._must_fail(stub)

    def rst_during_data(self, stub, _channel):
        self._must_fail(stub)

    def rst_after_data(self, stub, _channel):
        self._must_fail(stub)

    def ping(self, stub, _channel):
        response = stub.UnaryCall(large_unary_request(), timeout=NEGATIVE_DEADLINE, metadata=self.md())
        check_payload(response.payload, LARGE_RESPONSE_SIZE, "the UnaryCall response")

    def max_streams(self, stub, _channel):
        response = stub.UnaryCall(large_unary_request(), timeout=NEGATIVE_DEADLINE, metadata=self.md())
        check_payload(response.payload, LARGE_RESPONSE_SIZE, "the first UnaryCall response")
        futures = [stub.UnaryCall.future(large_unary_request(), timeout=NEGATIVE_DEADLINE, metadata=self.md())
                   for _ in range(10)]
        for i, future in enumerate(futures):
            check_payload(future.result().payload, LARGE_RESPONSE_SIZE, f"the response to UnaryCall {i + 1} of 10")

    def _must_fail(self, stub):
        """One UnaryCall that must not succeed; prints the status it ended with."""
        try:
            stub.UnaryCall(large_unary_request(), timeout=NEGATIVE_DEADLINE, metadata=self.md())
        except grpc.RpcError as error:
            expect(error.code() != grpc.StatusCode.DEADLINE_EXCEEDED,
                   f"the UnaryCall ran into its {NEGATIVE_DEADLINE} s deadline")
            print(f"STATUS {error.code().name} {error.details()}")
            return
        raise Failure("the UnaryCall succeeded, expected it to fail")


CASES = [
    "empty_unary", "large_unary", "client_compressed_unary", "server_compressed_unary", "client_streaming",
    "client_compressed_streaming", "server_streaming", "server_compressed_streaming", "ping_pong",
    "empty_stream", "custom_metadata", "status_code_and_message", "special_status_message",
    "unimplemented_method", "unimplemented_service", "cancel_after_begin", "cancel_after_first_response",
    "timeout_on_sleeping_server", "concurrent_large_unary", "rpc_soak", "channel_soak",
]
# The negative HTTP/2 cases, run only against http2_negative_server.py.
NEGATIVE_CASES = ["goaway", "rst_after_header", "rst_during_data", "rst_after_data", "ping", "max_streams"]


def parse_additional_metadata(text):
    """`key1:value1;key2:value2`; keys lower-cased; values of `-bin` keys sent as bytes."""
    metadata = []
    for entry in filter(None, (text or "").split(";")):
        key, colon, value = entry.partition(":")
        if not colon:
            raise SystemExit(f"interop_client.py: --additional_metadata entry {entry!r} has no ':'")
        key = key.lower()
        metadata.append((key, value.encode() if key.endswith("-bin") else value))
    return metadata


def describe(error):
    if isinstance(error, grpc.RpcError):
        return f"{error.code().name} {error.details()!r}"
    return str(error)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--server_host", default="localhost")
    parser.add_argument("--server_port", type=int, default=8080)
    parser.add_argument("--server_host_override")
    parser.add_argument("--test_case", default="large_unary", choices=CASES + NEGATIVE_CASES)
    add_bool_flag(parser, "use_tls")
    add_bool_flag(parser, "use_test_ca")
    parser.add_argument("--ca_file", default=str(TEST_CA), help="the test CA of --use_test_ca")
    parser.add_argument("--additional_metadata", default="")
    parser.add_argument("--soak_iterations", type=int, default=10)
    parser.add_argument("--soak_max_failures", type=int, default=0)
    parser.add_argument("--soak_per_iteration_max_acceptable_latency_ms", type=int, default=1000)
    parser.add_argument("--soak_overall_timeout_seconds", type=int, default=10)
    args = parser.parse_args()

    try:
        InteropClient(args).run(args.test_case)
    except (grpc.RpcError, Failure) as error:
        print(f"FAIL {args.test_case}: {describe(error)}", file=sys.stderr)
        sys.exit(1)
    print(f"PASS {args.test_case}")


if __name__ == "__main__":
    main()
