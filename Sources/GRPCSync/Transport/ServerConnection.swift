/// A server connection as the server sees it (implemented by ``HTTP2Connection``).
protocol ServerConnection: AnyObject, Sendable {
    /// The connection has closed (or is lingering before it closes): it serves no more calls.
    var isClosed: Bool { get }

    /// The loop the connection runs on: it starts the tasks of async handlers.
    var loop: EventLoop { get }

    /// Starts a graceful drain: GOAWAY(2^31-1) and a PING, then, once the PING is acknowledged,
    /// the final GOAWAY; streams the client opened before it saw the first one are still served,
    /// and the connection closes once its streams have ended.
    func beginGracefulShutdown()

    /// Cancels every stream with `status` (RST_STREAM CANCEL), then closes the connection.
    func close(cancellingStreamsWith status: Status)

    /// While the connection has no stream open and nobody else reads it, reads it on this thread
    /// until `waiting()` stops holding, the connection closes or `deadline` passes; a request head
    /// read meanwhile reaches the server's delegate on this thread. False, at once, when it could
    /// not read (streams are open, another thread reads, the connection drains or has closed).
    /// `waiting` is asked with the connection's lock held.
    func readWhileIdle(until deadline: Deadline, while waiting: () -> Bool) -> Bool

    /// Makes a thread in ``readWhileIdle(until:while:)`` ask `waiting` again soon. Any thread,
    /// any lock held.
    func interruptIdleReader()

    /// ``interruptIdleReader()`` from inside a callback of this connection (its lock held).
    func wakeReaderLocked()

    /// Fails (in debug builds) unless the calling thread holds the connection's lock.
    func assertLockHeld(file: StaticString, line: UInt)
}

/// What a server connection tells the server.
protocol ServerConnectionDelegate: AnyObject, Sendable {
    /// A request head arrived on a new stream (connection lock held): the delegate hands the
    /// stream to a call, or ends it (``ServerStream/finishLocked(_:)``).
    func connection(_ connection: any ServerConnection, receivedRequest stream: ServerStream, head: RequestHead)

    /// The connection has closed (called on its loop thread, no lock held).
    func connectionDidClose(_ connection: any ServerConnection)
}
