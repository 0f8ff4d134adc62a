import SwiftProtobuf

/// Turns a message into bytes (`request_serializer` / `response_serializer`).
public typealias Serializer<T> = @Sendable (T) throws -> [UInt8]
/// Turns bytes into a message (`request_deserializer` / `response_deserializer`).
public typealias Deserializer<T> = @Sendable ([UInt8]) throws -> T

/// The serializers for SwiftProtobuf messages, so nobody writes them by hand.
public enum ProtobufSerialization {
    /// Serializes a message to its protobuf binary form (grpcio's `M.SerializeToString`).
    ///
    /// - Returns: A serializer that throws SwiftProtobuf's error for a message it cannot encode
    ///   (a required field missing).
    public static func serializer<M: SwiftProtobuf.Message>(_: M.Type = M.self) -> Serializer<M> {
        { message in try (message.serializedBytes() as SerializationBuffer).bytes }
    }

    /// Parses a message from its protobuf binary form (grpcio's `M.FromString`).
    ///
    /// - Returns: A deserializer that throws SwiftProtobuf's error for bytes that are not a valid
    ///   message of the type.
    public static func deserializer<M: SwiftProtobuf.Message>(_: M.Type = M.self) -> Deserializer<M> {
        { bytes in
            // SwiftProtobuf copies what it keeps, so a large buffer can serve the next message.
            defer { MessageBufferPool.shared.recycle(bytes) }
            return try M(serializedBytes: bytes)
        }
    }
}

/// The identity serializers for raw bytes (grpcio's `None` serializer).
public enum RawBytes {
    /// Sends the bytes as they are.
    public static let serializer: Serializer<[UInt8]> = { $0 }
    /// Gives the received bytes as they are.
    public static let deserializer: Deserializer<[UInt8]> = { $0 }
}
