"""grpcio client-interceptor scenarios (SPEC.md, "Client interceptors").

Usage: interceptor_client.py --target HOST:PORT --closed-target HOST:PORT
       interceptor_client.py --call-options --target HOST:PORT --closed-target HOST:PORT

Runs every scenario against the TestService at --target (--closed-target is an address where
nothing listens) and prints one observation line per check, for comparison with the same
scenarios written with swift-grpc-sync's interceptors. With --call-options it runs only the
call_options scenario, whose --target is fake_h2_server.py in `inspect` mode.
"""

import argparse
import collections
import time
import uuid

import grpc

from peer_common import method_path

TIMEOUT_S = 10.0


class _Details(
    collections.namedtuple(
        "_Details", ("method", "timeout", "metadata", "credentials", "wait_for_ready", "compression")
    ),
    grpc.ClientCallDetails,
):
    pass


def _replace(details, **changes):
    fields = {name: getattr(details, name, None) for name in _Details._fields}
    fields.update(changes)
    return _Details(**fields)


class _AllKinds(
    grpc.UnaryUnaryClientInterceptor,
    grpc.UnaryStreamClientInterceptor,
    grpc.StreamUnaryClientInterceptor,
    grpc.StreamStreamClientInterceptor,
):
    """An interceptor that does the same, `_intercept`, for the four kinds of call."""

    def intercept_unary_unary(self, continuation, details, request):
        return self._intercept(continuation, details, request, streaming_request=False)

    def intercept_unary_stream(self, continuation, details, request):
        return self._intercept(continuation, details, request, streaming_request=False)

    def intercept_stream_unary(self, continuation, details, request_iterator):
        return self._intercept(continuation, details, request_iterator, streaming_request=True)

    def intercept_stream_stream(self, continuation, details, request_iterator):
        return self._intercept(continuation, details, request_iterator, streaming_request=True)


class Recorder(_AllKinds):
    """Logs `name>` before the continuation and `<name` after it."""

    def __init__(self, name, log):
        self._name = name
        self._log = log

    def _intercept(self, continuation, details, request, streaming_request):
        self._log.append(self._name + ">")
        outcome = continuation(details, request)
        self._log.append("<" + self._name)
        return outcome


class MetadataInjector(_AllKinds):
    """Adds metadata and, to calls without one, a 30 s timeout."""

    def _intercept(self, continuation, details, request, streaming_request):
        metadata = list(details.metadata or []) + [("x-echo-injected", "1"), ("x-trail-injected", "2")]
        timeout = details.timeout if details.timeout is not None else 30.0
        return continuation(_replace(details, metadata=metadata, timeout=timeout), request)


class Retry(grpc.UnaryUnaryClientInterceptor):
    """Retries UNAVAILABLE with exponential backoff, as a user's retry interceptor does."""

    def __init__(self, max_attempts):
        self.max_attempts = max_attempts
        self.attempts = 0

    def intercept_unary_unary(self, continuation, details, request):
        backoff = 0.01
        for attempt in range(1, self.max_attempts + 1):
            self.attempts = attempt
            outcome = continuation(details, request)
            if outcome.code() != grpc.StatusCode.UNAVAILABLE or attempt == self.max_attempts:
                return outcome
            time.sleep(backoff)
            backoff *= 2
        raise AssertionError("unreachable")


class Failing(_AllKinds):
    def _intercept(self, continuation, details, request, streaming_request):
        raise ValueError("interceptor boom")


class Rewriter(_AllKinds):
    """Upper-cases every request and sends calls to `Nope` to `Unary` instead."""

    def _intercept(self, continuation, details, request, streaming_request):
        if details.method == method_path("Nope"):
            details = _replace(details, method=method_path("Unary"))
        if streaming_request:
            return continuation(details, (r.upper() for r in request))
        return continuation(details, request.upper())


