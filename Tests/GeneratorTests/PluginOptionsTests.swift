import Foundation
import XCTest

/// protoc-gen-grpc-sync run by protoc on small protos: its options, its output file names, and the
/// errors it reports. (What the generated code does is checked by the end-to-end tests.)
final class PluginOptionsTests: XCTestCase {
    private var directory: URL!

    override func setUpWithError() throws {
        directory = try Tools.makeTemporaryDirectory()
    }

    override func tearDown() {
        try? FileManager.default.removeItem(at: directory)
    }

    private static let greeter = """
        syntax = "proto3";
        package helloworld;
        message HelloRequest { string name = 1; }
        message HelloReply { string message = 1; }
        // The greeting service definition.
        service Greeter {
          // Sends a greeting.
          rpc SayHello (HelloRequest) returns (HelloReply) {}
          rpc SayHelloOld (HelloRequest) returns (HelloReply) { option deprecated = true; }
        }
        """

    /// Writes `source` to `path` below the temporary directory and runs protoc with the plugin on it;
    /// returns protoc's exit status and output.
    private func generate(_ source: String, path: String = "greeter.proto", options: [String] = []) throws
        -> (Int32, String)
    {
        guard let protoc = Tools.which("protoc") else { throw XCTSkip("protoc is not installed") }
        let proto = directory.appendingPathComponent("in/" + path)
        try FileManager.default.createDirectory(
            at: proto.deletingLastPathComponent(), withIntermediateDirectories: true)
        try source.write(to: proto, atomically: true, encoding: .utf8)
        let output = directory.appendingPathComponent("out")
        try FileManager.default.createDirectory(at: output, withIntermediateDirectories: true)
        var arguments = [
            "--plugin=protoc-gen-grpc-sync=\(Tools.protocGenGRPCSync.path)", "--grpc-sync_out=\(output.path)",
            "-I", directory.appendingPathComponent("in").path, proto.path,
        ]
        if !options.isEmpty { arguments.append("--grpc-sync_opt=" + options.joined(separator: ",")) }
        return try Tools.run(protoc, arguments)
    }

    private func output(_ path: String) throws -> String {
        try String(contentsOf: directory.appendingPathComponent("out/" + path), encoding: .utf8)
    }

    func testDefaultVisibilityIsInternal() throws {
        XCTAssertEqual(try generate(Self.greeter).0, 0)
        let code = try output("greeter.grpc.swift")
        XCTAssertTrue(code.contains("\nenum Helloworld_GreeterMethods {"), code)
        XCTAssertTrue(code.contains("\nfinal class Helloworld_GreeterStub: Sendable {"), code)
        XCTAssertTrue(code.contains("\n    let sayHello: GRPCSync.UnaryUnaryMultiCallable<"), code)
        XCTAssertTrue(code.contains("\nclass Helloworld_GreeterServicer {\n"), code)
        XCTAssertTrue(code.contains("\n    init() {}\n"), code)
        XCTAssertTrue(code.contains("\n    func sayHello(_ request: Helloworld_HelloRequest, "), code)
        XCTAssertTrue(code.contains("\nfunc addGreeterServicerToServer(_ servicer: Helloworld_GreeterServicer"), code)
        XCTAssertFalse(code.contains("public"), code)
    }

    func testPublicAndPackageVisibility() throws {
        XCTAssertEqual(try generate(Self.greeter, options: ["Visibility=Public"]).0, 0)
        var code = try output("greeter.grpc.swift")
        XCTAssertTrue(code.contains("\npublic final class Helloworld_GreeterStub: Sendable {"), code)
        XCTAssertTrue(code.contains("\nopen class Helloworld_GreeterServicer {\n"), code)
        XCTAssertTrue(code.contains("\n    public init() {}\n"), code)
        XCTAssertTrue(code.contains("\n    open func sayHello("), code)
        XCTAssertTrue(code.contains("\npublic func addGreeterServicerToServer("), code)

        XCTAssertEqual(try generate(Self.greeter, options: ["Visibility=Package"]).0, 0)
        code = try output("greeter.grpc.swift")
        XCTAssertTrue(code.contains("\npackage final class Helloworld_GreeterStub: Sendable {"), code)
        XCTAssertTrue(code.contains("\npackage class Helloworld_GreeterServicer {\n"), code)
        XCTAssertTrue(code.contains("\n    package init() {}\n"), code)
        XCTAssertTrue(code.contains("\n    package func sayHello("), code)
        XCTAssertTrue(code.contains("\npackage func addGreeterServicerToServer("), code)
    }

