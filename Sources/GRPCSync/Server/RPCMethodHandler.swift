import SwiftProtobuf

/// How one method is served: its streaming kinds and its behaviour (`grpc.RpcMethodHandler`).
/// Make one with ``unaryUnaryRPCMethodHandler(_:requestDeserializer:responseSerializer:)`` and
/// its three siblings.
public struct RPCMethodHandler: Sendable {
    /// Code run around a behaviour: it calls `proceed` to run the behaviour (see
    /// ``wrappingBehavior(_:)``).
    public typealias BehaviorWrapper =
        @Sendable (_ context: ServicerContext, _ proceed: () throws -> Void) throws
        -> Void

    /// Code run around an async behaviour: it awaits `proceed` to run the behaviour (see
    /// ``wrappingAsyncBehavior(_:)``).
    public typealias AsyncBehaviorWrapper =
        @Sendable (_ context: ServicerContext, _ proceed: () async throws -> Void) async throws -> Void

    /// How the handler runs a call, with the wrappers of its kind, outermost first.
    private enum Body {
        /// On the worker, inside the blocking wrappers.
        case blocking(@Sendable (ServerCall, [BehaviorWrapper]) -> Void, [BehaviorWrapper])
        /// As a task the worker starts, inside the async wrappers.
        case async(@Sendable (ServerCall, [AsyncBehaviorWrapper]) -> Void, [AsyncBehaviorWrapper])
    }

    /// Whether the client sends a stream of requests (grpcio's `request_streaming`).
    public let requestStreaming: Bool
    /// Whether the server sends a stream of responses (grpcio's `response_streaming`).
    public let responseStreaming: Bool
    /// Runs the handler for one call, its behaviour inside the wrappers, and ends the call.
    private var body: Body
    /// A wrapper of the other kind was added (a blocking one to an async handler, or the other
    /// way round): it cannot run around the behaviour, so every call is refused.
    private var hasMismatchedWrapper = false
    /// The server found this handler by its path (a registered method), not through a generic handler.
    var isFoundByPath = false

    init(
        requestStreaming: Bool, responseStreaming: Bool,
        body: @escaping @Sendable (ServerCall, [BehaviorWrapper]) -> Void
    ) {
        self.requestStreaming = requestStreaming
        self.responseStreaming = responseStreaming
        self.body = .blocking(body, [])
    }

    /// An async handler (the `AIO` ones): `body` starts the call's task.
    init(
        requestStreaming: Bool, responseStreaming: Bool,
        asyncBody body: @escaping @Sendable (ServerCall, [AsyncBehaviorWrapper]) -> Void
    ) {
        self.requestStreaming = requestStreaming
        self.responseStreaming = responseStreaming
        self.body = .async(body, [])
    }

    /// Whether the behaviour is async: it runs as a task, and only async wrappers wrap it.
    public var isAsync: Bool {
        if case .async = body { return true }
        return false
    }

    /// Runs the handler for `call` on this (worker) thread: a blocking behaviour here, an async
    /// one as a task started here. A wrapper of the other kind cannot run around the behaviour:
    /// the call then ends UNKNOWN "Error in service handler!", and the server logs why.
    func run(_ call: ServerCall) {
        if hasMismatchedWrapper { return call.refuseMismatchedWrapper(async: !isAsync) }
        switch body {
        case .blocking(let body, let wrappers): body(call, wrappers)
        case .async(let body, let wrappers): body(call, wrappers)
        }
    }

    /// This handler with its behaviour run inside `wrapper`, on the call's worker thread: what a
    /// ``ServerInterceptor`` returns to act around each call, as grpcio interceptors do by
    /// replacing `handler.unary_unary` with a function that calls it. The wrapper calls
    /// `proceed()` to run the behaviour (which may throw, as the behaviour's errors do); what the
    /// wrapper throws ends the call as a behaviour's error would. A wrapper that returns without
    /// proceeding ends the call with the code and details set on the context, or UNKNOWN.
    /// For a blocking behaviour only: an async one takes ``wrappingAsyncBehavior(_:)``.
    ///
    /// ```swift
    /// return try continuation(details)?.wrappingBehavior { context, proceed in
    ///     let start = Date()
    ///     defer { print(details.method, context.code() ?? .ok, Date().timeIntervalSince(start)) }
    ///     try proceed()
    /// }
    /// ```
    ///
    /// - Parameter wrapper: Runs around the behaviour, outside the wrappers added before it, with
    ///   the call's context and the `proceed` function that runs what it wraps.
    /// - Returns: A copy of this handler with `wrapper` outermost; this handler is left as it is.
    public func wrappingBehavior(_ wrapper: @escaping BehaviorWrapper) -> RPCMethodHandler {
        var wrapped = self
        switch body {
        case .blocking(let body, let wrappers): wrapped.body = .blocking(body, [wrapper] + wrappers)
        case .async: wrapped.hasMismatchedWrapper = true
        }
        return wrapped
    }

