import XCTest

@testable import GRPCSync

/// Whole connections over ``InMemoryByteStream`` instead of a socket (the seam the fuzz targets
/// use): a server connection answers a call from hand-made frames, the calls of a client
/// connection that is lost are freed, and a memory read says it may have more while input is left.
final class InMemoryConnectionTests: XCTestCase {
    func testAServerConnectionOverMemoryAnswersACall() throws {
        let server = Server(
            ThreadPoolExecutor(maxWorkers: 2),
            handlers: [
                methodHandlersGenericHandler(
                    "memory.Echo", ["Unary": unaryUnaryRPCMethodHandler { request, _ in request + request }])
            ], options: [])
        try server.start()
        defer { server.stop(grace: nil).wait(timeout: 10) }
        let memory = try XCTUnwrap(InMemoryByteStream(readSize: 5))
        let delegate = server.newConnectionDelegate()
        let connection = try XCTUnwrap(
            HTTP2Connection.overMemory(
                memory, role: .server, loop: EventLoopGroup.shared.next(),
                limits: ChannelOptions().connectionLimits(for: .server), setDelegate: { $0.serverDelegate = delegate }))
        server.listenerAccepted(connection, delegate: delegate)

        var input = Array("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".utf8)
        input += Frame(type: 4, flags: 0, stream: 0, payload: []).bytes
        let headers: [(String, String)] = [
            (":method", "POST"), (":scheme", "http"), (":path", "/memory.Echo/Unary"), (":authority", "memory"),
            ("content-type", "application/grpc"), ("te", "trailers"),
        ]
        input += Frame(type: 1, flags: 4, stream: 1, payload: Frame.literalHeaders(headers)).bytes
        input += Frame(type: 0, flags: 1, stream: 1, payload: [0, 0, 0, 0, 2] + Array("hi".utf8)).bytes
        memory.deliver(input)

        var output: [UInt8] = []
        let deadline = Deadline.after(seconds: 10)
        var frames: [Frame] = []
        while !frames.contains(where: { $0.type == 1 && $0.stream == 1 && $0.flags & 1 != 0 }) {
            XCTAssertFalse(deadline.hasPassed, "no trailers in \(frames)")
            if deadline.hasPassed { return }
            usleep(1000)
            output += memory.takeOutput()
            frames = Frame.parse(output)
        }
        let data = frames.filter { $0.type == 0 && $0.stream == 1 }.flatMap(\.payload)
        XCTAssertEqual(data, [0, 0, 0, 0, 4] + Array("hihi".utf8))
        memory.endInput()
        XCTAssertTrue(memory.waitUntilReleased(until: .after(seconds: 10)))
    }

    /// The calls of a connection that is lost let go of their streams (a stream holds its call
    /// until it is closed, and nghttp2 reports no close for the streams of a lost connection).
    func testTheCallsOfALostClientConnectionAreFreed() throws {
        let memory = try XCTUnwrap(InMemoryByteStream())
        memory.deliver([0, 0, 0, 4, 0, 0, 0, 0, 0])  // the server's SETTINGS
        let dialed = DialedConnection()
        let transport = ChannelTransport(
            target: "127.0.0.1:443", options: [], compression: nil,
            dial: HTTP2Connection.dial(over: memory, connected: dialed.set))
        let channel = Channel(transport: transport, interceptors: [])
        defer { channel.close() }
        let unary = channel.unaryUnary(
            "/memory.Echo/Unary", requestSerializer: RawBytes.serializer, responseDeserializer: RawBytes.deserializer)

        weak var stream: (any SessionStream)?
        do {
            let future = try unary.future([1], timeout: 30)
            let deadline = Deadline.after(seconds: 10)
            while stream == nil && !deadline.hasPassed {
                usleep(1000)
                if let connection = dialed.connection {
                    stream = connection.lock.withLock { connection.streams[1] }
                }
            }
            XCTAssertNotNil(stream, "the call opened no stream")
            memory.endInput()
            XCTAssertThrowsError(try future.result()) { error in
                XCTAssertEqual((error as? RPCError)?.code, .unavailable)
            }
        }
        XCTAssertTrue(memory.waitUntilReleased(until: .after(seconds: 10)))
        let deadline = Deadline.after(seconds: 10)
        while stream != nil && !deadline.hasPassed { usleep(1000) }
        XCTAssertNil(stream, "the lost connection's stream and its call keep each other alive")
    }

