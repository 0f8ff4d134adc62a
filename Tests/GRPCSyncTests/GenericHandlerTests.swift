import Foundation
import GRPCSync
import XCTest

/// User-written ``GenericRPCHandler``s (grpcio's `grpc.GenericRpcHandler` subclasses) and
/// `ServicerContext.code()` / `details()`, against grpcio: `Tests/Peers/generic_handler_peer.py`
/// runs the same server and client; every client × server pairing prints the same observations.
final class GenericHandlerTests: XCTestCase {
    /// The one case where the servers answer differently, on purpose (docs/porting.md, Server):
    /// a `methodHandlersGenericHandler` is looked up by path before any user-written handler.
    private static let pathHandlerCase = "path_handler_registered_later"

    func testUserWrittenGenericHandlersAndContextCodeAndDetailsAsGrpcio() throws {
        let grpcio = try PythonPeerServer(script: "generic_handler_peer.py", ["server"])
        let swift = try GenericHandlerServer()
        let cases = try Peers.list("generic_handler_peer.py")
        XCTAssertEqual(cases, GenericHandlerClient.cases.map(\.name))

        let (status, output) = try Peers.run("generic_handler_peer.py", ["client", "--target", grpcio.target])
        XCTAssertEqual(status, 0, output)
        let expected = output.split(separator: "\n").map(String.init)
        XCTAssertEqual(expected.count, cases.count, output)

        let (swiftStatus, swiftOutput) = try Peers.run("generic_handler_peer.py", ["client", "--target", swift.target])
        XCTAssertEqual(swiftStatus, 0, swiftOutput)
        compare(swiftOutput.split(separator: "\n").map(String.init), expected, server: "Swift", "grpcio's client")
        compare(try GenericHandlerClient.observe(grpcio.target), expected, server: "grpcio", "Swift client")
        compare(try GenericHandlerClient.observe(swift.target), expected, server: "Swift", "Swift client")
    }

    /// Compares line by line; on the Swift server the path handler's case answers as documented.
    private func compare(_ observed: [String], _ expected: [String], server: String, _ client: String) {
        XCTAssertEqual(observed.count, expected.count, "\(client), \(server) server: \(observed)")
        for (seen, wanted) in zip(observed, expected) {
            if server == "Swift" && wanted.hasPrefix(Self.pathHandlerCase + " ") {
                XCTAssertEqual(wanted, "\(Self.pathHandlerCase) code=OK details= response=Fixed tag=None  seen=")
                XCTAssertEqual(seen, "\(Self.pathHandlerCase) code=OK details= response=fixed seen=")
            } else {
                XCTAssertEqual(seen, wanted, "\(client), \(server) server")
            }
        }
    }
}

/// The Swift client side of `generic_handler_peer.py client`.
enum GenericHandlerClient {
    enum Kind { case unary, stream }
    struct Case {
        let name: String
        let method: String
        let request: String
        let metadata: Metadata
        let kind: Kind
    }

    static let cases: [Case] = [
        Case(name: "echo", method: "/generic.Echo/Anything", request: "hi", metadata: [("x-tag", "t1")], kind: .unary),
        Case(name: "echo_no_tag", method: "/generic.Echo/Other", request: "", metadata: [], kind: .unary),
        Case(name: "echo_stream", method: "/generic.Echo/Stream", request: "twice", metadata: [], kind: .stream),
        Case(name: "route", method: "/generic.Other/M", request: "", metadata: [("x-route", "b")], kind: .unary),
        Case(
            name: "first_handler_wins", method: "/generic.Echo/M", request: "", metadata: [("x-route", "b")],
            kind: .unary),
        Case(name: "unknown", method: "/generic.Other/M", request: "", metadata: [], kind: .unary),
        Case(
            name: "path_handler_registered_later", method: "/generic.Echo/Fixed", request: "", metadata: [],
            kind: .unary),
        Case(
            name: "context_set", method: "/generic.Context/CodeAndDetails", request: "set", metadata: [], kind: .unary),
        Case(name: "context_ok", method: "/generic.Context/CodeAndDetails", request: "ok", metadata: [], kind: .unary),
        Case(
            name: "context_raise", method: "/generic.Context/CodeAndDetails", request: "raise", metadata: [],
            kind: .unary),
    ]

    /// One line per case, in the Python's words.
    static func observe(_ target: String) throws -> [String] {
        let channel = insecureChannel(target)
        defer { channel.close() }
        return cases.map { "\($0.name) \(observe($0, channel))" }
    }

