/// The gRPC-over-HTTP/2 header rules (grpc's PROTOCOL-HTTP2.md): what a request, a response and
/// trailers carry, and how a client turns what it received into a status.
enum GRPCHeaders {
    static let userAgent = "grpc-swift-sync/0.1.0"
    static let contentType = "application/grpc"

    // MARK: building

    /// `grpc-previous-rpc-attempts`: how many attempts of a retried call came before this one.
    static func previousAttempts(_ count: Int) -> HeaderField {
        HeaderField("grpc-previous-rpc-attempts", "\(count)")
    }

    /// Request headers; `encoding` is the algorithm the request messages are compressed with.
    static func request(
        path: String, authority: String, timeout: Deadline, metadata: Metadata, userAgent: String = userAgent,
        encoding: Compression = .noCompression
    ) -> [HeaderField] {
        var fields = [
            HeaderField(":method", "POST"),
            HeaderField(":scheme", "http"),
            HeaderField(":path", path),
            HeaderField(":authority", authority),
            HeaderField("content-type", contentType),
            HeaderField("te", "trailers"),
            HeaderField("user-agent", userAgent),
        ]
        if !timeout.isNever {
            fields.append(
                HeaderField("grpc-timeout", WireFormat.encodeTimeout(nanoseconds: timeout.nanosecondsRemaining)))
        }
        appendEncoding(encoding, to: &fields)
        appendMetadata(metadata, to: &fields)
        return fields
    }

    /// Response headers; `encoding` is the algorithm the response messages are compressed with.
    static func response(metadata: Metadata, encoding: Compression = .noCompression) -> [HeaderField] {
        if metadata.isEmpty && encoding == .noCompression { return plainResponse }
        var fields = [HeaderField(":status", "200"), HeaderField("content-type", contentType)]
        appendEncoding(encoding, to: &fields)
        appendMetadata(metadata, to: &fields)
        return fields
    }

    /// The response headers of most calls, made once.
    private static let plainResponse: [HeaderField] = {
        var fields = [HeaderField(":status", "200"), HeaderField("content-type", contentType)]
        appendEncoding(.noCompression, to: &fields)
        return fields
    }()

    static func trailers(status: Status) -> [HeaderField] {
        if status.code == .ok && status.details.isEmpty && status.trailingMetadata.isEmpty { return okTrailers }
        var fields = [HeaderField("grpc-status", String(status.code.rawValue))]
        if !status.details.isEmpty {
            fields.append(HeaderField("grpc-message", WireFormat.percentEncode(status.details)))
        }
        appendMetadata(status.trailingMetadata, to: &fields)
        return fields
    }

    /// The trailers of a call that ended OK with nothing more to say, made once.
    private static let okTrailers = [HeaderField("grpc-status", "0")]

    /// A Trailers-Only response: one HEADERS frame with HTTP status, content type and the status. It
    /// carries `grpc-accept-encoding` too, as an answer to an unsupported `grpc-encoding` must.
    static func trailersOnly(status: Status, httpStatus: Int = 200) -> [HeaderField] {
        [
            HeaderField(":status", String(httpStatus)), HeaderField("content-type", contentType),
            HeaderField("grpc-accept-encoding", Compression.acceptEncoding),
        ] + trailers(status: status)
    }

    /// `grpc-encoding` when messages are compressed, and always the algorithms this side accepts.
    private static func appendEncoding(_ encoding: Compression, to fields: inout [HeaderField]) {
        if encoding != .noCompression { fields.append(HeaderField("grpc-encoding", encoding.encodingName)) }
        fields.append(HeaderField("grpc-accept-encoding", Compression.acceptEncoding))
    }

    private static func appendMetadata(_ metadata: Metadata, to fields: inout [HeaderField]) {
        for entry in metadata { fields.append(HeaderField(entry.key, WireFormat.headerValue(entry))) }
    }

    // MARK: server side: the request head

    enum RequestCheck: Equatable {
        case accept(RequestHead)
        /// Answer with this HTTP status and gRPC status, without calling a handler.
        case reject(httpStatus: Int, status: Status)
    }

    static func checkRequest(_ fields: [HeaderField]) -> RequestCheck {
        var method = ""
        var path = ""
        var contentType = ""
        var timeout: UInt64?
        var timeoutIsValid = true
        var encodingName: String?
        var acceptEncoding: [UInt8]?
        var metadata = Metadata()
        for field in fields {
            switch field.name {
            case ":method": method = String(decoding: field.value, as: UTF8.self)
            case ":path": path = String(decoding: field.value, as: UTF8.self)
            case "content-type": contentType = String(decoding: field.value, as: UTF8.self)
            case "grpc-timeout":
                timeout = WireFormat.decodeTimeout(String(decoding: field.value, as: UTF8.self))
                timeoutIsValid = timeout != nil
            case "grpc-encoding": encodingName = String(decoding: field.value, as: UTF8.self)
            case "grpc-accept-encoding": acceptEncoding = field.value
            case ":scheme", "te", ":authority":
                break
            default:
                if field.name.hasPrefix(":") { continue }
                if !WireFormat.appendReceived(name: field.name, value: field.value, to: &metadata) {
                    return .reject(httpStatus: 200, status: .invalidBase64(key: field.name))
                }
            }
        }
        if method != "POST" {
            return .reject(httpStatus: 405, status: .unsupportedMethod(method))
        }
        if !isGRPCContentType(contentType) {
            return .reject(httpStatus: 415, status: .unsupportedContentType(contentType))
        }
        if path.isEmpty {
            return .reject(httpStatus: 400, status: .missingPath)
        }
        if !timeoutIsValid {
            // PROTOCOL-HTTP2.md: at most 8 digits and a unit; grpcio answers a malformed one so too.
            return .reject(httpStatus: 200, status: .invalidTimeout)
        }
        var head = RequestHead(path: path, timeout: timeout, metadata: metadata)
        if let encodingName {
            // grpc's compression.md: an algorithm the server does not support is UNIMPLEMENTED, and
            // the answer lists the ones it does (`grpc-accept-encoding`, see trailersOnly).
            guard let encoding = Compression(encodingName: encodingName) else {
                return .reject(httpStatus: 200, status: .unsupportedRequestEncoding(encodingName))
            }
            head.encoding = encoding
        }
        head.acceptedEncodings = Compression.accepted(byHeaderValue: acceptEncoding)
        return .accept(head)
    }