    /// This handler with its async behaviour run inside `wrapper`, in the call's task: what an
    /// ``AIO/ServerInterceptor`` returns to act around each call, as grpc.aio interceptors do by
    /// returning a handler whose `async def` awaits the one they wrap. The wrapper awaits
    /// `proceed()` to run the behaviour; what it throws ends the call as a behaviour's error
    /// would, and one that returns without proceeding ends the call with the code and details set
    /// on the context, or UNKNOWN. For an async behaviour only (``isAsync``): a blocking one takes
    /// ``wrappingBehavior(_:)``.
    ///
    /// ```swift
    /// return try await continuation(details)?.wrappingAsyncBehavior { context, proceed in
    ///     let start = ContinuousClock.now
    ///     defer { print(details.method, context.code() ?? .ok, ContinuousClock.now - start) }
    ///     try await proceed()
    /// }
    /// ```
    ///
    /// - Parameter wrapper: Runs around the behaviour, outside the async wrappers added before it,
    ///   with the call's context and the `proceed` function that runs what it wraps.
    /// - Returns: A copy of this handler with `wrapper` outermost; this handler is left as it is.
    public func wrappingAsyncBehavior(_ wrapper: @escaping AsyncBehaviorWrapper) -> RPCMethodHandler {
        var wrapped = self
        switch body {
        case .async(let body, let wrappers): wrapped.body = .async(body, [wrapper] + wrappers)
        case .blocking: wrapped.hasMismatchedWrapper = true
        }
        return wrapped
    }
}

/// What a generic handler is asked about: the method path and the invocation metadata
/// (`grpc.HandlerCallDetails`).
public struct HandlerCallDetails: Sendable {
    /// The full method path, `/package.Service/Method` (grpcio's `method`).
    public let method: String
    /// The metadata the client sent (grpcio's `invocation_metadata`).
    public let invocationMetadata: Metadata
}

/// Maps calls to method handlers (`grpc.GenericRpcHandler`). ``service(_:)`` runs on the call's
/// worker with no runtime lock held; handlers built with ``methodHandlersGenericHandler(_:_:)``
/// are looked up by path instead, without calling it.
public protocol GenericRPCHandler: Sendable {
    /// The handler for a call, or nil when this handler does not serve its method.
    ///
    /// - Parameter handlerCallDetails: The call's method path and metadata.
    /// - Returns: The handler that serves the call, or nil to let the next generic handler try
    ///   (UNIMPLEMENTED "Method not found!" when none does).
    func service(_ handlerCallDetails: HandlerCallDetails) -> RPCMethodHandler?
}

/// A generic handler for one service, built from its methods' handlers
/// (`grpc.method_handlers_generic_handler`).
public struct MethodHandlersGenericHandler: GenericRPCHandler {
    /// Method handlers by full path, `/package.Service/Method`.
    public let handlersByPath: [String: RPCMethodHandler]

    /// A generic handler serving `handlers` under `service`.
    ///
    /// - Parameters:
    ///   - service: The full service name, `package.Service`.
    ///   - handlers: Method handlers by method name (`"SayHello"`), not by path.
    public init(service: String, handlers: [String: RPCMethodHandler]) {
        var byPath: [String: RPCMethodHandler] = [:]
        for (method, handler) in handlers { byPath["/\(service)/\(method)"] = handler }
        handlersByPath = byPath
    }

    /// The handler registered for the call's path.
    ///
    /// - Parameter handlerCallDetails: The call's method path and metadata.
    /// - Returns: The handler for `/service/Method`, or nil for another path.
    public func service(_ handlerCallDetails: HandlerCallDetails) -> RPCMethodHandler? {
        handlersByPath[handlerCallDetails.method]
    }
}

