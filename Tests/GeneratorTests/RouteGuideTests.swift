import GRPCSync
import GeneratedGolden
import XCTest

/// The generated stub, servicer and registration function of golden/route_guide.proto, end to end:
/// all four streaming kinds, the servicer's defaults, and two services of one file on one server.
final class RouteGuideTests: XCTestCase {
    private var golden: GoldenServer!
    private var stub: Golden_RouteGuideStub!

    override func setUpWithError() throws {
        golden = try GoldenServer { server in
            addRouteGuideServicerToServer(RouteGuide(), server)
            addEchoServicerToServer(Echo(), server)
        }
        stub = Golden_RouteGuideStub(golden.channel)
    }

    override func tearDown() {
        golden.stop()
    }

    func testNamesAndPaths() {
        XCTAssertEqual(Golden_RouteGuideMethods.serviceName, "golden.RouteGuide")
        XCTAssertEqual(Golden_RouteGuideMethods.getFeature, "/golden.RouteGuide/GetFeature")
        XCTAssertEqual(Golden_RouteGuideMethods.listFeatures, "/golden.RouteGuide/ListFeatures")
        XCTAssertEqual(Golden_RouteGuideMethods.recordRoute, "/golden.RouteGuide/RecordRoute")
        XCTAssertEqual(Golden_RouteGuideMethods.routeChat, "/golden.RouteGuide/RouteChat")
        XCTAssertEqual(Golden_RouteGuideMethods.getFeatureOld, "/golden.RouteGuide/GetFeatureOld")
        XCTAssertEqual(stub.getFeature.method, Golden_RouteGuideMethods.getFeature)
        XCTAssertEqual(stub.routeChat.method, Golden_RouteGuideMethods.routeChat)
    }

    func testUnaryUnary() throws {
        let feature = try stub.getFeature(point(1, 2), timeout: 5)
        XCTAssertEqual(feature.name, "feature at 1,2")
        XCTAssertEqual(feature.location, point(1, 2))

        let (withCall, call) = try stub.getFeature.withCall(point(3, 4), timeout: 5)
        XCTAssertEqual(withCall.name, "feature at 3,4")
        XCTAssertEqual(call.code(), .ok)

        let future = try stub.getFeature.future(point(5, 6), timeout: 5)
        XCTAssertEqual(try future.result(timeout: 5).name, "feature at 5,6")
    }

    func testUnaryStream() throws {
        var rectangle = Golden_Messages_Rectangle()
        rectangle.lo = point(1, 7)
        rectangle.hi = point(3, 7)
        let responses = try stub.listFeatures(rectangle, timeout: 5)
        var names: [String] = []
        while let feature = try responses.next() { names.append(feature.name) }
        XCTAssertEqual(names, ["feature at 1,7", "feature at 2,7", "feature at 3,7"])
    }

    func testStreamUnary() throws {
        let summary = try stub.recordRoute([point(1, 1), point(2, 2), point(3, 3)], timeout: 5)
        XCTAssertEqual(summary.pointCount, 3)
    }

    func testStreamStream() throws {
        let notes = ["a", "b", "c"].map { text in
            var note = Golden_Messages_RouteNote()
            note.message = text
            return note
        }
        let responses = try stub.routeChat(notes, timeout: 5)
        var received: [String] = []
        while let note = try responses.next() { received.append(note.message) }
        XCTAssertEqual(received, ["a", "a", "b", "a", "b", "c"])
    }

    /// The async stub, on an async channel: the four kinds awaited.
    func testAsyncStub() async throws {
        let stub = Golden_RouteGuideAsyncStub(golden.asyncChannel)
        let feature = try await stub.getFeature(point(1, 2), timeout: 5)
        XCTAssertEqual(feature.name, "feature at 1,2")
        let call = try stub.getFeature.call(point(3, 4), timeout: 5)
        let answered = try await call.response
        XCTAssertEqual(answered.name, "feature at 3,4")
        let code = await call.code()
        XCTAssertEqual(code, .ok)

        var rectangle = Golden_Messages_Rectangle()
        rectangle.lo = point(1, 7)
        rectangle.hi = point(3, 7)
        var names: [String] = []
        for try await feature in try stub.listFeatures(rectangle, timeout: 5) { names.append(feature.name) }
        XCTAssertEqual(names, ["feature at 1,7", "feature at 2,7", "feature at 3,7"])

        let summary = try await stub.recordRoute([point(1, 1), point(2, 2)], timeout: 5)
        XCTAssertEqual(summary.pointCount, 2)

        let chat = try stub.routeChat(timeout: 5)
        var received: [String] = []
        for text in ["a", "b"] {
            var note = Golden_Messages_RouteNote()
            note.message = text
            try await chat.write(note)
        }
        try await chat.doneWriting()
        for try await note in chat { received.append(note.message) }
        XCTAssertEqual(received, ["a", "a", "b"])
    }

