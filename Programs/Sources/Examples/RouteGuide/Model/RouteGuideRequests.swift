// What the blocking and the async route guide clients send: the requests of grpc's Python
// route_guide_client.py, which its asyncio client imports too.

/// A point (`route_guide_pb2.Point(latitude=, longitude=)`).
public func makePoint(_ latitude: Int32, _ longitude: Int32) -> Routeguide_Point {
    Routeguide_Point.with {
        $0.latitude = latitude
        $0.longitude = longitude
    }
}

/// A note at a point (`make_route_note`).
public func makeRouteNote(_ message: String, _ latitude: Int32, _ longitude: Int32) -> Routeguide_RouteNote {
    Routeguide_RouteNote.with {
        $0.message = message
        $0.location = makePoint(latitude, longitude)
    }
}

/// The points of ten features, read lazily as the call sends them (`generate_route`). The choice
/// is fixed, where grpc's client picks at random: every seventh feature of the list, wrapping
/// around.
public func generateRoute(_ featureList: [Routeguide_Feature]) -> some Sequence<Routeguide_Point> {
    (0..<10).lazy.map { index in
        let feature = featureList[(index * 7) % featureList.count]
        print("Visiting point \(feature.location.textFormatString())")
        return feature.location
    }
}

/// The five notes of RouteChat, each printed as the call sends it (`generate_messages`).
public func generateMessages() -> some Sequence<Routeguide_RouteNote> {
    let messages = [
        makeRouteNote("First message", 0, 0),
        makeRouteNote("Second message", 0, 1),
        makeRouteNote("Third message", 1, 0),
        makeRouteNote("Fourth message", 0, 0),
        makeRouteNote("Fifth message", 1, 0),
    ]
    return messages.lazy.map { msg in
        print("Sending \(msg.message) at \(msg.location.textFormatString())")
        return msg
    }
}
