@testable import GRPCSync

#if canImport(Glibc)
    import Glibc
#endif

/// A whole client connection fed the server's bytes through the transport's byte-stream seam
/// (``InMemoryByteStream``, no socket): a channel dials it, and a unary call (stream 1), a
/// server-streaming call (stream 3) and a bidirectional one (stream 5) are open on it before the
/// server's bytes arrive, so responses, trailers, resets, GOAWAY, PING and flow control reach real
/// calls. Each input is one connection; every call must end once the input has ended.
///
/// Input: a control byte (how many bytes each read returns), then the server's bytes after its
/// first SETTINGS frame, which the target sends itself so that the channel connects.
public enum ClientConnectionTarget {
    /// An empty SETTINGS frame: the server's first frame.
    static let settings: [UInt8] = [0, 0, 0, 4, 0, 0, 0, 0, 0]

    public static func run(_ data: UnsafeRawBufferPointer) {
        var input = FuzzInput(data)
        let control = Int(input.byte())
        let readSize = [16 * 1024, 1, 7, 100][control % 4]
        guard let memory = InMemoryByteStream(readSize: readSize, keepsOutput: false) else { return }
        memory.deliver(settings)
        let dialed = DialedConnection()
        let transport = ChannelTransport(
            target: "127.0.0.1:443", options: [], compression: nil,
            dial: HTTP2Connection.dial(over: memory, connected: dialed.set))
        let channel = Channel(transport: transport, interceptors: [])
        defer { channel.close() }

        let unary = channel.unaryUnary(
            "/fuzz.Echo/Unary", requestSerializer: RawBytes.serializer, responseDeserializer: RawBytes.deserializer)
        let serverStreaming = channel.unaryStream(
            "/fuzz.Echo/ServerStreaming", requestSerializer: RawBytes.serializer,
            responseDeserializer: RawBytes.deserializer)
        let bidi = channel.streamStream(
            "/fuzz.Echo/BidiStreaming", requestSerializer: RawBytes.serializer,
            responseDeserializer: RawBytes.deserializer)
        let future = try? unary.future([1], timeout: 30)
        dialed.waitForStreams(1)
        let responses = try? serverStreaming([2], timeout: 30)
        dialed.waitForStreams(2)
        let bidiResponses = try? bidi([[3], [4]], timeout: 30)
        dialed.waitForStreams(3)

        memory.deliver(input.rest())
        memory.endInput()
        _ = try? future?.result()
        for stream in [responses, bidiResponses] {
            while let stream, (try? stream.next()) ?? nil != nil {}
        }
        precondition(memory.waitUntilReleased(until: .after(seconds: 30)), "the connection outlived its input")
    }
}

/// The connection the channel dialled, for the target to see its streams.
private final class DialedConnection: @unchecked Sendable {  // `lock` protects `connection`
    private let lock = Lock()
    private var connection: HTTP2Connection?

    func set(_ connection: HTTP2Connection) {
        lock.withLock { self.connection = connection }
    }

    /// Waits (up to two seconds) until the connection has `count` streams open, so the next call
    /// opens the next stream id; returns early when the connection is gone.
    func waitForStreams(_ count: Int) {
        for _ in 0..<20_000 {
            guard let connection = lock.withLock({ self.connection }) else {
                usleep(100)
                continue
            }
            let (open, closed) = connection.lock.withLock { (connection.streams.count, connection.lifecycle.isClosed) }
            if open >= count || closed { return }
            usleep(100)
        }
    }
}
