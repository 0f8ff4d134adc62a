"""grpcio client scenarios for the conformance TestService (see SPEC.md).

Usage: peer_client.py SCENARIO --target HOST:PORT [--large-target HOST:PORT] [TLS]
       peer_client.py all --target HOST:PORT [--large-target HOST:PORT] [TLS]
       peer_client.py --list
TLS:   --tls-ca PEM [--tls-cert PEM --tls-key PEM] [--target-name-override NAME]
       [--access-token TOKEN]

Prints `PASS SCENARIO` and exits 0, or prints `FAIL SCENARIO: what differed` on stderr and exits
1. `all` runs every scenario in order and exits 1 if any failed. `large_16mib` and
`compression_sizes` need a server started with 32 MiB message limits while `max_receive_default`
needs one with the default limits, so `--large-target` names the server used for those two
(default: `--target`).

With --tls-ca every channel is a grpc.secure_channel whose ssl_channel_credentials trust that
root (and present --tls-cert/--tls-key as the client certificate); --target-name-override sets
the channel option grpc.ssl_target_name_override; --access-token adds
grpc.access_token_call_credentials to the channel credentials.
"""

import argparse
import contextlib
import os
import queue
import sys
import threading
import time
import traceback
import uuid

import grpc

from peer_common import COMPRESSION_BY_NAME, STATUS_BY_NUMBER, method_path

CALL_TIMEOUT_S = 10.0  # deadline of every call a scenario does not time on purpose
SCENARIO_TIMEOUT_S = 60.0  # a scenario still running after this counts as failed

MIB = 1024 * 1024
DEFAULT_MAX_MESSAGE = 4 * MIB  # grpcio's default receive limit on both sides


# Channel credentials of every channel, or None for insecure channels (set by main from the TLS
# flags), and the options added to every channel's own.
CHANNEL_CREDENTIALS = None
CHANNEL_OPTIONS = []
ACCESS_TOKEN = None  # the token of --access-token, which the `metadata` scenario then expects


def open_channel(target, options=None, compression=None):
    """A channel to `target`: secure with CHANNEL_CREDENTIALS when set, else insecure."""
    options = [*CHANNEL_OPTIONS, *(options or [])]
    if CHANNEL_CREDENTIALS is None:
        return grpc.insecure_channel(target, options=options, compression=compression)
    return grpc.secure_channel(target, CHANNEL_CREDENTIALS, options=options, compression=compression)


def _read(path):
    with open(path, "rb") as file:
        return file.read()


def channel_credentials(ca, cert=None, key=None, access_token=None):
    """ssl_channel_credentials from PEM file paths, with an access token if given."""
    credentials = grpc.ssl_channel_credentials(
        root_certificates=_read(ca),
        private_key=_read(key) if key else None,
        certificate_chain=_read(cert) if cert else None,
    )
    if access_token is not None:
        credentials = grpc.composite_channel_credentials(
            credentials, grpc.access_token_call_credentials(access_token)
        )
    return credentials


class Failure(Exception):
    """A scenario saw something other than what SPEC.md requires."""


def _show(value):
    """repr() of `value`, shortened for large messages."""
    if isinstance(value, grpc.StatusCode):
        return value.name
    text = repr(value)
    if len(text) <= 120:
        return text
    size = f" ({len(value)} bytes)" if isinstance(value, (bytes, str)) else ""
    return f"{text[:100]}...{size}"


def check(what, expected, actual):
    if actual != expected:
        raise Failure(f"{what}: expected {_show(expected)}, got {_show(actual)}")


def expect_rpc_error(what, invoke, code, details=None):
    """Runs `invoke()` and checks that it raises an RpcError with `code` (and `details`)."""
    try:
        result = invoke()
    except grpc.RpcError as error:
        check(f"{what} status code", code, error.code())
        if details is not None:
            check(f"{what} status details", details, error.details())
        return
    raise Failure(f"{what}: expected {code.name}, but the call succeeded with {_show(result)}")


