#!/usr/bin/env python3
"""grpcio's side of GenericHandlerTests.swift: a server whose methods are served by user-written
`grpc.GenericRpcHandler`s, one of which records what `context.code()` and `context.details()`
answer; and a client that calls them and prints what it observes, one line per call, so that the
Swift client and server can be compared with grpcio's.

Usage: generic_handler_peer.py server            prints `PORT <n>`, serves until stdin closes
       generic_handler_peer.py client --target HOST:PORT
       generic_handler_peer.py --list            the client's cases

The server's generic handlers, in the order it consults them:
  EchoHandler   (given to grpc.server(handlers=)): `/generic.Echo/Stream` answers the request
                twice (unary-stream); any other `/generic.Echo/M` answers `M tag=T ` and the
                request, T the `x-tag` metadata of handler_call_details (or None)
  RouteHandler  (add_generic_rpc_handlers): any method of a call with `x-route: b` metadata
                answers `route b M`
  method_handlers_generic_handler("generic.Echo", {"Fixed": …}) (add_generic_rpc_handlers):
                `/generic.Echo/Fixed` answers `fixed` (EchoHandler, consulted first, serves it)
  ContextHandler (add_generic_rpc_handlers): `/generic.Context/CodeAndDetails`, whose handler
                puts `context.code()` / `context.details()` before and after each step into the
                trailing metadata `x-seen-bin` (UTF-8 lines); the request says what it does:
                  set    set_code(INVALID_ARGUMENT), set_details("détails ✓"), returns
                  ok     set_details("fine"), set_code(OK), returns b"answer"
                  raise  set_code(NOT_FOUND), set_details("gone"), raises Exception("boom")
Any other method: no handler serves it (UNIMPLEMENTED "Method not found!").

The client prints `CASE code=C details=D response=R seen=S` (R: the responses' bytes as text,
joined by `,`; S: the `x-seen-bin` lines joined by ` | `).
"""

import sys
import threading
from concurrent.futures import ThreadPoolExecutor

import grpc

CASES = [
    # name, method, request, metadata, kind
    ("echo", "/generic.Echo/Anything", b"hi", (("x-tag", "t1"),), "unary"),
    ("echo_no_tag", "/generic.Echo/Other", b"", (), "unary"),
    ("echo_stream", "/generic.Echo/Stream", b"twice", (), "stream"),
    ("route", "/generic.Other/M", b"", (("x-route", "b"),), "unary"),
    ("first_handler_wins", "/generic.Echo/M", b"", (("x-route", "b"),), "unary"),
    ("unknown", "/generic.Other/M", b"", (), "unary"),
    ("path_handler_registered_later", "/generic.Echo/Fixed", b"", (), "unary"),
    ("context_set", "/generic.Context/CodeAndDetails", b"set", (), "unary"),
    ("context_ok", "/generic.Context/CodeAndDetails", b"ok", (), "unary"),
    ("context_raise", "/generic.Context/CodeAndDetails", b"raise", (), "unary"),
]


def _metadata_value(metadata, key):
    for entry_key, value in metadata:
        if entry_key == key:
            return value
    return None


class EchoHandler(grpc.GenericRpcHandler):
    def service(self, handler_call_details):
        method = handler_call_details.method
        if not method.startswith("/generic.Echo/"):
            return None
        if method == "/generic.Echo/Stream":
            return grpc.unary_stream_rpc_method_handler(lambda request, context: iter((request, request)))
        name = method[len("/generic.Echo/") :]
        tag = _metadata_value(handler_call_details.invocation_metadata, "x-tag")
        prefix = f"{name} tag={tag} ".encode("utf-8")
        return grpc.unary_unary_rpc_method_handler(lambda request, context: prefix + request)


class RouteHandler(grpc.GenericRpcHandler):
    def service(self, handler_call_details):
        if _metadata_value(handler_call_details.invocation_metadata, "x-route") != "b":
            return None
        answer = f"route b {handler_call_details.method}".encode("utf-8")
        return grpc.unary_unary_rpc_method_handler(lambda request, context: answer)


def _show_code(code):
    return "None" if code is None else code.name


def _show_details(details):
    # grpcio's context.details() is the UTF-8 bytes set_details encoded, or None.
    return "None" if details is None else details.decode("utf-8")


def code_and_details(request, context):
    seen = []

    def record(step):
        seen.append(f"{step}: code={_show_code(context.code())} details={_show_details(context.details())}")

    def publish():
        context.set_trailing_metadata((("x-seen-bin", "\n".join(seen).encode("utf-8")),))

    record("start")
    if request == b"set":
        context.set_code(grpc.StatusCode.INVALID_ARGUMENT)
        record("set_code")
        context.set_details("détails ✓")
        record("set_details")
        publish()
        return b"ignored"
    if request == b"ok":
        context.set_details("fine")
        record("set_details")
        context.set_code(grpc.StatusCode.OK)
        record("set_code")
        publish()
        return b"answer"
    context.set_code(grpc.StatusCode.NOT_FOUND)
    context.set_details("gone")
    record("set_both")
    publish()
    raise Exception("boom")


class ContextHandler(grpc.GenericRpcHandler):
    def service(self, handler_call_details):
        if handler_call_details.method != "/generic.Context/CodeAndDetails":
            return None
        return grpc.unary_unary_rpc_method_handler(code_and_details)


def serve():
    server = grpc.server(ThreadPoolExecutor(max_workers=4), handlers=(EchoHandler(),))
    fixed = grpc.method_handlers_generic_handler(
        "generic.Echo", {"Fixed": grpc.unary_unary_rpc_method_handler(lambda request, context: b"fixed")}
    )
    server.add_generic_rpc_handlers((RouteHandler(), fixed, ContextHandler()))
    port = server.add_insecure_port("[::]:0")
    server.start()
    print(f"PORT {port}", flush=True)
    stdin_closed = threading.Event()
    threading.Thread(target=lambda: (sys.stdin.read(), stdin_closed.set()), daemon=True).start()
    stdin_closed.wait()
    server.stop(None)


def observe(channel, method, request, metadata, kind):
    responses = []
    try:
        if kind == "stream":
            call = channel.unary_stream(method)(request, metadata=metadata, timeout=30)
            responses = list(call)
        else:
            response, call = channel.unary_unary(method).with_call(request, metadata=metadata, timeout=30)
            responses = [response]
        code, details, trailing = call.code(), call.details(), call.trailing_metadata()
    except grpc.RpcError as error:
        code, details, trailing = error.code(), error.details(), error.trailing_metadata()
    seen = _metadata_value(trailing or (), "x-seen-bin")
    seen_text = "" if seen is None else seen.decode("utf-8").replace("\n", " | ")
    response_text = ",".join(response.decode("utf-8") for response in responses)
    return f"code={code.name} details={details} response={response_text} seen={seen_text}"


def client(target):
    with grpc.insecure_channel(target) as channel:
        for name, method, request, metadata, kind in CASES:
            print(f"{name} {observe(channel, method, request, metadata, kind)}", flush=True)


def main():
    if "--list" in sys.argv:
        print("\n".join(case[0] for case in CASES))
        return 0
    if sys.argv[1:2] == ["server"]:
        serve()
        return 0
    if sys.argv[1:3] == ["client", "--target"] and len(sys.argv) == 4:
        client(sys.argv[3])
        return 0
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
