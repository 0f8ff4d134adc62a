"""bench-client for grpcio: drives gRPC's benchmark service with grpcio's blocking stubs and
prints one JSON result line (the format every bench-client shares, Benchmarks/README.md).

    python bench_client.py --target 127.0.0.1:PORT --scenario unary|server-streaming|ping-pong
        [--concurrency N] [--request-size B] [--response-size B] [--warmup S] [--duration S]
        [--tls CERTS_DIR]

Every call or stream shares one channel; --concurrency threads each keep one call or stream going.
With --tls the channel is a secure one trusting CERTS_DIR/ca.pem (Tests/Certificates of the repository)
and checking the server's certificate for foo.test.google.fr.
"""

import argparse
import json
import math
import os
import sys
import threading
import time

import grpc

import stubs

messages_pb2, benchmark_service_pb2_grpc = stubs.load()

MAX_MESSAGE_LENGTH = 64 * 1024 * 1024
# The name the server's certificate is checked against, one of the test server certificate's names, as gRPC's
# interop tests use it.
TLS_SERVER_NAME = "foo.test.google.fr"


class Window:
    """What completes between start and end counts; before it is warm-up."""

    def __init__(self, warmup, duration):
        self.start = time.monotonic_ns() + int(warmup * 1e9)
        self.end = self.start + int(duration * 1e9)

    def contains(self, t):
        return self.start <= t < self.end


class Tally:
    """What one worker counted."""

    def __init__(self):
        self.count = 0
        self.errors = 0
        self.first_error = None
        self.latencies = []

    def error(self, message, t, window):
        if self.first_error is None:
            self.first_error = message
        if window.contains(t):
            self.errors += 1

    def response(self, response, size, start, end, window):
        """Counts a call or round trip that began at `start` and brought `response` at `end`: an error unless its
        payload has `size` bytes, its latency when it ended in the window."""
        if len(response.payload.body) != size:
            self.error("a response carried %d bytes, not %d" % (len(response.payload.body), size), end, window)
        elif window.contains(end):
            self.count += 1
            self.latencies.append(end - start)


def unary_worker(stub, request, size, window, tally):
    while True:
        start = time.monotonic_ns()
        if start >= window.end:
            return
        try:
            response = stub.UnaryCall(request)
        except grpc.RpcError as e:
            tally.error("UnaryCall failed: %s %s" % (e.code(), e.details()), time.monotonic_ns(), window)
            continue
        tally.response(response, size, start, time.monotonic_ns(), window)


def server_streaming_worker(stub, request, size, window, tally):
    try:
        responses = stub.StreamingFromServer(request)
        for response in responses:
            now = time.monotonic_ns()
            if now >= window.end:
                responses.cancel()
                return
            if len(response.payload.body) != size:
                tally.error("a response carried %d bytes, not %d" % (len(response.payload.body), size), now, window)
                continue
            if window.contains(now):
                tally.count += 1
        tally.error("StreamingFromServer ended early", time.monotonic_ns(), window)
    except grpc.RpcError as e:
        tally.error("StreamingFromServer failed: %s %s" % (e.code(), e.details()), time.monotonic_ns(), window)


class PingPongRequests:
    """Requests the sender may take one at a time, after the previous response was read."""

    def __init__(self, request):
        self.request = request
        self.permits = threading.Semaphore(0)
        self.finished = False

    def release(self):
        self.permits.release()

    def finish(self):
        self.finished = True
        self.permits.release()

    def __iter__(self):
        return self

    def __next__(self):
        self.permits.acquire()
        if self.finished:
            raise StopIteration
        return self.request


def ping_pong_worker(stub, request, size, window, tally):
    requests = PingPongRequests(request)
    try:
        responses = stub.StreamingCall(requests)
        while True:
            start = time.monotonic_ns()
            if start >= window.end:
                break
            requests.release()
            response = next(responses, None)
            if response is None:
                tally.error("StreamingCall ended early", time.monotonic_ns(), window)
                return
            tally.response(response, size, start, time.monotonic_ns(), window)
        requests.finish()
        for _ in responses:
            pass
    except grpc.RpcError as e:
        tally.error("StreamingCall failed: %s %s" % (e.code(), e.details()), time.monotonic_ns(), window)
    finally:
        requests.finish()


WORKERS = {"unary": unary_worker, "server-streaming": server_streaming_worker, "ping-pong": ping_pong_worker}


def percentile(sorted_ns, q):
    if not sorted_ns:
        return 0
    rank = min(max(int(math.ceil(q * len(sorted_ns))), 1), len(sorted_ns))
    return sorted_ns[rank - 1] / 1000.0


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--target", required=True)
    parser.add_argument("--scenario", choices=sorted(WORKERS), default="unary")
    parser.add_argument("--concurrency", type=int, default=1)
    parser.add_argument("--request-size", type=int, default=0)
    parser.add_argument("--response-size", type=int, default=0)
    parser.add_argument("--warmup", type=float, default=0.5)
    parser.add_argument("--duration", type=float, default=2.0)
    parser.add_argument("--tls", metavar="CERTS_DIR", help="TLS, trusting CERTS_DIR/ca.pem")
    args = parser.parse_args()

    options = [
        ("grpc.max_receive_message_length", MAX_MESSAGE_LENGTH),
        ("grpc.max_send_message_length", MAX_MESSAGE_LENGTH),
    ]
    if args.tls:
        with open(os.path.join(args.tls, "ca.pem"), "rb") as f:
            credentials = grpc.ssl_channel_credentials(root_certificates=f.read())
        options.append(("grpc.ssl_target_name_override", TLS_SERVER_NAME))
        channel = grpc.secure_channel(args.target, credentials, options=options)
    else:
        channel = grpc.insecure_channel(args.target, options=options)
    stub = benchmark_service_pb2_grpc.BenchmarkServiceStub(channel)
    request = messages_pb2.SimpleRequest(
        response_size=args.response_size, payload=messages_pb2.Payload(body=bytes(args.request_size))
    )
    worker = WORKERS[args.scenario]
    tallies = [Tally() for _ in range(args.concurrency)]
    window = Window(args.warmup, args.duration)
    threads = [
        threading.Thread(target=worker, args=(stub, request, args.response_size, window, tally), daemon=True)
        for tally in tallies
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    channel.close()

    return print_result(args, tallies, "grpcio")


def print_result(args, tallies, implementation):
    """Prints the result line every bench-client prints; returns the exit status (0 when anything counted)."""
    count = sum(t.count for t in tallies)
    latency = None
    if args.scenario != "server-streaming":
        latencies = sorted(ns for t in tallies for ns in t.latencies)
        latency = {name: percentile(latencies, q) for name, q in (("p50", 0.5), ("p90", 0.9), ("p99", 0.99), ("max", 1.0))}
    result = {
        "implementation": implementation,
        "scenario": args.scenario,
        "concurrency": args.concurrency,
        "request_size": args.request_size,
        "response_size": args.response_size,
        "duration_s": args.duration,
        "count": count,
        "errors": sum(t.errors for t in tallies),
        "rate": count / args.duration,
        "latency_us": latency,
    }
    print(json.dumps(result), flush=True)
    first_error = next((t.first_error for t in tallies if t.first_error), None)
    if first_error:
        print("bench-client: %s" % first_error, file=sys.stderr)
    return 0 if count > 0 else 1


if __name__ == "__main__":
    sys.exit(main())
