#!/usr/bin/env python3
"""grpcio's asyncio client side of AIOInterceptorTests.swift: grpc.aio's four client interceptor
classes, printed one observation a line as `CASE OBSERVATION` so that the Swift client's
observations can be compared with them line by line.

Usage: aio_interceptor_client.py --target HOST:PORT

Every case runs against the conformance TestService (SPEC.md) at the target, each on a channel of
its own with the interceptors it names:

    order         two unary-unary interceptors, each logging around its continuation and adding
                  an x-echo- entry to the metadata: the order they ran in, what the server saw
    call_object   the call object of an intercepted unary call: response, code, done, cancelled
    answered      an interceptor that answers without calling on: response, code, details,
                  metadata, done, cancel()
    raised        an interceptor that raises before calling on: what `await` raises
    failed        a call that ends INVALID_ARGUMENT under an interceptor: what `await` raises,
                  and the code and details of the call object
    cancelled     cancel() while the interceptor still sleeps before calling on: cancel()'s
                  answer, then what `await` raises, code, details, cancelled, done
    retry         an interceptor that calls on again while the call ends UNAVAILABLE (Flaky)
    unary_stream  a unary-stream interceptor returning the call; one returning responses of its own
    stream_unary  a stream-unary interceptor that changes every written request
    stream_stream a stream-stream interceptor whose responses replace the call's, read with read()
    writes        write() after done_writing(), and on a call given a request iterator
"""

import argparse
import asyncio
import sys

import grpc

from peer_common import method_path

TIMEOUT_S = 10.0


def _details(details, **changes):
    fields = {
        "method": details.method,
        "timeout": details.timeout,
        "metadata": details.metadata,
        "credentials": details.credentials,
        "wait_for_ready": details.wait_for_ready,
    }
    fields.update(changes)
    return grpc.aio.ClientCallDetails(**fields)


def _with_entry(details, key, value):
    metadata = grpc.aio.Metadata(*(details.metadata or ()))
    metadata.add(key, value)
    return _details(details, metadata=metadata)


class Logging(grpc.aio.UnaryUnaryClientInterceptor):
    def __init__(self, name, log):
        self._name = name
        self._log = log

    async def intercept_unary_unary(self, continuation, client_call_details, request):
        self._log.append(self._name + ">")
        call = await continuation(_with_entry(client_call_details, "x-echo-" + self._name, "1"), request)
        await call
        self._log.append(self._name + "<")
        return call


class Answering(grpc.aio.UnaryUnaryClientInterceptor):
    async def intercept_unary_unary(self, continuation, client_call_details, request):
        return b"cached"


class Raising(grpc.aio.UnaryUnaryClientInterceptor):
    async def intercept_unary_unary(self, continuation, client_call_details, request):
        raise ValueError("nope")


class Passing(grpc.aio.UnaryUnaryClientInterceptor):
    async def intercept_unary_unary(self, continuation, client_call_details, request):
        return await continuation(client_call_details, request)


class Sleeping(grpc.aio.UnaryUnaryClientInterceptor):
    async def intercept_unary_unary(self, continuation, client_call_details, request):
        await asyncio.sleep(1)
        return await continuation(client_call_details, request)


class Retrying(grpc.aio.UnaryUnaryClientInterceptor):
    def __init__(self, log):
        self._log = log

    async def intercept_unary_unary(self, continuation, client_call_details, request):
        attempt = 1
        while True:
            call = await continuation(client_call_details, request)
            code = await call.code()
            self._log.append("attempt %d %s" % (attempt, code.name))
            if code != grpc.StatusCode.UNAVAILABLE or attempt == 3:
                return call
            attempt += 1


class StreamPassing(grpc.aio.UnaryStreamClientInterceptor):
    async def intercept_unary_stream(self, continuation, client_call_details, request):
        return await continuation(client_call_details, request)


class StreamReplacing(grpc.aio.UnaryStreamClientInterceptor):
    async def intercept_unary_stream(self, continuation, client_call_details, request):
        call = await continuation(client_call_details, request)

        async def lengths():
            async for response in call:
                yield b"len=%d" % len(response)

        return lengths()


class RequestChanging(grpc.aio.StreamUnaryClientInterceptor):
    async def intercept_stream_unary(self, continuation, client_call_details, request_iterator):
        async def changed():
            async for request in request_iterator:
                yield request + b"!"

        return await continuation(client_call_details, changed())


class BidiReplacing(grpc.aio.StreamStreamClientInterceptor):
    async def intercept_stream_stream(self, continuation, client_call_details, request_iterator):
        call = await continuation(client_call_details, request_iterator)

        async def upper():
            async for response in call:
                yield response.upper()

        return upper()


class BidiPassing(grpc.aio.StreamStreamClientInterceptor):
    async def intercept_stream_stream(self, continuation, client_call_details, request_iterator):
        return await continuation(client_call_details, request_iterator)


def _error(e):
    if isinstance(e, asyncio.CancelledError):
        return "CancelledError"
    if isinstance(e, grpc.aio.AioRpcError):
        return "AioRpcError %s %s" % (e.code().name, e.details())
    return "%s %s" % (type(e).__name__, e)


async def order(target):
    log = []
    async with grpc.aio.insecure_channel(target, interceptors=[Logging("a", log), Logging("b", log)]) as channel:
        call = channel.unary_unary(method_path("Unary"))(b"hi", timeout=TIMEOUT_S)
        response = await call
        echoed = sorted("%s=%s" % (k, v) for k, v in await call.initial_metadata() if k.startswith("x-echo-"))
        print("order log", " ".join(log))
        print("order response", response.decode())
        print("order echoed", ",".join(echoed))


