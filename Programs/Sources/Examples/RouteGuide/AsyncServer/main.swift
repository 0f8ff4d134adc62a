// The async route guide server: a port of grpc's Python asyncio_route_guide_server.py, on an
// `AIO` server whose handlers run as tasks.
//
//     swift run route-guide-async-server --port 50051 --db route_guide_db.json
import Foundation
import GRPCSync
import GRPCSyncHealth
import GRPCSyncReflection
import RouteGuideModel
import SwiftProtobuf

/// Serves the route guide from the features of the database, with async methods
/// (`RouteGuideServicer` with `async def`s).
final class RouteGuideServicer: Routeguide_RouteGuideAsyncServicer {
    let db: [Routeguide_Feature]

    init(dbPath: String) throws {
        db = try readRouteGuideDatabase(dbPath)
    }

    override func getFeature(_ request: Routeguide_Point, _ context: AIO.ServicerContext) async throws
        -> Routeguide_Feature
    {
        if let feature = findFeature(db, request) {
            return feature
        } else {
            return Routeguide_Feature.with {
                $0.name = ""
                $0.location = request
            }
        }
    }

    override func listFeatures(
        _ request: Routeguide_Rectangle, _ responses: AIO.ResponseWriter<Routeguide_Feature>,
        _ context: AIO.ServicerContext
    ) async throws {
        let left = min(request.lo.longitude, request.hi.longitude)
        let right = max(request.lo.longitude, request.hi.longitude)
        let top = max(request.lo.latitude, request.hi.latitude)
        let bottom = min(request.lo.latitude, request.hi.latitude)
        for feature in db {
            if feature.location.longitude >= left && feature.location.longitude <= right
                && feature.location.latitude >= bottom && feature.location.latitude <= top
            {
                try await responses.write(feature)
            }
        }
    }

    override func recordRoute(
        _ requests: AIO.RequestStream<Routeguide_Point>, _ context: AIO.ServicerContext
    ) async throws -> Routeguide_RouteSummary {
        var pointCount: Int32 = 0
        var featureCount: Int32 = 0
        var distance = 0.0
        var prevPoint: Routeguide_Point?

        let startTime = Date()
        for try await point in requests {
            pointCount += 1
            if findFeature(db, point) != nil {
                featureCount += 1
            }
            if let prevPoint {
                distance += getDistance(prevPoint, point)
            }
            prevPoint = point
        }

        let elapsedTime = Date().timeIntervalSince(startTime)
        return Routeguide_RouteSummary.with {
            $0.pointCount = pointCount
            $0.featureCount = featureCount
            $0.distance = Int32(distance)
            $0.elapsedTime = Int32(elapsedTime)
        }
    }

    override func routeChat(
        _ requests: AIO.RequestStream<Routeguide_RouteNote>, _ responses: AIO.ResponseWriter<Routeguide_RouteNote>,
        _ context: AIO.ServicerContext
    ) async throws {
        var prevNotes: [Routeguide_RouteNote] = []
        for try await newNote in requests {
            for prevNote in prevNotes where prevNote.location == newNote.location {
                try await responses.write(prevNote)
            }
            prevNotes.append(newNote)
        }
    }
}

func serve(port: Int, dbPath: String) async throws {
    let server = AIO.server()
    addRouteGuideServicerToServer(try RouteGuideServicer(dbPath: dbPath), server)
    // Health checking and reflection, as grpc's Python examples serve them (health.aio on an
    // asyncio server): every service SERVING.
    let health = AIO.HealthServicer()
    addHealthServicerToServer(health, server)
    let services = [Routeguide_RouteGuideMethods.serviceName, healthServiceName, reflectionServiceName]
    enableServerReflection(services, server)
    for service in services { health.set(service, .serving) }
    let bound = try server.addInsecurePort("[::]:\(port)")
    try await server.start()
    print("Server started, listening on \(bound)")
    fflush(nil)  // all output streams: whoever reads stdout from a pipe sees the line now
    await server.waitForTermination()
}

func usage() -> Never {
    print("usage: route-guide-async-server [--port N] [--db route_guide_db.json]")
    exit(2)
}

var port = 50051
var dbPath = "route_guide_db.json"
var arguments = CommandLine.arguments.dropFirst()
while let argument = arguments.popFirst() {
    let parts = argument.split(separator: "=", maxSplits: 1).map(String.init)
    let value = parts.count == 2 ? parts[1] : arguments.popFirst()
    switch (parts[0], value) {
    case ("--port", let v?):
        guard let number = Int(v) else { usage() }
        port = number
    case ("--db", let v?): dbPath = v
    default: usage()
    }
}
do {
    try await serve(port: port, dbPath: dbPath)
} catch {
    print("route-guide-async-server: \(error)")
    exit(1)
}
