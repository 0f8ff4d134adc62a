"""grpcio server interceptors of SPEC.md ("Server interceptors"), installed by
`peer_server.py --interceptors`."""

import grpc

_ORDER_KEY = "x-order"


def _has(details, key):
    return any(entry_key == key for entry_key, _ in details.invocation_metadata)


def _add_order(context, mark):
    """Appends `x-order: mark` to the call's trailing metadata."""
    context.set_trailing_metadata(tuple(context.trailing_metadata() or ()) + ((_ORDER_KEY, mark),))


def _wrapped(handler, name):
    """`handler` with each behaviour run between `name>` and `<name` order marks."""

    def around_unary_response(behavior):
        def wrapped(request_or_iterator, context):
            _add_order(context, name + ">")
            try:
                return behavior(request_or_iterator, context)
            finally:
                _add_order(context, "<" + name)

        return wrapped

    def around_stream_response(behavior):
        def wrapped(request_or_iterator, context):
            _add_order(context, name + ">")
            try:
                yield from behavior(request_or_iterator, context)
            finally:
                _add_order(context, "<" + name)

        return wrapped

    if handler.unary_unary:
        return handler._replace(unary_unary=around_unary_response(handler.unary_unary))
    if handler.unary_stream:
        return handler._replace(unary_stream=around_stream_response(handler.unary_stream))
    if handler.stream_unary:
        return handler._replace(stream_unary=around_unary_response(handler.stream_unary))
    return handler._replace(stream_stream=around_stream_response(handler.stream_stream))


class _Gate(grpc.ServerInterceptor):
    """Rejects, fails or hides calls as their metadata asks."""

    def intercept_service(self, continuation, handler_call_details):
        if _has(handler_call_details, "x-intercept-raise"):
            raise RuntimeError("interceptor failed")
        if _has(handler_call_details, "x-intercept-hide"):
            return None
        if _has(handler_call_details, "x-intercept-reject"):

            def reject(request, context):
                context.abort(grpc.StatusCode.UNAUTHENTICATED, "rejected by interceptor")

            return grpc.unary_unary_rpc_method_handler(reject)
        return continuation(handler_call_details)


class _Tag(grpc.ServerInterceptor):
    """Marks the order in which the wrapped behaviours run, when `x-order` is asked for."""

    def __init__(self, name):
        self._name = name

    def intercept_service(self, continuation, handler_call_details):
        handler = continuation(handler_call_details)
        if handler is None or not _has(handler_call_details, "x-want-order"):
            return handler
        return _wrapped(handler, self._name)


def server_interceptors():
    return [_Gate(), _Tag("outer"), _Tag("inner")]
