import SwiftProtobuf

/// Async multicallables for SwiftProtobuf messages and raw bytes, as the blocking channel has them.
extension AIO.Channel {
    /// A multicallable for `method` with SwiftProtobuf messages (`channel.unary_unary(method,
    /// request_serializer=Req.SerializeToString, response_deserializer=Resp.FromString)`).
    ///
    /// - Parameters:
    ///   - method: The full method path, `/package.Service/Method`.
    ///   - request: The request message type, when the context does not say it.
    ///   - response: The response message type, when the context does not say it.
    /// - Returns: The multicallable; making it opens no connection.
    public func unaryUnary<Request: SwiftProtobuf.Message, Response: SwiftProtobuf.Message>(
        _ method: String, request: Request.Type = Request.self, response: Response.Type = Response.self
    ) -> AIO.UnaryUnaryMultiCallable<Request, Response> {
        unaryUnary(
            method, requestSerializer: ProtobufSerialization.serializer(),
            responseDeserializer: ProtobufSerialization.deserializer())
    }

    /// A multicallable for `method` with SwiftProtobuf messages (`channel.unary_stream(method,
    /// request_serializer=Req.SerializeToString, response_deserializer=Resp.FromString)`).
    ///
    /// - Parameters:
    ///   - method: The full method path, `/package.Service/Method`.
    ///   - request: The request message type, when the context does not say it.
    ///   - response: The response message type, when the context does not say it.
    /// - Returns: The multicallable; making it opens no connection.
    public func unaryStream<Request: SwiftProtobuf.Message, Response: SwiftProtobuf.Message>(
        _ method: String, request: Request.Type = Request.self, response: Response.Type = Response.self
    ) -> AIO.UnaryStreamMultiCallable<Request, Response> {
        unaryStream(
            method, requestSerializer: ProtobufSerialization.serializer(),
            responseDeserializer: ProtobufSerialization.deserializer())
    }

    /// A multicallable for `method` with SwiftProtobuf messages (`channel.stream_unary(method,
    /// request_serializer=Req.SerializeToString, response_deserializer=Resp.FromString)`).
    ///
    /// - Parameters:
    ///   - method: The full method path, `/package.Service/Method`.
    ///   - request: The request message type, when the context does not say it.
    ///   - response: The response message type, when the context does not say it.
    /// - Returns: The multicallable; making it opens no connection.
    public func streamUnary<Request: SwiftProtobuf.Message, Response: SwiftProtobuf.Message>(
        _ method: String, request: Request.Type = Request.self, response: Response.Type = Response.self
    ) -> AIO.StreamUnaryMultiCallable<Request, Response> {
        streamUnary(
            method, requestSerializer: ProtobufSerialization.serializer(),
            responseDeserializer: ProtobufSerialization.deserializer())
    }

    /// A multicallable for `method` with SwiftProtobuf messages (`channel.stream_stream(method,
    /// request_serializer=Req.SerializeToString, response_deserializer=Resp.FromString)`).
    ///
    /// - Parameters:
    ///   - method: The full method path, `/package.Service/Method`.
    ///   - request: The request message type, when the context does not say it.
    ///   - response: The response message type, when the context does not say it.
    /// - Returns: The multicallable; making it opens no connection.
    public func streamStream<Request: SwiftProtobuf.Message, Response: SwiftProtobuf.Message>(
        _ method: String, request: Request.Type = Request.self, response: Response.Type = Response.self
    ) -> AIO.StreamStreamMultiCallable<Request, Response> {
        streamStream(
            method, requestSerializer: ProtobufSerialization.serializer(),
            responseDeserializer: ProtobufSerialization.deserializer())
    }

    /// A multicallable for `method` with raw bytes in and out (`channel.unary_unary(method)`, without
    /// serializers).
    ///
    /// - Parameter method: The full method path, `/package.Service/Method`.
    /// - Returns: The multicallable; making it opens no connection.
    public func unaryUnary(_ method: String) -> AIO.UnaryUnaryMultiCallable<[UInt8], [UInt8]> {
        unaryUnary(method, requestSerializer: RawBytes.serializer, responseDeserializer: RawBytes.deserializer)
    }

    /// A multicallable for `method` with raw bytes in and out (`channel.unary_stream(method)`, without
    /// serializers).
    ///
    /// - Parameter method: The full method path, `/package.Service/Method`.
    /// - Returns: The multicallable; making it opens no connection.
    public func unaryStream(_ method: String) -> AIO.UnaryStreamMultiCallable<[UInt8], [UInt8]> {
        unaryStream(method, requestSerializer: RawBytes.serializer, responseDeserializer: RawBytes.deserializer)
    }

    /// A multicallable for `method` with raw bytes in and out (`channel.stream_unary(method)`, without
    /// serializers).
    ///
    /// - Parameter method: The full method path, `/package.Service/Method`.
    /// - Returns: The multicallable; making it opens no connection.
    public func streamUnary(_ method: String) -> AIO.StreamUnaryMultiCallable<[UInt8], [UInt8]> {
        streamUnary(method, requestSerializer: RawBytes.serializer, responseDeserializer: RawBytes.deserializer)
    }

    /// A multicallable for `method` with raw bytes in and out (`channel.stream_stream(method)`, without
    /// serializers).
    ///
    /// - Parameter method: The full method path, `/package.Service/Method`.
    /// - Returns: The multicallable; making it opens no connection.
    public func streamStream(_ method: String) -> AIO.StreamStreamMultiCallable<[UInt8], [UInt8]> {
        streamStream(method, requestSerializer: RawBytes.serializer, responseDeserializer: RawBytes.deserializer)
    }
}
