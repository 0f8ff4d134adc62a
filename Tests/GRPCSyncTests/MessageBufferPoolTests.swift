import Foundation
import SwiftProtobuf
import Synchronization
import XCTest

@testable import GRPCSync

/// Large message buffers reused: the pool's bounds, that a reused buffer never shows old bytes
/// or changes an array someone else holds, and large protobuf calls in flight at once.
final class MessageBufferPoolTests: XCTestCase {
    private let large = MessageBufferPool.minimumCapacity

    private func buffer(capacity: Int, filledWith byte: UInt8 = 0xAB) -> [UInt8] {
        var bytes = [UInt8](repeating: byte, count: capacity)
        bytes.reserveCapacity(capacity)
        return bytes
    }

    func testSmallBuffersAreLeftToMalloc() {
        let pool = MessageBufferPool(maxBuffers: 4, maxBytes: 1 << 30)
        pool.recycle(buffer(capacity: large / 2))
        XCTAssertEqual(pool.count, 0)
        pool.recycle(buffer(capacity: large))
        XCTAssertNil(pool.take(capacity: large / 2), "a small request is not served from the pool")
        XCTAssertEqual(pool.count, 1)
    }

    func testTakeGivesTheSmallestBufferLargeEnoughAndEmpty() throws {
        let pool = MessageBufferPool(maxBuffers: 4, maxBytes: 1 << 30)
        for size in [large * 8, large * 2, large * 4] { pool.recycle(buffer(capacity: size)) }
        let taken = try XCTUnwrap(pool.take(capacity: large * 3))
        XCTAssertTrue(taken.isEmpty)
        XCTAssertGreaterThanOrEqual(taken.capacity, large * 4)
        XCTAssertLessThan(taken.capacity, large * 8)
        XCTAssertNil(pool.take(capacity: large * 9), "no buffer is large enough")
        XCTAssertNil(pool.take(capacity: large * 3), "the one left is more than twice as large")
        XCTAssertEqual(pool.count, 2)
    }

    func testBoundsLetTheOldestBuffersGo() {
        let byCount = MessageBufferPool(maxBuffers: 2, maxBytes: 1 << 30)
        for size in [large, large * 2, large * 3] { byCount.recycle(buffer(capacity: size)) }
        XCTAssertEqual(byCount.count, 2)
        // The oldest, smallest one went: the smallest left is twice as large.
        XCTAssertGreaterThanOrEqual(byCount.take(capacity: large * 3 / 2)?.capacity ?? 0, large * 2)
        let byBytes = MessageBufferPool(maxBuffers: 8, maxBytes: large * 5)
        byBytes.recycle(buffer(capacity: large * 6))
        XCTAssertEqual(byBytes.count, 0, "a buffer larger than the whole pool is not kept")
        byBytes.recycle(buffer(capacity: large * 2))
        byBytes.recycle(buffer(capacity: large * 2))
        byBytes.recycle(buffer(capacity: large * 2))
        XCTAssertEqual(byBytes.count, 2)
    }

    func testTheSameArrayIsKeptOnce() {
        let pool = MessageBufferPool(maxBuffers: 4, maxBytes: 1 << 30)
        let bytes = buffer(capacity: large)
        for _ in 0..<3 { pool.recycle(bytes) }
        XCTAssertEqual(pool.count, 1)
    }

    /// A buffer nobody else holds comes back as it was given: the same storage, emptied.
    func testATakenBufferIsTheStorageGivenBack() throws {
        let pool = MessageBufferPool(maxBuffers: 4, maxBytes: 1 << 30)
        // Given back, and no longer held here, so the pool's copy is the only one.
        let (storage, capacity): (UnsafeRawPointer?, Int) = {
            let given = buffer(capacity: large * 2)
            pool.recycle(given)
            return (given.withUnsafeBytes { $0.baseAddress }, given.capacity)
        }()
        let taken = try XCTUnwrap(pool.take(capacity: large * 3 / 2))
        XCTAssertTrue(taken.isEmpty)
        XCTAssertEqual(taken.capacity, capacity)
        XCTAssertEqual(taken.withUnsafeBytes { $0.baseAddress }, storage, "the pool did not hand back its buffer")
    }

