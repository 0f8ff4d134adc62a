"""grpcio's side of the load-balancing tests (LoadBalancingTests).

server --address HOST:PORT --name NAME
    A grpcio server whose /lb.Backend/Which answers NAME. Prints "PORT n" once serving and
    "FIRST_CALL" when it answers its first call; stops when stdin closes.
client --target TARGET [--option KEY=VALUE]... [--calls N] [--threads K]
    A grpcio client calling /lb.Backend/Which N times over K threads (N = 0: until stdin closes),
    then printing "COUNT name n" for each server that answered, "FAILED n CODE details" for each
    kind of failure, and "DONE".
"""

import argparse
import collections
import sys
import threading
from concurrent.futures import ThreadPoolExecutor

import grpc

SERVICE = "lb.Backend"


def serve(address, name):
    first_call = threading.Event()

    def which(request, context):
        if not first_call.is_set():
            first_call.set()
            print("FIRST_CALL", flush=True)
        return name.encode()

    server = grpc.server(ThreadPoolExecutor(max_workers=8))
    handlers = {"Which": grpc.unary_unary_rpc_method_handler(which)}
    server.add_generic_rpc_handlers((grpc.method_handlers_generic_handler(SERVICE, handlers),))
    port = server.add_insecure_port(address)
    server.start()
    print(f"PORT {port}", flush=True)
    sys.stdin.read()
    server.stop(None)


def option(text):
    key, _, value = text.partition("=")
    return (key, int(value) if value.lstrip("-").isdigit() else value)


def client(target, options, calls, threads):
    channel = grpc.insecure_channel(target, options=options)
    which = channel.unary_unary(f"/{SERVICE}/Which")
    counts = collections.Counter()
    failures = collections.Counter()
    lock = threading.Lock()
    stop = threading.Event()
    started = [0]
    if calls == 0:
        threading.Thread(target=lambda: (sys.stdin.read(), stop.set()), daemon=True).start()

    def work():
        while not stop.is_set():
            with lock:
                if calls and started[0] >= calls:
                    return
                started[0] += 1
            try:
                name = which(b"", timeout=20).decode()
                with lock:
                    counts[name] += 1
            except grpc.RpcError as error:
                with lock:
                    failures[f"{error.code().name} {error.details()}"] += 1

    workers = [threading.Thread(target=work) for _ in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    for name in sorted(counts):
        print(f"COUNT {name} {counts[name]}")
    for failure, count in failures.items():
        print(f"FAILED {count} {failure}")
    print("DONE", flush=True)
    channel.close()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("mode", choices=["server", "client"])
    parser.add_argument("--address", default="127.0.0.1:0")
    parser.add_argument("--name", default="server")
    parser.add_argument("--target")
    parser.add_argument("--option", action="append", type=option, default=[])
    parser.add_argument("--calls", type=int, default=0)
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()
    if args.mode == "server":
        serve(args.address, args.name)
    else:
        client(args.target, args.option, args.calls, args.threads)


if __name__ == "__main__":
    main()