def unary_unary(channel, method):
    return channel.unary_unary(method_path(method))


def unary_stream(channel, method):
    return channel.unary_stream(method_path(method))


def stream_unary(channel, method):
    return channel.stream_unary(method_path(method))


def stream_stream(channel, method):
    return channel.stream_stream(method_path(method))


# Scenarios, in the order of SPEC.md. Each takes the target and raises Failure on a mismatch.

SCENARIOS = {}


def scenario(function):
    SCENARIOS[function.__name__] = function
    return function


@scenario
def unary(target):
    with open_channel(target) as channel:
        response, call = unary_unary(channel, "Unary").with_call(b"hello", timeout=CALL_TIMEOUT_S)
        check("response", b"hello", response)
        check("status code", grpc.StatusCode.OK, call.code())


@scenario
def unary_empty(target):
    with open_channel(target) as channel:
        response, call = unary_unary(channel, "Unary").with_call(b"", timeout=CALL_TIMEOUT_S)
        check("response", b"", response)
        check("status code", grpc.StatusCode.OK, call.code())


@scenario
def server_stream(target):
    with open_channel(target) as channel:
        responses = unary_stream(channel, "ServerStream")(
            b"", metadata=(("x-count", "5"), ("x-size", "100")), timeout=CALL_TIMEOUT_S
        )
        expected = [bytes([i]) * 100 for i in range(5)]
        check("messages", expected, list(responses))
        check("status code", grpc.StatusCode.OK, responses.code())


@scenario
def client_stream(target):
    with open_channel(target) as channel:
        requests = (b"x" * size for size in (1, 2, 3, 4))
        response, call = stream_unary(channel, "ClientStream").with_call(
            requests, timeout=CALL_TIMEOUT_S
        )
        check("response", b"count=4 bytes=10", response)
        check("status code", grpc.StatusCode.OK, call.code())


@scenario
def bidi(target):
    outbox = queue.Queue()  # requests to send; None half-closes

    def requests():
        while (request := outbox.get()) is not None:
            yield request

    with open_channel(target) as channel:
        responses = stream_stream(channel, "Bidi")(requests(), timeout=CALL_TIMEOUT_S)
        try:
            for i in range(10):
                request = f"ping {i}".encode("ascii")
                outbox.put(request)
                check(f"answer to message {i}", request, next(responses))
            outbox.put(None)
            check("messages after half-close", [], list(responses))
            check("status code", grpc.StatusCode.OK, responses.code())
        finally:
            outbox.put(None)  # lets grpcio's request-consuming thread finish on failure
            responses.cancel()


@scenario
def metadata(target):
    def custom(entries, prefix):
        return [(key, value) for key, value in entries if key.startswith(prefix)]

    echo = [("x-echo-a", "1"), ("x-echo-b-bin", b"\x00\xff\x80")]
    trail = [("x-trail-c", "3"), ("x-trail-d-bin", b"\x01\x02")]
    with open_channel(target) as channel:
        _, call = unary_unary(channel, "Unary").with_call(
            b"", metadata=echo + trail, timeout=CALL_TIMEOUT_S
        )
        initial = call.initial_metadata()
        trailing = call.trailing_metadata()
        check("x-echo- initial metadata", echo, custom(initial, "x-echo-"))
        check("x-trail- initial metadata", [], custom(initial, "x-trail-"))
        check("x-trail- trailing metadata", trail, custom(trailing, "x-trail-"))
        check("x-echo- trailing metadata", [], custom(trailing, "x-echo-"))

        raw = bytes(range(256))
        response = unary_unary(channel, "Metadata")(
            b"", metadata=(("x-custom", "v"), ("x-raw-bin", raw)), timeout=CALL_TIMEOUT_S
        )
        expected = f"x-custom=v\nx-raw-bin={raw.hex()}\n".encode("ascii")
        if ACCESS_TOKEN is not None:
            # The call credentials' header, wherever the runtime puts it among the others.
            token_line = f"authorization=Bearer {ACCESS_TOKEN}\n".encode("ascii")
            check("authorization lines in Metadata", 1, response.count(token_line))
            response = response.replace(token_line, b"")
        check("Metadata response", expected, response)


