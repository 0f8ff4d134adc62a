"""grpcio implementation of the conformance TestService (see SPEC.md).

Usage: peer_server.py [--port N] [--max-receive BYTES] [--max-send BYTES]
                      [--max-concurrent N] [--workers N] [--interceptors]
                      [--compression identity|deflate|gzip] [--local-credentials]
                      [--tls-cert PEM --tls-key PEM [--tls-client-ca PEM] [--require-client-auth]]
                      [--option KEY=VALUE ...]

Binds [::]:N (0 = any free port), with TLS when --tls-cert is given, prints `PORT <n>` on stdout
and serves until stdin reaches EOF or the process gets SIGTERM (or SIGINT).
"""

import argparse
import os
import signal
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import grpc

from peer_common import COMPRESSION_BY_NAME, SERVICE, STATUS_BY_NUMBER
from peer_interceptors import server_interceptors

# Request metadata keys that are transport-level and so left out of the `Metadata` answer, with
# the `grpc-` keys other than `grpc-status-details-bin` and `grpc-test-…`.
_TRANSPORT_KEYS = frozenset(("user-agent", "content-type", "te"))

# How long WaitForCancel waits for its call to stop being active.
_WAIT_FOR_CANCEL_LIMIT_S = 30.0

# The longest timeout the grpc-timeout header can carry (99999999 hours). grpcio's server-side
# time_remaining() never returns None: a call without a deadline reports the time until gRPC's
# "infinite future" instead, hundreds of millions of years away, so anything beyond this means
# that the call has no deadline.
_MAX_WIRE_TIMEOUT_S = 99999999 * 3600


def _metadata_value(context, key, default=None):
    """The value of the first request metadata entry named `key`, or `default`."""
    for entry_key, value in context.invocation_metadata():
        if entry_key == key:
            return value
    return default


def _int_metadata(context, key, default):
    return int(_metadata_value(context, key, default))


def _sleep_while_active(context, seconds):
    """Sleeps up to `seconds`, returning early once the RPC is no longer active."""
    deadline = time.monotonic() + seconds
    while context.is_active():
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            return
        time.sleep(min(remaining, 0.01))


def _renamed(metadata, prefix):
    """The entries whose key starts with `prefix`, under the rest of their key."""
    return tuple((key[len(prefix) :], value) for key, value in metadata if key.startswith(prefix))


def _listed_in_metadata_answer(key):
    if key.startswith("grpc-"):
        return key == "grpc-status-details-bin" or key.startswith("grpc-test-")
    return not key.startswith(":") and key not in _TRANSPORT_KEYS


def _begin(context):
    """Applies the request metadata controls that act before a handler's normal work.

    Returns the (code, details) the RPC must be aborted with once that work is done, or None.
    """
    metadata = context.invocation_metadata()
    compression = _metadata_value(context, "x-compression")
    if compression is not None:
        # Before anything is sent: grpcio applies it when the initial metadata goes out.
        context.set_compression(COMPRESSION_BY_NAME[compression])
    echo = tuple((key, value) for key, value in metadata if key.startswith("x-echo-"))
    echo += _renamed(metadata, "x-as-initial-")
    if echo:
        context.send_initial_metadata(echo)
    trail = tuple((key, value) for key, value in metadata if key.startswith("x-trail-"))
    trail += _renamed(metadata, "x-as-trail-")
    if trail:
        context.set_trailing_metadata(trail)
    sleep_ms = _int_metadata(context, "x-sleep-ms", 0)
    if sleep_ms > 0:
        _sleep_while_active(context, sleep_ms / 1000)
    status_code = _metadata_value(context, "x-status-code")
    if status_code is None:
        return None
    details = _metadata_value(context, "x-status-details-bin", b"").decode("utf-8")
    return STATUS_BY_NUMBER[int(status_code)], details


def _finish(context, abort_status):
    if abort_status is not None:
        context.abort(*abort_status)


def _uncompressed_indices(context):
    """The indices of the response messages `x-disable-compression` names."""
    value = _metadata_value(context, "x-disable-compression", "")
    return {int(index) for index in value.split(",") if index}