/// A generic handler for one service (`grpc.method_handlers_generic_handler(service,
/// method_handlers)`), for ``Server/addGenericRPCHandlers(_:)``. Its paths are looked up in a
/// dictionary on the thread that reads the connection, with no user code.
///
/// - Parameters:
///   - service: The full service name, `package.Service`.
///   - handlers: Method handlers by method name (`"SayHello"`).
/// - Returns: The handler serving `/service/Method` for each entry of `handlers`.
public func methodHandlersGenericHandler(_ service: String, _ handlers: [String: RPCMethodHandler])
    -> MethodHandlersGenericHandler
{
    MethodHandlersGenericHandler(service: service, handlers: handlers)
}

// MARK: the four factories

/// A unary-request, unary-response handler (`grpc.unary_unary_rpc_method_handler`).
///
/// - Parameters:
///   - behavior: Runs once per call on a worker thread with the request and the call's context, and returns
/// the response; what it throws ends the call (UNKNOWN "Exception calling application: …" unless a code was
/// set on the context).
///   - requestDeserializer: Turns each request message's bytes into a `Request`; what it throws
///     ends the call INTERNAL "Exception deserializing request!".
///   - responseSerializer: Turns each `Response` into bytes; what it throws ends the call
///     INTERNAL "Failed to serialize response!".
/// - Returns: The handler, for ``methodHandlersGenericHandler(_:_:)`` or a generic handler.
public func unaryUnaryRPCMethodHandler<Request, Response>(
    _ behavior: @escaping @Sendable (Request, ServicerContext) throws -> Response,
    requestDeserializer: @escaping Deserializer<Request>,
    responseSerializer: @escaping Serializer<Response>
) -> RPCMethodHandler {
    RPCMethodHandler(requestStreaming: false, responseStreaming: false) { call, wrappers in
        guard let request = call.receiveUnaryRequest(requestDeserializer) else { return }
        call.runHandler(responseSerializer, wrappers) { context in
            try behavior(request, context)
        }
    }
}

/// A unary-request, streaming-response handler (`grpc.unary_stream_rpc_method_handler`); the
/// behaviour sends with `try responses.send(x)` where Python would `yield x`.
///
/// - Parameters:
///   - behavior: Runs once per call on a worker thread with the request, the sender of the responses (`try
///     responses.send(x)`) and the context; the call ends OK when it returns, and what it throws ends the
///     call as a unary behaviour's error does.
///   - requestDeserializer: Turns each request message's bytes into a `Request`; what it throws
///     ends the call INTERNAL "Exception deserializing request!".
///   - responseSerializer: Turns each `Response` into bytes; what it throws ends the call
///     INTERNAL "Failed to serialize response!".
/// - Returns: The handler, for ``methodHandlersGenericHandler(_:_:)`` or a generic handler.
public func unaryStreamRPCMethodHandler<Request, Response>(
    _ behavior: @escaping @Sendable (Request, ResponseSender<Response>, ServicerContext) throws -> Void,
    requestDeserializer: @escaping Deserializer<Request>,
    responseSerializer: @escaping Serializer<Response>
) -> RPCMethodHandler {
    RPCMethodHandler(requestStreaming: false, responseStreaming: true) { call, wrappers in
        guard let request = call.receiveUnaryRequest(requestDeserializer) else { return }
        call.runStreamingHandler(wrappers) { context in
            try behavior(request, ResponseSender(call: call, serializer: responseSerializer), context)
        }
    }
}

/// A streaming-request, unary-response handler (`grpc.stream_unary_rpc_method_handler`).
///
/// - Parameters:
///   - behavior: Runs once per call on a worker thread with the stream of requests and the context, and
/// returns the response; what it throws ends the call as a unary behaviour's error does.
///   - requestDeserializer: Turns each request message's bytes into a `Request`; what it throws
///     ends the call INTERNAL "Exception deserializing request!".
///   - responseSerializer: Turns each `Response` into bytes; what it throws ends the call
///     INTERNAL "Failed to serialize response!".
/// - Returns: The handler, for ``methodHandlersGenericHandler(_:_:)`` or a generic handler.
public func streamUnaryRPCMethodHandler<Request, Response>(
    _ behavior: @escaping @Sendable (RequestStream<Request>, ServicerContext) throws -> Response,
    requestDeserializer: @escaping Deserializer<Request>,
    responseSerializer: @escaping Serializer<Response>
) -> RPCMethodHandler {
    RPCMethodHandler(requestStreaming: true, responseStreaming: false) { call, wrappers in
        call.runHandler(responseSerializer, wrappers) { context in
            try behavior(RequestStream(call: call, deserializer: requestDeserializer), context)
        }
    }
}

