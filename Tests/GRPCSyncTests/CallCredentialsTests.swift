import Foundation
import XCTest

@testable import GRPCSync

/// Call credentials (`accessTokenCallCredentials`, `metadataCallCredentials`, composites, a call's
/// `credentials:`) over local credentials, against this runtime's server and grpcio's, with
/// grpcio's client running the same scenarios.
final class CallCredentialsTests: XCTestCase {
    /// What grpcio's client observes in call_credentials_client.py's scenarios, measured against
    /// grpcio 1.85; the same against either server.
    static let expectedObservations = [
        "access_token: code=OK response=authorization=Bearer t",
        "plugin_metadata: code=OK response=x-plugin=p x-plugin-bin=0001",
        "composite: code=OK response=authorization=Bearer a x-plugin=p x-plugin-bin=0001",
        "channel_and_call: code=OK response=x-user=u authorization=Bearer t x-plugin=p x-plugin-bin=0001",
        "context: code=OK response=x-service-url=://TARGET/grpcsync.testing.TestService x-method-name=Metadata",
        "plugin_raises: code=UNAVAILABLE details=Getting metadata from plugin failed with error: x",
        "plugin_error: code=UNAVAILABLE details=Getting metadata from plugin failed with error: x",
        "plugin_later: code=OK response=x-later=l",
        "plugin_never: code=DEADLINE_EXCEEDED details=Deadline Exceeded",
        "illegal_metadata: code=UNAVAILABLE details=Illegal metadata",
        "server_stream: code=OK response=messages=3",
        "stream_stream_plugin_error: code=UNAVAILABLE details=Getting metadata from plugin failed with error: x",
        "future_plugin_raises: code=UNAVAILABLE details=Getting metadata from plugin failed with error: x",
        "insecure_channel: code=UNAUTHENTICATED details=Established channel does not have a sufficient security"
            + " level to transfer call credential.",
    ]

    /// A server with the test service on a port with local credentials (LOCAL_TCP).
    final class LocalServer {
        let server = Server(ThreadPoolExecutor(maxWorkers: 8), handlers: [TestService.handler()])
        let port: Int

        init() throws {
            port = try server.addSecurePort("127.0.0.1:0", localServerCredentials(.localTCP))
            try server.start()
        }

        var target: String { "127.0.0.1:\(port)" }

        deinit { server.stop(grace: nil).wait(timeout: 10) }
    }

    private func grpcioObservations(target: String, insecureTarget: String) throws -> [String] {
        let (status, output) = try Peers.run(
            "call_credentials_client.py", ["--target", target, "--insecure-target", insecureTarget])
        XCTAssertEqual(status, 0, output)
        return output.split(separator: "\n").map(String.init).filter { $0.contains(": code=") }
    }

    func testScenariosAgainstSwiftServerMatchGrpcio() throws {
        let server = try LocalServer()
        let insecure = try SwiftTestServer()
        let swift = CallCredentialScenarios.run(target: server.target, insecureTarget: insecure.target)
        XCTAssertEqual(swift, Self.expectedObservations)
        XCTAssertEqual(try grpcioObservations(target: server.target, insecureTarget: insecure.target), swift)
    }

    func testScenariosAgainstGrpcioServerMatchGrpcio() throws {
        let server = try PythonPeerServer(arguments: ["--local-credentials"])
        defer { server.stop() }
        let insecure = try PythonPeerServer()
        defer { insecure.stop() }
        let target = "127.0.0.1:\(server.port)"
        let swift = CallCredentialScenarios.run(target: target, insecureTarget: insecure.target)
        XCTAssertEqual(swift, Self.expectedObservations)
        XCTAssertEqual(try grpcioObservations(target: target, insecureTarget: insecure.target), swift)
    }

