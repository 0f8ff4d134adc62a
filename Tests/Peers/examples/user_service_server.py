"""The grpcio user service server (same flags and behaviour as user-service-server).

Needs user_service_pb2 and user_service_pb2_grpc on PYTHONPATH (see README.md).
"""

import argparse
import threading
from concurrent import futures

import grpc
import user_service_pb2
import user_service_pb2_grpc


class UsersService(user_service_pb2_grpc.UsersServiceServicer):
    """Keeps users in memory; ids are user-1, user-2, ... in creation order."""

    def __init__(self, fail_first):
        self._lock = threading.Lock()
        self._users = {}
        self._created = 0
        self._failures_left = fail_first

    def CreateUser(self, request, context):
        metadata = dict(context.invocation_metadata())
        with self._lock:
            busy = self._failures_left > 0
            if busy:
                self._failures_left -= 1
        if busy:
            context.abort(grpc.StatusCode.UNAVAILABLE, "backend busy, try again")
        with self._lock:
            self._created += 1
            user = user_service_pb2.User(
                id="user-%d" % self._created, name=request.name, email=request.email, age=request.age
            )
            self._users[user.id] = user
        return user_service_pb2.CreateUserResult(user=user, request_id=metadata.get("x-request-id", ""))

    def GetUsers(self, request, context):
        with self._lock:
            known = dict(self._users)
            ids = list(request.ids) or ["user-%d" % n for n in range(1, self._created + 1)]
        for user_id in ids:
            if user_id not in known:
                context.abort(grpc.StatusCode.NOT_FOUND, "no user %s" % user_id)
            yield user_service_pb2.GetUsersResult(user=known[user_id])


def serve(port, fail_first):
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=10))
    user_service_pb2_grpc.add_UsersServiceServicer_to_server(UsersService(fail_first), server)
    bound = server.add_insecure_port("[::]:%d" % port)
    server.start()
    print("Server started, listening on %d" % bound, flush=True)
    server.wait_for_termination()


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, default=50051)
    parser.add_argument("--fail-first", type=int, default=0)
    args = parser.parse_args()
    serve(args.port, args.fail_first)
