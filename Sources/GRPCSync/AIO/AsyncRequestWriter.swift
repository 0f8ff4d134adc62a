/// The request side of an async call whose requests stream: ``write(_:)`` and ``doneWriting()``,
/// or a sequence sent by a task of its own (not both, as in grpc.aio).
final class AsyncRequestWriter<Request>: @unchecked Sendable {  // `lock` protects `halfClosed`
    let call: ClientCall
    let serializer: Serializer<Request>
    /// The requests come from a sequence given with the call: writing is refused.
    let fromSequence: Bool
    private let lock = Lock()
    private var halfClosed = false

    /// grpc.aio's error for a write on a call whose requests come from an iterator.
    static var mixedStyles: UsageError {
        UsageError("The iterator and read/write APIs may not be mixed on a single RPC.")
    }

    /// grpc.aio's error for a write on a call that has ended.
    static var writeAfterEnd: UsageError { UsageError("RPC already finished.") }

    /// grpc.aio's error for a write after `done_writing()`.
    static var writeAfterDoneWriting: UsageError {
        UsageError("RPC is half closed after calling \"done_writing\".")
    }

    init(call: ClientCall, serializer: @escaping Serializer<Request>, fromSequence: Bool) {
        self.call = call
        self.serializer = serializer
        self.fromSequence = fromSequence
    }

    /// Sends one request, suspending while the peer is slow (the stream's window is full and 256
    /// KiB are queued). Throws when the requests come from a sequence, after ``doneWriting()`` or
    /// the call's end, and with the call's status when the call ends during the write (nothing
    /// when it ended OK).
    func write(_ request: Request) async throws(ClientWriteError) {
        if fromSequence { throw .usage(Self.mixedStyles) }
        if !call.isActive() { throw .usage(Self.writeAfterEnd) }
        if lock.withLock({ halfClosed }) { throw .usage(Self.writeAfterDoneWriting) }
        if let framed = CallStarter.frame(request, serializer, call: call),
            await call.sendAsync(framed: framed) == .queued
        {
            return
        }
        let status = await call.waitForStatusAsync()
        if status.code != .ok { throw .ended(call.error(for: status)) }
    }

    /// Half-closes: no more requests (nothing once the call has ended). Throws when the requests
    /// come from a sequence.
    func doneWriting() throws(ClientWriteError) {
        if fromSequence { throw .usage(Self.mixedStyles) }
        let first: Bool = lock.withLock {
            defer { halfClosed = true }
            return !halfClosed
        }
        if first { call.endOutput() }
    }
}

/// Why a write of an async call failed.
enum ClientWriteError: Error {
    /// Writing is not allowed now.
    case usage(UsageError)
    /// The call has ended with this error.
    case ended(RPCError)
}
