import CLinux

#if canImport(Glibc)
    import Glibc
#endif

/// A connection's byte stream kept in memory instead of a socket, so that a whole HTTP/2
/// connection (session, streams, calls) runs without one: socket-free tests and the fuzz targets
/// hand it the peer's bytes with ``deliver(_:)`` and ``endInput()``, and read what the connection
/// wrote with ``takeOutput()``. An `eventfd` stands in for the socket's readiness: it is readable
/// while input waits (or the input has ended), so the event loop and a waiting reader watch it as
/// they watch a socket. ``ConnectionSocket`` reads and writes through it under the connection's
/// lock; the peer's side takes this object's own lock.
final class InMemoryByteStream: @unchecked Sendable {  // state protected by `lock`
    /// Readable while input waits or the input has ended; closed by ``close()``.
    let fd: Int32
    /// The most bytes one read returns: smaller than a frame, it splits frames across reads.
    let readSize: Int
    private let keepsOutput: Bool
    private let lock = Lock()
    private let closedCondition = Condition()
    @exclusivity(unchecked) private var input: [UInt8] = []
    @exclusivity(unchecked) private var inputOffset = 0
    @exclusivity(unchecked) private var inputEnded = false
    @exclusivity(unchecked) private var output: [UInt8] = []
    @exclusivity(unchecked) private var isClosed = false

    /// A stream whose reads return at most `readSize` bytes; with `keepsOutput` false what the
    /// connection writes is dropped. Nil when the system has no eventfd to spare.
    init?(readSize: Int = 16 * 1024, keepsOutput: Bool = true) {
        fd = eventfd(0, Int32(EFD_NONBLOCK | EFD_CLOEXEC))
        guard fd >= 0 else { return nil }
        self.readSize = max(1, readSize)
        self.keepsOutput = keepsOutput
    }

    deinit {
        if !isClosed { Glibc.close(fd) }
    }

    // MARK: the peer's side

    /// Appends bytes the peer sends; dropped once the connection has closed the stream.
    func deliver(_ bytes: some Collection<UInt8>) {
        lock.withLock {
            guard !isClosed, !inputEnded else { return }
            input.append(contentsOf: bytes)
            signalLocked()
        }
    }

    /// The peer closes its side: once the input is read, reads report the end.
    func endInput() {
        lock.withLock {
            guard !isClosed else { return }
            inputEnded = true
            signalLocked()
        }
    }

    /// Takes what the connection has written since the last call (nothing without `keepsOutput`).
    func takeOutput() -> [UInt8] {
        lock.withLock {
            defer { output.removeAll() }
            return output
        }
    }

    /// Waits until the connection has released the stream, or until `deadline`; false then.
    func waitUntilReleased(until deadline: Deadline) -> Bool {
        lock.withLock {
            while !isClosed {
                if !closedCondition.wait(lock, until: deadline) && deadline.hasPassed { return false }
            }
            return true
        }
    }

    // MARK: the connection's side (under the connection's lock)

    /// Input waits to be read.
    var hasInput: Bool {
        lock.withLock { input.count > inputOffset }
    }

    /// Reads up to `readSize` bytes of the input.
    func read(into buffer: UnsafeMutableRawBufferPointer) -> ConnectionSocket.ReadResult {
        lock.withLock {
            let available = input.count - inputOffset
            guard available > 0 else {
                if inputEnded { return .endOfStream }
                clearSignalLocked()
                return .wouldBlock
            }
            let count = min(available, readSize, buffer.count)
            input.withUnsafeBytes { bytes in
                buffer.baseAddress!.copyMemory(from: bytes.baseAddress! + inputOffset, byteCount: count)
            }
            inputOffset += count
            if inputOffset == input.count {
                input.removeAll(keepingCapacity: true)
                inputOffset = 0
                if !inputEnded { clearSignalLocked() }
            }
            return .bytes(count)
        }
    }

    /// Takes everything queued: a memory stream never pushes back.
    func write(from queue: inout WriteQueue) -> ConnectionSocket.WriteResult {
        lock.withLock {
            _ = queue.consume(upTo: .max) { bytes in
                if keepsOutput { output.append(contentsOf: bytes) }
                return true
            }
        }
        return .done
    }

    /// The connection is done with the stream: its eventfd closes and later input is dropped.
    func close() {
        lock.withLock {
            guard !isClosed else { return }
            isClosed = true
            Glibc.close(fd)
            closedCondition.broadcast()
        }
    }

    private func signalLocked() {
        var one: UInt64 = 1
        _ = Glibc.write(fd, &one, 8)
    }

    private func clearSignalLocked() {
        var value: UInt64 = 0
        _ = Glibc.read(fd, &value, 8)
    }
}
