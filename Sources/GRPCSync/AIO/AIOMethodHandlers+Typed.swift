import SwiftProtobuf

/// Async handlers of SwiftProtobuf messages (what generated code registers) and of raw bytes
/// (grpcio's handlers without serializers).
extension AIO {
    /// ``unaryUnaryRPCMethodHandler(_:requestDeserializer:responseSerializer:)`` with SwiftProtobuf
    /// messages.
    ///
    /// - Parameter behavior: Runs once per call as a task with the request and the context, and
    ///   returns the response.
    /// - Returns: The handler, for ``GRPCSync/methodHandlersGenericHandler(_:_:)``.
    public static func unaryUnaryRPCMethodHandler<Request: SwiftProtobuf.Message, Response: SwiftProtobuf.Message>(
        _ behavior: @escaping @Sendable (Request, ServicerContext) async throws -> Response
    ) -> RPCMethodHandler {
        unaryUnaryRPCMethodHandler(
            behavior, requestDeserializer: ProtobufSerialization.deserializer(),
            responseSerializer: ProtobufSerialization.serializer())
    }

    /// ``unaryStreamRPCMethodHandler(_:requestDeserializer:responseSerializer:)`` with SwiftProtobuf
    /// messages.
    ///
    /// - Parameter behavior: Runs once per call as a task with the request, the writer of the
    ///   responses and the context.
    /// - Returns: The handler, for ``GRPCSync/methodHandlersGenericHandler(_:_:)``.
    public static func unaryStreamRPCMethodHandler<Request: SwiftProtobuf.Message, Response: SwiftProtobuf.Message>(
        _ behavior: @escaping @Sendable (Request, ResponseWriter<Response>, ServicerContext) async throws -> Void
    ) -> RPCMethodHandler {
        unaryStreamRPCMethodHandler(
            behavior, requestDeserializer: ProtobufSerialization.deserializer(),
            responseSerializer: ProtobufSerialization.serializer())
    }

    /// ``streamUnaryRPCMethodHandler(_:requestDeserializer:responseSerializer:)`` with SwiftProtobuf
    /// messages.
    ///
    /// - Parameter behavior: Runs once per call as a task with the requests and the context, and
    ///   returns the response.
    /// - Returns: The handler, for ``GRPCSync/methodHandlersGenericHandler(_:_:)``.
    public static func streamUnaryRPCMethodHandler<Request: SwiftProtobuf.Message, Response: SwiftProtobuf.Message>(
        _ behavior: @escaping @Sendable (RequestStream<Request>, ServicerContext) async throws -> Response
    ) -> RPCMethodHandler {
        streamUnaryRPCMethodHandler(
            behavior, requestDeserializer: ProtobufSerialization.deserializer(),
            responseSerializer: ProtobufSerialization.serializer())
    }

    /// ``streamStreamRPCMethodHandler(_:requestDeserializer:responseSerializer:)`` with
    /// SwiftProtobuf messages.
    ///
    /// - Parameter behavior: Runs once per call as a task with the requests, the writer of the
    ///   responses and the context.
    /// - Returns: The handler, for ``GRPCSync/methodHandlersGenericHandler(_:_:)``.
    public static func streamStreamRPCMethodHandler<Request, Response>(
        _ behavior:
            @escaping @Sendable (RequestStream<Request>, ResponseWriter<Response>, ServicerContext) async throws
            -> Void
    ) -> RPCMethodHandler where Request: SwiftProtobuf.Message, Response: SwiftProtobuf.Message {
        streamStreamRPCMethodHandler(
            behavior, requestDeserializer: ProtobufSerialization.deserializer(),
            responseSerializer: ProtobufSerialization.serializer())
    }

    /// ``unaryUnaryRPCMethodHandler(_:requestDeserializer:responseSerializer:)`` on raw message bytes.
    ///
    /// - Parameter behavior: Runs once per call as a task with the request's bytes and the context,
    ///   and returns the response's.
    /// - Returns: The handler, for ``GRPCSync/methodHandlersGenericHandler(_:_:)``.
    public static func unaryUnaryRPCMethodHandler(
        _ behavior: @escaping @Sendable ([UInt8], ServicerContext) async throws -> [UInt8]
    ) -> RPCMethodHandler {
        unaryUnaryRPCMethodHandler(
            behavior, requestDeserializer: RawBytes.deserializer, responseSerializer: RawBytes.serializer)
    }

    /// ``unaryStreamRPCMethodHandler(_:requestDeserializer:responseSerializer:)`` on raw message bytes.
    ///
    /// - Parameter behavior: Runs once per call as a task with the request's bytes, the writer of
    ///   the responses and the context.
    /// - Returns: The handler, for ``GRPCSync/methodHandlersGenericHandler(_:_:)``.
    public static func unaryStreamRPCMethodHandler(
        _ behavior: @escaping @Sendable ([UInt8], ResponseWriter<[UInt8]>, ServicerContext) async throws -> Void
    ) -> RPCMethodHandler {
        unaryStreamRPCMethodHandler(
            behavior, requestDeserializer: RawBytes.deserializer, responseSerializer: RawBytes.serializer)
    }

    /// ``streamUnaryRPCMethodHandler(_:requestDeserializer:responseSerializer:)`` on raw message bytes.
    ///
    /// - Parameter behavior: Runs once per call as a task with the requests' bytes and the context,
    ///   and returns the response's.
    /// - Returns: The handler, for ``GRPCSync/methodHandlersGenericHandler(_:_:)``.
    public static func streamUnaryRPCMethodHandler(
        _ behavior: @escaping @Sendable (RequestStream<[UInt8]>, ServicerContext) async throws -> [UInt8]
    ) -> RPCMethodHandler {
        streamUnaryRPCMethodHandler(
            behavior, requestDeserializer: RawBytes.deserializer, responseSerializer: RawBytes.serializer)
    }

    /// ``streamStreamRPCMethodHandler(_:requestDeserializer:responseSerializer:)`` on raw message
    /// bytes.
    ///
    /// - Parameter behavior: Runs once per call as a task with the requests' bytes, the writer of
    ///   the responses and the context.
    /// - Returns: The handler, for ``GRPCSync/methodHandlersGenericHandler(_:_:)``.
    public static func streamStreamRPCMethodHandler(
        _ behavior:
            @escaping @Sendable (RequestStream<[UInt8]>, ResponseWriter<[UInt8]>, ServicerContext) async throws
            -> Void
    ) -> RPCMethodHandler {
        streamStreamRPCMethodHandler(
            behavior, requestDeserializer: RawBytes.deserializer, responseSerializer: RawBytes.serializer)
    }
}
