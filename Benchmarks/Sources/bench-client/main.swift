// bench-client: drives gRPC's benchmark service (grpc.testing.BenchmarkService) with
// swift-grpc-sync's blocking stubs and prints one JSON result line (Benchmarks/README.md).
//
//   bench-client --target 127.0.0.1:PORT --scenario unary --concurrency 64 --request-size 100 \
//                --response-size 100 --warmup 0.5 --duration 2
//
// Every call or stream of a run shares one channel; `--concurrency` threads each keep one call
// (unary) or one stream (server-streaming, ping-pong) going. With `--tls CERTS_DIR` the channel is
// a secure one trusting CERTS_DIR/ca.pem. With `--api async` the async stubs make the calls, from
// `--concurrency` tasks (AsyncScenarios.swift); with `--api async-loop` those tasks prefer the
// channel's executor, so they run on the loop that reads the connection.

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
var credentials: ChannelCredentials?
var secureOptions = channelOptions
if let certificates = options.tls {
    let path = (certificates as NSString).appendingPathComponent("ca.pem")
    guard let roots = FileManager.default.contents(atPath: path) else { ClientOptions.fail("cannot read \(path)") }
    credentials = sslChannelCredentials(rootCertificates: Array(roots))
    secureOptions += [("grpc.ssl_target_name_override", .string(ClientOptions.tlsServerName))]
}
let tallies = (0..<options.concurrency).map { _ in Tally() }
let window = Window(warmup: options.warmup, duration: options.duration)
switch options.api {
case .blocking:
    let channel =
        if let credentials {
            secureChannel(options.target, credentials, options: secureOptions)
        } else {
            insecureChannel(options.target, options: channelOptions)
        }
    let stub = Grpc_Testing_BenchmarkServiceStub(channel)
    let request = makeRequest(options)
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
case .async, .asyncLoop:
    let channel =
        if let credentials {
            AIO.secureChannel(options.target, credentials, options: secureOptions)
        } else {
            AIO.insecureChannel(options.target, options: channelOptions)
        }
    // Not awaited here: an async main hands the main thread to Dispatch, which callgrind cannot run.
    let done = DispatchSemaphore(value: 0)
    let preference: (any TaskExecutor)? = options.api == .asyncLoop ? channel.executor : nil
    Task.detached(executorPreference: preference) {
        await runAsync(options, on: channel, tallies, window)
        done.signal()
    }
    done.wait()
}

let report = Report(
    implementation: ["async": "swift-grpc-sync (async)", "async-loop": "swift-grpc-sync (async, on the loops)"][
        options.api.rawValue] ?? "swift-grpc-sync", options: options,
    tallies: tallies,
    measuresLatency: options.scenario != .serverStreaming)
write(report.json() + "\n", to: 1)
if let error = tallies.lazy.compactMap(\.firstError).first {
    write("bench-client: \(error)\n", to: 2)
}
exit(tallies.contains { $0.count > 0 } ? 0 : 1)
