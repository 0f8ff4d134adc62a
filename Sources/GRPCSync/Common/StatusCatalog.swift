// Every status the runtime produces, with its text, named once. grpcio's exact texts where it has
// them (`Method not found!`, `Deadline Exceeded`, …). No other file makes a `Status` or an
// `RPCError` from a literal code and text: search here for a status text to find where it comes
// from, then search for its name.

extension Status {
    // MARK: calls on either side

    /// The call's deadline passed (`grpc-timeout` on a server, `timeout=` on a client).
    static let deadlineExceeded = Status(code: .deadlineExceeded, details: "Deadline Exceeded")

    // MARK: server: before the handler

    /// No handler serves the call's path (grpcio's wording).
    static let methodNotFound = Status(code: .unimplemented, details: "Method not found!")
    /// `maximum_concurrent_rpcs` calls are running already (grpcio's wording).
    static let concurrentRPCLimitExceeded = Status(
        code: .resourceExhausted, details: "Concurrent RPC limit exceeded!")
    /// A server interceptor or generic handler threw while the handler was chosen (grpcio's wording).
    static let errorInServiceHandler = Status(code: .unknown, details: "Error in service handler!")
    /// The server is stopping and takes no new call.
    static let serverShuttingDown = Status(code: .unavailable, details: "Server is shutting down")
    /// A connection accepted while the server stops.
    static let serverStopping = Status(code: .unavailable, details: "Server is stopping")
    /// Calls still running when a stop's grace period ends (or a stop without grace).
    static let serverCancelledCalls = Status(code: .cancelled, details: "Server is shutting down")

    // MARK: server: the handler

    /// The request does not deserialize (grpcio's wording).
    static let requestDeserializationFailed = Status(code: .internal, details: "Exception deserializing request!")
    /// The response does not serialize (grpcio's wording).
    static let responseSerializationFailed = Status(code: .internal, details: "Failed to serialize response!")
    /// A unary-request call ended without its request message.
    static func missingRequest(method: String) -> Status {
        Status(code: .unimplemented, details: "\"\(method)\" requires exactly one request message.")
    }
    /// A unary-request call received more than one request message (grpc-java's wording).
    static let tooManyRequests = Status(code: .internal, details: "Too many requests")
    /// A unary-response handler threw (grpcio's wording).
    static func exceptionCallingApplication(_ error: any Error) -> Status {
        Status(code: .unknown, details: "Exception calling application: \(error)")
    }
    /// A streaming-response handler threw (grpcio's wording).
    static func exceptionIteratingResponses(_ error: any Error) -> Status {
        Status(code: .unknown, details: "Exception iterating responses: \(error)")
    }
    /// A behaviour wrapper returned without running the behaviour, and set no code.
    static let behaviorNotRun = Status(code: .unknown, details: "The behaviour was not run by its wrapper")
    /// A handler factory returned without ending the call (a guard; every factory ends it).
    static let handlerReturnedWithoutAnswer = Status(code: .unknown, details: "Handler returned without a status")
    /// The handler cancelled the call (`context.cancel()`).
    static let cancelledByServer = Status(code: .cancelled, details: "Cancelled by the server")
    /// The client reset the stream, or went away, before the call was answered.
    static let cancelledByClient = Status(code: .cancelled, details: "Cancelled by the client")
    /// A send on a call that has ended, when no status says why.
    static let rpcNoLongerActive = Status(code: .cancelled, details: "RPC is no longer active")

    // MARK: client

    /// `channel.close()` while the call ran (grpcio's wording).
    static let channelClosed = Status(code: .cancelled, details: "Channel closed!")
    /// `call.cancel()` (grpcio's wording).
    static let locallyCancelled = Status(code: .cancelled, details: "Locally cancelled by application!")
    /// An async call dropped by the application while it ran (grpc.aio's, on garbage collection).
    static let cancelledUponGarbageCollection = Status(
        code: .cancelled, details: "Cancelled upon garbage collection!")
    /// A client interceptor threw before the call started (grpcio's wording).
    static let interceptionFailed = Status(code: .internal, details: "Exception raised while intercepting the RPC")
    /// The request does not serialize (grpcio's wording).
    static let requestSerializationFailed = Status(code: .internal, details: "Exception serializing request!")
    /// The response does not deserialize (grpcio's wording).
    static let responseDeserializationFailed = Status(code: .internal, details: "Exception deserializing response!")
    /// A unary-response call ended OK without a response message.
    static let noResponseMessage = Status(code: .internal, details: "No response message received")
    /// A call with call credentials on a connection that does not protect them: neither TLS nor
    /// local (grpc core's wording).
    static let insufficientSecurityForCallCredentials = Status(
        code: .unauthenticated,
        details: "Established channel does not have a sufficient security level to transfer call credential.")
    /// A call-credentials plugin threw, or called back with an error (grpcio's wording).
    static func metadataPluginFailed(_ error: any Error) -> Status {
        Status(code: .unavailable, details: "Getting metadata from plugin failed with error: \(error)")
    }
    /// A call-credentials plugin called back with a key or value not allowed in metadata
    /// (grpc core's wording).
    static let illegalPluginMetadata = Status(code: .unavailable, details: "Illegal metadata")
    /// The channel's options or target are invalid; `message` says which.
    static func invalidChannelConfiguration(_ message: String) -> Status {
        Status(code: .unavailable, details: message)
    }
    /// A client call started in a server call's propagation scope, once that server call ended.
    static let parentCallEnded = Status(code: .cancelled, details: "The call that started this one has ended")
    /// Every call of a channel grpc core would not make: its `grpc.service_config` was refused
    /// (INVALID_ARGUMENT), or its `ipv4:`/`ipv6:` target does not parse (UNKNOWN); grpc core's words.
    static func channelCreationFailed(_ code: StatusCode, target: String, reason: String) -> Status {
        Status(code: code, details: "Failed to create channel to '\(target)':\(reason)")
    }
    /// The target's name did not resolve (grpc's words, as its c-ares resolver reports it).
    static func resolutionFailed(name: String, reason: String) -> Status {
        Status(
            code: .unavailable,
            details:
                "errors resolving \(name): [field:hostname lookup error:address lookup failed for \(name): \(reason)]"
        )
    }
    /// No address of the target accepted a connection (grpc's wording).
    static func failedToConnect(lastError: String) -> Status {
        Status(code: .unavailable, details: "failed to connect to all addresses; last error: \(lastError)")
    }

