import XCTest

@testable import GRPCSync

/// ``HeaderBlock``: fields kept up to the limit, then dropped; when a block is given up.
final class HeaderBlockTests: XCTestCase {
    private let fieldName = Array("x-field".utf8)
    private let fieldValue = [UInt8](repeating: UInt8(ascii: "v"), count: 1000)

    /// Appends fields of about 1 KB until the block is given up; returns the bytes appended then.
    private func appendUntilGivenUp(_ block: inout HeaderBlock, limit: Int, givesUpAtLimit: Bool) -> Int {
        var size = 0
        for _ in 0..<10_000 {
            size += fieldName.count + fieldValue.count + 32
            let kept = fieldName.withUnsafeBufferPointer { name in
                fieldValue.withUnsafeBufferPointer {
                    block.append(name: name, value: $0, limit: limit, givesUpAtLimit: givesUpAtLimit)
                }
            }
            if !kept { return size }
        }
        return size
    }

    func testABlockWithinTheLimitIsKept() {
        var block = HeaderBlock()
        block.begin()
        fieldValue.withUnsafeBufferPointer { value in
            fieldName.withUnsafeBufferPointer { XCTAssertTrue(block.append(name: $0, value: value, limit: 16384)) }
        }
        guard case .success(let fields) = block.finish() else { return XCTFail("not kept") }
        XCTAssertEqual(fields.map(\.name), ["x-field"])
    }

    /// A server keeps decoding an oversized block (to answer it RESOURCE_EXHAUSTED) up to four
    /// times the limit and 256 KiB; a client gives it up as soon as it passes the limit.
    func testAServerGivesUpPastTheResetSizeAndAClientAtTheLimit() {
        var server = HeaderBlock()
        server.begin()
        let serverSize = appendUntilGivenUp(&server, limit: 16384, givesUpAtLimit: false)
        XCTAssertGreaterThan(serverSize, HeaderBlock.minimumGiveUpSize)
        XCTAssertLessThan(serverSize, HeaderBlock.minimumGiveUpSize + 2000)
        XCTAssertEqual(server.finish().failureStatus, .metadataTooLarge(limit: 16384))

        var client = HeaderBlock()
        client.begin()
        let clientSize = appendUntilGivenUp(&client, limit: 16384, givesUpAtLimit: true)
        XCTAssertGreaterThan(clientSize, 16384)
        XCTAssertLessThan(clientSize, 16384 + 2000)
        XCTAssertEqual(client.finish().failureStatus, .metadataTooLarge(limit: 16384))
    }
}

extension Result where Failure == Status {
    fileprivate var failureStatus: Status? {
        if case .failure(let status) = self { return status }
        return nil
    }
}