@scenario
def metadata_keys(target):
    details = b"\x08\x03\x12\x03bad"
    sent = [("grpc-status-details-bin", details), ("grpc-test-a", "1"), ("host", "example.test")]
    with open_channel(target) as channel:
        response = unary_unary(channel, "Metadata")(b"", metadata=sent, timeout=CALL_TIMEOUT_S)
        lines = sorted(response.decode("utf-8").splitlines())
        if ACCESS_TOKEN is not None:
            lines = [line for line in lines if not line.startswith("authorization=")]
        expected = sorted([f"grpc-status-details-bin={details.hex()}", "grpc-test-a=1", "host=example.test"])
        check("Metadata response", expected, lines)

        controls = [
            ("x-status-code", "3"),
            ("x-as-initial-grpc-test-b", "2"),
            ("x-as-initial-user-agent", "server-ua"),
            ("x-as-trail-grpc-status-details-bin", details),
            ("x-as-trail-grpc-test-c", "3"),
            ("x-as-trail-user-agent", "server-ua"),
        ]
        try:
            unary_unary(channel, "Unary")(b"", metadata=controls, timeout=CALL_TIMEOUT_S)
            raise Failure("Unary with x-status-code 3 succeeded")
        except grpc.RpcError as error:
            check("code", grpc.StatusCode.INVALID_ARGUMENT, error.code())
            keys = ("grpc-status-details-bin", "grpc-test-", "user-agent")
            # Sorted: grpcio sends the keys its core knows (user-agent) first.
            initial = sorted((k, v) for k, v in error.initial_metadata() if k.startswith(keys))
            trailing = sorted((k, v) for k, v in error.trailing_metadata() if k.startswith(keys))
            check("initial metadata", [("grpc-test-b", "2"), ("user-agent", "server-ua")], initial)
            expected = [("grpc-status-details-bin", details), ("grpc-test-c", "3"), ("user-agent", "server-ua")]
            check("trailing metadata", expected, trailing)


@scenario
def status_codes(target):
    details = "détails ✓ 100% \n line2"
    with open_channel(target) as channel:
        method = unary_unary(channel, "Unary")
        for number in range(1, 17):
            request_metadata = (
                ("x-status-code", str(number)),
                ("x-status-details-bin", details.encode("utf-8")),
            )
            expect_rpc_error(
                f"x-status-code {number}",
                lambda: method(b"", metadata=request_metadata, timeout=CALL_TIMEOUT_S),
                STATUS_BY_NUMBER[number],
                details,
            )


@scenario
def deadline(target):
    with open_channel(target) as channel:
        method = unary_unary(channel, "Unary")
        start = time.monotonic()
        expect_rpc_error(
            "sleeping call",
            lambda: method(b"", metadata=(("x-sleep-ms", "5000"),), timeout=0.5),
            grpc.StatusCode.DEADLINE_EXCEEDED,
        )
        elapsed = time.monotonic() - start
        if elapsed >= 3:
            raise Failure(f"DEADLINE_EXCEEDED after {elapsed:.2f} s, expected under 3 s")


@scenario
def time_remaining(target):
    with open_channel(target) as channel:
        method = unary_unary(channel, "TimeRemaining")
        response = method(b"", timeout=10)
        # The grpc-timeout header may round up (grpcio sends ~10 s in 100 ms steps, so 10.001 s
        # goes out as `10100m`): allow the server to see up to 100 ms more than we asked for.
        if not response.isdigit() or not 5000 <= int(response) <= 10100:
            raise Failure(f"with a 10 s timeout: expected 5000..10100 ms, got {_show(response)}")
        # The call itself must have no deadline; result(timeout) bounds only our wait.
        future = method.future(b"")
        try:
            check("without a timeout", b"none", future.result(timeout=CALL_TIMEOUT_S))
        finally:
            future.cancel()


