/// The generated doc comments' text for a method of each kind: how its stub property is called,
/// and the sections of its servicer method. One text per parameter, after the runtime's
/// multicallables and method handlers.
extension RPCKind {
    /// How the stub property `member` is called, what it returns and what it throws: paragraphs
    /// for ``docComment(proto:generated:width:)``.
    func stubCallDocumentation(member: String) -> String {
        let call = "`stub.\(member)"
        let calling: String
        let failing: String
        switch self {
        case .unaryUnary:
            calling =
                "\(call)(request)` returns the response, \(call).withCall(request)` the response and the ended "
                + "call, \(call).future(request)` a future of the response at once."
            failing = Self.unaryFailure
        case .unaryStream:
            calling = "\(call)(request)` returns the stream of responses, read with `next()`."
            failing = Self.streamFailure
        case .streamUnary:
            calling =
                "\(call)(requests)` sends a sequence of requests, read lazily as flow control allows, and "
                + "returns the response; \(call).withCall(requests)` returns the response and the ended call, "
                + "\(call).future(requests)` a future of the response at once."
            failing = Self.unaryFailure
        case .streamStream:
            calling =
                "\(call)(requests)` sends a sequence of requests, read lazily as flow control allows, and "
                + "returns the stream of responses, read with `next()`."
            failing = Self.streamFailure
        }
        return calling + "\n\n" + Self.callOptions + " " + failing
    }

    /// How the async stub property `member` is called, what it returns and what it throws:
    /// paragraphs for ``docComment(proto:generated:width:)``.
    func asyncStubCallDocumentation(member: String) -> String {
        let call = "`stub.\(member)"
        let calling: String
        switch self {
        case .unaryUnary:
            calling =
                "`try await stub.\(member)(request)` returns the response; \(call).call(request)` returns the "
                + "running call at once, whose `response`, metadata and status are awaited."
        case .unaryStream:
            calling =
                "\(call)(request)` returns the running call, an `AsyncSequence` of the responses "
                + "(`for try await response in try stub.\(member)(request)`), also read with `read()`."
        case .streamUnary:
            calling =
                "`try await stub.\(member)(requests)` sends a sequence or an async sequence of requests from a "
                + "task of its own, as flow control allows, and returns the response; \(call).call()` returns a "
                + "call to `write(_:)` requests to, end with `doneWriting()` and await the `response` of."
        case .streamStream:
            calling =
                "\(call)(requests)` sends a sequence or an async sequence of requests from a task of its own, as "
                + "flow control allows, and returns the running call, an `AsyncSequence` of the responses; "
                + "\(call)()` returns a call to `write(_:)` requests to, end with `doneWriting()` and `read()`."
        }
        return calling + "\n\n" + Self.callOptions + " " + Self.asyncFailure
    }

    /// What an async call throws, and where.
    private static let asyncFailure =
        "A call that does not end OK throws `RPCError` with its status where it is awaited; a task cancelled "
        + "while it awaits the call cancels it and gets `CancellationError`; a closed channel or metadata that "
        + "cannot be sent throws `UsageError`."

    /// The keyword arguments every multicallable takes, as grpcio's.
    private static let callOptions =
        "Each call also takes `timeout:` (seconds; nil: no deadline), `metadata:`, `waitForReady:` (true: "
        + "wait for the channel to connect instead of failing UNAVAILABLE), `compression:` (nil: the "
        + "channel's) and `credentials:` (call credentials, sent after the channel's)."

    /// What a unary-response call throws.
    private static let unaryFailure =
        "A call that does not end OK throws `RPCError` with its status (from a future, `result()` does); "
        + "a closed channel or metadata that cannot be sent throws `UsageError`."

    /// What a streaming-response call throws, and where.
    private static let streamFailure =
        "A call that does not end OK makes `next()` throw `RPCError` with its status; a closed channel or "
        + "metadata that cannot be sent throws `UsageError`."

    /// The servicer method's doc comment paragraphs after its summary: what a servicer method left
    /// alone does, each parameter, what it returns and what it throws.
    var servicerDocumentation: String { servicerDocumentation(async: false) }

    /// ``servicerDocumentation`` for the servicer method (`async`: of an async servicer).
    func servicerDocumentation(async: Bool) -> String {
        var parameters: [String] = []
        switch self {
        case .unaryUnary, .unaryStream: parameters.append("  - request: The request message.")
        case .streamUnary, .streamStream:
            parameters.append(
                "  - requests: The request messages as they arrive; iteration ends when the client half-closes.")
        }
        switch self {
        case .unaryStream, .streamStream:
            parameters.append(
                "  - responses: Sends the response messages (`"
                    + (async ? "try await responses.write(response)" : "try responses.send(response)")
                    + "`); the call ends OK when the method returns.")
        case .unaryUnary, .streamUnary: break
        }
        parameters.append(
            "  - context: The call's context: the client's metadata, the time remaining, the status to end with.")
        var sections = ["- Parameters:"] + parameters
        switch self {
        case .unaryUnary, .streamUnary: sections.append("- Returns: The response message; the call ends OK with it.")
        case .unaryStream, .streamStream: break
        }
        // grpcio's wording for an error of a unary-response or of a streaming-response handler.
        let failure: String
        switch self {
        case .unaryUnary, .streamUnary: failure = "Exception calling application"
        case .unaryStream, .streamStream: failure = "Exception iterating responses"
        }
        sections.append(
            "- Throws: An error that ends the call: UNKNOWN \"\(failure): …\" unless `context` has a code or "
                + "details set (`context.abort` sets both and throws).")
        return "Unless a subclass overrides it, it answers UNIMPLEMENTED \"Method not implemented!\".\n\n"
            + sections.joined(separator: "\n")
    }
}
