import Foundation
import GRPCSync

/// The Swift implementation of `grpcsync.testing.TestService` (Tests/Peers/SPEC.md), the same
/// service `peer_server.py` implements with grpcio.
enum TestService {
    static let name = "grpcsync.testing.TestService"
    static func path(_ method: String) -> String { "/\(name)/\(method)" }

    struct Boom: Error, CustomStringConvertible {
        var description: String { "boom" }
    }

    /// Shared state of the service: the progress of the last ServerStream and the records of the
    /// WaitForCancel calls, by request.
    final class State: @unchecked Sendable {  // `lock` protects everything
        private let lock = NSLock()
        private var _streamProgress = 0
        private var cancelRecords: [[UInt8]: String] = [:]
        private var flakyCalls: [String: Int] = [:]

        var streamProgress: Int {
            get { lock.withLock { _streamProgress } }
            set { lock.withLock { _streamProgress = newValue } }
        }
        /// The record of the most recent finished WaitForCancel whose request was `request`.
        func cancelRecord(for request: [UInt8]) -> String? { lock.withLock { cancelRecords[request] } }
        func recordCancel(_ record: String, for request: [UInt8]) { lock.withLock { cancelRecords[request] = record } }
        /// Counts a Flaky call with `key` and returns how many there have been.
        func countFlakyCall(_ key: String) -> Int {
            lock.withLock {
                flakyCalls[key, default: 0] += 1
                return flakyCalls[key]!
            }
        }
    }

    static func handler(state: State = State()) -> GenericRPCHandler {
        methodHandlersGenericHandler(
            name,
            [
                "Unary": unaryUnaryRPCMethodHandler { request, context in
                    try prologue(context)
                    let response = intMetadata(context, "x-response-size").map { [UInt8](repeating: 0x61, count: $0) }
                    try epilogue(context)
                    disableCompressionIfAsked(context, index: 0)
                    return response ?? request
                },
                "TimeRemaining": unaryUnaryRPCMethodHandler { _, context in
                    try prologue(context)
                    guard let remaining = context.timeRemaining() else { return Array("none".utf8) }
                    return Array(String(Int(remaining * 1000)).utf8)
                },
                "Peer": unaryUnaryRPCMethodHandler { _, context in Array(context.peer().utf8) },
                "AuthContext": unaryUnaryRPCMethodHandler { _, context in Array(authContextText(context).utf8) },
                "Metadata": unaryUnaryRPCMethodHandler { _, context in
                    var text = ""
                    for entry in context.invocationMetadata() {
                        let key = entry.key
                        if key.hasPrefix("grpc-") {
                            if key != "grpc-status-details-bin" && !key.hasPrefix("grpc-test-") { continue }
                        } else if key.hasPrefix(":") || ["user-agent", "content-type", "te"].contains(key) {
                            continue
                        }
                        let value =
                            key.hasSuffix("-bin")
                            ? entry.value.bytes.map { String(format: "%02x", $0) }.joined() : (entry.value.text ?? "")
                        text += "\(key)=\(value)\n"
                    }
                    return Array(text.utf8)
                },
                "ServerStream": unaryStreamRPCMethodHandler { _, responses, context in
                    try prologue(context)
                    let count = intMetadata(context, "x-count") ?? 3
                    let size = intMetadata(context, "x-size") ?? 10
                    let interval = intMetadata(context, "x-interval-ms") ?? 0
                    state.streamProgress = 0
                    for i in 0..<count {
                        if i > 0 && interval > 0 { pause(milliseconds: interval, context) }
                        disableCompressionIfAsked(context, index: i)
                        try responses.send([UInt8](repeating: UInt8(i % 256), count: size))
                        state.streamProgress = i + 1
                    }
                    try epilogue(context)
                },
                "StreamProgress": unaryUnaryRPCMethodHandler { _, _ in Array(String(state.streamProgress).utf8) },
                "ClientStream": streamUnaryRPCMethodHandler { requests, context in
                    try prologue(context)
                    var count = 0
                    var bytes = 0
                    for request in requests {
                        count += 1
                        bytes += request.count
                    }
                    try epilogue(context)
                    disableCompressionIfAsked(context, index: 0)
                    return Array("count=\(count) bytes=\(bytes)".utf8)
                },
                "Bidi": streamStreamRPCMethodHandler { requests, responses, context in
                    try prologue(context)
                    for (i, request) in requests.enumerated() {
                        disableCompressionIfAsked(context, index: i)
                        try responses.send(request)
                    }
                    try epilogue(context)
                },
                "Raise": unaryUnaryRPCMethodHandler { _, _ in throw Boom() },
                "StreamRaise": unaryStreamRPCMethodHandler { _, responses, _ in
                    try responses.send([0])
                    try responses.send([1])
                    throw Boom()
                },
                "WaitForCancel": unaryUnaryRPCMethodHandler { request, context in
                    let callbackRan = Flag()
                    context.addCallback { callbackRan.set() }
                    let deadline = Date().addingTimeInterval(30)
                    while context.isActive() && Date() < deadline { usleep(10_000) }
                    // The callback runs on another thread just after the call ends.
                    let waitCallback = Date().addingTimeInterval(2)
                    while !callbackRan.isSet && Date() < waitCallback { usleep(5_000) }
                    state.recordCancel("active=\(context.isActive()) callback=\(callbackRan.isSet)", for: request)
                    return []
                },
                "ServerCancel": unaryUnaryRPCMethodHandler { _, context in
                    context.cancel()
                    return []
                },
                "CancelSeen": unaryUnaryRPCMethodHandler { request, _ in
                    Array((state.cancelRecord(for: request) ?? "none").utf8)
                },
                "Flaky": unaryUnaryRPCMethodHandler { request, context in
                    try prologue(context)
                    let seen = state.countFlakyCall(context.invocationMetadata()["x-flaky-key"] ?? "")
                    if seen <= intMetadata(context, "x-flaky-failures") ?? 2 {
                        try context.abort(.unavailable, "flaky")
                    }
                    try epilogue(context)
                    return request
                },
            ])
    }

