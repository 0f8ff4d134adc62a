#!/usr/bin/env python3
"""grpcio's asyncio client side of AIOCloseTests.swift: what the calls of a grpc.aio channel see
when the channel closes, printed one observation a line as `CASE OBSERVATION` so that the Swift
client's observations can be compared with them line by line.

Usage: aio_close_client.py --target HOST:PORT

Every case runs against the conformance TestService (SPEC.md) at the target:

    close        three awaited Unary calls sleeping 3 s and a call object of the same: close()
                 after 0.5 s; then a new call
    close_grace  an awaited Unary sleeping 0.3 s and one sleeping 5 s: close(grace=1.5)
    close_twice  close() on a closed channel

An awaited call prints `ok`, `CancelledError` or `AioRpcError CODE DETAILS`; a call object its
code, details and cancelled(); a new call on the closed channel the error it raises.
"""

import argparse
import asyncio
import sys

import grpc

from peer_common import method_path

UNARY = method_path("Unary")


async def awaited(multicallable, sleep_ms):
    try:
        await multicallable(b"", timeout=30, metadata=[("x-sleep-ms", str(sleep_ms))])
        return "ok"
    except asyncio.CancelledError:
        return "CancelledError"
    except grpc.aio.AioRpcError as e:
        return "AioRpcError %s %s" % (e.code().name, e.details())


async def new_call(channel):
    try:
        await channel.unary_unary(UNARY)(b"", timeout=5)
        return "ok"
    except Exception as e:  # pylint: disable=broad-except
        return "%s %s" % (type(e).__name__, e)


async def close(target):
    channel = grpc.aio.insecure_channel(target)
    await channel.channel_ready()
    unary = channel.unary_unary(UNARY)
    tasks = [asyncio.ensure_future(awaited(unary, 3000)) for _ in range(3)]
    call = unary(b"", timeout=30, metadata=[("x-sleep-ms", "3000")])
    await asyncio.sleep(0.5)
    await channel.close()
    for outcome in await asyncio.gather(*tasks):
        print("close awaited", outcome)
    print("close call", (await call.code()).name, await call.details(), call.cancelled())
    print("close new_call", await new_call(channel))


async def close_grace(target):
    channel = grpc.aio.insecure_channel(target)
    await channel.channel_ready()
    unary = channel.unary_unary(UNARY)
    short = asyncio.ensure_future(awaited(unary, 300))
    long = asyncio.ensure_future(awaited(unary, 5000))
    await asyncio.sleep(0.1)
    closing = asyncio.ensure_future(channel.close(grace=1.5))
    await asyncio.sleep(0.1)
    print("close_grace new_call_while_closing", await new_call(channel))
    await closing
    print("close_grace short", await short)
    print("close_grace long", await long)


async def close_twice(target):
    channel = grpc.aio.insecure_channel(target)
    await channel.channel_ready()
    await channel.close()
    await channel.close()
    print("close_twice done")


async def main(target):
    await close(target)
    await close_grace(target)
    await close_twice(target)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--target", required=True)
    asyncio.run(main(parser.parse_args().target))
    sys.exit(0)
