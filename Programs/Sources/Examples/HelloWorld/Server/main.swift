// The helloworld Greeter server: a port of grpc's Python greeter_server.py.
//
//     swift run helloworld-server --port 50051
//     swift run helloworld-server --port 50051 --tls-cert server.pem --tls-key server.key [--client-ca ca.pem]
//
// With --tls-cert and --tls-key it serves over TLS (docs/tls.md); with --client-ca too, only
// clients whose certificate that CA signed (mutual TLS).
import Foundation
import GRPCSync
import GRPCSyncHealth
import GRPCSyncReflection
import HelloWorldModel

final class Greeter: Helloworld_GreeterServicer {
    override func sayHello(_ request: Helloworld_HelloRequest, _ context: ServicerContext) throws
        -> Helloworld_HelloReply
    {
        var reply = Helloworld_HelloReply()
        reply.message = "Hello, \(request.name)!"
        return reply
    }
}

struct TLSFiles {
    var certificate: String
    var key: String
    var clientCA: String?
}

func readFile(_ path: String) throws -> [UInt8] {
    Array(try Data(contentsOf: URL(fileURLWithPath: path)))
}

func serve(port: Int, tls: TLSFiles?) throws {
    let server = Server(ThreadPoolExecutor(maxWorkers: 10))
    addGreeterServicerToServer(Greeter(), server)
    // Health checking and reflection, as grpc's Python examples serve them: every service SERVING.
    let health = HealthServicer()
    addHealthServicerToServer(health, server)
    let services = [Helloworld_GreeterMethods.serviceName, healthServiceName, reflectionServiceName]
    enableServerReflection(services, server)
    for service in services { health.set(service, .serving) }
    let bound: Int
    if let tls {
        let credentials = try sslServerCredentials(
            [(privateKey: try readFile(tls.key), certificateChain: try readFile(tls.certificate))],
            rootCertificates: try tls.clientCA.map(readFile), requireClientAuth: tls.clientCA != nil)
        bound = try server.addSecurePort("[::]:\(port)", credentials)
    } else {
        bound = try server.addInsecurePort("[::]:\(port)")
    }
    try server.start()
    print("Server started, listening on \(bound)")
    fflush(nil)  // all output streams: whoever reads stdout from a pipe sees the line now
    server.waitForTermination()
}

let usage = "usage: helloworld-server [--port N] [--tls-cert PEM --tls-key PEM [--client-ca PEM]]"
var port = 50051
var certificate: String?
var key: String?
var clientCA: String?
var arguments = CommandLine.arguments.dropFirst()
while let argument = arguments.popFirst() {
    let parts = argument.split(separator: "=", maxSplits: 1).map(String.init)
    let value = parts.count == 2 ? parts[1] : arguments.popFirst()
    switch (parts[0], value) {
    case ("--port", let v?) where Int(v) != nil: port = Int(v)!
    case ("--tls-cert", let v?): certificate = v
    case ("--tls-key", let v?): key = v
    case ("--client-ca", let v?): clientCA = v
    default:
        print(usage)
        exit(2)
    }
}
var tls: TLSFiles?
switch (certificate, key) {
case (let certificate?, let key?): tls = TLSFiles(certificate: certificate, key: key, clientCA: clientCA)
case (nil, nil) where clientCA == nil: tls = nil
default:
    print("helloworld-server: TLS needs both --tls-cert and --tls-key\n\(usage)")
    exit(2)
}
do {
    try serve(port: port, tls: tls)
} catch {
    print("helloworld-server: \(error)")
    exit(1)
}
