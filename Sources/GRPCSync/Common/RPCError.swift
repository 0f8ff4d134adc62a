/// The error a client call throws when the RPC ends with a status other than OK (`grpc.RpcError`).
///
/// Like grpcio's `RpcError`, which is also a `grpc.Call`, it carries everything the call ended with:
/// ```swift
/// do { _ = try stub.getFeature(point) }
/// catch let e as RPCError { print(e.code, e.details) }
/// ```
public struct RPCError: Error, Sendable, CustomStringConvertible {
    /// The status code (`e.code()`).
    public let code: StatusCode
    /// The status message (`e.details()`).
    public let details: String
    /// Initial metadata the server sent, if any (`e.initial_metadata()`).
    public let initialMetadata: Metadata
    /// Trailing metadata the server sent, if any (`e.trailing_metadata()`).
    public let trailingMetadata: Metadata
    /// Where the status came from: a transport event, an HTTP status, or the server's trailers.
    public let debugErrorString: String

    /// An error with the status a call ended with: what an interceptor or a test makes, since
    /// calls make their own.
    ///
    /// - Parameters:
    ///   - code: The status code, not OK.
    ///   - details: The status message.
    ///   - initialMetadata: The server's initial metadata.
    ///   - trailingMetadata: The server's trailing metadata.
    ///   - debugErrorString: Where the status came from, printed by ``description`` when not empty.
    public init(
        code: StatusCode,
        details: String,
        initialMetadata: Metadata = [],
        trailingMetadata: Metadata = [],
        debugErrorString: String = ""
    ) {
        self.code = code
        self.details = details
        self.initialMetadata = initialMetadata
        self.trailingMetadata = trailingMetadata
        self.debugErrorString = debugErrorString
    }

    /// grpcio's text for the error, so a log reads the same:
    /// `<RPCError of RPC that terminated with: status = StatusCode.UNAVAILABLE details = "…">`, over
    /// several lines, with `debug_error_string` when there is one.
    public var description: String {
        var text = "<RPCError of RPC that terminated with:\n\tstatus = \(code)\n\tdetails = \"\(details)\""
        if !debugErrorString.isEmpty { text += "\n\tdebug_error_string = \"\(debugErrorString)\"" }
        return text + "\n>"
    }
}

/// A misuse of the API or a bad argument (an invalid target, a reserved metadata key, starting a
/// server twice…). The message says what was wrong and with which value.
public struct UsageError: Error, Sendable, CustomStringConvertible {
    /// What was wrong, naming the value: "target \"\" names no host".
    public let message: String

    /// An error with `message`.
    ///
    /// - Parameter message: What was wrong, naming the value.
    public init(_ message: String) { self.message = message }

    /// The message.
    public var description: String { message }
}
