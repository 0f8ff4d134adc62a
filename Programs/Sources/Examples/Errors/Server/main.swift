// The errors server, grpc's Python examples/python/errors server.py: a greeter that greets each
// name once, and ends a second SayHello for the same name with a rich status, RESOURCE_EXHAUSTED
// "Request limit exceeded." carrying a google.rpc.QuotaFailure in grpc-status-details-bin.
//
//     swift run errors-server --port 50051
import Foundation
import GRPCSync
import GRPCSyncHealth
import GRPCSyncReflection
import GRPCSyncStatus
import HelloWorldModel
import SwiftProtobuf

func createGreetLimitExceedErrorStatus(_ name: String) throws -> Google_Rpc_Status {
    let detail = try Google_Protobuf_Any(
        message: Google_Rpc_QuotaFailure.with {
            $0.violations = [
                .with {
                    $0.subject = "name: \(name)"
                    $0.description_p = "Limit one greeting per person"
                }
            ]
        })
    return Google_Rpc_Status.with {
        $0.code = Int32(StatusCode.resourceExhausted.rawValue)
        $0.message = "Request limit exceeded."
        $0.details = [detail]
    }
}

final class LimitedGreeter: Helloworld_GreeterServicer, @unchecked Sendable {  // `lock` guards `greeted`
    private let lock = NSLock()
    private var greeted: Set<String> = []

    override func sayHello(_ request: Helloworld_HelloRequest, _ context: ServicerContext) throws
        -> Helloworld_HelloReply
    {
        let first = lock.withLock { greeted.insert(request.name).inserted }
        if !first {
            let richStatus = try createGreetLimitExceedErrorStatus(request.name)
            try context.abortWithStatus(RPCStatus.toStatus(richStatus))
        }
        return Helloworld_HelloReply.with { $0.message = "Hello, \(request.name)!" }
    }
}

func serve(port: Int) throws {
    let server = Server(ThreadPoolExecutor(maxWorkers: 10))
    addGreeterServicerToServer(LimitedGreeter(), server)
    // Health checking and reflection, as grpc's Python examples serve them: every service SERVING.
    let health = HealthServicer()
    addHealthServicerToServer(health, server)
    let services = [Helloworld_GreeterMethods.serviceName, healthServiceName, reflectionServiceName]
    enableServerReflection(services, server)
    for service in services { health.set(service, .serving) }
    let bound = try server.addInsecurePort("[::]:\(port)")
    try server.start()
    print("Server started, listening on \(bound)")
    fflush(nil)  // all output streams: whoever reads stdout from a pipe sees the line now
    server.waitForTermination()
}

func usage() -> Never {
    print("usage: errors-server [--port N]")
    exit(2)
}

var port = 50051
var arguments = CommandLine.arguments.dropFirst()
while let argument = arguments.popFirst() {
    let parts = argument.split(separator: "=", maxSplits: 1).map(String.init)
    let value = parts.count == 2 ? parts[1] : arguments.popFirst()
    switch (parts[0], value) {
    case ("--port", let v?):
        guard let number = Int(v) else { usage() }
        port = number
    default: usage()
    }
}
do {
    try serve(port: port)
} catch {
    print("errors-server: \(error)")
    exit(1)
}
