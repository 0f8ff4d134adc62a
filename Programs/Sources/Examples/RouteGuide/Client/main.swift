// The route guide client: a port of grpc's Python route_guide_client.py.
//
//     swift run route-guide-client --target localhost:50051 --db route_guide_db.json
//
// grpc's client visits ten random features in RecordRoute; this one visits a fixed ten, as does
// its grpcio counterpart in Tests/Peers/examples, so every run prints the same.
import GRPCSync
import Glibc
import RouteGuideModel
import SwiftProtobuf

func guideGetOneFeature(_ stub: Routeguide_RouteGuideStub, _ point: Routeguide_Point) throws {
    let feature = try stub.getFeature(point)
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

func guideGetFeature(_ stub: Routeguide_RouteGuideStub) throws {
    try guideGetOneFeature(stub, makePoint(409_146_138, -746_188_906))
    try guideGetOneFeature(stub, makePoint(0, 0))
}

func guideListFeatures(_ stub: Routeguide_RouteGuideStub) throws {
    let rectangle = Routeguide_Rectangle.with {
        $0.lo = makePoint(400_000_000, -750_000_000)
        $0.hi = makePoint(420_000_000, -730_000_000)
    }
    print("Looking for features between 40, -75 and 42, -73")

    let features = try stub.listFeatures(rectangle)

    while let feature = try features.next() {
        print("Feature called \(feature.name) at \(feature.location.textFormatString())")
    }
}

func guideRecordRoute(_ stub: Routeguide_RouteGuideStub, dbPath: String) throws {
    let featureList = try readRouteGuideDatabase(dbPath)
    guard !featureList.isEmpty else {
        print("No features in \(dbPath) to visit")
        return
    }

    let routeIterator = generateRoute(featureList)
    let routeSummary = try stub.recordRoute(routeIterator)
    print("Finished trip with \(routeSummary.pointCount) points ")
    print("Passed \(routeSummary.featureCount) features ")
    print("Travelled \(routeSummary.distance) meters ")
    print("It took \(routeSummary.elapsedTime) seconds ")
}

func guideRouteChat(_ stub: Routeguide_RouteGuideStub) throws {
    let responses = try stub.routeChat(generateMessages())
    while let response = try responses.next() {
        print("Received message \(response.message) at \(response.location.textFormatString())")
    }
}

func run(target: String, dbPath: String) throws {
    let channel = insecureChannel(target)
    defer { channel.close() }
    let stub = Routeguide_RouteGuideStub(channel)
    print("-------------- GetFeature --------------")
    try guideGetFeature(stub)
    print("-------------- ListFeatures --------------")
    try guideListFeatures(stub)
    print("-------------- RecordRoute --------------")
    try guideRecordRoute(stub, dbPath: dbPath)
    print("-------------- RouteChat --------------")
    try guideRouteChat(stub)
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
        print("usage: route-guide-client [--target HOST:PORT] [--db route_guide_db.json]")
        exit(2)
    }
}
do {
    try run(target: target, dbPath: dbPath)
} catch {
    print("route-guide-client: \(error)")
    exit(1)
}
