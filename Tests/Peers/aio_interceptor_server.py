#!/usr/bin/env python3
"""grpcio's asyncio server side of AIOServerInterceptorTests.swift: a grpc.aio server with one
server interceptor, so that what a client sees of it can be compared with the Swift AIO server
given the same interceptor.

Usage: aio_interceptor_server.py --port N

Serves `Unary` (answers the request bytes), `Explode` and `Hidden` (the same) of the
conformance TestService (SPEC.md). The interceptor:

    - raises ValueError("boom") for `Explode`;
    - returns None for `Hidden` (UNIMPLEMENTED "Method not found!");
    - answers UNAUTHENTICATED "No token" with a handler of its own when the metadata has
      `x-deny`;
    - otherwise wraps the handler: the wrapper sets the trailing metadata `x-wrapped: yes` and
      `x-seen-method: <method>`, then awaits the handler.

Prints `PORT <n>` on its own line once serving, and serves until stdin reaches EOF.
"""

import argparse
import asyncio
import sys

import grpc

from peer_common import SERVICE


class Wrapping(grpc.aio.ServerInterceptor):
    async def intercept_service(self, continuation, handler_call_details):
        method = handler_call_details.method
        if method.endswith("/Explode"):
            raise ValueError("boom")
        if method.endswith("/Hidden"):
            return None
        if any(key == "x-deny" for key, _ in handler_call_details.invocation_metadata):

            async def deny(request, context):
                await context.abort(grpc.StatusCode.UNAUTHENTICATED, "No token")

            return grpc.unary_unary_rpc_method_handler(deny)
        handler = await continuation(handler_call_details)
        if handler is None:
            return None
        inner = handler.unary_unary

        async def wrapped(request, context):
            context.set_trailing_metadata((("x-wrapped", "yes"), ("x-seen-method", method)))
            return await inner(request, context)

        return grpc.unary_unary_rpc_method_handler(wrapped)


async def unary(request, context):
    return request


async def main(port):
    server = grpc.aio.server(interceptors=[Wrapping()])
    handlers = {name: grpc.unary_unary_rpc_method_handler(unary) for name in ("Unary", "Explode", "Hidden")}
    server.add_generic_rpc_handlers([grpc.method_handlers_generic_handler(SERVICE, handlers)])
    bound = server.add_insecure_port("[::]:%d" % port)
    await server.start()
    print("PORT %d" % bound, flush=True)
    await asyncio.get_running_loop().run_in_executor(None, sys.stdin.read)
    await server.stop(None)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--port", type=int, default=0)
    asyncio.run(main(parser.parse_args().port))
