import GRPCSync
import PluginGreeter
import XCTest

/// The code GRPCSyncProtocPlugin generated for PluginGreeter from protos/helloworld.proto (named by
/// its grpc-sync-config.json: public, method names as in the proto) against grpcio's Greeter.
final class GreeterInteropTests: XCTestCase {
    func testGeneratedStubCallsGrpcioServer() throws {
        let peer = try GreeterPeerServer()
        defer { peer.stop() }
        let channel = insecureChannel("127.0.0.1:\(peer.port)")
        defer { channel.close() }
        let reply = try Helloworld_GreeterStub(channel).SayHello(.with { $0.name = "Swift" }, timeout: 30)
        XCTAssertEqual(reply.message, "Hello, Swift! (grpcio)")
    }

    func testGrpcioClientCallsGeneratedServicer() throws {
        let server = Server(ThreadPoolExecutor(maxWorkers: 4))
        addGreeterServicerToServer(Greeter(), server)
        let port = try server.addInsecurePort("127.0.0.1:0")
        try server.start()
        defer { server.stop(grace: nil).wait(timeout: 5) }

        let (status, output) = try GreeterPeer.call(target: "127.0.0.1:\(port)", name: "Python")
        XCTAssertEqual(status, 0, output)
        XCTAssertEqual(output, "Hello, Python!\n")
    }
}
