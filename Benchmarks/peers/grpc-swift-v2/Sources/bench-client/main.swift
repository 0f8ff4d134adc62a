// bench-client for grpc-swift-2 (grpc-swift-nio-transport, HTTP/2 on SwiftNIO): drives gRPC's
// benchmark service and prints one JSON result line (the format every bench-client shares,
// Benchmarks/README.md). ClientOptions.swift and Measurement.swift are swift-grpc-sync's
// bench-client's, linked here.
//
// Every call or stream shares one client (one connection); `--concurrency` tasks each keep one
// call or stream going. With `--tls CERTS_DIR` the connection is TLS (SwiftNIO SSL), trusting
// CERTS_DIR/ca.pem, with the authority (and SNI and certificate check) foo.test.google.fr.

import BenchmarkService
import Foundation
import GRPCCore
import GRPCNIOTransportHTTP2

let options = ClientOptions.parse(Array(CommandLine.arguments.dropFirst()))
let maxMessageLength = 64 * 1024 * 1024

var callOptions = CallOptions.defaults
callOptions.maxRequestMessageBytes = maxMessageLength
callOptions.maxResponseMessageBytes = maxMessageLength

typealias Service = Grpc_Testing_BenchmarkService.Client<HTTP2ClientTransport.Posix>

func makeRequest(_ options: ClientOptions) -> Grpc_Testing_SimpleRequest {
    var request = Grpc_Testing_SimpleRequest()
    request.responseSize = Int32(options.responseSize)
    request.payload.body = Data(count: options.requestSize)
    return request
}

func sizeError(_ got: Int, _ expected: Int) -> String { "a response carried \(got) bytes, not \(expected)" }

func unaryWorker(
    _ service: Service, _ request: Grpc_Testing_SimpleRequest, _ size: Int, _ window: Window, _ tally: Tally
) async {
    while true {
        let start = monotonicNanoseconds()
        if start >= window.end { return }
        do {
            let response = try await service.unaryCall(request, options: callOptions)
            let end = monotonicNanoseconds()
            guard response.payload.body.count == size else {
                tally.recordError(sizeError(response.payload.body.count, size), at: end, in: window)
                continue
            }
            if window.contains(end) {
                tally.count += 1
                tally.latencies.append(end - start)
            }
        } catch {
            tally.recordError("UnaryCall failed: \(error)", at: monotonicNanoseconds(), in: window)
        }
    }
}

func serverStreamingWorker(
    _ service: Service, _ request: Grpc_Testing_SimpleRequest, _ size: Int, _ window: Window, _ tally: Tally
) async {
    do {
        // Returning from the response handler cancels the call.
        let closed = try await service.streamingFromServer(request, options: callOptions) { response in
            for try await message in response.messages {
                let now = monotonicNanoseconds()
                if now >= window.end { return true }
                guard message.payload.body.count == size else {
                    tally.recordError(sizeError(message.payload.body.count, size), at: now, in: window)
                    continue
                }
                if window.contains(now) { tally.count += 1 }
            }
            return false
        }
        if !closed { tally.recordError("StreamingFromServer ended early", at: monotonicNanoseconds(), in: window) }
    } catch {
        tally.recordError("StreamingFromServer failed: \(error)", at: monotonicNanoseconds(), in: window)
    }
}

func pingPongWorker(
    _ service: Service, _ request: Grpc_Testing_SimpleRequest, _ size: Int, _ window: Window, _ tally: Tally
) async {
    // One permit per request: the producer sends the next request once the previous response was read.
    // The first goes out at once: the response handler runs only once the server's response headers
    // arrived, and most servers send those with the first response.
    let (permits, permit) = AsyncStream.makeStream(of: Void.self)
    permit.yield()
    do {
        try await service.streamingCall(
            options: callOptions,
            requestProducer: { writer in
                for await _ in permits { try await writer.write(request) }
            },
            onResponse: { response in
                defer { permit.finish() }
                var messages = response.messages.makeAsyncIterator()
                var start = monotonicNanoseconds()
                while true {
                    guard let message = try await messages.next() else {
                        tally.recordError("StreamingCall ended early", at: monotonicNanoseconds(), in: window)
                        return
                    }
                    let end = monotonicNanoseconds()
                    if message.payload.body.count != size {
                        tally.recordError(sizeError(message.payload.body.count, size), at: end, in: window)
                    } else if window.contains(end) {
                        tally.count += 1
                        tally.latencies.append(end - start)
                    }
                    if end >= window.end { break }
                    start = monotonicNanoseconds()
                    permit.yield()
                }
                permit.finish()
                while try await messages.next() != nil {}
            })
    } catch {
        tally.recordError("StreamingCall failed: \(error)", at: monotonicNanoseconds(), in: window)
    }
}

let parts = options.target.split(separator: ":")
guard parts.count == 2, let port = Int(parts[1]) else { ClientOptions.fail("--target must be HOST:PORT") }
let request = makeRequest(options)
let tallies = (0..<options.concurrency).map { _ in Tally() }
let worker =
    switch options.scenario {
    case .unary: unaryWorker
    case .serverStreaming: serverStreamingWorker
    case .pingPong: pingPongWorker
    }
let transportSecurity: HTTP2ClientTransport.Posix.TransportSecurity =
    if let certificates = options.tls {
        .tls { $0.trustRoots = .certificates([.file(path: certificates + "/ca.pem", format: .pem)]) }
    } else {
        .plaintext
    }
try await withGRPCClient(
    transport: .http2NIOPosix(
        target: .ipv4(address: String(parts[0]), port: port), transportSecurity: transportSecurity,
        config: .defaults { config in
            // As grpc.ssl_target_name_override: the :authority, the SNI name and the name checked.
            if options.tls != nil { config.http2.authority = ClientOptions.tlsServerName }
        })
) { client in
    let service = Grpc_Testing_BenchmarkService.Client(wrapping: client)
    let window = Window(warmup: options.warmup, duration: options.duration)
    await withTaskGroup(of: Void.self) { group in
        for tally in tallies {
            group.addTask { await worker(service, request, options.responseSize, window, tally) }
        }
    }
}

let report = Report(
    implementation: "grpc-swift-2", options: options, tallies: tallies,
    measuresLatency: options.scenario != .serverStreaming)
write(report.json() + "\n", to: 1)
if let error = tallies.lazy.compactMap(\.firstError).first {
    write("bench-client: \(error)\n", to: 2)
}
exit(tallies.contains { $0.count > 0 } ? 0 : 1)