    func testSecondServiceOfTheSameFile() throws {
        var note = Golden_Messages_RouteNote()
        note.message = "hello"
        XCTAssertEqual(try Golden_EchoStub(golden.channel).echo(note, timeout: 5).message, "hello")
    }

    /// Methods a servicer does not override answer UNIMPLEMENTED "Method not implemented!", for
    /// every streaming kind, like grpcio-tools' generated servicer.
    func testMethodsNotOverriddenAreUnimplemented() throws {
        let partial = try GoldenServer { server in
            addRouteGuideServicerToServer(GetFeatureOnly(), server)
        }
        defer { partial.stop() }
        let stub = Golden_RouteGuideStub(partial.channel)
        XCTAssertEqual(try stub.getFeature(point(1, 1), timeout: 5).name, "only GetFeature")

        assertUnimplemented(try stub.listFeatures(Golden_Messages_Rectangle(), timeout: 5).next())
        assertUnimplemented(try stub.recordRoute([point(1, 1)], timeout: 5))
        assertUnimplemented(try stub.routeChat([Golden_Messages_RouteNote()], timeout: 5).next())
        let getFeatureOld = partial.channel.unaryUnary(
            Golden_RouteGuideMethods.getFeatureOld, request: Golden_Messages_Point.self,
            response: Golden_Messages_Feature.self)
        assertUnimplemented(try getFeatureOld(point(1, 1), timeout: 5))
    }

    private func assertUnimplemented<T>(
        _ expression: @autoclosure () throws -> T, file: StaticString = #filePath, line: UInt = #line
    ) {
        do {
            let result = try expression()
            XCTFail("expected UNIMPLEMENTED, got \(result)", file: file, line: line)
        } catch let error as RPCError {
            XCTAssertEqual(error.code, .unimplemented, file: file, line: line)
            XCTAssertEqual(error.details, "Method not implemented!", file: file, line: line)
        } catch {
            XCTFail("unexpected error \(error)", file: file, line: line)
        }
    }
}

func point(_ latitude: Int32, _ longitude: Int32) -> Golden_Messages_Point {
    var point = Golden_Messages_Point()
    point.latitude = latitude
    point.longitude = longitude
    return point
}

/// Implements all four methods of `golden.RouteGuide` (not the deprecated one).
private final class RouteGuide: Golden_RouteGuideServicer {
    override func getFeature(_ request: Golden_Messages_Point, _ context: ServicerContext) throws
        -> Golden_Messages_Feature
    {
        var feature = Golden_Messages_Feature()
        feature.name = "feature at \(request.latitude),\(request.longitude)"
        feature.location = request
        return feature
    }

    override func listFeatures(
        _ request: Golden_Messages_Rectangle, _ responses: ResponseSender<Golden_Messages_Feature>,
        _ context: ServicerContext
    ) throws {
        for latitude in request.lo.latitude...request.hi.latitude {
            try responses.send(getFeature(point(latitude, request.lo.longitude), context))
        }
    }

    override func recordRoute(_ requests: RequestStream<Golden_Messages_Point>, _ context: ServicerContext) throws
        -> Golden_Messages_RouteSummary
    {
        var summary = Golden_Messages_RouteSummary()
        for _ in requests { summary.pointCount += 1 }
        return summary
    }

    /// Answers each note with all the notes so far.
    override func routeChat(
        _ requests: RequestStream<Golden_Messages_RouteNote>, _ responses: ResponseSender<Golden_Messages_RouteNote>,
        _ context: ServicerContext
    ) throws {
        var notes: [Golden_Messages_RouteNote] = []
        for note in requests {
            notes.append(note)
            for earlier in notes { try responses.send(earlier) }
        }
    }
}

/// Overrides `GetFeature` only; the other methods keep the generated defaults.
private final class GetFeatureOnly: Golden_RouteGuideServicer {
    override func getFeature(_ request: Golden_Messages_Point, _ context: ServicerContext) throws
        -> Golden_Messages_Feature
    {
        var feature = Golden_Messages_Feature()
        feature.name = "only GetFeature"
        return feature
    }
}

private final class Echo: Golden_EchoServicer {
    override func echo(_ request: Golden_Messages_RouteNote, _ context: ServicerContext) throws
        -> Golden_Messages_RouteNote
    {
        request
    }
}
