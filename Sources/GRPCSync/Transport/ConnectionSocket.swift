import CLinux

#if canImport(Glibc)
    import Glibc
#endif

/// The byte stream under one connection's HTTP/2 session: a non-blocking socket, with TLS over
/// it or not (or, for tests and fuzzing, an ``InMemoryByteStream``), the bytes waiting to be
/// written (``WriteQueue``), and how it ends. Every thread that reads or writes the connection goes
/// through this, and only this knows what carries the bytes: on a plain socket a read is one `recv`
/// and a write one `sendmsg`, as before TLS existed. Owned by ``HTTP2Connection`` and used under its
/// lock.
struct ConnectionSocket {
    /// The socket, or the memory stream's eventfd: what the loop and a waiting reader watch.
    let fd: Int32
    /// Frames waiting for the socket (plaintext); gathered up to about
    /// ``HTTP2Connection/writeBatchSize`` bytes per send.
    var writeQueue = WriteQueue()
    /// TLS over the socket, when the connection has it.
    let tls: TLSStream?
    /// The memory that stands in for a socket, when there is no socket. (Two optionals rather than
    /// one enum: an enum would keep its case in the reference's spare bits, where a leak checker
    /// no longer sees the reference.)
    let memory: InMemoryByteStream?
    /// The loop is asked to report when the socket can take more (`EPOLLOUT`).
    private(set) var wantsWritable = false
    /// The descriptor has been closed.
    private(set) var isReleased = false

    init(fd: Int32, tls: TLSStream?) {
        self.fd = fd
        self.tls = tls
        memory = nil
        Socket.setNoDelay(fd)
    }

    /// A byte stream in memory instead of a socket.
    init(memory: InMemoryByteStream) {
        fd = memory.fd
        tls = nil
        self.memory = memory
    }

    /// Whether the bytes may flow: true at once without TLS, after the handshake with it.
    var isEstablished: Bool { tls?.isEstablished ?? true }

    /// What one read gave.
    enum ReadResult {
        case bytes(Int)
        /// Nothing to read now.
        case wouldBlock
        /// The peer closed its side.
        case endOfStream
        /// The socket failed; the text says how.
        case failed(String)
        /// The TLS handshake failed; the text says how.
        case handshakeFailed(String)
    }

    /// Reads what the socket has (decrypted, with TLS), up to the buffer's size.
    func read(into buffer: UnsafeMutableRawBufferPointer) -> ReadResult {
        if let tls { return tls.read(into: buffer) }
        if let memory { return memory.read(into: buffer) }
        let n = recv(fd, buffer.baseAddress, buffer.count, 0)
        if n > 0 { return .bytes(n) }
        if n == 0 { return .endOfStream }
        if errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR { return .wouldBlock }
        return .failed(Socket.errorText())
    }

    /// Whether a read of `count` bytes into `buffer` may have left input to read now, before the
    /// next socket event: the buffer was filled, TLS saw the peer's close after data (which no
    /// event will announce), or a memory stream, which hands its input out in pieces of at most
    /// its `readSize`, has more (which its eventfd would announce only a loop turn later).
    func mayHaveMore(afterReading count: Int, into buffer: UnsafeMutableRawBufferPointer) -> Bool {
        count == buffer.count || (tls?.hasUnreportedEnd ?? false) || (memory?.hasInput ?? false)
    }

    enum WriteResult {
        /// Everything queued was written.
        case done
        /// The socket took less than everything; the rest stays queued.
        case wouldBlock
        /// The TLS handshake is not done: the plaintext waits for it (reading finishes it).
        case waitingForHandshake
        /// The socket failed.
        case failed
    }

    /// Writes the queue (through TLS, when there is TLS) until it is empty or the socket takes no more.
    mutating func write() -> WriteResult {
        if let tls { return tls.write(from: &writeQueue) }
        if let memory { return memory.write(from: &writeQueue) }
        switch writeQueue.write(to: fd) {
        case .done: return .done
        case .wouldBlock: return .wouldBlock
        case .failed: return .failed
        }
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
    mutating func shutdownWriting() {
        if memory != nil { return }
        if let tls {
            tls.shutdown()
            _ = write()
        }
        shutdown(fd, Int32(SHUT_WR))
    }

    /// Reads and drops whatever arrives during a lingering close; true once the peer has closed
    /// (or the socket failed), when the socket can be released.
    func drainLingering(into buffer: UnsafeMutableRawBufferPointer) -> Bool {
        while true {
            switch read(into: buffer) {
            case .bytes: continue
            case .wouldBlock: return false
            case .endOfStream, .failed, .handshakeFailed: return true
            }
        }
    }

    /// Stops watching the socket and closes it; once only.
    mutating func release(loop: EventLoop, source: EventLoopSource) {
        guard !isReleased else { return }
        isReleased = true
        writeQueue.discardAll()
        tls?.cipherText.discardAll()
        loop.unregister(fd: fd, source: source)
        if let memory {
            memory.close()
        } else {
            close(fd)
        }
    }
}
