// bench-client: drives gRPC's benchmark service (grpc.testing.BenchmarkService) with
// swift-grpc-sync's blocking stubs and prints one JSON result line (Benchmarks/README.md).
//
//   bench-client --target 127.0.0.1:PORT --scenario unary --concurrency 64 --request-size 100 \
//                --response-size 100 --warmup 0.5 --duration 2
//
// Every call or stream of a run shares one channel; `--concurrency` threads each keep one call
// (unary) or one stream (server-streaming, ping-pong) going. With `--tls CERTS_DIR` the channel is
// a secure one trusting CERTS_DIR/ca.pem.

import BenchmarkService
import Foundation
import GRPCSync

#if canImport(Glibc)
    import Glibc
#endif

let options = ClientOptions.parse(Array(CommandLine.arguments.dropFirst()))
let maxMessageLength = 64 * 1024 * 1024
let channelOptions: [(String, OptionValue)] = [
    ("grpc.max_receive_message_length", .int(maxMessageLength)),
    ("grpc.max_send_message_length", .int(maxMessageLength)),
]
let channel: Channel
if let certificates = options.tls {
    let path = (certificates as NSString).appendingPathComponent("ca.pem")
    guard let roots = FileManager.default.contents(atPath: path) else { ClientOptions.fail("cannot read \(path)") }
    channel = secureChannel(
        options.target, sslChannelCredentials(rootCertificates: Array(roots)),
        options: channelOptions + [("grpc.ssl_target_name_override", .string(ClientOptions.tlsServerName))])
} else {
    channel = insecureChannel(options.target, options: channelOptions)
}
let stub = Grpc_Testing_BenchmarkServiceStub(channel)
let request = makeRequest(options)
let tallies = (0..<options.concurrency).map { _ in Tally() }
let window = Window(warmup: options.warmup, duration: options.duration)
let worker =
    switch options.scenario {
    case .unary: unaryWorker
    case .serverStreaming: serverStreamingWorker
    case .pingPong: pingPongWorker
    }
runOnThreads(options.concurrency) { index in
    worker(stub, request, options.responseSize, window, tallies[index])
}
channel.close()

let report = Report(
    implementation: "swift-grpc-sync", options: options, tallies: tallies,
    measuresLatency: options.scenario != .serverStreaming)
write(report.json() + "\n", to: 1)
if let error = tallies.lazy.compactMap(\.firstError).first {
    write("bench-client: \(error)\n", to: 2)
}
exit(tallies.contains { $0.count > 0 } ? 0 : 1)
