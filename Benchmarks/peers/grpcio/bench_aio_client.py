"""bench-client for grpcio's asyncio API (grpc.aio): drives gRPC's benchmark service with awaited calls from
--concurrency tasks on one channel, and prints the JSON result line every bench-client prints
(Benchmarks/README.md). The flags are bench_client.py's.
"""

import argparse
import asyncio
import sys
import time

import grpc

from bench_client import MAX_MESSAGE_LENGTH, Tally, Window, benchmark_service_pb2_grpc, messages_pb2, print_result


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
        tally.response(response, size, start, time.monotonic_ns(), window)


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
            tally.response(response, size, start, time.monotonic_ns(), window)
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
    return print_result(args, tallies, "grpcio (aio)")


if __name__ == "__main__":
    sys.exit(main())