/// A streaming-request, streaming-response handler (`grpc.stream_stream_rpc_method_handler`).
///
/// - Parameters:
///   - behavior: Runs once per call on a worker thread with the stream of requests, the sender of the
/// responses and the context; the call ends OK when it returns.
///   - requestDeserializer: Turns each request message's bytes into a `Request`; what it throws
///     ends the call INTERNAL "Exception deserializing request!".
///   - responseSerializer: Turns each `Response` into bytes; what it throws ends the call
///     INTERNAL "Failed to serialize response!".
/// - Returns: The handler, for ``methodHandlersGenericHandler(_:_:)`` or a generic handler.
public func streamStreamRPCMethodHandler<Request, Response>(
    _ behavior: @escaping @Sendable (RequestStream<Request>, ResponseSender<Response>, ServicerContext) throws -> Void,
    requestDeserializer: @escaping Deserializer<Request>,
    responseSerializer: @escaping Serializer<Response>
) -> RPCMethodHandler {
    RPCMethodHandler(requestStreaming: true, responseStreaming: true) { call, wrappers in
        call.runStreamingHandler(wrappers) { context in
            try behavior(
                RequestStream(call: call, deserializer: requestDeserializer),
                ResponseSender(call: call, serializer: responseSerializer), context)
        }
    }
}

// MARK: raw bytes (grpcio's serializer=None)

/// A unary-request, unary-response handler on raw message bytes (grpcio's
/// `grpc.unary_unary_rpc_method_handler` without
/// serializers).
///
/// - Parameter behavior: Runs once per call on a worker thread with the request's bytes and the call's
///   context, and returns the response; what it throws ends the call (UNKNOWN "Exception calling
///   application: …" unless a code was set on the context).
/// - Returns: The handler, for ``methodHandlersGenericHandler(_:_:)`` or a generic handler.
public func unaryUnaryRPCMethodHandler(
    _ behavior: @escaping @Sendable ([UInt8], ServicerContext) throws -> [UInt8]
) -> RPCMethodHandler {
    unaryUnaryRPCMethodHandler(
        behavior, requestDeserializer: RawBytes.deserializer, responseSerializer: RawBytes.serializer)
}

/// A unary-request, streaming-response handler on raw message bytes (grpcio's
/// `grpc.unary_stream_rpc_method_handler` without
/// serializers).
///
/// - Parameter behavior: Runs once per call on a worker thread with the request's bytes, the sender of the
///   responses (`try responses.send(x)`) and the context; the call ends OK when it returns, and what it
///   throws ends the call as a unary behaviour's error does.
/// - Returns: The handler, for ``methodHandlersGenericHandler(_:_:)`` or a generic handler.
public func unaryStreamRPCMethodHandler(
    _ behavior: @escaping @Sendable ([UInt8], ResponseSender<[UInt8]>, ServicerContext) throws -> Void
) -> RPCMethodHandler {
    unaryStreamRPCMethodHandler(
        behavior, requestDeserializer: RawBytes.deserializer, responseSerializer: RawBytes.serializer)
}

/// A streaming-request, unary-response handler on raw message bytes (grpcio's
/// `grpc.stream_unary_rpc_method_handler` without
/// serializers).
///
/// - Parameter behavior: Runs once per call on a worker thread with the stream of request bytes and the
///   context, and returns the response; what it throws ends the call as a unary behaviour's error does.
/// - Returns: The handler, for ``methodHandlersGenericHandler(_:_:)`` or a generic handler.
public func streamUnaryRPCMethodHandler(
    _ behavior: @escaping @Sendable (RequestStream<[UInt8]>, ServicerContext) throws -> [UInt8]
) -> RPCMethodHandler {
    streamUnaryRPCMethodHandler(
        behavior, requestDeserializer: RawBytes.deserializer, responseSerializer: RawBytes.serializer)
}