    func testCommentsAndDeprecation() throws {
        XCTAssertEqual(try generate(Self.greeter).0, 0)
        let code = try output("greeter.grpc.swift")
        XCTAssertTrue(code.contains("/// The greeting service definition.\n///\n/// The client stub of"), code)
        XCTAssertTrue(
            code.contains("    /// Sends a greeting.\n    ///\n    /// `stub.sayHello(request)` returns"), code)
        XCTAssertTrue(code.contains("    /// Sends a greeting.\n    ///\n    /// Unless a subclass overrides it"), code)
        XCTAssertTrue(
            code.contains(
                """
                    @available(*, deprecated)
                    var sayHelloOld: GRPCSync.UnaryUnaryMultiCallable<Helloworld_HelloRequest, Helloworld_HelloReply> {
                """), code)
        // The servicer method is not deprecated: a server still serves old clients.
        XCTAssertFalse(code.contains("@available(*, deprecated)\n    func"), code)
    }

    /// Every declaration has a doc comment with its parameters, result and errors, whatever the
    /// visibility (the committed generated files, whose public declarations `DocCommentTests`
    /// checks, are public but for one).
    func testDocCommentSections() throws {
        XCTAssertEqual(try generate(Self.greeter).0, 0)
        let code = try output("greeter.grpc.swift")
        let expected = [
            // The stub's property: how it is called, with grpcio's keyword arguments, and what it throws.
            """
                /// `stub.sayHelloOld(request)` returns the response, `stub.sayHelloOld.withCall(request)` the
                /// response and the ended call, `stub.sayHelloOld.future(request)` a future of the response at
                /// once.
                ///
                /// Each call also takes `timeout:` (seconds; nil: no deadline), `metadata:`, `waitForReady:` (true:
            """,
            "`compression:` (nil: the", "`credentials:` (call credentials", "throws `RPCError` with its status",
            """
                /// Binds every method of `helloworld.Greeter` to `channel`.
                ///
                /// - Parameter channel: The channel the calls go through.
                init(_ channel: GRPCSync.Channel) {
            """,
            """
                /// A servicer whose methods all answer UNIMPLEMENTED until a subclass overrides them.
                init() {}
            """,
            // A servicer method: a list item that does not fit on one line goes on indented.
            """
                /// NOTE: This method was marked as deprecated in the .proto file
                ///
                /// Unless a subclass overrides it, it answers UNIMPLEMENTED "Method not implemented!".
                ///
                /// - Parameters:
                ///   - request: The request message.
                ///   - context: The call's context: the client's metadata, the time remaining, the status to end
                ///     with.
                /// - Returns: The response message; the call ends OK with it.
                /// - Throws: An error that ends the call: UNKNOWN "Exception calling application: …" unless
                ///   `context` has a code or details set (`context.abort` sets both and throws).
                func sayHelloOld(
            """,
            """
            ///
            /// - Parameters:
            ///   - servicer: Serves the calls; the server calls its methods from its worker threads.
            ///   - server: The server to register the service with.
            func addGreeterServicerToServer(
            """,
        ]
        for text in expected {
            XCTAssertTrue(code.contains(text), "missing:\n\(text)\nin:\n\(code)")
        }
    }

    func testStreamingMethodsDocumentTheirStreams() throws {
        let source = """
            syntax = "proto3";
            package chat;
            message Note { string text = 1; }
            service Chat {
              rpc Listen (Note) returns (stream Note) {}
              rpc Collect (stream Note) returns (Note) {}
              rpc Talk (stream Note) returns (stream Note) {}
            }
            """
        XCTAssertEqual(try generate(source, path: "chat.proto").0, 0)
        let code = try output("chat.grpc.swift")
        let expected = [
            "/// `stub.listen(request)` returns the stream of responses, read with `next()`.",
            "makes `next()` throw `RPCError`",
            "/// `stub.collect(requests)` sends a sequence of requests, read lazily as flow control allows,",
            "`stub.collect.future(requests)` a future of the response at once.",
            "///   - requests: The request messages as they arrive; iteration ends when the client half-closes.",
            "///   - responses: Sends the response messages (`try responses.send(response)`); the call ends OK",
            "UNKNOWN \"Exception iterating responses: …\" unless",
        ]
        for text in expected {
            XCTAssertTrue(code.contains(text), "missing:\n\(text)\nin:\n\(code)")
        }
        XCTAssertTrue(
            code.contains("///   - responses: Sends the response messages (`try await responses.write(response)`);"))
        // The streaming servicer methods return nothing, so they have no `- Returns:`: one for
        // Collect in the servicer and one in the async servicer.
        XCTAssertEqual(code.components(separatedBy: "/// - Returns:").count - 1, 2, code)
        XCTAssertEqual(code.components(separatedBy: "/// - Throws:").count - 1, 6, code)
    }

    func testKeepMethodCasing() throws {
        XCTAssertEqual(try generate(Self.greeter, options: ["KeepMethodCasing=true"]).0, 0)
        let code = try output("greeter.grpc.swift")
        XCTAssertTrue(code.contains("    let SayHello: GRPCSync.UnaryUnaryMultiCallable<"), code)
        XCTAssertTrue(code.contains("    func SayHello(_ request: "), code)
        XCTAssertTrue(code.contains("    static let sayHello = \"/helloworld.Greeter/SayHello\""), code)
    }