    /// A buffer whose array is still held elsewhere when it is given back (a caller's own array
    /// sent through a raw-bytes serializer) is handed out all the same. Emptying it cannot clear
    /// storage that the holder shares, so the taker gets storage of its own of the kept buffer's
    /// capacity; and whatever the taker writes, the holder's bytes stay as they were.
    func testAReusedArrayHeldElsewhereIsNotChanged() throws {
        let pool = MessageBufferPool(maxBuffers: 4, maxBytes: 1 << 30)
        let held = buffer(capacity: large * 2, filledWith: 7)
        let heldStorage = held.withUnsafeBytes { $0.baseAddress }
        pool.recycle(held)
        // The pool keeps the holder's very storage: given back again, it is recognized as kept.
        pool.recycle(held)
        XCTAssertEqual(pool.count, 1)

        var taken = try XCTUnwrap(pool.take(capacity: large * 3 / 2))
        XCTAssertEqual(pool.count, 0, "the kept buffer was not the one handed out")
        XCTAssertTrue(taken.isEmpty, "the taker got the holder's bytes")
        // A new buffer for the request would have room for 1.5 × `large` bytes only.
        XCTAssertGreaterThanOrEqual(taken.capacity, held.capacity, "the taker did not get the kept buffer")
        XCTAssertNotEqual(taken.withUnsafeBytes { $0.baseAddress }, heldStorage, "the holder's storage was emptied")

        taken.append(contentsOf: repeatElement(9, count: held.count))
        XCTAssertEqual(held.withUnsafeBytes { $0.baseAddress }, heldStorage)
        XCTAssertEqual(held.count, large * 2)
        XCTAssertTrue(held.allSatisfy { $0 == 7 }, "the holder's bytes changed")
    }

    /// With a pool of its own, so that what other tests left in the shared pool does not matter.
    func testSerializationBufferFromThePoolShowsNoOldBytes() {
        let pool = MessageBufferPool(maxBuffers: 4, maxBytes: 1 << 30)
        let size = large * 3
        // Given back, and no longer held here, so the pool's copy is the only one.
        let oldStorage: UnsafeRawPointer? = {
            let old = buffer(capacity: size, filledWith: 0xEE)
            pool.recycle(old)
            return old.withUnsafeBytes { $0.baseAddress }
        }()
        XCTAssertEqual(pool.count, 1)
        let fresh = SerializationBuffer(repeating: 0, count: size - 10, pool: pool)
        XCTAssertEqual(pool.count, 0)
        XCTAssertEqual(fresh.count, size - 10)
        XCTAssertEqual(fresh.bytes.withUnsafeBytes { $0.baseAddress }, oldStorage, "the pooled buffer was not reused")
        XCTAssertTrue(fresh.bytes.allSatisfy { $0 == 0 }, "old bytes of a pooled buffer leaked")
    }

    /// Protobuf messages of 100 KiB to 2 MiB, each with its own contents, 16 calls at once on one
    /// channel, four rounds: every buffer is serialized, sent, received and deserialized through
    /// the pool while others are in flight, and every response must echo its own request.
    func testLargeProtobufCallsInFlightAtOnceEachGetTheirOwnBytes() throws {
        let handler = unaryUnaryRPCMethodHandler(
            { (request: Google_Protobuf_BytesValue, _: ServicerContext) in request },
            requestDeserializer: ProtobufSerialization.deserializer(),
            responseSerializer: ProtobufSerialization.serializer())
        let server = Server(
            ThreadPoolExecutor(maxWorkers: 8), handlers: [methodHandlersGenericHandler("t.Pool", ["Echo": handler])])
        let port = try server.addInsecurePort("127.0.0.1:0")
        try server.start()
        defer { server.stop(grace: nil) }
        let limit = OptionValue.int(8 * 1024 * 1024)
        let channel = insecureChannel(
            "127.0.0.1:\(port)",
            options: [("grpc.max_receive_message_length", limit), ("grpc.max_send_message_length", limit)])
        defer { channel.close() }
        let echo = channel.unaryUnary(
            "/t.Pool/Echo", requestSerializer: ProtobufSerialization.serializer(Google_Protobuf_BytesValue.self),
            responseDeserializer: ProtobufSerialization.deserializer(Google_Protobuf_BytesValue.self))
        let failures = Mutex(0)
        for round in 0..<4 {
            DispatchQueue.concurrentPerform(iterations: 16) { index in
                let size = 100_000 + (index * 131_071 + round * 7_919) % 2_000_000
                var request = Google_Protobuf_BytesValue()
                // Every 1,000th byte says which call it belongs to.
                var value = Data(repeating: UInt8(truncatingIfNeeded: index &* 16 &+ round), count: size)
                for offset in stride(from: 0, to: size, by: 1_000) { value[offset] = UInt8(truncatingIfNeeded: offset) }
                request.value = value
                do {
                    let response = try echo(request, timeout: 60)
                    if response.value != request.value { failures.withLock { $0 += 1 } }
                } catch {
                    failures.withLock { $0 += 1 }
                }
            }
        }
        XCTAssertEqual(failures.withLock { $0 }, 0, "responses that did not echo their request")
    }
}
