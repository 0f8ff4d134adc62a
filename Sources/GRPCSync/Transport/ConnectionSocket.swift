import CLinux

#if canImport(Glibc)
    import Glibc
#endif

/// The byte stream under one connection's HTTP/2 session: a non-blocking socket, the bytes
/// waiting to be written to it (``WriteQueue``), and how it ends. Every thread that reads or
/// writes the connection goes through this. Owned by ``HTTP2Connection`` and used under its lock.
struct ConnectionSocket {
    let fd: Int32
    /// Frames waiting for the socket; gathered up to about ``HTTP2Connection/writeBatchSize`` bytes per send.
    var writeQueue = WriteQueue()
    /// The loop is asked to report when the socket can take more (`EPOLLOUT`).
    private(set) var wantsWritable = false
    /// The descriptor has been closed.
    private(set) var isReleased = false

    init(fd: Int32) {
        self.fd = fd
        Socket.setNoDelay(fd)
    }

    /// What one read gave.
    enum ReadResult {
        case bytes(Int)
        /// Nothing to read now.
        case wouldBlock
        /// The peer closed its side.
        case endOfStream
        /// The socket failed; the text says how.
        case failed(String)
    }

    /// Reads what the socket has, up to the buffer's size.
    func read(into buffer: UnsafeMutableRawBufferPointer) -> ReadResult {
        let n = recv(fd, buffer.baseAddress, buffer.count, 0)
        if n > 0 { return .bytes(n) }
        if n == 0 { return .endOfStream }
        if errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR { return .wouldBlock }
        return .failed(Socket.errorText())
    }

    /// Writes the queue until it is empty or the socket takes no more.
    mutating func write() -> WriteQueue.WriteResult {
        writeQueue.write(to: fd)
    }

    /// Asks `loop` to report writability (or stops asking); `reading` says whether the loop
    /// watches for input meanwhile (not while a waiting thread reads).
    mutating func setWantsWritable(_ enabled: Bool, reading: Bool, loop: EventLoop, source: EventLoopSource) {
        guard enabled != wantsWritable, !isReleased else { return }
        wantsWritable = enabled
        loop.setInterest(fd: fd, source: source, read: reading, write: enabled)
    }

    /// Whether the loop watches for input (false while a waiting thread reads the socket itself).
    func setReading(_ reading: Bool, loop: EventLoop, source: EventLoopSource) {
        guard !isReleased else { return }
        loop.setInterest(fd: fd, source: source, read: reading, write: wantsWritable)
    }

    /// Shuts the socket for writing, so the peer sees our last bytes and then the end (a
    /// lingering close).
    func shutdownWriting() {
        shutdown(fd, Int32(SHUT_WR))
    }

    /// Reads and drops whatever arrives during a lingering close; true once the peer has closed
    /// (or the socket failed), when the socket can be released.
    func drainLingering(into buffer: UnsafeMutableRawBufferPointer) -> Bool {
        while true {
            switch read(into: buffer) {
            case .bytes: continue
            case .wouldBlock: return false
            case .endOfStream, .failed: return true
            }
        }
    }

    /// Stops watching the socket and closes it; once only.
    mutating func release(loop: EventLoop, source: EventLoopSource) {
        guard !isReleased else { return }
        isReleased = true
        writeQueue.discardAll()
        loop.unregister(fd: fd, source: source)
        close(fd)
    }
}