def _send_all(responses, context):
    """Yields `responses`, disabling compression before those `x-disable-compression` names."""
    uncompressed = _uncompressed_indices(context)
    for index, response in enumerate(responses):
        if index in uncompressed:
            context.disable_next_message_compression()
        yield response


# Wrappers that apply the metadata controls around a method's normal behaviour, one per RPC kind.


def _unary_unary(behaviour):
    def handler(request, context):
        abort_status = _begin(context)
        response = behaviour(request, context)
        _finish(context, abort_status)
        if 0 in _uncompressed_indices(context):
            context.disable_next_message_compression()
        return response

    return grpc.unary_unary_rpc_method_handler(handler)


def _unary_stream(behaviour):
    def handler(request, context):
        abort_status = _begin(context)
        yield from _send_all(behaviour(request, context), context)
        _finish(context, abort_status)

    return grpc.unary_stream_rpc_method_handler(handler)


def _stream_unary(behaviour):
    def handler(request_iterator, context):
        abort_status = _begin(context)
        response = behaviour(request_iterator, context)
        _finish(context, abort_status)
        if 0 in _uncompressed_indices(context):
            context.disable_next_message_compression()
        return response

    return grpc.stream_unary_rpc_method_handler(handler)


def _stream_stream(behaviour):
    def handler(request_iterator, context):
        abort_status = _begin(context)
        yield from _send_all(behaviour(request_iterator, context), context)
        _finish(context, abort_status)

    return grpc.stream_stream_rpc_method_handler(handler)


class _StreamProgress:
    """Messages sent so far by one ServerStream call.

    Only that call's handler thread writes `sent`; StreamProgress only reads it.
    """

    def __init__(self):
        self.sent = 0


class TestService:
    def __init__(self):
        self._latest_stream = _StreamProgress()  # replaced by every ServerStream call
        self._cancel_records = {}  # request -> record of its most recent finished WaitForCancel
        self._flaky_calls = {}  # x-flaky-key -> calls seen so far
        self._flaky_lock = threading.Lock()

    def generic_handler(self):
        return grpc.method_handlers_generic_handler(
            SERVICE,
            {
                "Unary": _unary_unary(self.unary),
                "TimeRemaining": _unary_unary(self.time_remaining),
                "Peer": _unary_unary(self.peer),
                "Metadata": _unary_unary(self.metadata),
                "ServerStream": _unary_stream(self.server_stream),
                "StreamProgress": _unary_unary(self.stream_progress),
                "ClientStream": _stream_unary(self.client_stream),
                "Bidi": _stream_stream(self.bidi),
                "Raise": _unary_unary(self.raise_),
                "StreamRaise": _unary_stream(self.stream_raise),
                "WaitForCancel": _unary_unary(self.wait_for_cancel),
                "ServerCancel": _unary_unary(self.server_cancel),
                "CancelSeen": _unary_unary(self.cancel_seen),
                "Flaky": _unary_unary(self.flaky),
                "AuthContext": _unary_unary(self.auth_context),
            },
        )

    def unary(self, request, context):
        response_size = _metadata_value(context, "x-response-size")
        if response_size is None:
            return request
        return b"a" * int(response_size)

    def time_remaining(self, request, context):
        remaining = context.time_remaining()
        if remaining is None or remaining > _MAX_WIRE_TIMEOUT_S:
            return b"none"
        return str(int(remaining * 1000)).encode("ascii")

    def peer(self, request, context):
        return context.peer().encode("ascii")

    def metadata(self, request, context):
        lines = []
        for key, value in context.invocation_metadata():
            if not _listed_in_metadata_answer(key):
                continue
            text = value.hex() if key.endswith("-bin") else value
            lines.append(f"{key}={text}\n")
        return "".join(lines).encode("utf-8")

    def server_stream(self, request, context):
        count = _int_metadata(context, "x-count", 3)
        size = _int_metadata(context, "x-size", 10)
        interval_ms = _int_metadata(context, "x-interval-ms", 0)
        progress = self._latest_stream = _StreamProgress()
        for i in range(count):
            if i > 0 and interval_ms > 0:
                _sleep_while_active(context, interval_ms / 1000)
            yield bytes([i % 256]) * size
            # grpcio resumes the generator only once the previous message has been sent.
            progress.sent += 1

    def stream_progress(self, request, context):
        return str(self._latest_stream.sent).encode("ascii")

    def client_stream(self, request_iterator, context):
        count = total = 0
        for request in request_iterator:
            count += 1
            total += len(request)
        return f"count={count} bytes={total}".encode("ascii")

    def bidi(self, request_iterator, context):
        yield from request_iterator

    def flaky(self, request, context):
        key = _metadata_value(context, "x-flaky-key", "")
        with self._flaky_lock:
            seen = self._flaky_calls[key] = self._flaky_calls.get(key, 0) + 1
        if seen <= _int_metadata(context, "x-flaky-failures", 2):
            context.abort(grpc.StatusCode.UNAVAILABLE, "flaky")
        return request

    def auth_context(self, request, context):
        return auth_context_text(context).encode("utf-8")

    def raise_(self, request, context):
        raise Exception("boom")

    def stream_raise(self, request, context):
        yield b"\x00"
        yield b"\x01"
        raise Exception("boom")

    def wait_for_cancel(self, request, context):
        callback_ran = threading.Event()
        context.add_callback(callback_ran.set)
        _sleep_while_active(context, _WAIT_FOR_CANCEL_LIMIT_S)
        if not context.is_active():
            # grpcio marks the call inactive just before it runs the callbacks (on another
            # thread), so give a callback that is about to run a moment to do so.
            callback_ran.wait(1.0)
        active = str(context.is_active()).lower()
        callback = str(callback_ran.is_set()).lower()
        self._cancel_records[request] = f"active={active} callback={callback}".encode("ascii")
        return b""

    def server_cancel(self, request, context):
        context.cancel()
        return b""

    def cancel_seen(self, request, context):
        return self._cancel_records.get(request, b"none")


