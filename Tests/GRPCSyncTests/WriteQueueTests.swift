import Glibc
import XCTest

@testable import GRPCSync

/// The output path: a stream's queued bytes, taken into the connection's write queue and written
/// to a socket with partial writes, in order.
final class WriteQueueTests: XCTestCase {
    /// A connected pair of stream sockets, the writing end non-blocking with a small send buffer.
    private struct SocketPair {
        let writer: Int32
        let reader: Int32

        init() throws {
            var fds: [Int32] = [0, 0]
            guard socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0, &fds) == 0 else {
                throw XCTSkip("socketpair failed: errno \(errno)")
            }
            writer = fds[0]
            reader = fds[1]
            var size: Int32 = 4096
            setsockopt(writer, SOL_SOCKET, SO_SNDBUF, &size, socklen_t(MemoryLayout<Int32>.size))
            _ = fcntl(writer, F_SETFL, fcntl(writer, F_GETFL) | O_NONBLOCK)
        }

        /// Reads whatever is waiting (the reader blocks until something is).
        func readSome() -> [UInt8] {
            var buffer = [UInt8](repeating: 0, count: 65_536)
            let n = buffer.withUnsafeMutableBytes { recv(reader, $0.baseAddress, $0.count, 0) }
            return n > 0 ? Array(buffer[0..<n]) : []
        }

