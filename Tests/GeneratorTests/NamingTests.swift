import GRPCSync
import GeneratedGolden
import GeneratedHelloWorld
import SwiftProtobuf
import XCTest

/// Names in the generated code: no package, a nested package, message types from another file,
/// another module and SwiftProtobuf, and services and methods named like Swift keywords.
final class NamingTests: XCTestCase {
    /// No package: no type prefix; the messages `Channel` and `Server` do not confuse the
    /// generated code, which spells out `GRPCSync.Channel` and `GRPCSync.Server`.
    func testNoPackage() throws {
        XCTAssertEqual(ChannelDirectoryMethods.serviceName, "ChannelDirectory")
        XCTAssertEqual(ChannelDirectoryMethods.lookup, "/ChannelDirectory/Lookup")
        let golden = try GoldenServer { addChannelDirectoryServicerToServer(Directory(), $0) }
        defer { golden.stop() }
        var channel = GeneratedGolden.Channel()
        channel.name = "news"
        let server = try ChannelDirectoryStub(golden.channel).lookup(channel, timeout: 5)
        XCTAssertEqual(server.address, "news.example:443")
    }

    func testNestedPackage() throws {
        XCTAssertEqual(A_B_C_NestedMethods.serviceName, "a.b.c.Nested")
        XCTAssertEqual(A_B_C_NestedMethods.call, "/a.b.c.Nested/Call")
        let golden = try GoldenServer { addNestedServicerToServer(Nested(), $0) }
        defer { golden.stop() }
        var ping = A_B_C_Ping()
        ping.id = 41
        XCTAssertEqual(try A_B_C_NestedStub(golden.channel).call(ping, timeout: 5).id, 42)
    }

    /// Request and response types from GeneratedHelloWorld (through ProtoPathModuleMappings) and from
    /// SwiftProtobuf (a well-known type).
    func testMessagesFromOtherModules() throws {
        let golden = try GoldenServer { addImportedServicerToServer(Imported(), $0) }
        defer { golden.stop() }
        let stub = Golden_Imported_ImportedStub(golden.channel)
        var request = Helloworld_HelloRequest()
        request.name = "module"
        XCTAssertEqual(try stub.sayHello(request, timeout: 5).message, "Hello, module!")
        XCTAssertEqual(try stub.ping(Google_Protobuf_Empty(), timeout: 5), Google_Protobuf_Empty())
    }

    func testKeywordNamedMethods() throws {
        XCTAssertEqual(Golden_Keywords_ProtocolMethods.serviceName, "golden.keywords.Protocol")
        XCTAssertEqual(Golden_Keywords_ProtocolMethods.type, "/golden.keywords.Protocol/Type")
        XCTAssertEqual(Golden_Keywords_ProtocolMethods.`self`, "/golden.keywords.Protocol/self")
        let golden = try GoldenServer { server in
            addProtocolServicerToServer(KeywordProtocol(), server)
            addTypeServicerToServer(KeywordType(), server)
            addDefaultServicerToServer(KeywordDefault(), server)
            addNothingServicerToServer(Golden_Keywords_NothingServicer(), server)
        }
        defer { golden.stop() }
        let stub = Golden_Keywords_ProtocolStub(golden.channel)
        XCTAssertEqual(try stub.`protocol`(token("p"), timeout: 5).text, "protocol p")
        XCTAssertEqual(try stub.type(token("t"), timeout: 5).text, "type t")
        XCTAssertEqual(try stub.`default`(token("d"), timeout: 5).text, "default d")
        XCTAssertEqual(try stub.`self`(token("s"), timeout: 5).text, "self s")
        XCTAssertEqual(try stub.`init`(token("i"), timeout: 5).text, "init i")
        let returned = try stub.`return`([token("a"), token("b")], timeout: 5)
        XCTAssertEqual(try returned.next()?.text, "return a")
        XCTAssertEqual(try returned.next()?.text, "return b")
        XCTAssertNil(try returned.next())

        let types = try Golden_Keywords_TypeStub(golden.channel).type(token("x"), timeout: 5)
        XCTAssertEqual(try types.next()?.text, "Type.type x")
        XCTAssertNil(try types.next())
        let defaults = try Golden_Keywords_defaultStub(golden.channel).`default`([token("y"), token("z")], timeout: 5)
        XCTAssertEqual(defaults.text, "default.default y z")
    }
}

private func token(_ text: String) -> Golden_Keywords_Token {
    var token = Golden_Keywords_Token()
    token.text = text
    return token
}

private final class Directory: ChannelDirectoryServicer {
    override func lookup(_ request: GeneratedGolden.Channel, _ context: ServicerContext) throws
        -> GeneratedGolden.Server
    {
        var server = GeneratedGolden.Server()
        server.address = "\(request.name).example:443"
        return server
    }
}

private final class Nested: A_B_C_NestedServicer {
    override func call(_ request: A_B_C_Ping, _ context: ServicerContext) throws -> A_B_C_Ping {
        var reply = request
        reply.id += 1
        return reply
    }
}

private final class Imported: Golden_Imported_ImportedServicer {
    override func sayHello(_ request: Helloworld_HelloRequest, _ context: ServicerContext) throws
        -> Helloworld_HelloReply
    {
        var reply = Helloworld_HelloReply()
        reply.message = "Hello, \(request.name)!"
        return reply
    }

    override func ping(_ request: Google_Protobuf_Empty, _ context: ServicerContext) throws -> Google_Protobuf_Empty {
        request
    }
}

private final class KeywordProtocol: Golden_Keywords_ProtocolServicer {
    override func `protocol`(_ request: Golden_Keywords_Token, _ context: ServicerContext) throws
        -> Golden_Keywords_Token
    { token("protocol \(request.text)") }

    override func type(_ request: Golden_Keywords_Token, _ context: ServicerContext) throws -> Golden_Keywords_Token {
        token("type \(request.text)")
    }

    override func `default`(_ request: Golden_Keywords_Token, _ context: ServicerContext) throws
        -> Golden_Keywords_Token
    { token("default \(request.text)") }

    override func `self`(_ request: Golden_Keywords_Token, _ context: ServicerContext) throws -> Golden_Keywords_Token {
        token("self \(request.text)")
    }

    override func `init`(_ request: Golden_Keywords_Token, _ context: ServicerContext) throws -> Golden_Keywords_Token {
        token("init \(request.text)")
    }

    override func `return`(
        _ requests: RequestStream<Golden_Keywords_Token>, _ responses: ResponseSender<Golden_Keywords_Token>,
        _ context: ServicerContext
    ) throws {
        for request in requests { try responses.send(token("return \(request.text)")) }
    }
}

private final class KeywordType: Golden_Keywords_TypeServicer {
    override func type(
        _ request: Golden_Keywords_Token, _ responses: ResponseSender<Golden_Keywords_Token>,
        _ context: ServicerContext
    ) throws {
        try responses.send(token("Type.type \(request.text)"))
    }
}

private final class KeywordDefault: Golden_Keywords_defaultServicer {
    override func `default`(_ requests: RequestStream<Golden_Keywords_Token>, _ context: ServicerContext) throws
        -> Golden_Keywords_Token
    {
        token("default.default " + requests.map(\.text).joined(separator: " "))
    }
}
