import XCTest

@testable import GRPCSync

/// The message byte counts metrics read (`MessageByteCounts`): the bytes of each message as on the
/// wire, compressed when compressed, without its 5-byte prefix, counted as messages are queued
/// (`OutboundBytes`) and as their prefixes arrive (`MessageDeframer`).
final class MessageByteCountTests: XCTestCase {
    func testQueuedMessagesCountTheirWireBytesWithoutPrefixes() {
        var outbound = OutboundBytes()
        outbound.append(MessageFraming.frame([UInt8](repeating: 1, count: 100), compression: .noCompression))
        outbound.append(MessageFraming.frame([], compression: .noCompression))
        XCTAssertEqual(outbound.messageBytes, 100)
        let compressed = MessageFraming.frame([UInt8](repeating: UInt8(ascii: "a"), count: 1000), compression: .gzip)
        XCTAssertLessThan(compressed.count, 1000)
        outbound.append(compressed)
        XCTAssertEqual(outbound.messageBytes, 100 + compressed.count - MessageFraming.prefixLength)
        outbound.append(Array("raw".utf8))  // not a message: headers' or a preloaded buffer's bytes
        XCTAssertEqual(outbound.messageBytes, 100 + compressed.count - MessageFraming.prefixLength)
    }

    func testReceivedMessagesCountTheirDeclaredLengthOnceThePrefixHasArrived() throws {
        var deframer = MessageDeframer(maxMessageLength: 1 << 20)
        deframer.encoding = .gzip
        let plain = MessageFraming.frame([UInt8](repeating: 2, count: 40), compression: .noCompression).bytes
        let compressed = MessageFraming.frame([UInt8](repeating: 0, count: 5000), compression: .gzip).bytes
        var delivered: [ReceivedMessage] = []
        let bytes = plain + compressed
        // Byte by byte: a message counts once its prefix is complete, before its body.
        for (index, byte) in bytes.enumerated() {
            try [byte].withUnsafeBytes { try deframer.consume($0) { delivered.append($0) } }
            if index == MessageFraming.prefixLength - 2 { XCTAssertEqual(deframer.messageBytes, 0) }
            if index == MessageFraming.prefixLength - 1 { XCTAssertEqual(deframer.messageBytes, 40) }
        }
        XCTAssertEqual(delivered.map(\.bytes.count), [40, 5000])
        XCTAssertEqual(deframer.messageBytes, bytes.count - 2 * MessageFraming.prefixLength)
        XCTAssertLessThan(deframer.messageBytes, 40 + 5000)
    }

    func testAMessageOverTheLimitIsNotCounted() {
        var deframer = MessageDeframer(maxMessageLength: 10)
        let framed = MessageFraming.frame([UInt8](repeating: 3, count: 11), compression: .noCompression).bytes
        XCTAssertThrowsError(try framed.withUnsafeBytes { try deframer.consume($0) { _ in } })
        XCTAssertEqual(deframer.messageBytes, 0)
    }
}
