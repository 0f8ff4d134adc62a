/// A call whose handler returned and left its sending to a ``DetachedResponseSender``: any
/// thread may send a response, which never waits, or end the call.
extension ServerCall {
    /// The handler hands its sending over: the call stays open when it returns. False when the
    /// call has ended already.
    func detach() -> Bool {
        withState { $0.detached = true }
        return stream.detach()
    }

    /// Sends one response of a detached call without waiting (``DetachedSends`` says what is
    /// held while the client is slow). False once the call has ended.
    func sendDetached(_ bytes: [UInt8]) -> Bool {
        if let tooLarge = server.options.checkSendLength(bytes.count) {
            finishDetached(tooLarge)
            return false
        }
        let (framed, encoding) = frameResponse(bytes)
        return stream.sendDetached(framed: framed, encoding: encoding) == .sent
    }

    /// Ends a detached call with `status` and the trailing metadata the handler set, after the
    /// response it holds. False when it had ended.
    @discardableResult
    func finishDetached(_ status: Status) -> Bool {
        var status = status
        status.trailingMetadata = withState { $0.trailingMetadata } + status.trailingMetadata
        return stream.finishDetached(status)
    }
}
