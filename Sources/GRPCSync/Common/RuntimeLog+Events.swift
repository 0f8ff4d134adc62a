import CNGHTTP2
import Logging

/// Every event the runtime logs, each with its text and level in one place.
extension RuntimeLog {
    // MARK: errors and warnings (always considered)

    /// A handler threw: the status's details (`Exception calling application: …`), at error
    /// level, as grpcio logs them.
    func handlerFailed(method: String, _ status: Status) {
        log(.error, status.details, method: method)
    }

    /// A behaviour wrapper of the other kind was added to a handler: an async one to a blocking
    /// handler (`async`), or a blocking one to an async handler.
    func behaviorWrapperMismatched(method: String, async: Bool) {
        log(
            .error,
            async
                ? "An async behaviour wrapper (wrappingAsyncBehavior) cannot wrap a blocking handler"
                : "A blocking behaviour wrapper (wrappingBehavior) cannot wrap an async handler", method: method)
    }

    /// A request message could not be deserialized (grpcio's text and level).
    func requestDeserializationFailed(method: String) {
        log(.error, "Exception deserializing message!", method: method)
    }

    /// A response message could not be serialized (grpcio's text and level).
    func responseSerializationFailed(method: String) {
        log(.error, "Exception serializing message!", method: method)
    }

    /// An option grpc acts on that this runtime does not support was given (once per key and
    /// process; see ``OptionCatalog``).
    func unsupportedOptionGiven(_ key: String, reason: String) {
        log(.warning, "option \(key) is not supported and has no effect: \(reason)")
    }

    /// A part of a channel's service config that has no effect in this runtime was given.
    func unsupportedServiceConfigField(_ field: String, reason: String) {
        log(.warning, "service config field \(field) is not supported and has no effect: \(reason)")
    }

    /// A channel grpc core would not make (its service config or its target refused); its calls
    /// fail with `message`.
    func channelRefused(_ message: String) {
        log(.error, "channel refused, every call fails: \(message)")
    }

    /// The option `grpc.lb_policy_name` names no policy this runtime has; `pick_first` is used, as
    /// grpc core uses it.
    func unknownLoadBalancingPolicy(_ name: String) {
        log(.error, "LB policy: \(name) passed through channel_args does not exist. Using pick_first instead.")
    }

    /// A channel's target did not resolve; the channel tries again after a backoff.
    func resolutionFailed(target: String, reason: String) {
        log(.info, "channel \(target): resolution failed: \(reason)")
    }

    /// The peer broke the HTTP/2 or gRPC protocol; the connection ends.
    func peerProtocolError(_ reason: String, peer: @autoclosure () -> String) {
        log(.info, "protocol error from the peer, closing the connection: \(reason)", peer: peer())
    }

    /// A TLS handshake failed (grpc logs this at info level).
    func tlsHandshakeFailed(_ reason: String, peer: @autoclosure () -> String) {
        log(.info, "TLS handshake failed: \(reason)", peer: peer())
    }

    // MARK: tracer http

    /// A server accepted a connection.
    func connectionAccepted(peer: @autoclosure () -> String) {
        trace(.http, "connection accepted", peer: peer())
    }

    /// A client connected to a server (its HTTP/2 preface and, with TLS, handshake follow).
    func connectionOpened(peer: @autoclosure () -> String) {
        trace(.http, "connection opened", peer: peer())
    }

    /// A connection ended, with the status its open calls were given.
    func connectionClosed(_ reason: Status, peer: @autoclosure () -> String) {
        trace(.http, "connection closed: \(reason.details)", peer: peer())
    }

    /// We sent a GOAWAY.
    func goAwaySent(errorCode: UInt32, lastStreamID: Int32, debugData: String, peer: @autoclosure () -> String) {
        trace(
            .http,
            "GOAWAY sent: \(HTTP2ErrorCode.name(errorCode)), last stream \(lastStreamID)"
                + (debugData.isEmpty ? "" : ", debug data \"\(debugData)\""), peer: peer())
    }

    /// The peer sent a GOAWAY.
    func goAwayReceived(errorCode: UInt32, lastStreamID: Int32, peer: @autoclosure () -> String) {
        trace(.http, "GOAWAY received: \(HTTP2ErrorCode.name(errorCode)), last stream \(lastStreamID)", peer: peer())
    }

    // MARK: tracer http_keepalive

    /// The peer did not acknowledge a keepalive PING in time.
    func keepaliveTimedOut(peer: @autoclosure () -> String) {
        trace(.keepalive, "keepalive PING not acknowledged in time, closing the connection", peer: peer())
    }

    /// A client's PINGs came more often than the server allows: it is sent GOAWAY too_many_pings.
    func tooManyPings(peer: @autoclosure () -> String) {
        trace(.keepalive, "the peer's PINGs come too often, ending the connection (too_many_pings)", peer: peer())
    }

    // MARK: tracer connectivity_state

    /// A channel's connectivity changed.
    func connectivityChanged(target: String, from: String, to: String) {
        trace(.connectivityState, "channel \(target): \(from) -> \(to)")
    }

    // MARK: tracer api

    /// A channel was made.
    func channelCreated(target: String) {
        trace(.api, "channel created for \(target)")
    }

    /// A server started serving.
    func serverStarted(ports: [String]) {
        trace(.api, "server started on \(ports.joined(separator: ", "))")
    }

    /// A server was asked to stop.
    func serverStopping(grace: Double?) {
        trace(.api, "server stopping, grace \(grace.map { "\($0) s" } ?? "none")")
    }
}

/// HTTP/2 error codes by name (RFC 9113 §7), for logs.
enum HTTP2ErrorCode {
    static func name(_ code: UInt32) -> String {
        String(cString: nghttp2_http2_strerror(code))
    }
}
