/// The status of a finished RPC, with the same names and raw values (0–16) as `grpc.StatusCode`.
public enum StatusCode: Int, Sendable, CaseIterable, CustomStringConvertible {
    /// Not an error: the call succeeded (`OK`).
    case ok = 0
    /// The call was cancelled, usually by the caller (`CANCELLED`); a local cancel reads "Locally cancelled
    /// by application!".
    case cancelled = 1
    /// An unknown error (`UNKNOWN`): what a handler that throws without setting a code answers, and a
    /// `grpc-status` outside 0–16.
    case unknown = 2
    /// The client gave an invalid argument, whatever the server's state (`INVALID_ARGUMENT`).
    case invalidArgument = 3
    /// The deadline passed before the call finished (`DEADLINE_EXCEEDED`), even if it may have succeeded on
    /// the server.
    case deadlineExceeded = 4
    /// Some requested entity was not found (`NOT_FOUND`).
    case notFound = 5
    /// The entity the client tried to create already exists (`ALREADY_EXISTS`).
    case alreadyExists = 6
    /// The caller may not do this (`PERMISSION_DENIED`); for a caller that could not be identified, see
    /// ``unauthenticated``.
    case permissionDenied = 7
    /// A resource ran out (`RESOURCE_EXHAUSTED`): a message over the size limit, `maximumConcurrentRPCs`
    /// reached, a quota.
    case resourceExhausted = 8
    /// The system is not in the state the operation needs (`FAILED_PRECONDITION`); retrying will not help
    /// until it is.
    case failedPrecondition = 9
    /// The operation was aborted, typically by a concurrency conflict (`ABORTED`); retrying at a higher level
    /// may help.
    case aborted = 10
    /// The operation went past the valid range, such as reading past the end (`OUT_OF_RANGE`).
    case outOfRange = 11
    /// The method is not implemented or not served (`UNIMPLEMENTED`): "Method not found!", "Method not
    /// implemented!".
    case unimplemented = 12
    /// An internal error: an invariant the system expects was broken (`INTERNAL`), such as a message that
    /// does not deserialize.
    case `internal` = 13
    /// The service is unavailable (`UNAVAILABLE`): the connection failed or was lost; usually transient, so
    /// retrying may help.
    case unavailable = 14
    /// Unrecoverable data loss or corruption (`DATA_LOSS`).
    case dataLoss = 15
    /// The request has no valid credentials for the operation (`UNAUTHENTICATED`).
    case unauthenticated = 16

    /// The code for a `grpc-status` value; values outside 0–16 map to `unknown`, as in gRPC.
    ///
    /// - Parameter wireValue: The number a `grpc-status` header carries.
    public init(wireValue: Int) {
        self = StatusCode(rawValue: wireValue) ?? .unknown
    }

    /// The name grpcio prints, e.g. `StatusCode.NOT_FOUND`.
    public var description: String { "StatusCode.\(grpcName)" }

    /// The upper-case gRPC name, e.g. `NOT_FOUND`.
    public var grpcName: String {
        switch self {
        case .ok: "OK"
        case .cancelled: "CANCELLED"
        case .unknown: "UNKNOWN"
        case .invalidArgument: "INVALID_ARGUMENT"
        case .deadlineExceeded: "DEADLINE_EXCEEDED"
        case .notFound: "NOT_FOUND"
        case .alreadyExists: "ALREADY_EXISTS"
        case .permissionDenied: "PERMISSION_DENIED"
        case .resourceExhausted: "RESOURCE_EXHAUSTED"
        case .failedPrecondition: "FAILED_PRECONDITION"
        case .aborted: "ABORTED"
        case .outOfRange: "OUT_OF_RANGE"
        case .unimplemented: "UNIMPLEMENTED"
        case .internal: "INTERNAL"
        case .unavailable: "UNAVAILABLE"
        case .dataLoss: "DATA_LOSS"
        case .unauthenticated: "UNAUTHENTICATED"
        }
    }
}

/// A final status: code, details and trailing metadata (`grpc.Status`).
public struct Status: Sendable, Error, Equatable, CustomStringConvertible {
    /// The status code (`grpc-status`).
    public var code: StatusCode
    /// The text sent with the code (`grpc-message`); empty for none.
    public var details: String
    /// The metadata sent with the status, in the response's trailers.
    public var trailingMetadata: Metadata

    /// A status as a server sends it (`ServicerContext/abortWithStatus(_:)`).
    ///
    /// - Parameters:
    ///   - code: The status code.
    ///   - details: The text sent with the code; empty for none.
    ///   - trailingMetadata: Metadata sent in the trailers with the status.
    public init(code: StatusCode, details: String = "", trailingMetadata: Metadata = []) {
        self.code = code
        self.details = details
        self.trailingMetadata = trailingMetadata
    }

    /// The status of a call that succeeded: OK, no details, no trailing metadata.
    public static let ok = Status(code: .ok)

    /// The code and the details as grpcio prints them: `StatusCode.NOT_FOUND "no such feature"`.
    public var description: String { "\(code) \"\(details)\"" }
}
