/// The status of a finished RPC, with the same names and raw values (0–16) as `grpc.StatusCode`.
public enum StatusCode: Int, Sendable, CaseIterable, CustomStringConvertible {
    case ok = 0
    case cancelled = 1
    case unknown = 2
    case invalidArgument = 3
    case deadlineExceeded = 4
    case notFound = 5
    case alreadyExists = 6
    case permissionDenied = 7
    case resourceExhausted = 8
    case failedPrecondition = 9
    case aborted = 10
    case outOfRange = 11
    case unimplemented = 12
    case `internal` = 13
    case unavailable = 14
    case dataLoss = 15
    case unauthenticated = 16

    /// The code for a `grpc-status` value; values outside 0–16 map to `unknown`, as in gRPC.
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
    public var code: StatusCode
    public var details: String
    public var trailingMetadata: Metadata

    public init(code: StatusCode, details: String = "", trailingMetadata: Metadata = []) {
        self.code = code
        self.details = details
        self.trailingMetadata = trailingMetadata
    }

    public static let ok = Status(code: .ok)

    public var description: String { "\(code) \"\(details)\"" }
}
