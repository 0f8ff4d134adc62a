// The errors client, grpc's Python examples/python/errors client.py: says hello to Alice twice
// (as grpc's test of the example does); against errors-server the first call succeeds and the
// second fails with a rich status, whose QuotaFailure detail it prints.
//
//     swift run errors-client --target localhost:50051
import GRPCSync
import GRPCSyncStatus
import Glibc
import HelloWorldModel
import SwiftProtobuf

struct UnexpectedFailure: Error, CustomStringConvertible {
    let detail: Google_Protobuf_Any
    var description: String { "Unexpected failure: \(detail)" }
}

func process(_ stub: Helloworld_GreeterStub) throws {
    do {
        let response = try stub.sayHello(Helloworld_HelloRequest.with { $0.name = "Alice" }, timeout: 10)
        print("Call success: \(response.message)")
    } catch let rpcError as RPCError {
        print("Call failure: \(rpcError.code) \(rpcError.details)")
        let status = try RPCStatus.fromCall(rpcError)
        for detail in status?.details ?? [] {
            if detail.isA(Google_Rpc_QuotaFailure.self) {
                let info = try Google_Rpc_QuotaFailure(unpackingAny: detail)
                print("Quota failure: \(info.textFormatString())")
            } else {
                throw UnexpectedFailure(detail: detail)
            }
        }
    }
}

func run(target: String) throws {
    let channel = insecureChannel(target)
    defer { channel.close() }
    let stub = Helloworld_GreeterStub(channel)
    try process(stub)
    try process(stub)
}

var target = "localhost:50051"
var arguments = CommandLine.arguments.dropFirst()
while let argument = arguments.popFirst() {
    let parts = argument.split(separator: "=", maxSplits: 1).map(String.init)
    let value = parts.count == 2 ? parts[1] : arguments.popFirst()
    switch (parts[0], value) {
    case ("--target", let v?): target = v
    default:
        print("usage: errors-client [--target HOST:PORT]")
        exit(2)
    }
}
do {
    try run(target: target)
} catch {
    print("errors-client: \(error)")
    exit(1)
}
