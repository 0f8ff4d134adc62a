import GRPCSync
import GeneratedGolden
import XCTest

/// golden/keep_casing.proto is generated with `KeepMethodCasing=true`: the stub properties and
/// servicer methods keep the proto spelling, as in a literal port of Python code.
final class KeepMethodCasingTests: XCTestCase {
    func testProtoSpelledNamesWork() throws {
        // The path constants stay lowerCamelCase: a static member cannot be called `Type`.
        XCTAssertEqual(Golden_Casing_CasingMethods.getFeature, "/golden.casing.Casing/GetFeature")
        XCTAssertEqual(Golden_Casing_CasingMethods.type, "/golden.casing.Casing/Type")
        let golden = try GoldenServer { addCasingServicerToServer(Casing(), $0) }
        defer { golden.stop() }
        let stub = Golden_Casing_CasingStub(golden.channel)

        XCTAssertEqual(try stub.GetFeature(point(1, 2), timeout: 5).name, "GetFeature 1,2")
        XCTAssertEqual(try stub.GetFeature.future(point(3, 4), timeout: 5).result(timeout: 5).name, "GetFeature 3,4")
        XCTAssertEqual(try stub.`Type`(point(5, 6), timeout: 5), point(6, 5))

        var rectangle = Golden_Messages_Rectangle()
        rectangle.lo = point(7, 8)
        let features = try stub.ListFeatures(rectangle, timeout: 5)
        XCTAssertEqual(try features.next()?.name, "ListFeatures 7,8")
        XCTAssertNil(try features.next())

        XCTAssertEqual(try stub.RecordRoute([point(1, 1), point(2, 2)], timeout: 5).pointCount, 2)

        // RouteChat is not overridden.
        XCTAssertThrowsError(try stub.RouteChat([Golden_Messages_RouteNote()], timeout: 5).next()) { error in
            XCTAssertEqual((error as? RPCError)?.code, .unimplemented)
            XCTAssertEqual((error as? RPCError)?.details, "Method not implemented!")
        }
    }
}

/// Overrides every method but `RouteChat`, under the proto spelling.
private final class Casing: Golden_Casing_CasingServicer {
    override func GetFeature(_ request: Golden_Messages_Point, _ context: ServicerContext) throws
        -> Golden_Messages_Feature
    {
        var feature = Golden_Messages_Feature()
        feature.name = "GetFeature \(request.latitude),\(request.longitude)"
        return feature
    }

    override func ListFeatures(
        _ request: Golden_Messages_Rectangle, _ responses: ResponseSender<Golden_Messages_Feature>,
        _ context: ServicerContext
    ) throws {
        var feature = Golden_Messages_Feature()
        feature.name = "ListFeatures \(request.lo.latitude),\(request.lo.longitude)"
        try responses.send(feature)
    }

    override func RecordRoute(_ requests: RequestStream<Golden_Messages_Point>, _ context: ServicerContext) throws
        -> Golden_Messages_RouteSummary
    {
        var summary = Golden_Messages_RouteSummary()
        summary.pointCount = Int32(requests.reduce(0) { count, _ in count + 1 })
        return summary
    }

    override func `Type`(_ request: Golden_Messages_Point, _ context: ServicerContext) throws -> Golden_Messages_Point {
        point(request.longitude, request.latitude)
    }
}