async def call_object(target):
    async with grpc.aio.insecure_channel(target, interceptors=[Passing()]) as channel:
        call = channel.unary_unary(method_path("Unary"))(b"obj", timeout=TIMEOUT_S)
        print("call_object response", (await call).decode())
        print("call_object status", (await call.code()).name, repr(await call.details()))
        print("call_object done", call.done(), "cancelled", call.cancelled(), "cancel", call.cancel())


async def answered(target):
    async with grpc.aio.insecure_channel(target, interceptors=[Answering()]) as channel:
        call = channel.unary_unary(method_path("Unary"))(b"ignored", timeout=TIMEOUT_S)
        print("answered response", (await call).decode())
        print("answered status", (await call.code()).name, repr(await call.details()))
        initial = await call.initial_metadata()
        trailing = await call.trailing_metadata()
        print("answered metadata", len(initial or ()), len(trailing or ()))
        print("answered done", call.done(), "cancelled", call.cancelled(), "cancel", call.cancel())


async def raised(target):
    async with grpc.aio.insecure_channel(target, interceptors=[Raising()]) as channel:
        try:
            await channel.unary_unary(method_path("Unary"))(b"", timeout=TIMEOUT_S)
            print("raised ok")
        except Exception as e:  # pylint: disable=broad-except
            print("raised", _error(e))


async def failed(target):
    async with grpc.aio.insecure_channel(target, interceptors=[Passing()]) as channel:
        call = channel.unary_unary(method_path("Unary"))(
            b"", timeout=TIMEOUT_S, metadata=[("x-status-code", "3"), ("x-status-details-bin", b"bad")]
        )
        try:
            await call
            print("failed ok")
        except Exception as e:  # pylint: disable=broad-except
            print("failed", _error(e))
        print("failed status", (await call.code()).name, await call.details())


async def cancelled(target):
    async with grpc.aio.insecure_channel(target, interceptors=[Sleeping()]) as channel:
        call = channel.unary_unary(method_path("Unary"))(b"", timeout=TIMEOUT_S)
        await asyncio.sleep(0.1)
        print("cancelled cancel", call.cancel())
        try:
            await call
            print("cancelled ok")
        except BaseException as e:  # pylint: disable=broad-except
            print("cancelled awaited", _error(e))
        print("cancelled status", (await call.code()).name, await call.details())
        print("cancelled cancelled", call.cancelled(), "done", call.done())


async def retry(target):
    log = []
    async with grpc.aio.insecure_channel(target, interceptors=[Retrying(log)]) as channel:
        response = await channel.unary_unary(method_path("Flaky"))(
            b"again", timeout=TIMEOUT_S, metadata=[("x-flaky-key", "aio-retry-%s" % id(log))]
        )
        for line in log:
            print("retry", line)
        print("retry response", response.decode())


async def unary_stream(target):
    metadata = [("x-count", "3"), ("x-size", "4")]
    async with grpc.aio.insecure_channel(target, interceptors=[StreamPassing()]) as channel:
        call = channel.unary_stream(method_path("ServerStream"))(b"", timeout=TIMEOUT_S, metadata=metadata)
        sizes = [len(r) async for r in call]
        print("unary_stream passed", sizes, (await call.code()).name)
    async with grpc.aio.insecure_channel(target, interceptors=[StreamReplacing()]) as channel:
        call = channel.unary_stream(method_path("ServerStream"))(b"", timeout=TIMEOUT_S, metadata=metadata)
        replaced = [r.decode() async for r in call]
        print("unary_stream replaced", replaced, (await call.code()).name)


async def stream_unary(target):
    async with grpc.aio.insecure_channel(target, interceptors=[RequestChanging()]) as channel:
        call = channel.stream_unary(method_path("ClientStream"))(timeout=TIMEOUT_S)
        for request in (b"a", b"bb", b"ccc"):
            await call.write(request)
        await call.done_writing()
        print("stream_unary written", (await call).decode())

        async def requests():
            for request in (b"a", b"bb"):
                yield request

        response = await channel.stream_unary(method_path("ClientStream"))(requests(), timeout=TIMEOUT_S)
        print("stream_unary iterated", response.decode())


async def stream_stream(target):
    async with grpc.aio.insecure_channel(target, interceptors=[BidiReplacing()]) as channel:
        call = channel.stream_stream(method_path("Bidi"))(timeout=TIMEOUT_S)
        read = []
        for request in (b"one", b"two"):
            await call.write(request)
            read.append((await call.read()).decode())
        await call.done_writing()
        end = await call.read()
        print("stream_stream read", read, "end", end is grpc.aio.EOF)
        print("stream_stream status", (await call.code()).name)


async def writes(target):
    async with grpc.aio.insecure_channel(target, interceptors=[BidiPassing()]) as channel:
        call = channel.stream_stream(method_path("Bidi"))(timeout=TIMEOUT_S)
        await call.write(b"x")
        await call.done_writing()
        try:
            await call.write(b"y")
            print("writes after_done_writing ok")
        except Exception as e:  # pylint: disable=broad-except
            print("writes after_done_writing", str(e))
        print("writes responses", [r.decode() async for r in call])

        async def requests():
            yield b"z"

        call = channel.stream_stream(method_path("Bidi"))(requests(), timeout=TIMEOUT_S)
        try:
            await call.write(b"y")
            print("writes mixed ok")
        except Exception as e:  # pylint: disable=broad-except
            print("writes mixed", str(e))
        print("writes mixed_responses", [r.decode() async for r in call])


async def main(target):
    for case in (order, call_object, answered, raised, failed, cancelled, retry, unary_stream, stream_unary,
                 stream_stream, writes):
        await case(target)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--target", required=True)
    asyncio.run(main(parser.parse_args().target))
    sys.exit(0)