        func closeBoth() {
            _ = close(writer)
            _ = close(reader)
        }
    }

    /// Writes `queue` through `pair`, reading as the writer fills the socket; returns what arrived.
    private func drain(_ queue: inout WriteQueue, through pair: SocketPair) -> (bytes: [UInt8], blocked: Int) {
        var received: [UInt8] = []
        var blocked = 0
        while true {
            let expected = received.count + queue.count
            switch queue.write(to: pair.writer) {
            case .done:
                while received.count < expected { received += pair.readSome() }
                return (received, blocked)
            case .wouldBlock:
                blocked += 1
                received += pair.readSome()
            case .failed:
                XCTFail("write failed: errno \(errno)")
                return (received, blocked)
            }
        }
    }

    func testPiecesArriveInOrderThroughPartialWrites() throws {
        let pair = try SocketPair()
        defer { pair.closeBoth() }
        var queue = WriteQueue()
        var expected: [UInt8] = []
        let large = (0..<300_000).map { UInt8(truncatingIfNeeded: $0 &* 7) }
        queue.append(borrowing: large, range: 10..<200_010)
        expected += large[10..<200_010]
        // More pieces than one sendmsg carries, alternating copied and borrowed.
        for round in 0..<100 {
            let small: [UInt8] = [UInt8(round), 0xEE]
            small.withUnsafeBytes { queue.append(copying: $0) }
            expected += small
            if round % 2 == 0 {
                let range = round * 1000..<round * 1000 + WriteQueue.borrowThreshold
                queue.append(borrowing: large, range: range)
                expected += large[range]
            }
        }
        XCTAssertEqual(queue.count, expected.count)
        let (received, blocked) = drain(&queue, through: pair)
        XCTAssertGreaterThan(blocked, 0, "the small send buffer should have forced partial writes")
        XCTAssertTrue(queue.isEmpty)
        XCTAssertEqual(received.count, expected.count)
        XCTAssertTrue(received == expected, "bytes arrived out of order")
        // The queue is reusable after it drained.
        let again: [UInt8] = [1, 2, 3]
        again.withUnsafeBytes { queue.append(copying: $0) }
        XCTAssertEqual(drain(&queue, through: pair).bytes, again)
    }

    /// Pieces appended while earlier ones are partly written: written pieces leave the queue one
    /// by one, a copied run joins a copied piece written in part, and copied ranges stay right.
    func testPiecesAppendedBetweenPartialWritesKeepTheOrder() throws {
        let pair = try SocketPair()
        defer { pair.closeBoth() }
        let pool = MessageBufferPool(maxBuffers: 4, maxBytes: 1 << 30)
        var queue = WriteQueue(pool: pool)
        let large = (0..<2 * MessageBufferPool.minimumCapacity).map { UInt8(truncatingIfNeeded: $0 &* 13) }
        var expected: [UInt8] = []
        var received: [UInt8] = []
        var appendedBehindAPartialWrite = 0
        for round in 0..<300 {
            if !queue.isEmpty { appendedBehindAPartialWrite += 1 }
            let small = [UInt8](repeating: UInt8(truncatingIfNeeded: round), count: 100 + round % 50)
            small.withUnsafeBytes { queue.append(copying: $0) }
            expected += small
            if round % 3 == 0 {
                // Borrowed runs of the large buffer; one of them ends it, so it goes to the pool.
                let end = round == 150 ? large.count : WriteQueue.borrowThreshold + round * 100
                let range = end - WriteQueue.borrowThreshold - round % 7..<end
                queue.append(borrowing: large, range: range)
                expected += large[range]
            }
            switch queue.write(to: pair.writer) {
            case .done:
                break
            case .wouldBlock:
                // Read only now and then, so the queue stays long.
                if round % 4 == 0 { received += pair.readSome() }
            case .failed:
                return XCTFail("write failed: errno \(errno)")
            }
        }
        XCTAssertGreaterThan(appendedBehindAPartialWrite, 100, "the socket took everything at once too often")
        while received.count < expected.count - queue.count { received += pair.readSome() }
        received += drain(&queue, through: pair).bytes
        XCTAssertTrue(queue.isEmpty)
        XCTAssertEqual(received.count, expected.count)
        XCTAssertTrue(received == expected, "bytes arrived out of order")
        XCTAssertEqual(pool.count, 1, "the large buffer's last byte was written")
    }

    func testOutboundBytesAreTakenInOrderAcrossBuffers() throws {
        let pair = try SocketPair()
        defer { pair.closeBoth() }
        var outbound = OutboundBytes()
        outbound.append(MessageFraming.frame([1, 2, 3], compression: .noCompression))
        outbound.append([])
        outbound.append(Array(repeating: 9, count: 10))
        let large = (0..<20_000).map { UInt8(truncatingIfNeeded: $0) }
        outbound.append(large)
        XCTAssertEqual(outbound.count, 18 + 20_000)
        var queue = WriteQueue()
        outbound.take(6, into: &queue)
        XCTAssertEqual(drain(&queue, through: pair).bytes, [0, 0, 0, 0, 3, 1])
        outbound.take(5, into: &queue)
        XCTAssertEqual(drain(&queue, through: pair).bytes, [2, 3, 9, 9, 9])
        XCTAssertEqual(outbound.count, 7 + 20_000)
        // The rest of the small buffer is copied, the large one borrowed, in 16 KiB frames.
        outbound.take(16_384, into: &queue)
        outbound.take(100_000, into: &queue)
        XCTAssertTrue(outbound.isEmpty)
        XCTAssertEqual(drain(&queue, through: pair).bytes, Array(repeating: 9, count: 7) + large)
        for round in 0..<100 { outbound.append([UInt8(round)]) }
        for _ in 0..<100 { outbound.take(1, into: &queue) }
        XCTAssertEqual(drain(&queue, through: pair).bytes, (0..<100).map { UInt8($0) })
    }

    /// A large buffer whose last byte is written goes back to the pool; one still partly queued,
    /// or written only in part, does not.
    func testAWrittenLargeBufferGoesBackToThePool() throws {
        let pair = try SocketPair()
        defer { pair.closeBoth() }
        let pool = MessageBufferPool(maxBuffers: 4, maxBytes: 1 << 30)
        var queue = WriteQueue(pool: pool)
        let message = [UInt8](repeating: 5, count: 3 * MessageBufferPool.minimumCapacity)
        let third = MessageBufferPool.minimumCapacity
        queue.append(borrowing: message, range: 0..<third)
        queue.append(borrowing: message, range: third..<2 * third)
        XCTAssertEqual(drain(&queue, through: pair).bytes.count, 2 * third)
        XCTAssertEqual(pool.count, 0, "the message's last bytes are not written yet")
        queue.append(borrowing: message, range: 2 * third..<3 * third)
        XCTAssertEqual(drain(&queue, through: pair).bytes, Array(message[(2 * third)...]))
        XCTAssertEqual(pool.count, 1)
        // What came back is the message's own storage: given back again, it is recognized as kept.
        pool.recycle(message)
        XCTAssertEqual(pool.count, 1, "the queue gave back another buffer than the message's")
        // The next taker gets it empty, with the message's capacity (a new buffer for the request
        // would have room for two thirds of it), and the array held here is unchanged.
        var reused = try XCTUnwrap(pool.take(capacity: 2 * third))
        XCTAssertTrue(reused.isEmpty)
        XCTAssertGreaterThanOrEqual(reused.capacity, message.capacity)
        reused.append(contentsOf: repeatElement(1, count: message.count))
        XCTAssertTrue(message.allSatisfy { $0 == 5 })
    }

    func testAFailedSocketDropsWhatIsQueued() throws {
        let pair = try SocketPair()
        defer { _ = close(pair.writer) }
        _ = close(pair.reader)
        var queue = WriteQueue()
        let bytes = [UInt8](repeating: 1, count: 10_000)
        queue.append(borrowing: bytes, range: 0..<bytes.count)
        guard case .failed = queue.write(to: pair.writer) else {
            return XCTFail("a write to a socket whose peer closed should fail")
        }
        XCTAssertTrue(queue.isEmpty)
    }
}
