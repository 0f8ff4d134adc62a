import GRPCSync
import SwiftProtobuf

/// Rich error status: a `google.rpc.Status` carried in a call's `grpc-status-details-bin` trailing
/// metadata, as grpcio-status's `grpc_status.rpc_status` reads and writes it.
///
/// A server ends a call with one:
/// ```swift
/// let rich = Google_Rpc_Status.with {
///     $0.code = Int32(StatusCode.resourceExhausted.rawValue)
///     $0.message = "Request limit exceeded."
///     $0.details = [try Google_Protobuf_Any(message: quotaFailure)]
/// }
/// try context.abortWithStatus(RPCStatus.toStatus(rich))
/// ```
/// and a client reads it back:
/// ```swift
/// catch let error as RPCError {
///     if let rich = try RPCStatus.fromCall(error) { … rich.details … }
/// }
/// ```
public enum RPCStatus {
    /// The trailing metadata key the status travels under (`GRPC_DETAILS_METADATA_KEY`).
    public static let detailsMetadataKey = "grpc-status-details-bin"

    /// The ``GRPCSync/Status`` to end a call with, for `context.abortWithStatus`
    /// (`rpc_status.to_status(status)`): its code and message, and the serialized `status` as
    /// `grpc-status-details-bin` trailing metadata. Throws ``RPCStatusError`` (grpcio's
    /// `ValueError`) when `status.code` is not a gRPC status code (0–16).
    ///
    /// - Parameter status: The rich status: code, message and details (`google.protobuf.Any`).
    /// - Returns: The status to give ``GRPCSync/ServicerContext/abortWithStatus(_:)``.
    /// - Throws: ``RPCStatusError`` when the code is outside 0–16; SwiftProtobuf's error when the
    ///   status does not serialize.
    public static func toStatus(_ status: Google_Rpc_Status) throws -> Status {
        let code = try statusCode(status.code)
        let bytes: [UInt8] = try status.serializedBytes()
        return Status(code: code, details: status.message, trailingMetadata: [(detailsMetadataKey, .binary(bytes))])
    }

    /// The rich status of a finished call (`rpc_status.from_call(call)`), or nil when its trailing
    /// metadata has no `grpc-status-details-bin`; waits for the call to end. Throws
    /// ``RPCStatusError`` when the first such value is not a `google.rpc.Status` (grpcio raises
    /// protobuf's `DecodeError`), or when its code or message differ from the call's (grpcio's
    /// `ValueError`).
    ///
    /// - Parameter call: A client call: a ``GRPCSync/Future``, a ``GRPCSync/ResponseStream``, or
    ///   the call `withCall` returns.
    /// - Returns: The decoded `google.rpc.Status`, or nil when the server sent none.
    /// - Throws: ``RPCStatusError`` when the details do not decode or do not match the call's
    ///   status.
    public static func fromCall(_ call: some Call) throws -> Google_Rpc_Status? {
        try fromCall(code: call.code(), details: call.details(), trailingMetadata: call.trailingMetadata())
    }

    /// The rich status of an async call once it ends (`await rpc_status.aio.from_call(call)`), or
    /// nil when its trailing metadata has no `grpc-status-details-bin`; throws as
    /// ``fromCall(_:)-(Call)`` does.
    ///
    /// - Parameter call: An async client call (``GRPCSync/AIO/Call``).
    /// - Returns: The decoded `google.rpc.Status`, or nil when the server sent none.
    /// - Throws: ``RPCStatusError`` when the details do not decode or do not match the call's
    ///   status.
    public static func fromCall(_ call: AIO.Call) async throws -> Google_Rpc_Status? {
        let (code, details, trailingMetadata) = (await call.code(), await call.details(), await call.trailingMetadata())
        return try fromCall(code: code, details: details, trailingMetadata: trailingMetadata)
    }

    /// The rich status of the call an ``GRPCSync/RPCError`` ended (`rpc_status.from_call(rpc_error)`),
    /// or nil when its trailing metadata has no `grpc-status-details-bin`; throws as
    /// ``fromCall(_:)-(Call)`` does.
    ///
    /// - Parameter error: The error a blocking call threw.
    /// - Returns: The decoded `google.rpc.Status`, or nil when the server sent none.
    /// - Throws: ``RPCStatusError`` when the details do not decode or do not match the error's
    ///   code and details.
    public static func fromCall(_ error: RPCError) throws -> Google_Rpc_Status? {
        try fromCall(code: error.code, details: error.details, trailingMetadata: error.trailingMetadata)
    }

    private static func fromCall(code: StatusCode, details: String, trailingMetadata: Metadata) throws
        -> Google_Rpc_Status?
    {
        guard let bytes = trailingMetadata.binary(detailsMetadataKey) else { return nil }
        let status: Google_Rpc_Status
        do {
            status = try Google_Rpc_Status(serializedBytes: bytes)
        } catch {
            throw RPCStatusError(
                .malformedDetails, "Error parsing message with type 'google.rpc.Status': \(error)")
        }
        if status.code != Int32(code.rawValue) {
            throw RPCStatusError(
                .codeMismatch,
                "Code in Status proto (\(try statusCode(status.code))) doesn't match status code (\(code))")
        }
        if status.message != details {
            throw RPCStatusError(
                .messageMismatch,
                "Message in Status proto (\(status.message)) doesn't match status details (\(details))")
        }
        return status
    }

    /// The ``GRPCSync/StatusCode`` of a `google.rpc.Status` code (`code_to_grpc_status_code`).
    private static func statusCode(_ code: Int32) throws -> StatusCode {
        guard let statusCode = StatusCode(rawValue: Int(code)) else {
            throw RPCStatusError(.invalidCode, "Invalid status code \(code)")
        }
        return statusCode
    }
}

/// Why ``RPCStatus`` refused a status: grpcio-status raises `ValueError` (and protobuf's
/// `DecodeError` for bytes that do not parse) with the same messages.
public struct RPCStatusError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What was wrong.
    public enum Kind: Sendable, Equatable {
        /// A `google.rpc.Status` code that is not a gRPC status code (0–16).
        case invalidCode
        /// `grpc-status-details-bin` that is not a serialized `google.rpc.Status`.
        case malformedDetails
        /// The details' code is not the call's status code.
        case codeMismatch
        /// The details' message is not the call's status details.
        case messageMismatch
    }

    /// What was wrong.
    public let kind: Kind
    /// grpcio's message, e.g. `Code in Status proto (StatusCode.NOT_FOUND) doesn't match status code
    /// (StatusCode.INTERNAL)`.
    public let message: String

    init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }

    /// The message.
    public var description: String { message }
}