    // MARK: connections

    /// The connection closed, for no more specific reason.
    static let connectionClosed = Status(code: .unavailable, details: "Connection closed")
    /// The connection is draining (a GOAWAY was sent or received) and takes no new stream.
    static let connectionGoingAway = Status(code: .unavailable, details: "Connection is going away")
    /// The server's GOAWAY says it will not process the stream.
    static let goAwayReceived = Status(code: .unavailable, details: "Connection is going away (GOAWAY)")
    /// nghttp2 refused to open a stream.
    static func cannotOpenStream(_ reason: String) -> Status {
        Status(code: .unavailable, details: "Cannot open a stream: \(reason)")
    }
    /// The peer closed the socket.
    static let socketClosedByPeer = Status(code: .unavailable, details: "Socket closed by peer")
    /// A socket error.
    static func connectionError(_ reason: String) -> Status {
        Status(code: .unavailable, details: "Connection error: \(reason)")
    }
    /// The TLS handshake failed; `reason` says how (a certificate not trusted, no ALPN h2, …).
    static func tlsHandshakeFailed(_ reason: String) -> Status {
        Status(code: .unavailable, details: "TLS handshake failed: \(reason)")
    }
    /// The server accepted the connection but sent no HTTP/2 SETTINGS in time (grpc's wording).
    static let settingsTimedOut = Status(
        code: .unavailable, details: "connection attempt timed out before receiving SETTINGS frame")
    /// A keepalive PING went unanswered (grpc's wording).
    static let keepaliveTimedOut = Status(code: .unavailable, details: "keepalive watchdog timeout")
    /// The client's PINGs came too often; the server ends the connection (GOAWAY
    /// ENHANCE_YOUR_CALM `too_many_pings`).
    static let tooManyPings = Status(code: .unavailable, details: "Too many pings")
    /// The client sent header blocks over the metadata limit, one after another; the server ends
    /// the connection (GOAWAY ENHANCE_YOUR_CALM `too_many_oversized_header_blocks`).
    static let tooManyOversizedHeaderBlocks = Status(
        code: .unavailable, details: "Too many header blocks over the metadata limit")
    /// `grpc.max_connection_age_grace_ms` ran out while calls were still running.
    static let connectionAgeGraceExpired = Status(
        code: .unavailable, details: "Connection reached its maximum age and grace period")
    /// The TLS handshake did not finish in time.
    static let tlsHandshakeTimedOut = Status(code: .unavailable, details: "TLS handshake timed out")
    /// The peer broke HTTP/2 (a bad preface, a malformed frame).
    static func protocolError(_ reason: String) -> Status {
        Status(code: .unavailable, details: "HTTP/2 protocol error: \(reason)")
    }
    /// Why a server's answer that starts with an HTTP/1.x status line where its SETTINGS should
    /// be is a protocol error (grpc core's words): `statusCode` is the line's.
    static func http1ServerReason(statusCode: String) -> String {
        "Trying to connect an http1.x server (HTTP status \(statusCode))"
    }

    // MARK: stream events

    /// The peer ended its side of the stream in the middle of a message.
    static let streamEndedMidMessage = Status(code: .internal, details: "Stream ended in the middle of a message")
    /// The server ended the stream without trailers.
    static let closedWithoutTrailers = Status(
        code: .internal, details: "Server closed the stream without sending trailers")
    /// Which status a RST_STREAM error code means (PROTOCOL-HTTP2.md's table).
    static func reset(errorCode: UInt32) -> Status {
        switch errorCode {
        case 0x7: Status(code: .unavailable, details: "Stream refused by server")
        case 0x8: Status(code: .cancelled, details: "Stream cancelled by server (RST_STREAM CANCEL)")
        case 0xB: Status(code: .resourceExhausted, details: "Bandwidth exhausted (RST_STREAM ENHANCE_YOUR_CALM)")
        case 0xC: Status(code: .permissionDenied, details: "Inadequate security (RST_STREAM INADEQUATE_SECURITY)")
        default: Status(code: .internal, details: "Stream reset by peer with HTTP/2 error code \(errorCode)")
        }
    }
    /// A stream event that its state does not allow: a runtime bug, reported instead of ignored.
    static func invalidStreamTransition(_ description: String) -> Status {
        Status(code: .internal, details: "Invalid stream transition: \(description)")
    }

