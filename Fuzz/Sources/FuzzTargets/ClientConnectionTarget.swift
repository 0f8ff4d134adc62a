@testable import GRPCSync

/// A whole client connection fed the server's bytes through the transport's byte-stream seam
/// (``InMemoryByteStream``, no socket): a client connection over memory with three calls open on
/// it before the server's bytes arrive, a unary one (stream 1), a server-streaming one (stream 3)
/// and a bidirectional one (stream 5), so responses, trailers, resets, GOAWAY, PING and flow
/// control reach real calls. Each input is one connection; every call must end once the input has
/// ended.
///
/// The calls are opened on the connection as a channel opens them once it is ready
/// (``ClientCall/open(on:)``), on this thread and in order: no connection attempt, thread or
/// channel state machine runs per input (the channel's machine has socket-free tests of its own).
///
/// Input: a control byte (how many bytes each read returns), then the server's bytes after its
/// first SETTINGS frame, which the target sends itself so that the connection is ready.
public enum ClientConnectionTarget {
    /// An empty SETTINGS frame: the server's first frame.
    static let settings: [UInt8] = [0, 0, 0, 4, 0, 0, 0, 0, 0]

    /// What the calls are made with: the channel's call settings, for every input. It never
    /// connects; each input's connection is made below.
    private static let channel = ChannelTransport(
        target: "127.0.0.1:443", options: [], compression: nil,
        dial: { _, _, _, _, _ in .failure(RPCError(.channelClosed)) })

    /// The client's connection limits, with every read of an input in one loop turn: the input
    /// is all there at once, so smaller turns would only cost loop wake-ups.
    private static let limits: ConnectionLimits = {
        var limits = ChannelOptions().connectionLimits(for: .client)
        limits.readBytesPerTurn = 64 << 20
        return limits
    }()

    private static let delegate = ConnectionDelegate()

    public static func run(_ data: UnsafeRawBufferPointer) {
        var input = FuzzInput(data)
        let control = Int(input.byte())
        let readSize = [16 * 1024, 1, 7, 100][control % 4]
        guard let memory = InMemoryByteStream(readSize: readSize, keepsOutput: false) else { return }
        memory.deliver(settings)
        guard
            let connection = HTTP2Connection.overMemory(
                memory, role: .client, loop: EventLoopGroup.shared.next(), limits: limits,
                setDelegate: { $0.clientDelegate = delegate })
        else { return }
        guard (try? connection.waitUntilReady(until: .after(seconds: 30))) != nil else {
            preconditionFailure("a connection given only SETTINGS did not get ready")
        }

        let unary = open("/fuzz.Echo/Unary", firstMessage: [1], endOutput: true, on: connection)
        let serverStreaming = open("/fuzz.Echo/ServerStreaming", firstMessage: [2], endOutput: true, on: connection)
        let bidi = open("/fuzz.Echo/BidiStreaming", firstMessage: nil, endOutput: false, on: connection)
        for message: [UInt8] in [[3], [4]] {
            guard let framed = bidi.frame(message, compress: false) else { break }
            _ = bidi.send(framed: framed, waitWhileFull: false)
        }
        bidi.endOutput()

        memory.deliver(input.rest())
        memory.endInput()
        _ = try? Future(call: unary, deserializer: RawBytes.deserializer).result()
        for call in [serverStreaming, bidi] {
            let responses = ResponseStream(call: call, deserializer: RawBytes.deserializer)
            while (try? responses.next()) ?? nil != nil {}
        }
        precondition(memory.waitUntilReleased(until: .after(seconds: 30)), "the connection outlived its input")
    }

    /// A call of `method` with its stream open on `connection`, `firstMessage` going out with
    /// the headers.
    private static func open(
        _ method: String, firstMessage: [UInt8]?, endOutput: Bool, on connection: HTTP2Connection
    ) -> ClientCall {
        let call = try! ClientCall(
            channel: channel, method: method, timeout: 30, metadata: [], waitForReady: nil, compression: nil,
            credentials: nil)
        call.keep(firstMessage: firstMessage.flatMap { call.frame($0, compress: false) }, endOutput: endOutput)
        // True only when the connection took no stream, which a connection given only SETTINGS
        // does not do.
        if call.open(on: connection) { call.failToStart(.connectionClosed) }
        return call
    }
}

/// What the connections tell their channel; nothing here keeps them.
private final class ConnectionDelegate: ClientConnectionDelegate {
    var loop: EventLoop { EventLoopGroup.shared.next() }
    func connectionDidClose(_ connection: any ClientConnection) {}
    func connectionIsDraining(_ connection: any ClientConnection) {}
    func connectionToldTooManyPings(_ connection: any ClientConnection) {}
}
