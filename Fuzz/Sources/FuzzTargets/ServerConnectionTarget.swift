@testable import GRPCSync

/// A whole server connection fed the client's bytes through the transport's byte-stream seam
/// (``InMemoryByteStream``, no socket): HTTP/2 frames through nghttp2, the connection's state
/// machine and budgets, request heads and messages into calls, and the calls into handlers of all
/// four kinds. Each input is one connection, which must close once its input has ended.
///
/// Input: a control byte (how many bytes each read returns; whether the client preface is put in
/// front), then the client's bytes.
public enum ServerConnectionTarget {
    /// The HTTP/2 client connection preface (RFC 9113 §3.4).
    static let preface = Array("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".utf8)

    /// One server for the process, started with no port: each input's connection is handed to it
    /// as a listener hands it an accepted socket.
    private static let server: Server = {
        let handlers: [String: RPCMethodHandler] = [
            "Unary": unaryUnaryRPCMethodHandler { request, _ in request },
            "ServerStreaming": unaryStreamRPCMethodHandler { request, responses, _ in
                for _ in 0..<3 { try responses.send(request) }
            },
            "ClientStreaming": streamUnaryRPCMethodHandler { requests, _ in
                var total: [UInt8] = []
                while let request = try requests.read() { total += request }
                return total
            },
            "BidiStreaming": streamStreamRPCMethodHandler { requests, responses, _ in
                while let request = try requests.read() { try responses.send(request) }
            },
        ]
        let server = Server(
            ThreadPoolExecutor(maxWorkers: 8), handlers: [methodHandlersGenericHandler("fuzz.Echo", handlers)],
            options: [])
        try! server.start()
        return server
    }()

    private static let limits = ChannelOptions().connectionLimits(for: .server)

    public static func run(_ data: UnsafeRawBufferPointer) {
        var input = FuzzInput(data)
        let control = Int(input.byte())
        let readSize = [16 * 1024, 1, 7, 100][control % 4]
        guard let memory = InMemoryByteStream(readSize: readSize, keepsOutput: false) else { return }
        let delegate = server.newConnectionDelegate()
        guard
            let connection = HTTP2Connection.overMemory(
                memory, role: .server, loop: EventLoopGroup.shared.next(), limits: limits,
                setDelegate: { $0.serverDelegate = delegate })
        else { return }
        server.listenerAccepted(connection, delegate: delegate)
        if control & 4 != 0 { memory.deliver(preface) }
        memory.deliver(input.rest())
        memory.endInput()
        precondition(memory.waitUntilReleased(until: .after(seconds: 30)), "the connection outlived its input")
    }
}