    static func isGRPCContentType(_ value: String) -> Bool {
        value == "application/grpc" || value.hasPrefix("application/grpc+") || value.hasPrefix("application/grpc;")
    }

    // MARK: client side: response head and trailers

    enum ResponseCheck: Equatable {
        /// Initial metadata and the algorithm of the response's compressed messages; the stream goes on.
        case headers(Metadata, encoding: Compression)
        /// The call is over (Trailers-Only, or a non-gRPC answer mapped to a status).
        case finished(Status)
    }

    /// Reads the first HEADERS of a response. `endStream` marks a Trailers-Only response.
    static func checkResponse(_ fields: [HeaderField], endStream: Bool) -> ResponseCheck {
        var httpStatus = 0
        var contentType = ""
        var hasGRPCStatus = false
        var encodingName: String?
        for field in fields {
            if field.name == ":status" { httpStatus = Int(String(decoding: field.value, as: UTF8.self)) ?? 0 }
            if field.name == "content-type" { contentType = String(decoding: field.value, as: UTF8.self) }
            if field.name == "grpc-status" { hasGRPCStatus = true }
            if field.name == "grpc-encoding" { encodingName = String(decoding: field.value, as: UTF8.self) }
        }
        if httpStatus != 200 && !hasGRPCStatus {
            return .finished(.httpStatus(httpStatus, code: statusForHTTP(httpStatus)))
        }
        if hasGRPCStatus || endStream { return .finished(status(fromTrailers: fields)) }
        if !isGRPCContentType(contentType) {
            return .finished(.unexpectedContentType(contentType))
        }
        var encoding = Compression.noCompression
        if let encodingName {
            // grpc's compression.md: a response compressed with an algorithm the client does not
            // support is INTERNAL.
            guard let known = Compression(encodingName: encodingName) else {
                return .finished(.unsupportedResponseEncoding(encodingName))
            }
            encoding = known
        }
        var metadata = Metadata()
        for field in fields where !field.name.hasPrefix(":") && !isTransportField(field.name) {
            if !WireFormat.appendReceived(name: field.name, value: field.value, to: &metadata) {
                return .finished(.invalidBase64(key: field.name))
            }
        }
        return .headers(metadata, encoding: encoding)
    }

    /// The status and trailing metadata carried by trailers. An OK status has no details: grpc
    /// core drops the `grpc-message` of an OK status, so grpcio's `call.details()` is empty then.
    static func status(fromTrailers fields: [HeaderField]) -> Status {
        var code: StatusCode?
        var details = ""
        var metadata = Metadata()
        for field in fields {
            switch field.name {
            case "grpc-status":
                code = Int(String(decoding: field.value, as: UTF8.self)).map(StatusCode.init(wireValue:)) ?? .unknown
            case "grpc-message":
                details = WireFormat.percentDecode(field.value)
            default:
                if field.name.hasPrefix(":") || isTransportField(field.name) { continue }
                if !WireFormat.appendReceived(name: field.name, value: field.value, to: &metadata) {
                    return .invalidBase64(key: field.name)
                }
            }
        }
        guard let code else { return .missingStatus(trailingMetadata: metadata) }
        return Status(code: code, details: code == .ok ? "" : details, trailingMetadata: metadata)
    }

    private static func isTransportField(_ name: String) -> Bool {
        name == "content-type" || name == "grpc-status" || name == "grpc-message" || name == "grpc-encoding"
            || name == "grpc-accept-encoding"
    }

    /// The HTTP status → gRPC status table of grpc's http-grpc-status-mapping.md.
    static func statusForHTTP(_ httpStatus: Int) -> StatusCode {
        switch httpStatus {
        case 400: .internal
        case 401: .unauthenticated
        case 403: .permissionDenied
        case 404: .unimplemented
        case 429, 502, 503, 504: .unavailable
        default: .unknown
        }
    }
}

/// What a server needs of a request's head, checked by ``GRPCHeaders/checkRequest(_:)``.
struct RequestHead: Equatable, Sendable {
    var path: String
    /// The client's `grpc-timeout`, in nanoseconds.
    var timeout: UInt64?
    var metadata: Metadata
    /// The algorithm of the request's compressed messages (`grpc-encoding`).
    var encoding = Compression.noCompression
    /// The algorithms the client accepts for the response (`grpc-accept-encoding`).
    var acceptedEncodings: Set<Compression> = [.noCompression]
}
