// What the blocking and the async route guide servers share: the lookups of grpc's Python
// route_guide_server.py (`get_feature`, `get_distance`), which its asyncio server imports too.
import Foundation

/// The feature at `point`, or nil (`get_feature`).
public func findFeature(_ featureDB: [Routeguide_Feature], _ point: Routeguide_Point) -> Routeguide_Feature? {
    featureDB.first { $0.location == point }
}

/// The distance between two points in metres (`get_distance`).
public func getDistance(_ start: Routeguide_Point, _ end: Routeguide_Point) -> Double {
    let coordFactor = 10_000_000.0
    let lat1 = Double(start.latitude) / coordFactor
    let lat2 = Double(end.latitude) / coordFactor
    let lon1 = Double(start.longitude) / coordFactor
    let lon2 = Double(end.longitude) / coordFactor
    let latRad1 = radians(lat1)
    let latRad2 = radians(lat2)
    let deltaLatRad = radians(lat2 - lat1)
    let deltaLonRad = radians(lon2 - lon1)

    // The haversine formula.
    let a = pow(sin(deltaLatRad / 2), 2) + (cos(latRad1) * cos(latRad2) * pow(sin(deltaLonRad / 2), 2))
    let c = 2 * atan2(sqrt(a), sqrt(1 - a))
    let r = 6_371_000.0  // metres
    return r * c
}

/// Degrees in radians, computed as Python's `math.radians` does.
func radians(_ degrees: Double) -> Double { degrees * (Double.pi / 180) }
