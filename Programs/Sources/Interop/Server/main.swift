// The interop test server of gRPC's interop test descriptions (doc/interop-test-descriptions.md):
//
//     interop-server --port=8080 [--use_tls=false] [--tls_cert_file=PEM --tls_key_file=PEM]
//                    [--server_option=KEY=VALUE]...
//
// Serves grpc.testing.TestService on [::]:PORT (0: a free port), with TLS when --use_tls=true
// (the project's test server certificate, Tests/Certificates/server.pem, unless the files are
// given), and prints
// "interop-server listening on port N" once it accepts calls. Each --server_option is a server
// option (`grpc.max_connection_age_ms=500`): an int when VALUE parses as one, else a string.
import Foundation
import GRPCSync
import GRPCSyncHealth
import GRPCSyncReflection
import InteropModel
import InteropTesting

func fail(_ message: String, status: Int32) -> Never {
    FileHandle.standardError.write(Data("interop-server: \(message)\n".utf8))
    exit(status)
}

let usage = """
    usage: interop-server [--port=PORT] [--use_tls=false] [--tls_cert_file=PEM --tls_key_file=PEM]
                          [--server_option=KEY=VALUE]...
    """
let flags: CommandLineFlags
let useTLS: Bool
let serverOptions: [(String, OptionValue)]
do {
    flags = try CommandLineFlags(
        parsing: Array(CommandLine.arguments.dropFirst()),
        kinds: [
            "port": .value, "use_tls": .boolean, "tls_cert_file": .value, "tls_key_file": .value,
            "server_option": .repeatable,
        ])
    useTLS = try flags.bool("use_tls", default: false)
    serverOptions = try flags.options("server_option")
} catch {
    fail("\(error)\n\(usage)", status: 2)
}

do {
    let port = try flags.int("port", default: 8080)
    // Streaming cases keep a worker busy for their whole call, so there are plenty.
    let server = Server(ThreadPoolExecutor(maxWorkers: 64), options: serverOptions)
    addTestServiceServicerToServer(InteropTestService(), server)
    // Health checking and reflection, as grpc's Python examples serve them: every service SERVING.
    let health = HealthServicer()
    addHealthServicerToServer(health, server)
    let services = [Grpc_Testing_TestServiceMethods.serviceName, healthServiceName, reflectionServiceName]
    enableServerReflection(services, server)
    for service in services { health.set(service, .serving) }
    let bound: Int
    if useTLS {
        let certificate = try InteropCertificates.read(
            flags.string("tls_cert_file") ?? InteropCertificates.path("server.pem"))
        let key = try InteropCertificates.read(flags.string("tls_key_file") ?? InteropCertificates.path("server.key"))
        bound = try server.addSecurePort(
            "[::]:\(port)", sslServerCredentials([(privateKey: key, certificateChain: certificate)]))
    } else {
        bound = try server.addInsecurePort("[::]:\(port)")
    }
    try server.start()
    FileHandle.standardOutput.write(Data("interop-server listening on port \(bound)\n".utf8))
    server.waitForTermination()
} catch {
    fail("\(error)", status: 1)
}