def auth_context_text(context):
    """The `AuthContext` answer: context.auth_context() as `key=value` lines (keys sorted, one
    line per value, in order), then `peer_identity_key=` and `peer_identities=` (comma-joined),
    each empty when grpcio answers None."""
    lines = []
    for key, values in sorted(context.auth_context().items()):
        lines.extend(f"{key}={value.decode('utf-8', 'replace')}\n" for value in values)
    lines.append(f"peer_identity_key={context.peer_identity_key() or ''}\n")
    identities = context.peer_identities() or []
    lines.append(f"peer_identities={','.join(i.decode('utf-8', 'replace') for i in identities)}\n")
    return "".join(lines)


def _read(path):
    with open(path, "rb") as file:
        return file.read()


def server_credentials(cert, key, client_ca=None, require_client_auth=False):
    """grpc.ssl_server_credentials for one certificate chain and key (PEM file paths)."""
    return grpc.ssl_server_credentials(
        [(_read(key), _read(cert))],
        root_certificates=_read(client_ca) if client_ca else None,
        require_client_auth=require_client_auth,
    )


def registered_handlers():
    """The handlers of --registered: "Unary" shadows the generic handler's, "Registered" is new."""
    return {
        "Unary": _unary_unary(lambda request, context: b"registered " + request),
        "Registered": _unary_unary(lambda request, context: b"registered"),
    }