class CallOptions(_AllKinds):
    """Asks every call for gzip compression and wait_for_ready."""

    def _intercept(self, continuation, details, request, streaming_request):
        details = _replace(details, compression=grpc.Compression.Gzip, wait_for_ready=True)
        return continuation(details, request)


def _calls(channel):
    return {
        "unary": channel.unary_unary(method_path("Unary")),
        "stream": channel.unary_stream(method_path("ServerStream")),
        "client_stream": channel.stream_unary(method_path("ClientStream")),
        "bidi": channel.stream_stream(method_path("Bidi")),
    }


def scenario_order(target, out):
    log = []
    with grpc.intercept_channel(
        grpc.insecure_channel(target), Recorder("A", log), Recorder("B", log)
    ) as channel:
        calls = _calls(channel)

        def report(kind, result):
            out(f"order {kind}: {' '.join(log)} {result}")
            log.clear()

        report("unary_unary", "response=" + calls["unary"](b"x", timeout=TIMEOUT_S).decode())
        report("unary_unary_future", "response=" + calls["unary"].future(b"y", timeout=TIMEOUT_S).result().decode())
        responses = calls["stream"](b"", timeout=TIMEOUT_S, metadata=(("x-count", "2"), ("x-size", "1")))
        log_before = " ".join(log)
        count = len(list(responses))
        log.clear()
        out(f"order unary_stream: {log_before} responses={count}")
        report("stream_unary", "response=" + calls["client_stream"](iter([b"a", b"bb"]), timeout=TIMEOUT_S).decode())
        responses = calls["bidi"](iter([b"p", b"q"]), timeout=TIMEOUT_S)
        log_before = " ".join(log)
        joined = ",".join(r.decode() for r in responses)
        log.clear()
        out(f"order stream_stream: {log_before} responses={joined}")


def scenario_metadata(target, out):
    with grpc.intercept_channel(grpc.insecure_channel(target), MetadataInjector()) as channel:
        _, call = channel.unary_unary(method_path("Unary")).with_call(b"m")
        initial = ",".join(f"{k}={v}" for k, v in call.initial_metadata() if k.startswith("x-"))
        trailing = ",".join(f"{k}={v}" for k, v in call.trailing_metadata() if k.startswith("x-"))
        out(f"metadata unary_unary: initial={initial} trailing={trailing}")
        remaining = channel.unary_unary(method_path("TimeRemaining"))(b"")
        out(f"metadata timeout: {'none' if remaining == b'none' else 'set'}")
        responses = channel.unary_stream(method_path("ServerStream"))(b"", metadata=(("x-count", "1"),))
        list(responses)
        trailing = ",".join(f"{k}={v}" for k, v in responses.trailing_metadata() if k.startswith("x-"))
        out(f"metadata unary_stream: trailing={trailing}")


def scenario_retry(target, closed_target, out):
    for failures, attempts in ((2, 4), (10, 4)):
        retry = Retry(attempts)
        with grpc.intercept_channel(grpc.insecure_channel(target), retry) as channel:
            flaky = channel.unary_unary(method_path("Flaky"))
            metadata = (("x-flaky-key", uuid.uuid4().hex), ("x-flaky-failures", str(failures)))
            try:
                response = flaky(b"r", timeout=TIMEOUT_S, metadata=metadata)
                result = f"code=OK response={response.decode()}"
            except grpc.RpcError as error:
                result = f"code={error.code().name} details={error.details()}"
            out(f"retry failures={failures}: attempts={retry.attempts} {result}")
    retry = Retry(3)
    with grpc.intercept_channel(grpc.insecure_channel(closed_target), retry) as channel:
        try:
            channel.unary_unary(method_path("Unary"))(b"", timeout=TIMEOUT_S)
            result = "code=OK"
        except grpc.RpcError as error:
            result = f"code={error.code().name}"
        out(f"retry no server: attempts={retry.attempts} {result}")


