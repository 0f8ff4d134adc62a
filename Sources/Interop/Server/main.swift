// The interop test server of gRPC's interop test descriptions (doc/interop-test-descriptions.md):
//
//     interop-server --port=8080 [--use_tls=false]
//
// Serves grpc.testing.TestService on [::]:PORT (0: a free port) and prints
// "interop-server listening on port N" once it accepts calls.
import Foundation
import GRPCSync
import InteropModel
import InteropTesting

func fail(_ message: String, status: Int32) -> Never {
    FileHandle.standardError.write(Data("interop-server: \(message)\n".utf8))
    exit(status)
}

let flags: CommandLineFlags
do {
    flags = try CommandLineFlags(
        parsing: Array(CommandLine.arguments.dropFirst()), kinds: ["port": .value, "use_tls": .boolean])
    if try flags.bool("use_tls", default: false) { fail("TLS not supported yet (--use_tls=true)", status: 2) }
} catch {
    fail("\(error)\nusage: interop-server [--port=PORT] [--use_tls=false]", status: 2)
}

do {
    let port = try flags.int("port", default: 8080)
    // Streaming cases keep a worker busy for their whole call, so there are plenty.
    let server = Server(ThreadPoolExecutor(maxWorkers: 64))
    addTestServiceServicerToServer(InteropTestService(), server)
    let bound = try server.addInsecurePort("[::]:\(port)")
    try server.start()
    FileHandle.standardOutput.write(Data("interop-server listening on port \(bound)\n".utf8))
    server.waitForTermination()
} catch {
    fail("\(error)", status: 1)
}