    /// A plugin is called on the thread that makes a blocking call, with no lock of the runtime
    /// held: it may itself make a call on the same channel (here to fetch its token).
    func testThePluginRunsOnTheCallersThreadAndMayCallTheChannel() throws {
        let server = try LocalServer()
        let channel = secureChannel(server.target, localChannelCredentials(.localTCP))
        defer { channel.close() }
        let caller = pthread_self()
        let onCaller = Flag()
        let plugin = FunctionPlugin { _, callback in
            if pthread_equal(pthread_self(), caller) != 0 { onCaller.set() }
            let token = try channel.unaryUnary(TestService.path("Unary"))(Array("fetched".utf8), timeout: 5)
            callback([("x-token", .text(String(decoding: token, as: UTF8.self)))], nil)
        }
        let seen = try channel.unaryUnary(TestService.path("Metadata"))(
            [], timeout: 10, credentials: metadataCallCredentials(plugin))
        XCTAssertEqual(String(decoding: seen, as: UTF8.self), "x-token=fetched\n")
        XCTAssertTrue(onCaller.isSet)
    }

    /// `ClientCallDetails.credentials` is the call's: an interceptor reads and replaces it.
    func testAnInterceptorReplacesTheCallsCredentials() throws {
        let server = try LocalServer()
        let seenByInterceptor = Flag()
        let interceptor = ReplacingInterceptor(seen: seenByInterceptor)
        let channel = interceptChannel(secureChannel(server.target, localChannelCredentials(.localTCP)), interceptor)
        defer { channel.close() }
        let seen = try channel.unaryUnary(TestService.path("Metadata"))(
            [], timeout: 10, credentials: accessTokenCallCredentials("original"))
        XCTAssertEqual(String(decoding: seen, as: UTF8.self), "authorization=Bearer replaced\n")
        XCTAssertTrue(seenByInterceptor.isSet)
    }

    /// A call cancelled while its plugin has not called back ends CANCELLED at once, and a late
    /// answer is ignored.
    func testACancelEndsACallWaitingForItsPlugin() throws {
        let server = try LocalServer()
        let channel = secureChannel(server.target, localChannelCredentials(.localTCP))
        defer { channel.close() }
        let pending = Pending()
        let future = try channel.unaryUnary(TestService.path("Metadata")).future(
            [], timeout: 30,
            credentials: metadataCallCredentials(FunctionPlugin { _, callback in pending.set(callback) }))
        let callback = try XCTUnwrap(pending.wait(timeout: 10))
        let started = Date()
        XCTAssertTrue(future.cancel())
        XCTAssertThrowsError(try future.result(timeout: 5)) { error in
            XCTAssertTrue(error is FutureCancelledError, "\(error)")
        }
        XCTAssertLessThan(Date().timeIntervalSince(started), 2)
        callback([("x-late", "1")], nil)
        XCTAssertEqual(future.code(), .cancelled)
    }

    /// A plugin that keeps its callback after answering does not keep the call: the call keeps
    /// its plugins, so a callback that held the call would make a cycle outliving it.
    func testAPluginThatKeepsItsCallbackDoesNotKeepTheCall() throws {
        let server = try LocalServer()
        let channel = secureChannel(server.target, localChannelCredentials(.localTCP))
        defer { channel.close() }
        let kept = Pending()
        let keeping = FunctionPlugin { _, callback in
            kept.set(callback)
            callback([("x-kept", "1")], nil)
        }
        weak var released: ClientCall?
        do {
            let (seen, call) = try channel.unaryUnary(TestService.path("Metadata")).withCall(
                [], timeout: 10, credentials: metadataCallCredentials(keeping))
            XCTAssertEqual(String(decoding: seen, as: UTF8.self), "x-kept=1\n")
            released = call as? ClientCall
            XCTAssertNotNil(released)
        }
        let end = Date().addingTimeInterval(5)
        while released != nil && Date() < end { Thread.sleep(forTimeInterval: 0.02) }
        XCTAssertNil(released, "the plugin's kept callback keeps the call")
        XCTAssertNotNil(kept.wait(timeout: 0))
    }

