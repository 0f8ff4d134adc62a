import XCTest

/// route-guide-server and route-guide-client against their grpcio counterparts in
/// Tests/Peers/examples: every client prints the same against every server, through all four RPC
/// kinds. What the grpcio client prints against the grpcio server is the reference.
final class RouteGuideExampleTests: XCTestCase {
    /// What the grpcio client prints against the grpcio server, made comparable.
    static let reference = Result<String, any Error> {
        let server = try Examples.grpcioServer("route_guide_server.py")
        return comparable(try Examples.runGRPCIOClient("route_guide_client.py", target: server.target))
    }

    func testGRPCIOClientAgainstGRPCIOServerPrintsTheRoute() throws {
        let output = try Self.reference.get()
        let expected = [
            // GetFeature: a known feature, then none.
            "Feature called Ridge Trail Overlook, Jefferson, NJ, USA at latitude: 409146138\nlongitude: -746188906\n",
            "Found no feature at \n",
            // ListFeatures: a feature inside the rectangle and one on its edge.
            "Feature called Bronx Zoo, Bronx, NY, USA at latitude: 408506000\nlongitude: -738769000\n",
            "Feature called  at latitude: 420000000\nlongitude: -740000000\n",
            // RecordRoute.
            "Visiting point latitude: 402204000\nlongitude: -740121000\n",
            "Finished trip with 10 points \nPassed 10 features \nTravelled 1399819 meters \nIt took N seconds \n",
            // RouteChat: the notes sent earlier at the same point.
            "Sending Fifth message at latitude: 1\n",
            "Received message First message at \nReceived message Third message at latitude: 1\n",
        ]
        for text in expected {
            XCTAssertTrue(output.contains(text), "missing \"\(text)\" in:\n\(output)")
        }
        let beforeRecordRoute = output.components(separatedBy: "-------------- RecordRoute")[0]
        let featuresPrinted = beforeRecordRoute.components(separatedBy: "Feature called").count - 1
        XCTAssertEqual(featuresPrinted, 1 + 18, "one feature from GetFeature, 18 inside the rectangle:\n\(output)")
        XCTAssertFalse(output.contains("Philadelphia"), "outside the rectangle:\n\(output)")
    }

    func testGRPCIOClientAgainstSwiftServer() throws {
        let server = try Examples.swiftServer("route-guide-server")
        let output = try Examples.runGRPCIOClient("route_guide_client.py", target: server.target)
        XCTAssertEqual(Self.comparable(output), try Self.reference.get())
    }

    func testSwiftClientAgainstGRPCIOServer() throws {
        let server = try Examples.grpcioServer("route_guide_server.py")
        let output = try Examples.runSwiftClient("route-guide-client", target: server.target)
        XCTAssertEqual(Self.comparable(output), try Self.reference.get())
    }

    func testSwiftClientAgainstSwiftServer() throws {
        let server = try Examples.swiftServer("route-guide-server")
        let output = try Examples.runSwiftClient("route-guide-client", target: server.target)
        XCTAssertEqual(Self.comparable(output), try Self.reference.get())
    }

    // MARK: the async flavour

    /// grpcio's asyncio client against grpcio's asyncio server prints what the blocking pair prints.
    func testGRPCIOAsyncClientAgainstGRPCIOAsyncServer() throws {
        let server = try Examples.grpcioServer("asyncio_route_guide_server.py")
        let output = try Examples.runGRPCIOClient("asyncio_route_guide_client.py", target: server.target)
        XCTAssertEqual(Self.comparable(output), try Self.reference.get())
    }

    func testSwiftAsyncClientAgainstGRPCIOAsyncServer() throws {
        let server = try Examples.grpcioServer("asyncio_route_guide_server.py")
        let output = try Examples.runSwiftClient("route-guide-async-client", target: server.target)
        XCTAssertEqual(Self.comparable(output), try Self.reference.get())
    }

    func testSwiftAsyncClientAgainstGRPCIOServer() throws {
        let server = try Examples.grpcioServer("route_guide_server.py")
        let output = try Examples.runSwiftClient("route-guide-async-client", target: server.target)
        XCTAssertEqual(Self.comparable(output), try Self.reference.get())
    }

    func testSwiftAsyncClientAgainstSwiftServer() throws {
        let server = try Examples.swiftServer("route-guide-server")
        let output = try Examples.runSwiftClient("route-guide-async-client", target: server.target)
        XCTAssertEqual(Self.comparable(output), try Self.reference.get())
    }

    func testGRPCIOAsyncClientAgainstSwiftServer() throws {
        let server = try Examples.swiftServer("route-guide-server")
        let output = try Examples.runGRPCIOClient("asyncio_route_guide_client.py", target: server.target)
        XCTAssertEqual(Self.comparable(output), try Self.reference.get())
    }

    func testGRPCIOAsyncClientAgainstSwiftAsyncServer() throws {
        let server = try Examples.swiftServer("route-guide-async-server")
        let output = try Examples.runGRPCIOClient("asyncio_route_guide_client.py", target: server.target)
        XCTAssertEqual(Self.comparable(output), try Self.reference.get())
    }

    func testGRPCIOClientAgainstSwiftAsyncServer() throws {
        let server = try Examples.swiftServer("route-guide-async-server")
        let output = try Examples.runGRPCIOClient("route_guide_client.py", target: server.target)
        XCTAssertEqual(Self.comparable(output), try Self.reference.get())
    }

    func testSwiftAsyncClientAgainstSwiftAsyncServer() throws {
        let server = try Examples.swiftServer("route-guide-async-server")
        let output = try Examples.runSwiftClient("route-guide-async-client", target: server.target)
        XCTAssertEqual(Self.comparable(output), try Self.reference.get())
    }

    /// A client's output with what may differ from run to run made equal: the seconds RecordRoute
    /// took, and the order of RouteChat's lines, which two threads print: the one sending the notes
    /// ("Sending …") and the one reading the answers ("Received …"). What stays: the "Sending"
    /// lines in their order, the "Received" lines in theirs, and all other lines of the section.
    static func comparable(_ output: String) -> String {
        let lines = output.split(separator: "\n", omittingEmptySubsequences: false).map {
            $0.hasPrefix("It took ") ? "It took N seconds " : String($0)
        }
        guard let chat = lines.firstIndex(of: "-------------- RouteChat --------------") else {
            return lines.joined(separator: "\n")
        }
        let chatLines = lines[(chat + 1)...]
        let sent = chatLines.filter { $0.hasPrefix("Sending ") }
        let received = chatLines.filter { $0.hasPrefix("Received ") }
        let others = chatLines.filter { !$0.hasPrefix("Sending ") && !$0.hasPrefix("Received ") }.sorted()
        return (lines[...chat] + sent + received + others).joined(separator: "\n")
    }

    /// The server serves health and reflection, as grpc's Python examples show: grpcio's clients
    /// find its service, health and reflection listed and every one SERVING.
    func testServerServesHealthAndReflection() throws {
        for name in ["route-guide-server", "route-guide-async-server"] {
            let server = try Examples.swiftServer(name)
            XCTAssertEqual(
                try Examples.askHealthAndReflection(server.target),
                Examples.expectedHealthAndReflection(["routeguide.RouteGuide"]), name)
        }
    }
}