    // MARK: headers

    /// A `-bin` metadata value that is not base64.
    static func invalidBase64(key: String) -> Status {
        Status(code: .internal, details: "Invalid base64 in \(key)")
    }
    /// A request whose `:method` is not POST (with HTTP status 405).
    static func unsupportedMethod(_ method: String) -> Status {
        Status(code: .internal, details: "Method \"\(method)\" is not supported")
    }
    /// A request whose content type is not gRPC's (with HTTP status 415).
    static func unsupportedContentType(_ contentType: String) -> Status {
        Status(code: .internal, details: "Content-Type \"\(contentType)\" is not supported")
    }
    /// A request without `:path` (with HTTP status 400).
    static let missingPath = Status(code: .internal, details: "Missing :path")
    /// A request whose `grpc-timeout` is not 1–8 digits and a unit (grpcio's wording).
    static let invalidTimeout = Status(code: .internal, details: "Error parsing 'grpc-timeout' metadata")
    /// A request compressed with an algorithm this server does not support (compression.md).
    static func unsupportedRequestEncoding(_ name: String) -> Status {
        Status(code: .unimplemented, details: "Compression algorithm \"\(name)\" is not supported (grpc-encoding)")
    }
    /// A response compressed with an algorithm this client does not support (compression.md).
    static func unsupportedResponseEncoding(_ name: String) -> Status {
        Status(code: .internal, details: "Compression algorithm \"\(name)\" of the response is not supported")
    }
    /// A response whose content type is not gRPC's.
    static func unexpectedContentType(_ contentType: String) -> Status {
        Status(code: .unknown, details: "Received unexpected content-type \"\(contentType)\"")
    }
    /// A response with an HTTP status other than 200 and no `grpc-status` (http-grpc-status-mapping.md).
    static func httpStatus(_ httpStatus: Int, code: StatusCode) -> Status {
        Status(code: code, details: "Received http2 header with status: \(httpStatus)")
    }
    /// Trailers without `grpc-status`.
    static func missingStatus(trailingMetadata: Metadata) -> Status {
        Status(code: .unknown, details: "No grpc-status in trailers", trailingMetadata: trailingMetadata)
    }
    /// A header block over `grpc.max_metadata_size`.
    static func metadataTooLarge(limit: Int) -> Status {
        Status(code: .resourceExhausted, details: "Received metadata larger than max (over \(limit) bytes)")
    }

    // MARK: messages

    /// A received message over `grpc.max_receive_message_length` (grpc core's wording).
    static func receivedMessageTooLarge(length: UInt32, limit: Int) -> Status {
        Status(code: .resourceExhausted, details: "Received message larger than max (\(length) vs. \(limit))")
    }
    /// A message to send over `grpc.max_send_message_length` (grpc core's wording).
    static func sentMessageTooLarge(length: Int, limit: Int) -> Status {
        Status(code: .resourceExhausted, details: "Sent message larger than max (\(length) vs. \(limit))")
    }
    /// A message whose flag byte is neither 0 nor 1 (grpc core's wording).
    static func invalidMessageFlags(_ flags: UInt8) -> Status {
        let hex = String(flags, radix: 16)
        return Status(code: .internal, details: "Bad GRPC frame type 0x\(hex.count < 2 ? "0" : "")\(hex)")
    }
    /// The connection's streams hold `limit` bytes of incomplete messages (`grpc.max_connection_receive_buffer_bytes`),
    /// the call's the most: it is ended so that the others can complete.
    static func receiveBufferExhausted(limit: Int) -> Status {
        Status(
            code: .resourceExhausted,
            details: "Incomplete messages exceed the connection's receive buffer (\(limit) bytes)")
    }
    /// A message with the compressed flag on a stream without `grpc-encoding`.
    static let compressedWithoutEncoding = Status(
        code: .internal, details: "Compression bit set but no encoding configured")
    /// A compressed message that inflates past the receive limit.
    static func decompressedMessageTooLarge(limit: Int) -> Status {
        Status(code: .resourceExhausted, details: "Decompressed message larger than max (over \(limit) bytes)")
    }
    /// A compressed message that does not inflate.
    static func decompressionFailed(_ reason: String) -> Status {
        Status(code: .internal, details: "Decompression failed due to \(reason)")
    }
}

extension RPCError {
    /// The error a client call throws for `status`, or a transport step reports.
    init(_ status: Status) {
        self.init(code: status.code, details: status.details, trailingMetadata: status.trailingMetadata)
    }
}
