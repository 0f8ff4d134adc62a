"""The grpcio asyncio user service client, with a logging and a retry interceptor (same output as
user-service-async-client and the blocking clients).

grpc.aio registers an interceptor for the first interceptor class it subclasses only, so logging
takes a class per kind of call here.

Needs user_service_pb2 and user_service_pb2_grpc on PYTHONPATH (see README.md).
"""

import argparse
import asyncio

import grpc
import user_service_pb2
import user_service_pb2_grpc


class UnaryLoggingInterceptor(grpc.aio.UnaryUnaryClientInterceptor):
    """Logs every unary call before its continuation and with its final code."""

    async def intercept_unary_unary(self, continuation, client_call_details, request):
        print("[log] -> %s" % client_call_details.method.decode())
        call = await continuation(client_call_details, request)
        print("[log] <- %s: %s" % (client_call_details.method.decode(), await call.code()))
        return call


class StreamLoggingInterceptor(grpc.aio.UnaryStreamClientInterceptor):
    """Logs every response stream before its continuation and once it is open."""

    async def intercept_unary_stream(self, continuation, client_call_details, request):
        print("[log] -> %s" % client_call_details.method.decode())
        call = await continuation(client_call_details, request)
        print("[log] <- %s: stream open" % client_call_details.method.decode())
        return call


class RetryInterceptor(grpc.aio.UnaryUnaryClientInterceptor):
    """Retries unary calls that end UNAVAILABLE, with exponential backoff."""

    def __init__(self, max_attempts, initial_backoff):
        self._max_attempts = max_attempts
        self._initial_backoff = initial_backoff

    async def intercept_unary_unary(self, continuation, client_call_details, request):
        backoff = self._initial_backoff
        attempt = 1
        while True:
            call = await continuation(client_call_details, request)
            code = await call.code()
            if code != grpc.StatusCode.UNAVAILABLE or attempt >= self._max_attempts:
                return call
            attempt += 1
            print(
                "[retry] %s: %s, attempt %d of %d in %d ms"
                % (client_call_details.method.decode(), code, attempt, self._max_attempts, int(backoff * 1000))
            )
            await asyncio.sleep(backoff)
            backoff *= 2


def describe(user):
    return "%s: %s <%s>, %d" % (user.id, user.name, user.email, user.age)


async def run(target):
    interceptors = [UnaryLoggingInterceptor(), StreamLoggingInterceptor(), RetryInterceptor(4, 0.05)]
    async with grpc.aio.insecure_channel(target, interceptors=interceptors) as channel:
        stub = user_service_pb2_grpc.UsersServiceStub(channel)
        people = [
            ("Ada Lovelace", "ada@example.com", 36),
            ("Grace Hopper", "grace@example.com", 85),
            ("Alan Turing", "alan@example.com", 41),
        ]
        for index, (name, email, age) in enumerate(people):
            request = user_service_pb2.CreateUserRequest(name=name, email=email, age=age)
            result = await stub.CreateUser(request, timeout=10, metadata=(("x-request-id", "req-%d" % (index + 1)),))
            print("Created %s (request %s)" % (describe(result.user), result.request_id))

        async for result in stub.GetUsers(user_service_pb2.GetUsersRequest(ids=["user-3", "user-1"]), timeout=10):
            print("Got %s" % describe(result.user))

        try:
            async for result in stub.GetUsers(user_service_pb2.GetUsersRequest(ids=["user-99"]), timeout=10):
                print("Got %s" % describe(result.user))
        except grpc.aio.AioRpcError as error:
            print("GetUsers failed: %s %s" % (error.code(), error.details()))


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--target", default="localhost:50051")
    asyncio.run(run(parser.parse_args().target))