@scenario
def cancel(target):
    with open_channel(target) as channel:
        # A request of its own, so that CancelSeen answers this call's record, not an earlier one's.
        key = f"cancel {uuid.uuid4()}".encode("ascii")
        future = unary_unary(channel, "WaitForCancel").future(key, timeout=CALL_TIMEOUT_S)
        time.sleep(0.3)
        if not future.cancel():
            ended = _show(future.code())
            raise Failure(f"cancel() returned False: the call had already ended with {ended}")
        check("future.cancelled()", True, future.cancelled())
        check("status code", grpc.StatusCode.CANCELLED, future.code())

        # The server records what it saw once its handler notices the cancellation.
        cancel_seen = unary_unary(channel, "CancelSeen")
        expected = b"active=false callback=true"
        give_up = time.monotonic() + 5
        while (seen := cancel_seen(key, timeout=CALL_TIMEOUT_S)) != expected:
            if time.monotonic() > give_up:
                raise Failure(
                    f"CancelSeen: expected {_show(expected)} within 5 s, got {_show(seen)}"
                )
            time.sleep(0.05)


@scenario
def server_cancel(target):
    with open_channel(target) as channel:
        try:
            unary_unary(channel, "ServerCancel")(b"", timeout=CALL_TIMEOUT_S)
        except grpc.RpcError as error:
            check("status code", grpc.StatusCode.CANCELLED, error.code())
        else:
            raise Failure("expected CANCELLED, the call succeeded")


@scenario
def max_receive_default(target):
    size = DEFAULT_MAX_MESSAGE + 1
    with open_channel(target) as channel:
        method = unary_unary(channel, "Unary")
        expect_rpc_error(
            f"{size}-byte response",
            lambda: method(b"", metadata=(("x-response-size", str(size)),), timeout=CALL_TIMEOUT_S),
            grpc.StatusCode.RESOURCE_EXHAUSTED,
        )
        # An empty answer, so that only the server's receive limit can fail this call.
        expect_rpc_error(
            f"{size}-byte request",
            lambda: method(
                b"\x00" * size, metadata=(("x-response-size", "0"),), timeout=CALL_TIMEOUT_S
            ),
            grpc.StatusCode.RESOURCE_EXHAUSTED,
        )


