// DELETE THIS FILE WHEN THE COMPRESSION BRANCH IS MERGED.
//
// Stand-ins, with the same names and signatures, for the compression API that GRPCSync gains on
// the compression branch, so that the interop cases that need it compile before that merge. They
// compress nothing, and the compression cases fail honestly while they are in use:
//
// - a call with `compression: .gzip` still throws GRPCSync's "not supported yet" UsageError;
// - `setCompression` with an algorithm ends the call with UNIMPLEMENTED;
// - `lastRequestWasCompressed()` answers false, so expect_compressed requests get INVALID_ARGUMENT.
//
// Once GRPCSync declares these names, this file clashes with them and must go, together with the
// `expectedToFailUntilCompressionMerge` list in scripts/interop.py.
import GRPCSync

/// Stand-in for GRPCSync's `OutgoingMessage`: a request message with its own compression choice.
struct OutgoingMessage<Message> {
    var message: Message
    var compressed: Bool

    init(_ message: Message, compressed: Bool = true) {
        self.message = message
        self.compressed = compressed
    }
}

extension StreamUnaryMultiCallable {
    /// Stand-in: sends the messages, ignoring their compression choice.
    func callAsFunction<Requests: Sequence>(
        _ requests: Requests, timeout: Double? = nil, metadata: Metadata = [], waitForReady: Bool? = nil,
        compression: Compression? = nil
    ) throws -> Response where Requests.Element == OutgoingMessage<Request> {
        try callAsFunction(
            requests.lazy.map { $0.message }, timeout: timeout, metadata: metadata, waitForReady: waitForReady,
            compression: compression)
    }
}

extension ServicerContext {
    /// Stand-in: any algorithm but `.noCompression` ends the call with UNIMPLEMENTED.
    func setCompression(_ compression: Compression) {
        guard compression != .noCompression else { return }
        setCode(.unimplemented)
        setDetails("response compression is not available yet (placeholder API)")
    }

    /// Stand-in: nothing is compressed, so there is nothing to disable.
    func disableNextMessageCompression() {}

    /// Stand-in: nothing arrives compressed.
    func lastRequestWasCompressed() -> Bool { false }
}