    private static func observe(_ testCase: Case, _ channel: Channel) -> String {
        var responses: [[UInt8]] = []
        let code: StatusCode
        let details: String
        let trailing: Metadata
        do {
            let call: Call
            switch testCase.kind {
            case .stream:
                let stream = try channel.unaryStream(testCase.method)(
                    Array(testCase.request.utf8), timeout: 30, metadata: testCase.metadata)
                while let response = try stream.next() { responses.append(response) }
                call = stream
            case .unary:
                let (response, unaryCall) = try channel.unaryUnary(testCase.method).withCall(
                    Array(testCase.request.utf8), timeout: 30, metadata: testCase.metadata)
                responses = [response]
                call = unaryCall
            }
            (code, details, trailing) = (call.code(), call.details(), call.trailingMetadata())
        } catch let error as RPCError {
            (code, details, trailing) = (error.code, error.details, error.trailingMetadata)
        } catch {
            return "unexpected \(error)"
        }
        let seen = trailing.binary("x-seen-bin").map { String(decoding: $0, as: UTF8.self) } ?? ""
        let responseText = responses.map { String(decoding: $0, as: UTF8.self) }.joined(separator: ",")
        return
            "code=\(code.grpcName) details=\(details) response=\(responseText) seen=\(seen.replacingOccurrences(of: "\n", with: " | "))"
    }
}

/// The Swift side of `generic_handler_peer.py server`: the same user-written handlers, registered
/// the same way.
final class GenericHandlerServer: @unchecked Sendable {  // immutable after init
    let server: Server
    let port: Int

    init() throws {
        server = Server(ThreadPoolExecutor(maxWorkers: 4), handlers: [EchoHandler()])
        let fixed = methodHandlersGenericHandler(
            "generic.Echo", ["Fixed": unaryUnaryRPCMethodHandler { _, _ in Array("fixed".utf8) }])
        server.addGenericRPCHandlers([RouteHandler(), fixed, ContextHandler()])
        port = try server.addInsecurePort("[::]:0")
        try server.start()
    }

    var target: String { "localhost:\(port)" }

    deinit { server.stop(grace: nil).wait(timeout: 10) }

    /// `/generic.Echo/Stream` answers the request twice; any other `/generic.Echo/M` answers
    /// `M tag=T ` and the request.
    struct EchoHandler: GenericRPCHandler {
        func service(_ handlerCallDetails: HandlerCallDetails) -> RPCMethodHandler? {
            let prefix = "/generic.Echo/"
            guard handlerCallDetails.method.hasPrefix(prefix) else { return nil }
            if handlerCallDetails.method == "/generic.Echo/Stream" {
                return unaryStreamRPCMethodHandler { request, responses, _ in
                    try responses.send(request)
                    try responses.send(request)
                }
            }
            let name = handlerCallDetails.method.dropFirst(prefix.count)
            let tag = handlerCallDetails.invocationMetadata["x-tag"] ?? "None"
            let answer = Array("\(name) tag=\(tag) ".utf8)
            return unaryUnaryRPCMethodHandler { request, _ in answer + request }
        }
    }

    /// Any method of a call with `x-route: b` answers `route b M`.
    struct RouteHandler: GenericRPCHandler {
        func service(_ handlerCallDetails: HandlerCallDetails) -> RPCMethodHandler? {
            guard handlerCallDetails.invocationMetadata["x-route"] == "b" else { return nil }
            let answer = Array("route b \(handlerCallDetails.method)".utf8)
            return unaryUnaryRPCMethodHandler { _, _ in answer }
        }
    }

    /// `/generic.Context/CodeAndDetails`: `context.code()` and `details()` after each step, in
    /// the trailing metadata `x-seen-bin`.
    struct ContextHandler: GenericRPCHandler {
        struct Boom: Error, CustomStringConvertible { var description: String { "boom" } }

        func service(_ handlerCallDetails: HandlerCallDetails) -> RPCMethodHandler? {
            guard handlerCallDetails.method == "/generic.Context/CodeAndDetails" else { return nil }
            return unaryUnaryRPCMethodHandler { request, context in
                var seen: [String] = []
                func record(_ step: String) {
                    let code = context.code()?.grpcName ?? "None"
                    seen.append("\(step): code=\(code) details=\(context.details() ?? "None")")
                }
                func publish() throws {
                    try context.setTrailingMetadata([("x-seen-bin", .binary(Array(seen.joined(separator: "\n").utf8)))])
                }
                record("start")
                switch String(decoding: request, as: UTF8.self) {
                case "set":
                    context.setCode(.invalidArgument)
                    record("set_code")
                    context.setDetails("détails ✓")
                    record("set_details")
                    try publish()
                    return Array("ignored".utf8)
                case "ok":
                    context.setDetails("fine")
                    record("set_details")
                    context.setCode(.ok)
                    record("set_code")
                    try publish()
                    return Array("answer".utf8)
                default:
                    context.setCode(.notFound)
                    context.setDetails("gone")
                    record("set_both")
                    try publish()
                    throw Boom()
                }
            }
        }
    }
}
