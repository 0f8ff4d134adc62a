// The async route guide client: a port of grpc's Python asyncio_route_guide_client.py, on an
// `AIO` channel.
//
//     swift run route-guide-async-client --target localhost:50051 --db route_guide_db.json
//
// grpc's client visits ten random features in RecordRoute; this one visits a fixed ten, as do the
// blocking client and the grpcio counterparts in Tests/Peers/examples, so every run prints the same.
import GRPCSync
import Glibc
import RouteGuideModel
import SwiftProtobuf

func guideGetOneFeature(_ stub: Routeguide_RouteGuideAsyncStub, _ point: Routeguide_Point) async throws {
    let feature = try await stub.getFeature(point)
    if !feature.hasLocation {
        print("Server returned incomplete feature")
        return
    }

    // `textFormatString()` is the text Python's `%s` prints for a message.
    if !feature.name.isEmpty {
        print("Feature called \(feature.name) at \(feature.location.textFormatString())")
    } else {
        print("Found no feature at \(feature.location.textFormatString())")
    }
}

func guideGetFeature(_ stub: Routeguide_RouteGuideAsyncStub) async throws {
    try await guideGetOneFeature(stub, makePoint(409_146_138, -746_188_906))
    try await guideGetOneFeature(stub, makePoint(0, 0))
}

func guideListFeatures(_ stub: Routeguide_RouteGuideAsyncStub) async throws {
    let rectangle = Routeguide_Rectangle.with {
        $0.lo = makePoint(400_000_000, -750_000_000)
        $0.hi = makePoint(420_000_000, -730_000_000)
    }
    print("Looking for features between 40, -75 and 42, -73")

    for try await feature in try stub.listFeatures(rectangle) {
        print("Feature called \(feature.name) at \(feature.location.textFormatString())")
    }
}

func guideRecordRoute(_ stub: Routeguide_RouteGuideAsyncStub, dbPath: String) async throws {
    let featureList = try readRouteGuideDatabase(dbPath)
    guard !featureList.isEmpty else {
        print("No features in \(dbPath) to visit")
        return
    }

    // gRPC's async API takes both sequences and async sequences of requests.
    let routeSummary = try await stub.recordRoute(generateRoute(featureList))
    print("Finished trip with \(routeSummary.pointCount) points ")
    print("Passed \(routeSummary.featureCount) features ")
    print("Travelled \(routeSummary.distance) meters ")
    print("It took \(routeSummary.elapsedTime) seconds ")
}

func guideRouteChat(_ stub: Routeguide_RouteGuideAsyncStub) async throws {
    let call = try stub.routeChat(generateMessages())
    for try await response in call {
        print("Received message \(response.message) at \(response.location.textFormatString())")
    }
}

func run(target: String, dbPath: String) async throws {
    let channel = AIO.insecureChannel(target)
    let stub = Routeguide_RouteGuideAsyncStub(channel)
    print("-------------- GetFeature --------------")
    try await guideGetFeature(stub)
    print("-------------- ListFeatures --------------")
    try await guideListFeatures(stub)
    print("-------------- RecordRoute --------------")
    try await guideRecordRoute(stub, dbPath: dbPath)
    print("-------------- RouteChat --------------")
    try await guideRouteChat(stub)
    await channel.close()
}

var target = "localhost:50051"
var dbPath = "route_guide_db.json"
var arguments = CommandLine.arguments.dropFirst()
while let argument = arguments.popFirst() {
    let parts = argument.split(separator: "=", maxSplits: 1).map(String.init)
    let value = parts.count == 2 ? parts[1] : arguments.popFirst()
    switch (parts[0], value) {
    case ("--target", let v?): target = v
    case ("--db", let v?): dbPath = v
    default:
        print("usage: route-guide-async-client [--target HOST:PORT] [--db route_guide_db.json]")
        exit(2)
    }
}
do {
    try await run(target: target, dbPath: dbPath)
} catch {
    print("route-guide-async-client: \(error)")
    exit(1)
}
