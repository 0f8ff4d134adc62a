import XCTest

@testable import GRPCSync

/// The service config and the JSON it is written in, without sockets: which entry a method gets,
/// what each field becomes, and the JSON reader's edges. `ServiceConfigCallTests` compares the
/// validation messages and the calls with grpcio's.
final class ServiceConfigTests: XCTestCase {
    private static let service = "grpcsync.testing.TestService"

    func testAMethodGetsItsOwnEntryElseItsServicesElseTheDefault() throws {
        let config = try ServiceConfig(
            json: """
                {"methodConfig": [
                  {"name": [{"service": "a.S", "method": "M"}], "timeout": "1s"},
                  {"name": [{"service": "a.S"}], "timeout": "2s"},
                  {"name": [{}], "timeout": "3s"}
                ]}
                """)
        XCTAssertEqual(config.methodConfig(forPath: "/a.S/M")?.timeout, 1)
        XCTAssertEqual(config.methodConfig(forPath: "/a.S/N")?.timeout, 2)
        XCTAssertEqual(config.methodConfig(forPath: "/b.T/M")?.timeout, 3)
        let noDefault = try ServiceConfig(json: #"{"methodConfig": [{"name": [{"service": "a.S"}], "timeout": "2s"}]}"#)
        XCTAssertNil(noDefault.methodConfig(forPath: "/b.T/M"))
    }

    func testEachFieldIsRead() throws {
        let config = try ServiceConfig(
            json: """
                {"methodConfig": [{"name": [{"service": "a.S"}, {"service": "b.T", "method": "M"}],
                  "timeout": "1.25s", "waitForReady": true,
                  "maxRequestMessageBytes": 100, "maxResponseMessageBytes": "200",
                  "retryPolicy": {"maxAttempts": 9, "initialBackoff": "0.1s", "maxBackoff": "2s",
                    "backoffMultiplier": 1.5, "retryableStatusCodes": ["UNAVAILABLE", "ABORTED"]}}],
                 "retryThrottling": {"maxTokens": 10, "tokenRatio": "0.1234"},
                 "loadBalancingPolicy": "round_robin"}
                """)
        let method = try XCTUnwrap(config.methodConfig(forPath: "/b.T/M"))
        XCTAssertEqual(method, config.methodConfig(forPath: "/a.S/X"))
        XCTAssertEqual(method.timeout, 1.25)
        XCTAssertEqual(method.waitForReady, true)
        XCTAssertEqual(method.maxRequestMessageBytes, 100)
        XCTAssertEqual(method.maxResponseMessageBytes, 200)
        // More than 5 attempts are taken as 5, as grpc takes them.
        XCTAssertEqual(
            method.retryPolicy,
            .init(
                maxAttempts: 5, initialBackoff: 0.1, maxBackoff: 2, backoffMultiplier: 1.5,
                retryableStatusCodes: [.unavailable, .aborted]))
        // grpc reads three decimals of the ratio.
        XCTAssertEqual(config.retryThrottling, .init(maxTokens: 10, tokenRatio: 0.123))
        XCTAssertEqual(config.loadBalancingPolicy, .roundRobin)
        // round_robin is acted on: nothing is listed as unsupported.
        XCTAssertEqual(config.unsupportedFields.map(\.field), [])
    }

    func testLoadBalancingConfigWinsOverThePolicyName() throws {
        let config = try ServiceConfig(
            json: #"{"loadBalancingPolicy": "round_robin", "loadBalancingConfig": [{"x": {}}, {"pick_first": {}}]}"#)
        XCTAssertEqual(config.loadBalancingPolicy, .pickFirst)
        XCTAssertTrue(config.unsupportedFields.isEmpty)
    }

    func testDurations() {
        func seconds(_ text: String) -> Double? {
            var errors = ValidationErrors()
            return ServiceConfig.duration(.string(text), &errors)
        }
        XCTAssertEqual(seconds("0s"), 0)
        XCTAssertEqual(seconds("1.5s"), 1.5)
        XCTAssertEqual(seconds("0.000000001s"), 1e-9)
        XCTAssertEqual(seconds(" 2 s"), 2)
        XCTAssertEqual(seconds("315576000000s"), 315_576_000_000)
        XCTAssertNil(seconds("315576000001s"))
        XCTAssertNil(seconds("1"))
        XCTAssertNil(seconds("s"))
        XCTAssertNil(seconds("1.1234567890s"))
    }

    func testErrorsNameTheirFieldsInOrder() {
        XCTAssertThrowsError(try ServiceConfig(json: #"{"retryThrottling": 1, "methodConfig": [{"timeout": 1}]}"#)) {
            XCTAssertEqual(
                ($0 as? ServiceConfig.Invalid)?.message,
                "errors validating service config: [field:methodConfig[0].timeout error:is not a string; "
                    + "field:retryThrottling error:is not an object]")
        }
        XCTAssertThrowsError(try ServiceConfig(json: #"{"methodConfig": [{"name": [{}]}], "x": }"#)) {
            XCTAssertEqual(
                ($0 as? ServiceConfig.Invalid)?.message, "JSON parsing failed: [JSON parse error at index 40]")
        }
    }

    func testJSONValues() throws {
        XCTAssertEqual(
            try JSONValue(parsing: #" {"a": [1, -2.5e3, "x\u00e9\ud83d\ude00\n\"", true, false, null], "b": {}} "#),
            .object([
                (
                    "a",
                    .array([.number("1"), .number("-2.5e3"), .string("x\u{e9}😀\n\""), .bool(true), .bool(false), .null])
                ),
                ("b", .object([])),
            ]))
        for bad in ["", "{", "[1,]", "{\"a\" 1}", "01x", "1.", "\"\u{1}\"", "\"\\ud83d\"", "tru", "[1] 2", "\"\\q\""] {
            XCTAssertThrowsError(try JSONValue(parsing: bad), bad)
        }
        // Nesting is bounded: a deep document is refused, not a stack overflow.
        XCTAssertThrowsError(try JSONValue(parsing: String(repeating: "[", count: 100_000)))
        XCTAssertNoThrow(try JSONValue(parsing: String(repeating: "[", count: 64) + String(repeating: "]", count: 64)))
    }
}
