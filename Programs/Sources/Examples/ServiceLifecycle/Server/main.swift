// The helloworld Greeter run as a swift-service-lifecycle service (GRPCSyncServiceLifecycle):
//
//     swift run --package-path Programs service-lifecycle-server --port 50051 [--reply-delay SECONDS]
//
// A ServiceGroup runs the server. On SIGTERM (or SIGINT, Ctrl-C) the group shuts down gracefully:
// the health service answers NOT_SERVING, the server refuses new calls and lets the running ones
// finish within 10 seconds, and the process exits (status 0) once the last call has ended.
// With --reply-delay every reply waits that long, so a call is still running when the signal comes.
import Foundation
import GRPCSync
import GRPCSyncHealth
import GRPCSyncServiceLifecycle
import HelloWorldModel
import Logging
import ServiceLifecycle

final class Greeter: Helloworld_GreeterServicer {
    let replyDelay: Double

    init(replyDelay: Double) { self.replyDelay = replyDelay }

    override func sayHello(_ request: Helloworld_HelloRequest, _ context: ServicerContext) throws
        -> Helloworld_HelloReply
    {
        print("Greeting \(request.name)")
        fflush(nil)  // whoever reads stdout from a pipe sees the line now
        Thread.sleep(forTimeInterval: replyDelay)
        var reply = Helloworld_HelloReply()
        reply.message = "Hello, \(request.name)!"
        return reply
    }
}

func serve(port: Int, replyDelay: Double) async throws {
    let server = Server(ThreadPoolExecutor(maxWorkers: 10))
    addGreeterServicerToServer(Greeter(replyDelay: replyDelay), server)
    let health = HealthServicer()
    addHealthServicerToServer(health, server)
    health.set("", .serving)
    health.set(Helloworld_GreeterMethods.serviceName, .serving)
    let bound = try server.addInsecurePort("[::]:\(port)")

    // Health probes see NOT_SERVING from the moment the shutdown begins; running calls get 10 s.
    let service = ServerService(server, grace: 10, beforeStop: { health.enterGracefulShutdown() })
    let group = ServiceGroup(
        services: [service], gracefulShutdownSignals: [.sigterm, .sigint],
        logger: Logger(label: "service-lifecycle-server"))
    print("Server listening on \(bound)")
    fflush(nil)
    try await group.run()
    print("Server stopped")
}

let usage = "usage: service-lifecycle-server [--port N] [--reply-delay SECONDS]"
var port = 50051
var replyDelay = 0.0
var arguments = CommandLine.arguments.dropFirst()
while let argument = arguments.popFirst() {
    let parts = argument.split(separator: "=", maxSplits: 1).map(String.init)
    let value = parts.count == 2 ? parts[1] : arguments.popFirst()
    switch (parts[0], value) {
    case ("--port", let v?) where Int(v) != nil: port = Int(v)!
    case ("--reply-delay", let v?) where Double(v) != nil: replyDelay = Double(v)!
    default:
        print(usage)
        exit(2)
    }
}
do {
    try await serve(port: port, replyDelay: replyDelay)
} catch {
    print("service-lifecycle-server: \(error)")
    exit(1)
}
