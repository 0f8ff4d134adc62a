import SwiftProtobuf

/// Multicallables for SwiftProtobuf messages and raw bytes, so nobody writes serializers by hand.
extension Channel {
    public func unaryUnary<Request: SwiftProtobuf.Message, Response: SwiftProtobuf.Message>(
        _ method: String, request: Request.Type = Request.self, response: Response.Type = Response.self
    ) -> UnaryUnaryMultiCallable<Request, Response> {
        unaryUnary(
            method, requestSerializer: ProtobufSerialization.serializer(),
            responseDeserializer: ProtobufSerialization.deserializer())
    }

    public func unaryStream<Request: SwiftProtobuf.Message, Response: SwiftProtobuf.Message>(
        _ method: String, request: Request.Type = Request.self, response: Response.Type = Response.self
    ) -> UnaryStreamMultiCallable<Request, Response> {
        unaryStream(
            method, requestSerializer: ProtobufSerialization.serializer(),
            responseDeserializer: ProtobufSerialization.deserializer())
    }

    public func streamUnary<Request: SwiftProtobuf.Message, Response: SwiftProtobuf.Message>(
        _ method: String, request: Request.Type = Request.self, response: Response.Type = Response.self
    ) -> StreamUnaryMultiCallable<Request, Response> {
        streamUnary(
            method, requestSerializer: ProtobufSerialization.serializer(),
            responseDeserializer: ProtobufSerialization.deserializer())
    }

    public func streamStream<Request: SwiftProtobuf.Message, Response: SwiftProtobuf.Message>(
        _ method: String, request: Request.Type = Request.self, response: Response.Type = Response.self
    ) -> StreamStreamMultiCallable<Request, Response> {
        streamStream(
            method, requestSerializer: ProtobufSerialization.serializer(),
            responseDeserializer: ProtobufSerialization.deserializer())
    }

    /// Raw bytes in and out (grpcio's multicallables without serializers).
    public func unaryUnary(_ method: String) -> UnaryUnaryMultiCallable<[UInt8], [UInt8]> {
        unaryUnary(method, requestSerializer: RawBytes.serializer, responseDeserializer: RawBytes.deserializer)
    }

    public func unaryStream(_ method: String) -> UnaryStreamMultiCallable<[UInt8], [UInt8]> {
        unaryStream(method, requestSerializer: RawBytes.serializer, responseDeserializer: RawBytes.deserializer)
    }

    public func streamUnary(_ method: String) -> StreamUnaryMultiCallable<[UInt8], [UInt8]> {
        streamUnary(method, requestSerializer: RawBytes.serializer, responseDeserializer: RawBytes.deserializer)
    }

    public func streamStream(_ method: String) -> StreamStreamMultiCallable<[UInt8], [UInt8]> {
        streamStream(method, requestSerializer: RawBytes.serializer, responseDeserializer: RawBytes.deserializer)
    }
}
