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

    public let requestStreaming: Bool
    public let responseStreaming: Bool
    /// Runs the handler for one call on a worker thread, its behaviour inside the wrappers, and
    /// ends the call.
    private let body: @Sendable (ServerCall, [BehaviorWrapper]) -> Void
    /// Run around the behaviour, outermost first.
    private var behaviorWrappers: [BehaviorWrapper] = []
    /// The server found this handler by its path (a registered method), not through a generic handler.
    var isFoundByPath = false

    init(
        requestStreaming: Bool, responseStreaming: Bool,
        body: @escaping @Sendable (ServerCall, [BehaviorWrapper]) -> Void
    ) {
        self.requestStreaming = requestStreaming
        self.responseStreaming = responseStreaming
        self.body = body
    }

    /// Runs the handler for `call` on this (worker) thread.
    func run(_ call: ServerCall) {
        body(call, behaviorWrappers)
    }

    /// This handler with its behaviour run inside `wrapper`, on the call's worker thread: what a
    /// ``ServerInterceptor`` returns to act around each call, as grpcio interceptors do by
    /// replacing `handler.unary_unary` with a function that calls it. The wrapper calls
    /// `proceed()` to run the behaviour (which may throw, as the behaviour's errors do); what the
    /// wrapper throws ends the call as a behaviour's error would. A wrapper that returns without
    /// proceeding ends the call with the code and details set on the context, or UNKNOWN.
    ///
    /// ```swift
    /// return try continuation(details)?.wrappingBehavior { context, proceed in
    ///     let start = Date()
    ///     defer { print(details.method, context.code() ?? .ok, Date().timeIntervalSince(start)) }
    ///     try proceed()
    /// }
    /// ```
    public func wrappingBehavior(_ wrapper: @escaping BehaviorWrapper) -> RPCMethodHandler {
        var wrapped = self
        wrapped.behaviorWrappers.insert(wrapper, at: 0)
        return wrapped
    }
}

/// What a generic handler is asked about: the method path and the invocation metadata
/// (`grpc.HandlerCallDetails`).
public struct HandlerCallDetails: Sendable {
    public let method: String
    public let invocationMetadata: Metadata
}

/// Maps calls to method handlers (`grpc.GenericRpcHandler`). ``service(_:)`` runs on the call's
/// worker with no runtime lock held; handlers built with ``methodHandlersGenericHandler(_:_:)``
/// are looked up by path instead, without calling it.
public protocol GenericRPCHandler: Sendable {
    /// The handler for a call, or nil when this handler does not serve its method.
    func service(_ handlerCallDetails: HandlerCallDetails) -> RPCMethodHandler?
}

/// A generic handler for one service, built from its methods' handlers
/// (`grpc.method_handlers_generic_handler`).
public struct MethodHandlersGenericHandler: GenericRPCHandler {
    /// Method handlers by full path, `/package.Service/Method`.
    public let handlersByPath: [String: RPCMethodHandler]

    public init(service: String, handlers: [String: RPCMethodHandler]) {
        var byPath: [String: RPCMethodHandler] = [:]
        for (method, handler) in handlers { byPath["/\(service)/\(method)"] = handler }
        handlersByPath = byPath
    }

    public func service(_ handlerCallDetails: HandlerCallDetails) -> RPCMethodHandler? {
        handlersByPath[handlerCallDetails.method]
    }
}

/// `grpc.method_handlers_generic_handler(service, method_handlers)`.
public func methodHandlersGenericHandler(_ service: String, _ handlers: [String: RPCMethodHandler])
    -> MethodHandlersGenericHandler
{
    MethodHandlersGenericHandler(service: service, handlers: handlers)
}

// MARK: the four factories

/// A unary-request, unary-response handler (`grpc.unary_unary_rpc_method_handler`).
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

public func unaryUnaryRPCMethodHandler(
    _ behavior: @escaping @Sendable ([UInt8], ServicerContext) throws -> [UInt8]
) -> RPCMethodHandler {
    unaryUnaryRPCMethodHandler(
        behavior, requestDeserializer: RawBytes.deserializer, responseSerializer: RawBytes.serializer)
}

public func unaryStreamRPCMethodHandler(
    _ behavior: @escaping @Sendable ([UInt8], ResponseSender<[UInt8]>, ServicerContext) throws -> Void
) -> RPCMethodHandler {
    unaryStreamRPCMethodHandler(
        behavior, requestDeserializer: RawBytes.deserializer, responseSerializer: RawBytes.serializer)
}

public func streamUnaryRPCMethodHandler(
    _ behavior: @escaping @Sendable (RequestStream<[UInt8]>, ServicerContext) throws -> [UInt8]
) -> RPCMethodHandler {
    streamUnaryRPCMethodHandler(
        behavior, requestDeserializer: RawBytes.deserializer, responseSerializer: RawBytes.serializer)
}

public func streamStreamRPCMethodHandler(
    _ behavior: @escaping @Sendable (RequestStream<[UInt8]>, ResponseSender<[UInt8]>, ServicerContext) throws -> Void
) -> RPCMethodHandler {
    streamStreamRPCMethodHandler(
        behavior, requestDeserializer: RawBytes.deserializer, responseSerializer: RawBytes.serializer)
}

// MARK: SwiftProtobuf messages

public func unaryUnaryRPCMethodHandler<Request: SwiftProtobuf.Message, Response: SwiftProtobuf.Message>(
    _ behavior: @escaping @Sendable (Request, ServicerContext) throws -> Response
) -> RPCMethodHandler {
    unaryUnaryRPCMethodHandler(
        behavior, requestDeserializer: ProtobufSerialization.deserializer(),
        responseSerializer: ProtobufSerialization.serializer())
}

public func unaryStreamRPCMethodHandler<Request: SwiftProtobuf.Message, Response: SwiftProtobuf.Message>(
    _ behavior: @escaping @Sendable (Request, ResponseSender<Response>, ServicerContext) throws -> Void
) -> RPCMethodHandler {
    unaryStreamRPCMethodHandler(
        behavior, requestDeserializer: ProtobufSerialization.deserializer(),
        responseSerializer: ProtobufSerialization.serializer())
}

public func streamUnaryRPCMethodHandler<Request: SwiftProtobuf.Message, Response: SwiftProtobuf.Message>(
    _ behavior: @escaping @Sendable (RequestStream<Request>, ServicerContext) throws -> Response
) -> RPCMethodHandler {
    streamUnaryRPCMethodHandler(
        behavior, requestDeserializer: ProtobufSerialization.deserializer(),
        responseSerializer: ProtobufSerialization.serializer())
}

public func streamStreamRPCMethodHandler<Request: SwiftProtobuf.Message, Response: SwiftProtobuf.Message>(
    _ behavior: @escaping @Sendable (RequestStream<Request>, ResponseSender<Response>, ServicerContext) throws -> Void
) -> RPCMethodHandler {
    streamStreamRPCMethodHandler(
        behavior, requestDeserializer: ProtobufSerialization.deserializer(),
        responseSerializer: ProtobufSerialization.serializer())
}