    /// A memory stream hands its input out in pieces of `readSize`: while a piece is left, a read
    /// may have more (so one loop turn reads on), though the piece did not fill the buffer.
    func testAMemoryReadMayHaveMoreWhileInputIsLeft() throws {
        let memory = try XCTUnwrap(InMemoryByteStream(readSize: 2))
        let socket = ConnectionSocket(memory: memory)
        defer { memory.close() }
        memory.deliver([1, 2, 3])
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 16, alignment: 1)
        defer { buffer.deallocate() }
        var reads: [(count: Int, mayHaveMore: Bool)] = []
        while case .bytes(let count) = socket.read(into: buffer) {
            reads.append((count, socket.mayHaveMore(afterReading: count, into: buffer)))
        }
        XCTAssertEqual(reads.map(\.count), [2, 1])
        XCTAssertEqual(reads.map(\.mayHaveMore), [true, false])
    }
}

/// The connection a channel dialled.
private final class DialedConnection: @unchecked Sendable {  // `lock` protects `dialed`
    private let lock = Lock()
    private var dialed: HTTP2Connection?

    var connection: HTTP2Connection? { lock.withLock { dialed } }

    func set(_ connection: HTTP2Connection) {
        lock.withLock { dialed = connection }
    }
}

/// An HTTP/2 frame, made and parsed by hand (RFC 9113 §4.1).
private struct Frame: CustomStringConvertible {
    var type: UInt8
    var flags: UInt8
    var stream: UInt32
    var payload: [UInt8]

    var bytes: [UInt8] {
        let length = payload.count
        return [UInt8(length >> 16 & 0xFF), UInt8(length >> 8 & 0xFF), UInt8(length & 0xFF), type, flags]
            + [UInt8(stream >> 24 & 0x7F), UInt8(stream >> 16 & 0xFF), UInt8(stream >> 8 & 0xFF), UInt8(stream & 0xFF)]
            + payload
    }

    var description: String { "type \(type) flags \(flags) stream \(stream) length \(payload.count)" }

    /// The complete frames at the start of `bytes`.
    static func parse(_ bytes: [UInt8]) -> [Frame] {
        var frames: [Frame] = []
        var offset = 0
        while bytes.count - offset >= 9 {
            let length = Int(bytes[offset]) << 16 | Int(bytes[offset + 1]) << 8 | Int(bytes[offset + 2])
            guard bytes.count - offset >= 9 + length else { break }
            let stream =
                UInt32(bytes[offset + 5] & 0x7F) << 24 | UInt32(bytes[offset + 6]) << 16 | UInt32(bytes[offset + 7])
                << 8
                | UInt32(bytes[offset + 8])
            frames.append(
                Frame(
                    type: bytes[offset + 3], flags: bytes[offset + 4], stream: stream,
                    payload: Array(bytes[offset + 9..<offset + 9 + length])))
            offset += 9 + length
        }
        return frames
    }

    /// A header block of literal fields without indexing or Huffman coding (RFC 7541 §6.2.2).
    static func literalHeaders(_ fields: [(String, String)]) -> [UInt8] {
        var block: [UInt8] = []
        for (name, value) in fields {
            block.append(0)
            block.append(UInt8(name.utf8.count))
            block += name.utf8
            block.append(UInt8(value.utf8.count))
            block += value.utf8
        }
        return block
    }
}
