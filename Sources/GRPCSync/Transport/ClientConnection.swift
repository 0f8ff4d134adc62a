/// A client connection as a channel sees it (implemented by ``HTTP2Connection``).
protocol ClientConnection: AnyObject, Sendable {
    /// False once the connection is closed or draining: new calls need another connection.
    var canOpenStreams: Bool { get }

    /// True while a call's stream is open on the connection.
    var hasOpenStreams: Bool { get }

    /// Returns once the connection is ready for calls: its TLS handshake (if any) has succeeded
    /// and the server's SETTINGS have arrived, as grpc waits for them before a connection counts
    /// as connected; throws the status of a connection that closed or did not get there by
    /// `deadline`.
    func waitUntilReady(until deadline: Deadline) throws(RPCError)

    /// Opens a stream for a call: request `headers` with `firstMessage` (already framed), then
    /// `laterMessages` (those of a call sent again), queued to leave with them, the request
    /// complete already with `endOutput`; the call ends
    /// DEADLINE_EXCEEDED at `deadline`. Throws UNAVAILABLE when the connection takes no new stream.
    /// `onRefused` takes the call back if the server refuses the stream before it has processed it
    /// (``ClientStream/RefusalHandler``).
    func openStream(
        headers: [HeaderField], maxReceiveMessageLength: Int, firstMessage: FramedMessage?,
        laterMessages: [FramedMessage], endOutput: Bool, deadline: Deadline, onRefused: ClientStream.RefusalHandler?
    ) throws(RPCError) -> ClientStream

    /// Closes the connection: GOAWAY, then the socket; its calls end with `status`.
    func close(failingStreamsWith status: Status)
}

/// What a client connection tells its channel.
protocol ClientConnectionDelegate: AnyObject, Sendable {
    /// The loop the connection runs on: its channel's, so that a task that prefers the channel's
    /// executor reads its responses and runs on one thread.
    var loop: EventLoop { get }

    /// The connection has closed (called on its loop thread, no lock held).
    func connectionDidClose(_ connection: any ClientConnection)

    /// The server's GOAWAY arrived: the connection takes no new stream, and its calls finish
    /// (called on its loop thread, no lock held).
    func connectionIsDraining(_ connection: any ClientConnection)

    /// The server said our keepalive PINGs come too often (GOAWAY ENHANCE_YOUR_CALM
    /// `too_many_pings`); called on the loop thread, no lock held.
    func connectionToldTooManyPings(_ connection: any ClientConnection)
}
