import XCTest
@testable import GRPCSync

final class WireFormatTests: XCTestCase {
    func testTimeoutRoundTrip() {
        XCTAssertEqual(WireFormat.decodeTimeout("100m"), 100_000_000)
    }
}