def _parse_args():
    parser = argparse.ArgumentParser(description="grpcio conformance TestService server")
    parser.add_argument("--port", type=int, default=0, help="port to bind, 0 = any free port")
    parser.add_argument("--max-receive", type=int, help="grpc.max_receive_message_length")
    parser.add_argument("--max-send", type=int, help="grpc.max_send_message_length")
    parser.add_argument("--max-concurrent", type=int, help="maximum_concurrent_rpcs")
    parser.add_argument("--workers", type=int, default=10, help="thread pool size")
    parser.add_argument(
        "--interceptors", action="store_true", help="install the server interceptors of SPEC.md"
    )
    parser.add_argument(
        "--registered",
        action="store_true",
        help="also add_registered_method_handlers before start (Unary, Registered) and after (Late)",
    )
    parser.add_argument(
        "--compression", choices=sorted(COMPRESSION_BY_NAME), help="the server's compression= argument"
    )
    parser.add_argument(
        "--local-credentials",
        action="store_true",
        help="bind with grpc.local_server_credentials(LOCAL_TCP) instead of add_insecure_port",
    )
    parser.add_argument("--tls-cert", help="serve TLS with this certificate chain (PEM file)")
    parser.add_argument("--tls-key", help="the private key of --tls-cert (PEM file)")
    parser.add_argument(
        "--tls-client-ca", help="root certificates (PEM file) that client certificates are checked against"
    )
    parser.add_argument(
        "--require-client-auth",
        action="store_true",
        help="require a client certificate signed by --tls-client-ca",
    )
    parser.add_argument(
        "--option",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="a server option (grpc.server(options=)); VALUE is an int when it reads as one",
    )
    args = parser.parse_args()
    for option in args.option:
        if "=" not in option:
            parser.error(f"--option {option}: KEY=VALUE expected")
    if bool(args.tls_cert) != bool(args.tls_key):
        parser.error("--tls-cert and --tls-key go together")
    if (args.tls_client_ca or args.require_client_auth) and not args.tls_cert:
        parser.error("--tls-client-ca and --require-client-auth need --tls-cert and --tls-key")
    if args.require_client_auth and not args.tls_client_ca:
        parser.error("--require-client-auth needs --tls-client-ca")
    return args


def main():
    args = _parse_args()
    options = []
    if args.max_receive is not None:
        options.append(("grpc.max_receive_message_length", args.max_receive))
    if args.max_send is not None:
        options.append(("grpc.max_send_message_length", args.max_send))
    for option in args.option:
        key, _, value = option.partition("=")
        options.append((key, int(value) if value.lstrip("-").isdigit() else value))

    server = grpc.server(
        ThreadPoolExecutor(max_workers=args.workers),
        handlers=[TestService().generic_handler()],
        interceptors=server_interceptors() if args.interceptors else None,
        options=options,
        maximum_concurrent_rpcs=args.max_concurrent,
        compression=COMPRESSION_BY_NAME[args.compression] if args.compression else None,
    )
    if args.registered:
        server.add_registered_method_handlers(SERVICE, registered_handlers())
    if args.tls_cert:
        credentials = server_credentials(
            args.tls_cert, args.tls_key, args.tls_client_ca, args.require_client_auth
        )
        port = server.add_secure_port(f"[::]:{args.port}", credentials)
    elif args.local_credentials:
        local = grpc.local_server_credentials(grpc.LocalConnectionType.LOCAL_TCP)
        port = server.add_secure_port(f"[::]:{args.port}", local)
    else:
        port = server.add_insecure_port(f"[::]:{args.port}")
    server.start()
    if args.registered:
        # grpcio ignores this (with a warning): registering is only possible before start.
        server.add_registered_method_handlers(SERVICE, {"Late": registered_handlers()["Registered"]})
    print(f"PORT {port}", flush=True)

    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())

    def wait_for_stdin_eof():
        # os.read rather than sys.stdin: a daemon thread blocked inside the buffered reader
        # holds its lock and makes interpreter shutdown fail after a SIGTERM.
        # A line `stop GRACE` on stdin calls server.stop(GRACE) and prints `STOPPED` once the
        # returned event is set, so a test can watch grpcio's graceful stop.
        pending = b""
        while chunk := os.read(sys.stdin.fileno(), 4096):
            pending += chunk
            while b"\n" in pending:
                line, pending = pending.split(b"\n", 1)
                words = line.decode().split()
                if len(words) == 2 and words[0] == "stop":
                    event = server.stop(float(words[1]))
                    threading.Thread(
                        target=lambda: (event.wait(), print("STOPPED", flush=True)), daemon=True
                    ).start()
        stop.set()

    threading.Thread(target=wait_for_stdin_eof, daemon=True).start()
    stop.wait()
    server.stop(None)


if __name__ == "__main__":
    main()