/// A streaming-request, streaming-response handler on raw message bytes (grpcio's
/// `grpc.stream_stream_rpc_method_handler` without
/// serializers).
///
/// - Parameter behavior: Runs once per call on a worker thread with the stream of request bytes, the sender
///   of the responses and the context; the call ends OK when it returns.
/// - Returns: The handler, for ``methodHandlersGenericHandler(_:_:)`` or a generic handler.
public func streamStreamRPCMethodHandler(
    _ behavior: @escaping @Sendable (RequestStream<[UInt8]>, ResponseSender<[UInt8]>, ServicerContext) throws -> Void
) -> RPCMethodHandler {
    streamStreamRPCMethodHandler(
        behavior, requestDeserializer: RawBytes.deserializer, responseSerializer: RawBytes.serializer)
}

// MARK: SwiftProtobuf messages

/// A unary-request, unary-response handler of SwiftProtobuf messages (grpcio's
/// `grpc.unary_unary_rpc_method_handler`
/// with `FromString` and `SerializeToString`): what generated code registers.
///
/// - Parameter behavior: Runs once per call on a worker thread with the request and the call's context, and
///   returns the response; what it throws ends the call (UNKNOWN "Exception calling application: …" unless
///   a code was set on the context).
/// - Returns: The handler, for ``methodHandlersGenericHandler(_:_:)`` or a generic handler.
public func unaryUnaryRPCMethodHandler<Request: SwiftProtobuf.Message, Response: SwiftProtobuf.Message>(
    _ behavior: @escaping @Sendable (Request, ServicerContext) throws -> Response
) -> RPCMethodHandler {
    unaryUnaryRPCMethodHandler(
        behavior, requestDeserializer: ProtobufSerialization.deserializer(),
        responseSerializer: ProtobufSerialization.serializer())
}

/// A unary-request, streaming-response handler of SwiftProtobuf messages (grpcio's
/// `grpc.unary_stream_rpc_method_handler`
/// with `FromString` and `SerializeToString`): what generated code registers.
///
/// - Parameter behavior: Runs once per call on a worker thread with the request, the sender of the
///   responses (`try responses.send(x)`) and the context; the call ends OK when it returns, and what it
///   throws ends the call as a unary behaviour's error does.
/// - Returns: The handler, for ``methodHandlersGenericHandler(_:_:)`` or a generic handler.
public func unaryStreamRPCMethodHandler<Request: SwiftProtobuf.Message, Response: SwiftProtobuf.Message>(
    _ behavior: @escaping @Sendable (Request, ResponseSender<Response>, ServicerContext) throws -> Void
) -> RPCMethodHandler {
    unaryStreamRPCMethodHandler(
        behavior, requestDeserializer: ProtobufSerialization.deserializer(),
        responseSerializer: ProtobufSerialization.serializer())
}

/// A streaming-request, unary-response handler of SwiftProtobuf messages (grpcio's
/// `grpc.stream_unary_rpc_method_handler`
/// with `FromString` and `SerializeToString`): what generated code registers.
///
/// - Parameter behavior: Runs once per call on a worker thread with the stream of requests and the context,
///   and returns the response; what it throws ends the call as a unary behaviour's error does.
/// - Returns: The handler, for ``methodHandlersGenericHandler(_:_:)`` or a generic handler.
public func streamUnaryRPCMethodHandler<Request: SwiftProtobuf.Message, Response: SwiftProtobuf.Message>(
    _ behavior: @escaping @Sendable (RequestStream<Request>, ServicerContext) throws -> Response
) -> RPCMethodHandler {
    streamUnaryRPCMethodHandler(
        behavior, requestDeserializer: ProtobufSerialization.deserializer(),
        responseSerializer: ProtobufSerialization.serializer())
}

/// A streaming-request, streaming-response handler of SwiftProtobuf messages (grpcio's
/// `grpc.stream_stream_rpc_method_handler`
/// with `FromString` and `SerializeToString`): what generated code registers.
///
/// - Parameter behavior: Runs once per call on a worker thread with the stream of requests, the sender of
///   the responses and the context; the call ends OK when it returns.
/// - Returns: The handler, for ``methodHandlersGenericHandler(_:_:)`` or a generic handler.
public func streamStreamRPCMethodHandler<Request: SwiftProtobuf.Message, Response: SwiftProtobuf.Message>(
    _ behavior: @escaping @Sendable (RequestStream<Request>, ResponseSender<Response>, ServicerContext) throws -> Void
) -> RPCMethodHandler {
    streamStreamRPCMethodHandler(
        behavior, requestDeserializer: ProtobufSerialization.deserializer(),
        responseSerializer: ProtobufSerialization.serializer())
}
