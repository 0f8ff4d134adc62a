// What the route guide server and client share: a port of grpc's Python route_guide_resources.py.
import Foundation
import SwiftProtobuf

/// Reads the route guide database, every feature in the JSON file at `path`
/// (`route_guide_resources.read_route_guide_database()`).
///
/// The file holds a list of `{"location": {"latitude": …, "longitude": …}, "name": …}` objects,
/// which is the protobuf JSON form of `Feature`, so SwiftProtobuf reads it as it is.
public func readRouteGuideDatabase(_ path: String = "route_guide_db.json") throws -> [Routeguide_Feature] {
    guard let data = FileManager.default.contents(atPath: path) else {
        throw RouteGuideDatabaseError(message: "cannot read the route guide database \(path)")
    }
    do {
        return try Routeguide_Feature.array(fromJSONUTF8Data: data)
    } catch {
        throw RouteGuideDatabaseError(message: "\(path) is not a list of features: \(error)")
    }
}

/// Why the route guide database could not be read.
public struct RouteGuideDatabaseError: Error, CustomStringConvertible {
    public let message: String
    public var description: String { message }
}
