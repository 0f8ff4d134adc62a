// The route guide server: a port of grpc's Python route_guide_server.py.
//
//     swift run route-guide-server --port 50051 --db route_guide_db.json
import Foundation
import GRPCSync
import GRPCSyncHealth
import GRPCSyncReflection
import RouteGuideModel
import SwiftProtobuf

/// Serves the route guide from the features of the database (`RouteGuideServicer`).
final class RouteGuideServicer: Routeguide_RouteGuideServicer {
    let db: [Routeguide_Feature]

    init(dbPath: String) throws {
        db = try readRouteGuideDatabase(dbPath)
    }

    override func getFeature(_ request: Routeguide_Point, _ context: ServicerContext) throws -> Routeguide_Feature {
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
        _ request: Routeguide_Rectangle, _ responses: ResponseSender<Routeguide_Feature>, _ context: ServicerContext
    ) throws {
        let left = min(request.lo.longitude, request.hi.longitude)
        let right = max(request.lo.longitude, request.hi.longitude)
        let top = max(request.lo.latitude, request.hi.latitude)
        let bottom = min(request.lo.latitude, request.hi.latitude)
        for feature in db {
            if feature.location.longitude >= left && feature.location.longitude <= right
                && feature.location.latitude >= bottom && feature.location.latitude <= top
            {
                try responses.send(feature)
            }
        }
    }

    override func recordRoute(
        _ requests: RequestStream<Routeguide_Point>, _ context: ServicerContext
    ) throws -> Routeguide_RouteSummary {
        var pointCount: Int32 = 0
        var featureCount: Int32 = 0
        var distance = 0.0
        var prevPoint: Routeguide_Point?

        let startTime = Date()
        for point in requests {
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
        _ requests: RequestStream<Routeguide_RouteNote>, _ responses: ResponseSender<Routeguide_RouteNote>,
        _ context: ServicerContext
    ) throws {
        var prevNotes: [Routeguide_RouteNote] = []
        for newNote in requests {
            for prevNote in prevNotes where prevNote.location == newNote.location {
                try responses.send(prevNote)
            }
            prevNotes.append(newNote)
        }
    }
}

func serve(port: Int, dbPath: String) throws {
    let server = Server(ThreadPoolExecutor(maxWorkers: 10))
    addRouteGuideServicerToServer(try RouteGuideServicer(dbPath: dbPath), server)
    // Health checking and reflection, as grpc's Python examples serve them: every service SERVING.
    let health = HealthServicer()
    addHealthServicerToServer(health, server)
    let services = [Routeguide_RouteGuideMethods.serviceName, healthServiceName, reflectionServiceName]
    enableServerReflection(services, server)
    for service in services { health.set(service, .serving) }
    let bound = try server.addInsecurePort("[::]:\(port)")
    try server.start()
    print("Server started, listening on \(bound)")
    fflush(nil)  // all output streams: whoever reads stdout from a pipe sees the line now
    server.waitForTermination()
}

func usage() -> Never {
    print("usage: route-guide-server [--port N] [--db route_guide_db.json]")
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
    try serve(port: port, dbPath: dbPath)
} catch {
    print("route-guide-server: \(error)")
    exit(1)
}
