import Glibc
import XCTest

@testable import GRPCSync

/// `OutboundBytes`: a stream's queued buffers, taken in runs that start and end anywhere in them.
final class OutboundBytesTests: XCTestCase {
    private var writer: Int32 = -1
    private var reader: Int32 = -1

    override func setUpWithError() throws {
        var fds: [Int32] = [0, 0]
        guard socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0, &fds) == 0 else {
            throw XCTSkip("socketpair failed: errno \(errno)")
        }
        writer = fds[0]
        reader = fds[1]
        _ = fcntl(writer, F_SETFL, fcntl(writer, F_GETFL) | O_NONBLOCK)
    }

    override func tearDown() {
        _ = close(writer)
        _ = close(reader)
    }

    /// Writes everything in `queue` to the socket pair and returns what arrived.
    private func written(_ queue: inout WriteQueue) -> [UInt8] {
        let total = queue.count
        if total == 0 { return [] }
        var received: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65_536)
        while true {
            let result = queue.write(to: writer)
            if case .failed = result {
                XCTFail("write failed: errno \(errno)")
                return received
            }
            // After a partial write the reader takes what is waiting, and the writer goes on.
            repeat {
                let n = buffer.withUnsafeMutableBytes { recv(reader, $0.baseAddress, $0.count, 0) }
                guard n > 0 else {
                    XCTFail("read failed: errno \(errno)")
                    return received
                }
                received += buffer[0..<n]
            } while received.count < total && result == .done
            if received.count == total { return received }
        }
    }

    /// Buffers of many sizes, taken in runs of every length from 1 to 40 bytes.
    func testRunsAcrossBufferBoundariesKeepTheOrder() {
        var outbound = OutboundBytes()
        var expected: [UInt8] = []
        for size in 1...60 {
            let buffer = (0..<size).map { UInt8(truncatingIfNeeded: size &* 31 &+ $0) }
            outbound.append(buffer)
            expected += buffer
        }
        XCTAssertEqual(outbound.count, expected.count)
        var queue = WriteQueue()
        var taken: [UInt8] = []
        var run = 1
        while !outbound.isEmpty {
            let before = outbound.count
            outbound.take(run, into: &queue)
            XCTAssertEqual(outbound.count, before - min(run, before))
            taken += written(&queue)
            run = run % 40 + 1
        }
        XCTAssertEqual(taken, expected)
    }

    /// Appends and takes in turn, so the queue never empties: the buffers go round its storage.
    func testAppendsBetweenTakesKeepTheOrder() {
        var outbound = OutboundBytes()
        var queue = WriteQueue()
        var expected: [UInt8] = []
        var taken: [UInt8] = []
        for round in 0..<500 {
            for piece in 0..<3 {
                let buffer = [UInt8](repeating: UInt8(truncatingIfNeeded: round * 3 + piece), count: 1 + piece * 5)
                outbound.append(buffer)
                expected += buffer
            }
            outbound.take(13, into: &queue)
            taken += written(&queue)
            XCTAssertEqual(outbound.count, expected.count - taken.count)
            XCTAssertFalse(outbound.isEmpty)
        }
        outbound.take(outbound.count + 1, into: &queue)
        XCTAssertTrue(outbound.isEmpty)
        taken += written(&queue)
        XCTAssertEqual(taken, expected)
    }

    /// A large buffer's last bytes are borrowed however few they are, so the write queue gives the
    /// buffer back to the pool once they are written; a take that ends inside it does not.
    func testALargeBuffersEndTakenInAShortRunGoesBackToThePool() {
        let pool = MessageBufferPool(maxBuffers: 4, maxBytes: 1 << 30)
        var queue = WriteQueue(pool: pool)
        var outbound = OutboundBytes()
        var large = [UInt8](repeating: 0, count: MessageBufferPool.minimumCapacity)
        for i in large.indices { large[i] = UInt8(truncatingIfNeeded: i) }
        outbound.append([1, 2, 3])
        outbound.append(large)
        outbound.append([4, 5])
        outbound.take(3 + large.count - 10, into: &queue)
        XCTAssertEqual(written(&queue), [1, 2, 3] + large.dropLast(10))
        XCTAssertEqual(pool.count, 0, "the buffer's last bytes are not taken yet")
        outbound.take(10, into: &queue)
        XCTAssertEqual(written(&queue), Array(large.suffix(10)))
        XCTAssertEqual(pool.count, 1)
        outbound.take(2, into: &queue)
        XCTAssertEqual(written(&queue), [4, 5])
        XCTAssertTrue(outbound.isEmpty)
    }
}
