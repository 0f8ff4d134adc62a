import GRPCSync
import Tracing

/// The name and the OpenTelemetry RPC attributes of a call's span, from its method path
/// (`/package.Service/Method`).
struct RPCSpanNames {
    /// `package.Service/Method`, the span's name.
    let spanName: String
    /// `package.Service` (`rpc.service`).
    let service: String
    /// `Method` (`rpc.method`).
    let method: String

    init(path: String) {
        spanName = path.hasPrefix("/") ? String(path.dropFirst()) : path
        if let slash = spanName.lastIndex(of: "/") {
            service = String(spanName[..<slash])
            method = String(spanName[spanName.index(after: slash)...])
        } else {
            service = ""
            method = spanName
        }
    }

    /// Sets `rpc.system`, `rpc.service` and `rpc.method` on `span`.
    func describe(_ span: any Span) {
        span.updateAttributes { attributes in
            attributes["rpc.system"] = "grpc"
            attributes["rpc.service"] = service
            attributes["rpc.method"] = method
        }
    }

    /// Sets `rpc.grpc.status_code` on `span`, its status as OpenTelemetry's RPC conventions ask
    /// (`serverSide`: only the codes that mean a server error are errors), and ends it.
    static func end(_ span: any Span, code: StatusCode, details: String, serverSide: Bool) {
        span.attributes["rpc.grpc.status_code"] = code.rawValue
        let isError =
            serverSide
            ? [.unknown, .deadlineExceeded, .unimplemented, .internal, .unavailable, .dataLoss].contains(code)
            : code != .ok
        if isError { span.setStatus(SpanStatus(code: .error, message: details.isEmpty ? nil : details)) }
        span.end()
    }
}

/// Writes a tracer's propagation fields (W3C `traceparent` and `tracestate` with a W3C
/// propagating tracer) into a call's metadata.
struct MetadataInjector: Injector {
    func inject(_ value: String, forKey key: String, into metadata: inout Metadata) {
        metadata.add(key.lowercased(), .text(value))
    }
}

/// Reads a tracer's propagation fields from a call's invocation metadata.
struct MetadataExtractor: Extractor {
    func extract(key: String, from metadata: Metadata) -> String? {
        metadata[key.lowercased()]
    }
}
