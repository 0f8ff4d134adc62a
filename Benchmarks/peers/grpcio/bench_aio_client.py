"""bench-client for grpcio's asyncio API (grpc.aio): drives gRPC's benchmark service with awaited calls from
--concurrency tasks on one channel, and prints the JSON result line every bench-client prints
(Benchmarks/README.md). The flags are bench_client.py's.
"""

import argparse
import asyncio
import json
import sys
import time

import grpc

from bench_client import MAX_MESSAGE_LENGTH, Tally, Window, benchmark_service_pb2_grpc, messages_pb2, percentile


async def unary_worker(stub, request, size, window, tally):
    while True:
        start = time.monotonic_ns()
        if start >= window.end:
            return
        try:
            response = await stub.UnaryCall(request)
        except grpc.RpcError as e:
            tally.error("UnaryCall failed: %s %s" % (e.code(), e.details()), time.monotonic_ns(), window)
            continue
        end = time.monotonic_ns()
        if len(response.payload.body) != size:
            tally.error("a response carried %d bytes, not %d" % (len(response.payload.body), size), end, window)
            continue
        if window.contains(end):
            tally.count += 1
            tally.latencies.append(end - start)


async def server_streaming_worker(stub, request, size, window, tally):
    try:
        call = stub.StreamingFromServer(request)
        async for response in call:
            now = time.monotonic_ns()
            if now >= window.end:
                call.cancel()
                return
            if len(response.payload.body) != size:
                tally.error("a response carried %d bytes, not %d" % (len(response.payload.body), size), now, window)
                continue
            if window.contains(now):
                tally.count += 1
        tally.error("StreamingFromServer ended early", time.monotonic_ns(), window)
    except grpc.RpcError as e:
        tally.error("StreamingFromServer failed: %s %s" % (e.code(), e.details()), time.monotonic_ns(), window)


async def ping_pong_worker(stub, request, size, window, tally):
    try:
        call = stub.StreamingCall()
        while True:
            start = time.monotonic_ns()
            if start >= window.end:
                break
            await call.write(request)
            response = await call.read()
            if response is grpc.aio.EOF:
                tally.error("StreamingCall ended early", time.monotonic_ns(), window)
                return
            end = time.monotonic_ns()
            if len(response.payload.body) != size:
                tally.error("a response carried %d bytes, not %d" % (len(response.payload.body), size), end, window)
                continue
            if window.contains(end):
                tally.count += 1
                tally.latencies.append(end - start)
        await call.done_writing()
        while await call.read() is not grpc.aio.EOF:
            pass
    except grpc.RpcError as e:
        tally.error("StreamingCall failed: %s %s" % (e.code(), e.details()), time.monotonic_ns(), window)


WORKERS = {"unary": unary_worker, "server-streaming": server_streaming_worker, "ping-pong": ping_pong_worker}


async def run(args):
    options = [
        ("grpc.max_receive_message_length", MAX_MESSAGE_LENGTH),
        ("grpc.max_send_message_length", MAX_MESSAGE_LENGTH),
    ]
    async with grpc.aio.insecure_channel(args.target, options=options) as channel:
        stub = benchmark_service_pb2_grpc.BenchmarkServiceStub(channel)
        request = messages_pb2.SimpleRequest(
            response_size=args.response_size, payload=messages_pb2.Payload(body=bytes(args.request_size))
        )
        worker = WORKERS[args.scenario]
        tallies = [Tally() for _ in range(args.concurrency)]
        window = Window(args.warmup, args.duration)
        await asyncio.gather(*(worker(stub, request, args.response_size, window, tally) for tally in tallies))
    return tallies


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--target", required=True)
    parser.add_argument("--scenario", choices=sorted(WORKERS), default="unary")
    parser.add_argument("--concurrency", type=int, default=1)
    parser.add_argument("--request-size", type=int, default=0)
    parser.add_argument("--response-size", type=int, default=0)
    parser.add_argument("--warmup", type=float, default=0.5)
    parser.add_argument("--duration", type=float, default=2.0)
    args = parser.parse_args()
    tallies = asyncio.run(run(args))

    count = sum(t.count for t in tallies)
    latency = None
    if args.scenario != "server-streaming":
        latencies = sorted(ns for t in tallies for ns in t.latencies)
        latency = {name: percentile(latencies, q) for name, q in (("p50", 0.5), ("p90", 0.9), ("p99", 0.99), ("max", 1.0))}
    result = {
        "implementation": "grpcio (aio)",
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
