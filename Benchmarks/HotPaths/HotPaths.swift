// Micro-benchmarks of the runtime's per-message and per-call work: framing, header building and
// parsing, and protobuf (de)serialization of the benchmark service's messages, each with its
// allocation count (malloc interposer). Run with `make bench-micro`, which builds with
// `-enable-testing` so that the runtime's internal hot paths can be called here.

import Benchmark
import BenchmarkService
import Foundation
import SwiftProtobuf

@testable import GRPCSync

/// A message framed the way the runtime frames one, as the bytes on the wire.
func framed(_ message: [UInt8]) -> [UInt8] {
    MessageFraming.frame(message, compression: .noCompression).bytes
}

func simpleRequest(payload: Int) -> Grpc_Testing_SimpleRequest {
    var request = Grpc_Testing_SimpleRequest()
    request.responseSize = Int32(payload)
    request.payload.body = Data(count: payload)
    return request
}

/// The request headers the server side sees for a call from grpc C++ or grpcio.
let receivedRequestHeaders = [
    HeaderField(":scheme", "http"),
    HeaderField(":method", "POST"),
    HeaderField(":authority", "127.0.0.1:50051"),
    HeaderField(":path", "/grpc.testing.BenchmarkService/UnaryCall"),
    HeaderField("te", "trailers"),
    HeaderField("content-type", "application/grpc"),
    HeaderField("user-agent", "grpc-c++/1.51.1 grpc-c/29.0.0 (linux; chttp2)"),
    HeaderField("grpc-accept-encoding", "identity, deflate, gzip"),
    HeaderField("grpc-timeout", "9999848u"),
]

let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(
        metrics: [.wallClock, .throughput, .mallocCountTotal],
        scalingFactor: .kilo,
        maxDuration: .seconds(1),
        maxIterations: 10_000
    )

    // MARK: framing

    Benchmark("Framing: frame a 100 B message") { benchmark in
        let message = [UInt8](repeating: 7, count: 100)
        for _ in benchmark.scaledIterations { blackHole(MessageFraming.frame(message, compression: .noCompression)) }
    }

    Benchmark("Framing: deframe a 100 B message") { benchmark in
        let data = framed([UInt8](repeating: 7, count: 100))
        var deframer = MessageDeframer(maxMessageLength: 4 * 1024 * 1024)
        for _ in benchmark.scaledIterations {
            try data.withUnsafeBytes { bytes in try deframer.consume(bytes) { blackHole($0) } }
        }
    }

    Benchmark(
        "Framing: deframe a 1 MiB message from 16 KiB DATA frames",
        configuration: .init(scalingFactor: .one)
    ) { benchmark in
        let data = framed([UInt8](repeating: 7, count: 1024 * 1024))
        var deframer = MessageDeframer(maxMessageLength: 4 * 1024 * 1024)
        for _ in benchmark.scaledIterations {
            try data.withUnsafeBytes { bytes in
                var offset = 0
                while offset < bytes.count {
                    let end = min(offset + 16 * 1024, bytes.count)
                    try deframer.consume(UnsafeRawBufferPointer(rebasing: bytes[offset..<end])) { blackHole($0) }
                    offset = end
                }
            }
        }
    }

    // MARK: headers

    Benchmark("Headers: build request headers and their nghttp2 name/value pairs") { benchmark in
        for _ in benchmark.scaledIterations {
            let headers = GRPCHeaders.request(
                path: "/grpc.testing.BenchmarkService/UnaryCall", authority: "127.0.0.1:50051",
                timeout: .never, metadata: [])
            blackHole(headers.withNameValuePairs { pairs, count in count })
        }
    }

    Benchmark("Headers: check a request's headers (server)") { benchmark in
        for _ in benchmark.scaledIterations { blackHole(GRPCHeaders.checkRequest(receivedRequestHeaders)) }
    }

    Benchmark("Headers: build response headers and OK trailers (server)") { benchmark in
        let status = Status(code: .ok)
        for _ in benchmark.scaledIterations {
            let response = GRPCHeaders.response(metadata: [])
            let trailers = GRPCHeaders.trailers(status: status)
            blackHole(response.withNameValuePairs { pairs, count in count })
            blackHole(trailers.withNameValuePairs { pairs, count in count })
        }
    }

    Benchmark("Headers: read response headers and trailers (client)") { benchmark in
        let response = [HeaderField(":status", "200"), HeaderField("content-type", "application/grpc")]
        let trailers = [HeaderField("grpc-status", "0"), HeaderField("grpc-message", "")]
        for _ in benchmark.scaledIterations {
            blackHole(GRPCHeaders.checkResponse(response, endStream: false))
            blackHole(GRPCHeaders.status(fromTrailers: trailers))
        }
    }

    // MARK: messages

    let serializer = ProtobufSerialization.serializer(Grpc_Testing_SimpleRequest.self)
    let deserializer = ProtobufSerialization.deserializer(Grpc_Testing_SimpleRequest.self)

    Benchmark("Messages: serialize a SimpleRequest with 100 B") { benchmark in
        let request = simpleRequest(payload: 100)
        for _ in benchmark.scaledIterations { blackHole(try serializer(request)) }
    }

    Benchmark("Messages: deserialize a SimpleRequest with 100 B") { benchmark in
        let bytes = try serializer(simpleRequest(payload: 100))
        for _ in benchmark.scaledIterations { blackHole(try deserializer(bytes)) }
    }

    Benchmark("Messages: serialize a SimpleRequest with 1 MiB", configuration: .init(scalingFactor: .one)) {
        benchmark in
        let request = simpleRequest(payload: 1024 * 1024)
        for _ in benchmark.scaledIterations { blackHole(try serializer(request)) }
    }

    Benchmark("Messages: deserialize a SimpleRequest with 1 MiB", configuration: .init(scalingFactor: .one)) {
        benchmark in
        let bytes = try serializer(simpleRequest(payload: 1024 * 1024))
        for _ in benchmark.scaledIterations { blackHole(try deserializer(bytes)) }
    }
}
