/// Sends the responses of a server-streaming call after its handler has returned, from any
/// thread, without ever waiting: grpcio's `send_response_callback`, which a handler marked
/// `experimental_non_blocking` receives (grpcio's health servicer's Watch is one). Such a call
/// holds no worker thread while it is open, so a server with ten workers can keep thousands of
/// them open and still serve its other calls.
///
/// Get one with ``ResponseSender/detach()`` inside the handler, keep it, and return:
///
/// ```swift
/// override func watch(_ request: Req, _ responses: ResponseSender<Resp>, _ context: ServicerContext) throws
/// {
///     let sender = responses.detach()
///     watchers.add(sender)
///     context.addCallback { watchers.remove(sender) }  // the call ended: drop the sender
/// }
/// // later, on any thread:
/// watchers.forEach { $0.send(update) }
/// ```
///
/// A response sent while the client has not yet taken the previous one is held, and a newer
/// one replaces the one held: a detached call keeps at most the response being written and the
/// latest one, however slow its client (``send(_:)``). Use it for streams where only the latest
/// state matters, like health statuses; a stream whose every message counts keeps its worker and
/// uses ``ResponseSender/send(_:)``.
///
/// The call stays open until ``finish(_:_:)`` or until it ends otherwise: the client cancels,
/// its deadline passes, its connection is lost, or the server stops (``Server/stop(grace:)``
/// ends detached calls with the others). ``ServicerContext/addCallback(_:)`` tells when.
public struct DetachedResponseSender<Response>: @unchecked Sendable {
    // ServerCall is thread-safe.
    let call: ServerCall
    let serializer: Serializer<Response>

    /// Queues `response` for the client without waiting; while the client has not taken the
    /// previous response, it replaces any response queued and not yet written. False once the
    /// call has ended (then nothing was sent); a response that does not serialize ends the call
    /// INTERNAL "Failed to serialize response!".
    ///
    /// - Parameter response: The response message; any thread may send.
    /// - Returns: True when the response was queued (or held), false when the call had ended or
    ///   the response did not serialize.
    @discardableResult
    public func send(_ response: Response) -> Bool {
        let bytes: [UInt8]
        do {
            bytes = try serializer(response)
        } catch {
            call.finishDetached(.responseSerializationFailed)
            return false
        }
        return call.sendDetached(bytes)
    }

    /// Ends the call with `code` and `details` (and the trailing metadata set on the context),
    /// after the response it holds. False when the call had ended.
    ///
    /// - Parameters:
    ///   - code: The status the client gets.
    ///   - details: The status message; empty for none.
    /// - Returns: True when this ended the call, false when it had ended already.
    @discardableResult
    public func finish(_ code: StatusCode = .ok, _ details: String = "") -> Bool {
        call.finishDetached(Status(code: code, details: details))
    }

    /// False once the call has ended (`context.is_active()`).
    public var isActive: Bool { call.isActive }

    /// Bytes the call holds for its client: queued on its stream and held.
    var queuedBytes: Int { call.stream.detachedQueuedBytes }

    /// Responses replaced by newer ones before they were written.
    var replacedCount: Int { call.stream.detachedReplacedCount }
}

extension ResponseSender {
    /// Hands the call's sending to a ``DetachedResponseSender`` that any thread may use after the
    /// handler returns: the call then stays open, holding no worker thread, until the sender
    /// finishes it or it ends otherwise. Without it, a streaming call ends when its handler
    /// returns. Call it inside the handler; once it has been called, use the detached sender only.
    ///
    /// - Returns: The sender that owns the call's responses from now on.
    public func detach() -> DetachedResponseSender<Response> {
        _ = call.detach()
        return DetachedResponseSender(call: call, serializer: serializer)
    }
}
