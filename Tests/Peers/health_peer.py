"""grpcio-health-checking's side of the health tests (Tests/HealthTests).

Both roles read one command per line on stdin and answer each with one line on stdout that
starts with `#<n> `, n counting the answers from 1, so a test can wait for each answer.

`health_peer.py server` serves grpcio's own `grpc_health.v1.health.HealthServicer()` (its defaults:
non-blocking Watch) on a server with 10 workers, prints `PORT <n>`, and takes:

- `set SERVICE STATUS`: `servicer.set(service, status)`, STATUS a number (1 = SERVING); `-` is "";
- `shutdown`: `servicer.enter_graceful_shutdown()`;

each answered `#<n> done`. It serves until stdin closes.

`health_peer.py client --target HOST:PORT` calls the server through grpcio's `HealthStub` and takes:

- `check SERVICE`: Check, answered `#<n> check SERVICE CODE STATUS DETAILS` (CODE the status code's
  number, STATUS the response's status or `-` after an error, DETAILS the details or `-`);
- `watch SERVICE`: opens a Watch and answers with its first response, `#<n> watch SERVICE STATUS`;
- `next`: answers the next response of the Watch, `#<n> watch SERVICE STATUS`, or
  `#<n> ended CODE` when the Watch ended, or `#<n> none` when nothing came within 10 s.
"""

import argparse
import queue
import sys
import threading
from concurrent import futures

import grpc
from grpc_health.v1 import health, health_pb2, health_pb2_grpc

_answers = 0


def answer(text):
    global _answers
    _answers += 1
    print(f"#{_answers} {text}", flush=True)


def service_name(word):
    return "" if word == "-" else word


def serve():
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=10))
    servicer = health.HealthServicer()
    health_pb2_grpc.add_HealthServicer_to_server(servicer, server)
    port = server.add_insecure_port("[::]:0")
    server.start()
    print(f"PORT {port}", flush=True)
    for line in sys.stdin:
        words = line.split()
        if words[:1] == ["set"]:
            servicer.set(service_name(words[1]), int(words[2]))
        elif words[:1] == ["shutdown"]:
            servicer.enter_graceful_shutdown()
        else:
            continue
        answer("done")
    server.stop(None)


def run_client(target):
    channel = grpc.insecure_channel(target)
    stub = health_pb2_grpc.HealthStub(channel)
    responses = queue.Queue()
    watched = [None]

    def follow(call):
        try:
            for response in call:
                responses.put(("watch", response.status))
        except grpc.RpcError as error:
            responses.put(("ended", error.code().value[0]))

    def next_answer():
        try:
            kind, value = responses.get(timeout=10)
        except queue.Empty:
            return "none"
        return f"watch {watched[0]} {value}" if kind == "watch" else f"ended {value}"

    for line in sys.stdin:
        words = line.split()
        if words[:1] == ["check"]:
            request = health_pb2.HealthCheckRequest(service=service_name(words[1]))
            try:
                response = stub.Check(request, timeout=10)
                answer(f"check {words[1]} 0 {response.status} -")
            except grpc.RpcError as error:
                answer(f"check {words[1]} {error.code().value[0]} - {error.details() or '-'}")
        elif words[:1] == ["watch"]:
            watched[0] = words[1]
            call = stub.Watch(health_pb2.HealthCheckRequest(service=service_name(words[1])))
            threading.Thread(target=follow, args=(call,), daemon=True).start()
            answer(next_answer())
        elif words[:1] == ["next"]:
            answer(next_answer())
    channel.close()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("role", choices=["server", "client"])
    parser.add_argument("--target")
    args = parser.parse_args()
    if args.role == "server":
        serve()
    else:
        run_client(args.target)


if __name__ == "__main__":
    main()
