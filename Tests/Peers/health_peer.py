"""grpcio-health-checking's side of the health tests (Tests/HealthTests).

Both roles read one command per line on stdin and answer each with one line on stdout that
starts with `#<n> `, n counting the answers from 1, so a test can wait for each answer.

`health_peer.py server` serves grpcio's own `grpc_health.v1.health.HealthServicer()` (its defaults:
non-blocking Watch) on a server with 10 workers, prints `PORT <n>`, and takes:

- `set SERVICE STATUS`: `servicer.set(service, status)`, STATUS a number (1 = SERVING); `-` is "";
- `shutdown`: `servicer.enter_graceful_shutdown()`;
- `stop GRACE`: `server.stop(GRACE)` (seconds), without waiting for it;

each answered `#<n> done`; and `watchers`, answered `#<n> watchers K`, K the Watch calls the
servicer holds (grpcio keeps no count: the sizes of its `_send_response_callbacks` sets). It
serves until stdin closes.

`health_peer.py client --target HOST:PORT` calls the server through grpcio's `HealthStub` and takes:

- `check SERVICE`: Check, answered `#<n> check SERVICE CODE STATUS DETAILS` (CODE the status code's
  number, STATUS the response's status or `-` after an error, DETAILS the details or `-`);
- `watch SERVICE`: opens a Watch and answers with its first response, `#<n> watch SERVICE STATUS`;
- `next`: answers the next response of the Watch, `#<n> watch SERVICE STATUS`, or
  `#<n> ended CODE` when the Watch ended, or `#<n> none` when nothing came within 10 s.

`health_peer.py stalled-watch --target HOST:PORT --service SERVICE` is a client that never reads
its Watch: over raw HTTP/2 (python-hyper's h2) it announces a stream window of 16 bytes, opens a
Watch and prints `WATCHING`, then answers the server's SETTINGS and PINGs but never returns any
window, until stdin closes; it then prints `RECEIVED <n>`, the DATA bytes that arrived.
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
        elif words[:1] == ["stop"]:
            server.stop(float(words[1]))
        elif words[:1] == ["watchers"]:
            with servicer._lock:
                count = sum(len(watchers) for watchers in servicer._send_response_callbacks.values())
            answer(f"watchers {count}")
            continue
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


def stalled_watch(target, service):
    import select
    import socket

    import h2.config
    import h2.connection
    import h2.events
    import h2.settings

    host, port = target.rsplit(":", 1)
    sock = socket.create_connection((host, int(port)), timeout=10)
    connection = h2.connection.H2Connection(h2.config.H2Configuration(client_side=True))
    connection.local_settings = h2.settings.Settings(
        client=True, initial_values={h2.settings.SettingCodes.INITIAL_WINDOW_SIZE: 16}
    )
    connection.initiate_connection()
    stream = connection.get_next_available_stream_id()
    connection.send_headers(
        stream,
        [
            (":method", "POST"),
            (":scheme", "http"),
            (":path", "/grpc.health.v1.Health/Watch"),
            (":authority", target),
            ("content-type", "application/grpc"),
            ("te", "trailers"),
        ],
    )
    message = health_pb2.HealthCheckRequest(service=service).SerializeToString()
    connection.send_data(stream, b"\0" + len(message).to_bytes(4, "big") + message, end_stream=True)
    sock.sendall(connection.data_to_send())
    print("WATCHING", flush=True)
    received = 0
    while True:
        readable, _, _ = select.select([sock, sys.stdin], [], [], 10)
        if sys.stdin in readable and not sys.stdin.readline():
            break
        if sock in readable:
            data = sock.recv(65536)
            if not data:
                break
            for event in connection.receive_data(data):
                if isinstance(event, h2.events.DataReceived):
                    received += len(event.data)
            sock.sendall(connection.data_to_send())
    print(f"RECEIVED {received}", flush=True)
    sock.close()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("role", choices=["server", "client", "stalled-watch"])
    parser.add_argument("--target")
    parser.add_argument("--service", default="")
    args = parser.parse_args()
    if args.role == "server":
        serve()
    elif args.role == "client":
        run_client(args.target)
    else:
        stalled_watch(args.target, args.service)


if __name__ == "__main__":
    main()
