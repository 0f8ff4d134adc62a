import GRPCSync
import XCTest

@testable import PluginWords

/// The code GRPCSyncProtocPlugin generated from PluginWords's own .proto files (no configuration
/// file: every .proto in the target, internal visibility), end to end on a local server.
final class WordsServiceTests: XCTestCase {
    private var server: Server!
    private var channel: Channel!
    private var stub: Plugintest_WordsStub!

    override func setUpWithError() throws {
        server = Server(ThreadPoolExecutor(maxWorkers: 4))
        addWordsServicerToServer(WordsServicer(), server)
        let port = try server.addInsecurePort("127.0.0.1:0")
        try server.start()
        channel = insecureChannel("127.0.0.1:\(port)")
        stub = Plugintest_WordsStub(channel)
    }

    override func tearDown() {
        channel?.close()
        server?.stop(grace: nil).wait(timeout: 5)
    }

    func testUnaryAndServerStreamingMethods() throws {
        XCTAssertEqual(try stub.reverse(.with { $0.text = "stressed" }, timeout: 10).text, "desserts")
        let responses = try stub.letters(.with { $0.text = "abc" }, timeout: 10)
        var letters: [String] = []
        while let word = try responses.next() { letters.append(word.text) }
        XCTAssertEqual(letters, ["a", "b", "c"])
    }

    func testMethodNotOverriddenIsUnimplemented() {
        XCTAssertThrowsError(try stub.count(.with { $0.text = "x" }, timeout: 10)) { error in
            XCTAssertEqual((error as? RPCError)?.code, .unimplemented, "\(error)")
        }
    }

    func testNamesComeFromTheProtoPackageAndService() {
        XCTAssertEqual(Plugintest_WordsMethods.reverse, "/plugintest.Words/Reverse")
        XCTAssertEqual(Plugintest_WordsMethods.letters, "/plugintest.Words/Letters")
    }
}
