"""The grpcio user service client, with a logging and a retry interceptor (same output as
user-service-client).

Needs user_service_pb2 and user_service_pb2_grpc on PYTHONPATH (see README.md).
"""

import argparse
import time

import grpc
import user_service_pb2
import user_service_pb2_grpc


class LoggingInterceptor(grpc.UnaryUnaryClientInterceptor, grpc.UnaryStreamClientInterceptor):
    """Logs every call before and after its continuation."""

    def intercept_unary_unary(self, continuation, client_call_details, request):
        print("[log] -> %s" % client_call_details.method)
        outcome = continuation(client_call_details, request)
        print("[log] <- %s: %s" % (client_call_details.method, outcome.code()))
        return outcome

    def intercept_unary_stream(self, continuation, client_call_details, request):
        print("[log] -> %s" % client_call_details.method)
        responses = continuation(client_call_details, request)
        print("[log] <- %s: stream open" % client_call_details.method)
        return responses


class RetryInterceptor(grpc.UnaryUnaryClientInterceptor):
    """Retries unary calls that end UNAVAILABLE, with exponential backoff."""

    def __init__(self, max_attempts, initial_backoff):
        self._max_attempts = max_attempts
        self._initial_backoff = initial_backoff

    def intercept_unary_unary(self, continuation, client_call_details, request):
        backoff = self._initial_backoff
        attempt = 1
        while True:
            outcome = continuation(client_call_details, request)
            if outcome.code() != grpc.StatusCode.UNAVAILABLE or attempt >= self._max_attempts:
                return outcome
            attempt += 1
            print(
                "[retry] %s: %s, attempt %d of %d in %d ms"
                % (client_call_details.method, outcome.code(), attempt, self._max_attempts, int(backoff * 1000))
            )
            time.sleep(backoff)
            backoff *= 2


def describe(user):
    return "%s: %s <%s>, %d" % (user.id, user.name, user.email, user.age)


def run(target):
    channel = grpc.intercept_channel(
        grpc.insecure_channel(target), LoggingInterceptor(), RetryInterceptor(4, 0.05)
    )
    with channel:
        stub = user_service_pb2_grpc.UsersServiceStub(channel)
        people = [
            ("Ada Lovelace", "ada@example.com", 36),
            ("Grace Hopper", "grace@example.com", 85),
            ("Alan Turing", "alan@example.com", 41),
        ]
        for index, (name, email, age) in enumerate(people):
            request = user_service_pb2.CreateUserRequest(name=name, email=email, age=age)
            result = stub.CreateUser(request, timeout=10, metadata=(("x-request-id", "req-%d" % (index + 1)),))
            print("Created %s (request %s)" % (describe(result.user), result.request_id))

        for result in stub.GetUsers(user_service_pb2.GetUsersRequest(ids=["user-3", "user-1"]), timeout=10):
            print("Got %s" % describe(result.user))

        try:
            for result in stub.GetUsers(user_service_pb2.GetUsersRequest(ids=["user-99"]), timeout=10):
                print("Got %s" % describe(result.user))
        except grpc.RpcError as error:
            print("GetUsers failed: %s %s" % (error.code(), error.details()))


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--target", default="localhost:50051")
    run(parser.parse_args().target)
