// The dispatcher server: serves Dispatch and leaves DispatchEvent to the generated servicer, which
// answers UNIMPLEMENTED "Method not implemented!" (as a grpcio servicer that does not override a
// method does).
//
//     swift run dispatcher-server --port 50051
import DispatcherModel
import Foundation
import GRPCSync
import GRPCSyncHealth
import GRPCSyncReflection
import SwiftProtobuf

/// Dispatches objects; events are not served yet.
final class ObjectDispatcher: Dispatcher_DispatcherServicer {
    override func dispatch(_ request: Dispatcher_Object, _ context: ServicerContext) throws -> Dispatcher_Object {
        var object = request
        object.status = "dispatched"
        return object
    }
}

func serve(port: Int) throws {
    let server = Server(ThreadPoolExecutor(maxWorkers: 10))
    addDispatcherServicerToServer(ObjectDispatcher(), server)
    // Health checking and reflection, as grpc's Python examples serve them: every service SERVING.
    let health = HealthServicer()
    addHealthServicerToServer(health, server)
    let services = [Dispatcher_DispatcherMethods.serviceName, healthServiceName, reflectionServiceName]
    enableServerReflection(services, server)
    for service in services { health.set(service, .serving) }
    let bound = try server.addInsecurePort("[::]:\(port)")
    try server.start()
    print("Server started, listening on \(bound)")
    fflush(nil)  // all output streams: whoever reads stdout from a pipe sees the line now
    server.waitForTermination()
}

func usage() -> Never {
    print("usage: dispatcher-server [--port N]")
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
    print("dispatcher-server: \(error)")
    exit(1)
}