    /// The async stub is generated unless `AsyncCode=false`.
    func testAsyncStubAndItsOption() throws {
        XCTAssertEqual(try generate(Self.greeter).0, 0)
        var code = try output("greeter.grpc.swift")
        XCTAssertTrue(code.contains("\nfinal class Helloworld_GreeterAsyncStub: Sendable {"), code)
        XCTAssertTrue(code.contains("\n    let sayHello: GRPCSync.AIO.UnaryUnaryMultiCallable<"), code)
        XCTAssertTrue(code.contains("\n    init(_ channel: GRPCSync.AIO.Channel) {"), code)
        XCTAssertEqual(try generate(Self.greeter, options: ["AsyncCode=false"]).0, 0)
        code = try output("greeter.grpc.swift")
        XCTAssertFalse(code.contains("AsyncStub"), code)
        XCTAssertTrue(code.contains("\nfinal class Helloworld_GreeterStub: Sendable {"), code)
        let (status, log) = try generate(Self.greeter, options: ["AsyncCode=maybe"])
        XCTAssertNotEqual(status, 0)
        XCTAssertTrue(log.contains("Unknown value for generation parameter 'AsyncCode': 'maybe'"), log)
    }

    func testFileNaming() throws {
        let cases = [
            ("FullPath", "sub/dir/greeter.grpc.swift"), ("PathToUnderscores", "sub_dir_greeter.grpc.swift"),
            ("DropPath", "greeter.grpc.swift"),
        ]
        for (naming, expected) in cases {
            let (status, log) = try generate(
                Self.greeter, path: "sub/dir/greeter.proto", options: ["FileNaming=\(naming)"])
            XCTAssertEqual(status, 0, log)
            XCTAssertTrue(
                FileManager.default.fileExists(atPath: directory.appendingPathComponent("out/" + expected).path),
                "\(naming) should write \(expected)")
        }
    }

    func testFileWithoutServicesGetsItsDescriptor() throws {
        let messagesOnly = "syntax = \"proto3\";\nmessage M {}\n"
        XCTAssertEqual(try generate(messagesOnly, path: "m.proto").0, 0)
        let code = try output("m.grpc.swift")
        XCTAssertTrue(code.hasPrefix("// DO NOT EDIT.\n"), code)
        XCTAssertTrue(code.contains("\n// m.proto has no services.\n"), code)
        XCTAssertTrue(code.contains("\nlet fileDescriptor_m_proto = GRPCSync.SerializedFileDescriptor(\n"), code)
        XCTAssertFalse(code.contains("Servicer"), code)

        // WriteFilesWithoutServices=true, which the build plugin passes, changes nothing.
        XCTAssertEqual(try generate(messagesOnly, path: "m.proto", options: ["WriteFilesWithoutServices=true"]).0, 0)
        XCTAssertEqual(code, try output("m.grpc.swift"))
        XCTAssertEqual(try generate(Self.greeter, options: ["WriteFilesWithoutServices=true"]).0, 0)
        let withOption = try output("greeter.grpc.swift")
        XCTAssertEqual(try generate(Self.greeter).0, 0)
        XCTAssertEqual(withOption, try output("greeter.grpc.swift"))
    }

    func testRegistrationAddsTheFileDescriptor() throws {
        XCTAssertEqual(try generate(Self.greeter, path: "sub/dir/greeter-v2.proto").0, 0)
        let code = try output("sub/dir/greeter-v2.grpc.swift")
        XCTAssertTrue(
            code.contains("\n    server.addFileDescriptor(fileDescriptor_sub_dir_greeter_v2_proto)\n}\n"), code)
        XCTAssertTrue(
            code.contains("\nlet fileDescriptor_sub_dir_greeter_v2_proto = GRPCSync.SerializedFileDescriptor(\n"), code)
        XCTAssertTrue(code.contains("\n    name: \"sub/dir/greeter-v2.proto\",\n"), code)
    }

    func testBadOptionsAreReported() throws {
        var (status, log) = try generate(Self.greeter, options: ["Bogus=1"])
        XCTAssertNotEqual(status, 0)
        XCTAssertTrue(log.contains("Unknown generation parameter 'Bogus'"), log)
        (status, log) = try generate(Self.greeter, options: ["Visibility=Secret"])
        XCTAssertNotEqual(status, 0)
        XCTAssertTrue(log.contains("Unknown value for generation parameter 'Visibility': 'Secret'"), log)
    }

    func testMethodsWithTheSameSwiftNameAreReported() throws {
        let proto = """
            syntax = "proto3";
            package p;
            message M {}
            service S {
              rpc GetFoo (M) returns (M);
              rpc get_foo (M) returns (M);
            }
            """
        let (status, log) = try generate(proto)
        XCTAssertNotEqual(status, 0)
        XCTAssertTrue(log.contains("p.S: method get_foo and method GetFoo both become the Swift name 'getFoo'"), log)
    }
}