    /// Compression, echo metadata and sleep, as every method does first.
    private static func prologue(_ context: ServicerContext) throws {
        if let name = context.invocationMetadata()["x-compression"] {
            guard let compression = compressionByName[name] else { throw UsageError("x-compression: \(name)?") }
            context.setCompression(compression)
        }
        let metadata = context.invocationMetadata()
        let echo = Metadata(
            metadata.filter { $0.key.hasPrefix("x-echo-") }.map { ($0.key, $0.value) }
                + renamed(metadata, "x-as-initial-"))
        if !echo.isEmpty { try context.sendInitialMetadata(echo) }
        let trail = Metadata(
            metadata.filter { $0.key.hasPrefix("x-trail-") }.map { ($0.key, $0.value) }
                + renamed(metadata, "x-as-trail-"))
        if !trail.isEmpty { try context.setTrailingMetadata(trail) }
        if let sleep = intMetadata(context, "x-sleep-ms") { pause(milliseconds: sleep, context) }
    }

    /// The entries whose key starts with `prefix`, under the rest of their key.
    private static func renamed(_ metadata: Metadata, _ prefix: String) -> [(String, MetadataValue)] {
        metadata.filter { $0.key.hasPrefix(prefix) }.map { (String($0.key.dropFirst(prefix.count)), $0.value) }
    }

    /// End with the requested status, if any.
    private static func epilogue(_ context: ServicerContext) throws {
        guard let code = intMetadata(context, "x-status-code"), let status = StatusCode(rawValue: code), code != 0
        else { return }
        let details = context.invocationMetadata().binary("x-status-details-bin").map {
            String(decoding: $0, as: UTF8.self)
        }
        try context.abort(status, details ?? "")
    }

    static let compressionByName: [String: Compression] = [
        "identity": .noCompression, "deflate": .deflate, "gzip": .gzip,
    ]

    /// `x-disable-compression`: response message `index` goes uncompressed when it is listed.
    private static func disableCompressionIfAsked(_ context: ServicerContext, index: Int) {
        guard let list = context.invocationMetadata()["x-disable-compression"] else { return }
        if list.split(separator: ",").contains(Substring(String(index))) { context.disableNextMessageCompression() }
    }

    private static func intMetadata(_ context: ServicerContext, _ key: String) -> Int? {
        context.invocationMetadata()[key].flatMap { Int($0) }
    }

    private static func pause(milliseconds: Int, _ context: ServicerContext) {
        let end = Date().addingTimeInterval(Double(milliseconds) / 1000)
        while context.isActive() && Date() < end { usleep(5_000) }
    }
}

/// A thread-safe boolean for tests.
final class Flag: @unchecked Sendable {  // `lock` protects `value`
    private let lock = NSLock()
    private var value = false
    func set() { lock.withLock { value = true } }
    var isSet: Bool { lock.withLock { value } }
}

/// The `AuthContext` answer (Tests/Peers/SPEC.md): the auth context as `key=value` lines, keys
/// sorted and values in order, then `peer_identity_key=` and `peer_identities=` (comma-joined).
func authContextText(_ context: ServicerContext) -> String {
    var text = ""
    for (key, values) in context.authContext().sorted(by: { $0.key < $1.key }) {
        for value in values { text += "\(key)=\(String(decoding: value, as: UTF8.self))\n" }
    }
    text += "peer_identity_key=\(context.peerIdentityKey() ?? "")\n"
    let identities = (context.peerIdentities() ?? []).map { String(decoding: $0, as: UTF8.self) }
    return text + "peer_identities=\(identities.joined(separator: ","))\n"
}