def scenario_failure(target, out):
    with grpc.intercept_channel(grpc.insecure_channel(target), Failing()) as channel:
        calls = _calls(channel)

        def raised(kind, body):
            try:
                body()
                out(f"failure {kind}: no error")
            except Exception as error:  # what the interceptor raised, as is
                out(f"failure {kind}: raised {type(error).__name__ if isinstance(error, grpc.RpcError) else error}")

        raised("unary_unary", lambda: calls["unary"](b"x", timeout=TIMEOUT_S))
        raised("unary_unary_with_call", lambda: calls["unary"].with_call(b"x", timeout=TIMEOUT_S))
        future = calls["unary"].future(b"x", timeout=TIMEOUT_S)
        out(
            f"failure unary_unary_future: exception={future.exception()} code={future.code().name}"
            f" details={future.details()} done={future.done()}"
        )
        raised("unary_unary_future_result", future.result)
        responses = calls["stream"](b"", timeout=TIMEOUT_S)
        raised("unary_stream_next", lambda: next(responses))
        out(f"failure unary_stream: code={responses.code().name} details={responses.details()}")
        raised("stream_unary", lambda: calls["client_stream"](iter([b"a"]), timeout=TIMEOUT_S))
        future = calls["client_stream"].future(iter([b"a"]), timeout=TIMEOUT_S)
        out(f"failure stream_unary_future: exception={future.exception()} code={future.code().name}")
        responses = calls["bidi"](iter([b"a"]), timeout=TIMEOUT_S)
        raised("stream_stream_next", lambda: next(responses))


def scenario_rewrite(target, out):
    with grpc.intercept_channel(grpc.insecure_channel(target), Rewriter()) as channel:
        calls = _calls(channel)
        out(f"rewrite unary_unary: {calls['unary'](b'hello', timeout=TIMEOUT_S).decode()}")
        nope = channel.unary_unary(method_path("Nope"))
        out(f"rewrite method: {nope(b'moved', timeout=TIMEOUT_S).decode()}")
        response = calls["client_stream"](iter([b"a", b"b"]), timeout=TIMEOUT_S)
        out(f"rewrite stream_unary: {response.decode()}")
        responses = calls["bidi"](iter([b"a", b"b"]), timeout=TIMEOUT_S)
        out(f"rewrite stream_stream: {','.join(r.decode() for r in responses)}")


def _inspected(answer):
    """`encoding=E flags=F,…` of fake_h2_server.py's `inspect` answer."""
    words = answer.decode().split(" ")
    messages = words[-1].removeprefix("messages=").split(",")
    return f"{words[0]} flags={','.join(m.split(':')[0] for m in messages)}"


def scenario_call_options(inspect_target, closed_target, out):
    with grpc.intercept_channel(grpc.insecure_channel(inspect_target), CallOptions()) as channel:
        answer = channel.unary_unary("/x.Y/Z")(b"a" * 1000, timeout=TIMEOUT_S)
        out(f"call_options unary_unary: {_inspected(answer)}")
        answer = channel.stream_unary("/x.Y/Z")(iter([b"a" * 1000, b"b" * 1000]), timeout=TIMEOUT_S)
        out(f"call_options stream_unary: {_inspected(answer)}")
    with grpc.intercept_channel(grpc.insecure_channel(closed_target), CallOptions()) as channel:
        try:
            channel.unary_unary(method_path("Unary"))(b"", timeout=0.5)
            result = "OK"
        except grpc.RpcError as error:
            result = error.code().name
        out(f"call_options wait_for_ready, no server: {result}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--target", required=True)
    parser.add_argument("--closed-target", required=True)
    parser.add_argument("--call-options", action="store_true", help="only the call_options scenario")
    args = parser.parse_args()
    out = lambda line: print(line, flush=True)  # noqa: E731
    if args.call_options:
        scenario_call_options(args.target, args.closed_target, out)
        return
    scenario_order(args.target, out)
    scenario_metadata(args.target, out)
    scenario_retry(args.target, args.closed_target, out)
    scenario_failure(args.target, out)
    scenario_rewrite(args.target, out)


if __name__ == "__main__":
    main()
