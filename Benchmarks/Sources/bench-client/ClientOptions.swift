#if canImport(Glibc)
    import Glibc
#endif

/// The flags every bench-client takes (Benchmarks/README.md), whatever implementation it is built on.
struct ClientOptions {
    enum Scenario: String {
        /// Unary calls, `concurrency` in flight.
        case unary
        /// StreamingFromServer: one request, responses counted until the window closes.
        case serverStreaming = "server-streaming"
        /// StreamingCall: a request, then its response, then the next request.
        case pingPong = "ping-pong"
    }

    /// Which of swift-grpc-sync's client APIs makes the calls.
    enum API: String {
        /// The blocking stubs, one thread per call or stream in flight.
        case blocking
        /// The async stubs (`AIO`), one task per call or stream in flight.
        case async
        /// The async stubs, their tasks preferring the channel's executor (its loop).
        case asyncLoop = "async-loop"
    }

    var target = ""
    var scenario = Scenario.unary
    var api = API.blocking
    var concurrency = 1
    var requestSize = 0
    var responseSize = 0
    var warmup = 0.5
    var duration = 2.0
    /// With TLS: the directory with ca.pem, the root the server's certificate must lead to
    /// (Tests/Certificates of the repository); the certificate is checked for `tlsServerName`.
    var tls: String?

    /// The name the server's certificate is checked against (`grpc.ssl_target_name_override`), one of
    /// the test server certificate's names, as gRPC's interop tests use it.
    static let tlsServerName = "foo.test.google.fr"

    static let usage = """
        usage: bench-client --target HOST:PORT [--scenario unary|server-streaming|ping-pong]
                            [--concurrency N] [--request-size BYTES] [--response-size BYTES]
                            [--warmup SECONDS] [--duration SECONDS] [--tls CERTS_DIR]
                            [--api blocking|async|async-loop]
        """

    static func parse(_ arguments: [String]) -> ClientOptions {
        var options = ClientOptions()
        var rest = arguments[...]
        while let flag = rest.popFirst() {
            guard let value = rest.popFirst() else { fail("\(flag) needs a value") }
            switch flag {
            case "--target": options.target = value
            case "--scenario":
                guard let scenario = Scenario(rawValue: value) else { fail("unknown scenario \(value)") }
                options.scenario = scenario
            case "--concurrency": options.concurrency = int(flag, value)
            case "--request-size": options.requestSize = int(flag, value)
            case "--response-size": options.responseSize = int(flag, value)
            case "--warmup": options.warmup = double(flag, value)
            case "--duration": options.duration = double(flag, value)
            case "--tls": options.tls = value
            case "--api":
                guard let api = API(rawValue: value) else { fail("unknown API \(value)") }
                options.api = api
            default: fail("unknown flag \(flag)")
            }
        }
        if options.target.isEmpty { fail("--target is required") }
        if options.concurrency < 1 { fail("--concurrency must be at least 1") }
        if options.duration <= 0 { fail("--duration must be positive") }
        return options
    }

    private static func int(_ flag: String, _ value: String) -> Int {
        guard let number = Int(value), number >= 0 else { fail("\(flag) needs a number, got \(value)") }
        return number
    }

    private static func double(_ flag: String, _ value: String) -> Double {
        guard let number = Double(value), number >= 0 else { fail("\(flag) needs seconds, got \(value)") }
        return number
    }

    static func fail(_ message: String) -> Never {
        write("bench-client: \(message)\n\(usage)\n", to: 2)
        exit(2)
    }
}
