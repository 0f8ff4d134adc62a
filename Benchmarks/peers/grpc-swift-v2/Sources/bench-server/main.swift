// bench-server for grpc-swift-2 (grpc-swift-nio-transport, HTTP/2 on SwiftNIO): gRPC's benchmark
// service.
//
//   bench-server --port N [--workers W] [--tls CERTS_DIR]
//
// Prints "listening on PORT" once it serves (--port 0 picks a free port), then serves until
// killed. --workers is accepted for the runner's sake and ignored: handlers are async tasks on
// SwiftNIO's event loops (one per core). With --tls the port is TLS (SwiftNIO SSL), with
// CERTS_DIR/server.key and server.pem (Tests/Certificates of the repository).

import BenchmarkService
import Foundation
import GRPCCore
import GRPCNIOTransportHTTP2

let maxMessageLength = 64 * 1024 * 1024

func makeResponse(size: Int32) -> Grpc_Testing_SimpleResponse {
    var response = Grpc_Testing_SimpleResponse()
    response.payload.body = Data(count: Int(max(size, 0)))
    return response
}

struct BenchmarkService: Grpc_Testing_BenchmarkService.SimpleServiceProtocol {
    func unaryCall(request: Grpc_Testing_SimpleRequest, context: ServerContext) async throws
        -> Grpc_Testing_SimpleResponse
    {
        makeResponse(size: request.responseSize)
    }

    func streamingCall(
        request: RPCAsyncSequence<Grpc_Testing_SimpleRequest, any Error>,
        response: RPCWriter<Grpc_Testing_SimpleResponse>, context: ServerContext
    ) async throws {
        for try await message in request {
            try await response.write(makeResponse(size: message.responseSize))
        }
    }

    func streamingFromClient(request: RPCAsyncSequence<Grpc_Testing_SimpleRequest, any Error>, context: ServerContext)
        async throws -> Grpc_Testing_SimpleResponse
    {
        var size: Int32 = 0
        for try await message in request { size = message.responseSize }
        return makeResponse(size: size)
    }

    func streamingFromServer(
        request: Grpc_Testing_SimpleRequest, response: RPCWriter<Grpc_Testing_SimpleResponse>, context: ServerContext
    ) async throws {
        let message = makeResponse(size: request.responseSize)
        while !Task.isCancelled { try await response.write(message) }
    }

    func streamingBothWays(
        request: RPCAsyncSequence<Grpc_Testing_SimpleRequest, any Error>,
        response: RPCWriter<Grpc_Testing_SimpleResponse>, context: ServerContext
    ) async throws {
        for try await message in request {
            try await response.write(makeResponse(size: message.responseSize))
        }
    }
}

func usage(_ message: String) -> Never {
    let usage = "usage: bench-server --port N [--workers W] [--tls CERTS_DIR]"
    FileHandle.standardError.write(Data("bench-server: \(message)\n\(usage)\n".utf8))
    exit(2)
}

var port: Int?
var certificates: String?
var arguments = CommandLine.arguments.dropFirst()
while let flag = arguments.popFirst() {
    guard let value = arguments.popFirst() else { usage("\(flag) needs a value") }
    if flag == "--tls" {
        certificates = value
        continue
    }
    guard let number = Int(value) else { usage("\(flag) needs a number") }
    switch flag {
    case "--port": port = number
    case "--workers": break
    default: usage("unknown flag \(flag)")
    }
}
guard let port else { usage("--port is required") }
let transportSecurity: HTTP2ServerTransport.Posix.TransportSecurity =
    if let certificates {
        .tls(
            certificateChain: [.file(path: certificates + "/server.pem", format: .pem)],
            privateKey: .file(path: certificates + "/server.key", format: .pem))
    } else {
        .plaintext
    }

let server = GRPCServer(
    transport: .http2NIOPosix(
        address: .ipv4(host: "127.0.0.1", port: port),
        transportSecurity: transportSecurity,
        config: .defaults { $0.rpc.maxRequestPayloadSize = maxMessageLength }
    ),
    services: [BenchmarkService()]
)
try await withThrowingDiscardingTaskGroup { group in
    group.addTask { try await server.serve() }
    guard let address = try await server.listeningAddress?.ipv4 else { usage("not listening on IPv4") }
    FileHandle.standardOutput.write(Data("listening on \(address.port)\n".utf8))
}