@scenario
def large_16mib(target):
    options = [
        ("grpc.max_receive_message_length", 32 * MIB),
        ("grpc.max_send_message_length", 32 * MIB),
    ]
    request = bytes(range(256)) * (16 * MIB // 256)
    with open_channel(target, options=options) as channel:
        response = unary_unary(channel, "Unary")(request, timeout=30)
        check("16 MiB echo", request, response)


@scenario
def unknown_method(target):
    with open_channel(target) as channel:
        expect_rpc_error(
            "Nope",
            lambda: channel.unary_unary(method_path("Nope"))(b"", timeout=CALL_TIMEOUT_S),
            grpc.StatusCode.UNIMPLEMENTED,
            "Method not found!",
        )


@scenario
def handler_raises(target):
    with open_channel(target) as channel:
        expect_rpc_error(
            "Raise",
            lambda: unary_unary(channel, "Raise")(b"", timeout=CALL_TIMEOUT_S),
            grpc.StatusCode.UNKNOWN,
            "Exception calling application: boom",
        )

        received = []

        def read_stream():
            for message in unary_stream(channel, "StreamRaise")(b"", timeout=CALL_TIMEOUT_S):
                received.append(message)

        expect_rpc_error(
            "StreamRaise",
            read_stream,
            grpc.StatusCode.UNKNOWN,
            "Exception iterating responses: boom",
        )
        check("StreamRaise message sizes", [1, 1], [len(message) for message in received])


@scenario
def concurrent_1000(target):
    with open_channel(target) as channel:
        method = unary_unary(channel, "Unary")
        requests = [f"request {i}".encode("ascii") for i in range(1000)]
        futures = [method.future(request, timeout=30) for request in requests]
        for i, (request, future) in enumerate(zip(requests, futures)):
            check(f"call {i}", request, future.result())


@scenario
def channels_100(target):
    with contextlib.ExitStack() as stack:
        channels = [stack.enter_context(open_channel(target)) for _ in range(100)]
        futures = [
            unary_unary(channel, "Unary").future(f"channel {i}".encode("ascii"), timeout=30)
            for i, channel in enumerate(channels)
        ]
        for i, future in enumerate(futures):
            check(f"channel {i}", f"channel {i}".encode("ascii"), future.result())


@scenario
def peer(target):
    # grpcio percent-encodes the brackets of an IPv6 peer (`ipv6:%5B::1%5D:port`).
    prefixes = ("ipv4:127.0.0.1:", "ipv6:[::1]:", "ipv6:%5B::1%5D:")
    with open_channel(target) as channel:
        response = unary_unary(channel, "Peer")(b"", timeout=CALL_TIMEOUT_S)
        if not response.decode("ascii", "replace").startswith(prefixes):
            raise Failure(f"expected a peer starting with one of {prefixes}, got {_show(response)}")


@scenario
def backpressure(target):
    with open_channel(target) as channel:
        responses = unary_stream(channel, "ServerStream")(
            b"", metadata=(("x-count", "2000"), ("x-size", str(MIB))), timeout=30
        )
        try:
            check("first message", b"\x00" * MIB, next(responses))
            time.sleep(1)
            progress = unary_unary(channel, "StreamProgress")(b"", timeout=CALL_TIMEOUT_S)
            # At least the message we read has been sent; flow control must hold back the rest.
            if not progress.isdigit() or not 1 <= int(progress) < 100:
                raise Failure(
                    f"StreamProgress: expected 1..99 messages sent, got {_show(progress)}"
                )
        finally:
            responses.cancel()
        check("status code after cancel", grpc.StatusCode.CANCELLED, responses.code())


def pattern(length, seed=0):
    """Compressible bytes that are not all alike (SPEC.md): byte i is
    (j * 7 + j // 251 + seed) % 64 + 32 with j = i % 65521."""
    period = bytes((j * 7 + j // 251 + seed) % 64 + 32 for j in range(min(length, 65521)))
    return (period * (length // 65521 + 1))[:length] if length else b""


@scenario
def compression(target):
    gzip, deflate = grpc.Compression.Gzip, grpc.Compression.Deflate
    request = pattern(100 * 1024)
    with open_channel(target) as channel:
        for name in ("gzip", "deflate"):
            response = unary_unary(channel, "Unary")(
                request,
                compression=COMPRESSION_BY_NAME[name],
                metadata=(("x-compression", name),),
                timeout=CALL_TIMEOUT_S,
            )
            check(f"Unary {name} echo", request, response)
        responses = unary_stream(channel, "ServerStream")(
            b"",
            metadata=(
                ("x-compression", "gzip"),
                ("x-count", "4"),
                ("x-size", "1000"),
                ("x-disable-compression", "1,2"),
            ),
            timeout=CALL_TIMEOUT_S,
        )
        check("ServerStream messages", [bytes([i]) * 1000 for i in range(4)], list(responses))
        requests = [pattern(1000, seed) for seed in range(3)]
        response = stream_unary(channel, "ClientStream")(
            iter(requests), compression=deflate, timeout=CALL_TIMEOUT_S
        )
        check("ClientStream deflate", b"count=3 bytes=3000", response)
        requests = [pattern(2000, seed) for seed in range(4)]
        responses = stream_stream(channel, "Bidi")(
            iter(requests),
            compression=gzip,
            metadata=(("x-compression", "deflate"), ("x-disable-compression", "0,2")),
            timeout=CALL_TIMEOUT_S,
        )
        check("Bidi echoes", requests, list(responses))
    with open_channel(target, compression=gzip) as channel:
        response = unary_unary(channel, "Unary")(
            request, metadata=(("x-compression", "gzip"),), timeout=CALL_TIMEOUT_S
        )
        check("Unary, channel gzip", request, response)
    options = [("grpc.default_compression_algorithm", int(deflate))]
    with open_channel(target, options=options) as channel:
        response = unary_unary(channel, "Unary")(request, timeout=CALL_TIMEOUT_S)
        check("Unary, channel option deflate", request, response)


@scenario
def compression_sizes(target):
    options = [
        ("grpc.max_receive_message_length", 32 * MIB),
        ("grpc.max_send_message_length", 32 * MIB),
    ]
    with open_channel(target, options=options) as channel:
        for name in ("gzip", "deflate"):
            for size in (0, 1, 1000, 64 * 1024 + 1, MIB, 16 * MIB):
                request = pattern(size)
                response = unary_unary(channel, "Unary")(
                    request,
                    compression=COMPRESSION_BY_NAME[name],
                    metadata=(("x-compression", name),),
                    timeout=CALL_TIMEOUT_S,
                )
                check(f"{name} echo of {size} bytes", request, response)


@scenario
def request_queue(target):
    with open_channel(target) as channel:
        bidi = stream_stream(channel, "Bidi")
        requests = queue.Queue()
        responses = bidi(iter(requests.get, None), timeout=CALL_TIMEOUT_S)
        try:
            for i in range(10):
                request = f"q{i}".encode("ascii")
                requests.put(request)
                check(f"answer to {request!r}", request, next(responses))
            requests.put(None)
            check("messages after close", [], list(responses))
            check("ping-pong status code", grpc.StatusCode.OK, responses.code())
        finally:
            requests.put(None)
            responses.cancel()

        requests = queue.Queue()
        responses = bidi(iter(requests.get, None), timeout=CALL_TIMEOUT_S)
        try:
            sent = [pattern(65536, i % 64) for i in range(200)]
            for request in sent:
                requests.put(request)
            requests.put(None)
            echoes = list(responses)
            check("echo count", len(sent), len(echoes))
            check("echoes", True, echoes == sent)
            check("bulk status code", grpc.StatusCode.OK, responses.code())
        finally:
            requests.put(None)
            responses.cancel()

        requests = queue.Queue()
        for seed in range(3):
            requests.put(pattern(1000, seed))
        requests.put(None)
        response = stream_unary(channel, "ClientStream")(iter(requests.get, None), timeout=CALL_TIMEOUT_S)
        check("ClientStream response", b"count=3 bytes=3000", response)


# Scenarios run against the server with 32 MiB limits (--large-target).
LARGE_SCENARIOS = frozenset(["large_16mib", "compression_sizes"])


# Scenarios that need a specially started server; they are not part of `all`.
EXTRA_SCENARIOS = {}


def extra_scenario(function):
    EXTRA_SCENARIOS[function.__name__] = function
    return function


@extra_scenario
def max_concurrent(target):
    """The server runs with maximum_concurrent_rpcs=2."""
    with open_channel(target) as channel:
        method = unary_unary(channel, "Unary")
        slow = [
            method.future(b"\x01", metadata=(("x-sleep-ms", "1000"),), timeout=CALL_TIMEOUT_S)
            for _ in range(2)
        ]
        time.sleep(0.3)
        try:
            method(b"\x02", timeout=CALL_TIMEOUT_S)
        except grpc.RpcError as error:
            check("status code", grpc.StatusCode.RESOURCE_EXHAUSTED, error.code())
            check("details", "Concurrent RPC limit exceeded!", error.details())
        else:
            raise Failure("expected RESOURCE_EXHAUSTED for the third call, it succeeded")
        for future in slow:
            check("slow call", b"\x01", future.result(timeout=CALL_TIMEOUT_S))
        check("call after the limit cleared", b"\x03", method(b"\x03", timeout=CALL_TIMEOUT_S))


@extra_scenario
def auth_context(target):
    """Prints the server's `AuthContext` answer (what it sees of this client), then passes."""
    with open_channel(target) as channel:
        response = unary_unary(channel, "AuthContext")(b"", timeout=CALL_TIMEOUT_S)
        sys.stdout.write(response.decode("utf-8"))


def _attempt(name, target):
    """Runs one scenario; returns whether it passed, having printed the outcome."""
    try:
        {**SCENARIOS, **EXTRA_SCENARIOS}[name](target)
    except Failure as failure:
        print(f"FAIL {name}: {failure}", file=sys.stderr)
    except grpc.RpcError as error:
        print(f"FAIL {name}: unexpected {error.code().name} {error.details()!r}", file=sys.stderr)
    except Exception:  # pylint: disable=broad-except
        print(f"FAIL {name}: unexpected exception", file=sys.stderr)
        traceback.print_exc()
    else:
        print(f"PASS {name}", flush=True)
        return True
    return False


def run(name, target):
    """Runs one scenario under the overall time limit; returns whether it passed."""
    passed = []
    thread = threading.Thread(target=lambda: passed.append(_attempt(name, target)), daemon=True)
    thread.start()
    thread.join(SCENARIO_TIMEOUT_S)
    if thread.is_alive():
        # The scenario is stuck inside grpcio and cannot be interrupted: give up on the run.
        print(f"FAIL {name}: still running after {SCENARIO_TIMEOUT_S:.0f} s", file=sys.stderr)
        sys.stdout.flush()
        os._exit(1)
    return passed[0]


def main():
    parser = argparse.ArgumentParser(description="grpcio conformance client scenarios")
    parser.add_argument("scenario", nargs="?", choices=[*SCENARIOS, *EXTRA_SCENARIOS, "all"])
    parser.add_argument("--target", help="HOST:PORT of the server under test")
    parser.add_argument(
        "--large-target", help="HOST:PORT used by large_16mib, compression_sizes (default: --target)"
    )
    parser.add_argument("--list", action="store_true", help="print the scenario names")
    parser.add_argument("--tls-ca", help="use TLS, trusting these root certificates (PEM file)")
    parser.add_argument("--tls-cert", help="client certificate chain (PEM file), with --tls-key")
    parser.add_argument("--tls-key", help="private key of --tls-cert (PEM file)")
    parser.add_argument(
        "--target-name-override", help="channel option grpc.ssl_target_name_override (with --tls-ca)"
    )
    parser.add_argument(
        "--access-token", help="add grpc.access_token_call_credentials(TOKEN) (with --tls-ca)"
    )
    args = parser.parse_args()
    if bool(args.tls_cert) != bool(args.tls_key):
        parser.error("--tls-cert and --tls-key go together")
    if not args.tls_ca and (args.tls_cert or args.target_name_override or args.access_token):
        parser.error("--tls-cert, --target-name-override and --access-token need --tls-ca")
    if args.tls_ca:
        global CHANNEL_CREDENTIALS, ACCESS_TOKEN  # pylint: disable=global-statement
        ACCESS_TOKEN = args.access_token
        CHANNEL_CREDENTIALS = channel_credentials(
            args.tls_ca, args.tls_cert, args.tls_key, args.access_token
        )
        if args.target_name_override:
            CHANNEL_OPTIONS.append(("grpc.ssl_target_name_override", args.target_name_override))

    if args.list:
        print("\n".join(SCENARIOS))
        return 0
    if args.scenario is None or args.target is None:
        parser.error("SCENARIO and --target are required")

    names = list(SCENARIOS) if args.scenario == "all" else [args.scenario]
    failed = []
    for name in names:
        large = name in LARGE_SCENARIOS and args.large_target
        target = args.large_target if large else args.target
        if not run(name, target):
            failed.append(name)
    if len(names) > 1 and failed:
        print(f"FAILED: {' '.join(failed)}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