    /// Only a plugin's first answer counts; the metadata of a plugin that answers (nil, nil) is empty.
    func testOnlyThePluginsFirstAnswerCounts() throws {
        let server = try LocalServer()
        let channel = secureChannel(server.target, localChannelCredentials(.localTCP))
        defer { channel.close() }
        let twice = FunctionPlugin { _, callback in
            callback([("x-first", "1")], nil)
            callback(nil, PluginError("second"))
        }
        let empty = FunctionPlugin { _, callback in callback(nil, nil) }
        let seen = try channel.unaryUnary(TestService.path("Metadata"))(
            [], timeout: 10,
            credentials: compositeCallCredentials(metadataCallCredentials(twice), metadataCallCredentials(empty)))
        XCTAssertEqual(String(decoding: seen, as: UTF8.self), "x-first=1\n")
    }

    /// The plugin's context as grpc core makes it (`MakeServiceUrlAndMethod`, and what grpcio
    /// 1.85 gave its plugins): the scheme is `https` with TLS, which drops a `:443` port, and
    /// none with local credentials; the service is the path without its last part.
    func testTheContextIsMadeAsGrpcCoreMakesIt() throws {
        let tls = ChannelTransport(
            target: "example.com", options: [], compression: nil, credentials: sslChannelCredentials()
        ).security
        guard case .tls = tls else { throw XCTSkip("no TLS context without a system trust store") }
        let local = ClientSecurity.local(.loopbackTCP)
        func context(_ method: String, _ authority: String, _ security: ClientSecurity) -> [String] {
            let made = AuthMetadataContext(method: method, authority: authority, security: security)
            return [made.serviceURL, made.methodName]
        }
        let path = "/pkg.Service/Method"
        XCTAssertEqual(context(path, "example.com:443", tls), ["https://example.com/pkg.Service", "Method"])
        XCTAssertEqual(context(path, "example.com:8443", tls), ["https://example.com:8443/pkg.Service", "Method"])
        XCTAssertEqual(context(path, "example.com:443", local), ["://example.com:443/pkg.Service", "Method"])
        XCTAssertEqual(context("/a.b.Svc/M", "[::1]:50051", local), ["://[::1]:50051/a.b.Svc", "M"])
        XCTAssertEqual(context("/nosplit", "h:1", local), ["://h:1/nosplit", ""])
        XCTAssertEqual(context("noslash", "h:1", local), ["://h:1", ""])
    }
}

/// A plugin made of a function.
private struct FunctionPlugin: AuthMetadataPlugin {
    let body: @Sendable (AuthMetadataContext, @escaping AuthMetadataPluginCallback) throws -> Void

    init(_ body: @escaping @Sendable (AuthMetadataContext, @escaping AuthMetadataPluginCallback) throws -> Void) {
        self.body = body
    }

    func callAsFunction(_ context: AuthMetadataContext, _ callback: @escaping AuthMetadataPluginCallback) throws {
        try body(context, callback)
    }
}

/// Replaces a call's credentials with an access token `replaced`, noting that it saw the original.
private struct ReplacingInterceptor: UnaryUnaryClientInterceptor {
    let seen: Flag

    func interceptUnaryUnary<Request, Response>(
        _ continuation: (ClientCallDetails, Request) throws -> Future<Response>, _ clientCallDetails: ClientCallDetails,
        _ request: Request
    ) throws -> Future<Response> {
        if clientCallDetails.credentials != nil { seen.set() }
        var details = clientCallDetails
        details.credentials = accessTokenCallCredentials("replaced")
        return try continuation(details, request)
    }
}

/// The callback a plugin was given, handed to the test's thread.
private final class Pending: @unchecked Sendable {  // `condition` protects `callback`
    private let condition = NSCondition()
    private var callback: AuthMetadataPluginCallback?

    func set(_ callback: @escaping AuthMetadataPluginCallback) {
        condition.withLock {
            self.callback = callback
            condition.broadcast()
        }
    }

    func wait(timeout: Double) -> AuthMetadataPluginCallback? {
        let until = Date(timeIntervalSinceNow: timeout)
        return condition.withLock {
            while callback == nil && condition.wait(until: until) {}
            return callback
        }
    }
}
