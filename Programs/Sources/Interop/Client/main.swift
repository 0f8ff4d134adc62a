// The interop test client of gRPC's interop test descriptions (doc/interop-test-descriptions.md):
//
//     interop-client --server_host=localhost --server_port=8080 --test_case=large_unary
//
// With --use_tls=true it connects with TLS; --use_test_ca=true trusts the project's test CA
// (Tests/Certificates/ca.pem, or --ca_file) and --server_host_override=foo.test.google.fr names the
// host the server's certificate is checked against.
// Runs one test case; exits 0 when it passes, 1 with "FAIL <case>: <what differed>" when it fails,
// and 2 on bad flags. Each --channel_option is a channel option (`grpc.min_reconnect_backoff_ms=500`):
// an int when VALUE parses as one, else a string. --target=TARGET dials any target a channel takes
// (`ipv4:127.0.0.1:5001,127.0.0.1:5002`) instead of --server_host and --server_port.
import Foundation
import GRPCSync
import InteropTesting

let usage = """
    usage: interop-client (--server_host=HOST --server_port=PORT | --target=TARGET) --test_case=CASE
                          [--server_host_override=HOST] [--use_tls=false] [--use_test_ca=false]
                          [--ca_file=PEM]
                          [--additional_metadata=KEY:VALUE;...] [--soak_iterations=N]
                          [--soak_max_failures=N] [--soak_per_iteration_max_acceptable_latency_ms=MS]
                          [--soak_overall_timeout_seconds=S] [--channel_option=KEY=VALUE]...
    test cases: \(InteropTestCase.allCases.map(\.rawValue).joined(separator: ", "))
    """

func fail(_ message: String, status: Int32) -> Never {
    FileHandle.standardError.write(Data("\(message)\n".utf8))
    exit(status)
}

let valueFlags = [
    "server_host", "server_port", "target", "server_host_override", "ca_file", "test_case", "additional_metadata",
    "soak_iterations",
    "soak_max_failures", "soak_per_iteration_max_acceptable_latency_ms", "soak_overall_timeout_seconds",
]
var kinds: [String: CommandLineFlags.Kind] = [
    "use_tls": .boolean, "use_test_ca": .boolean, "channel_option": .repeatable,
]
for name in valueFlags { kinds[name] = .value }

let testCase: InteropTestCase
let settings: InteropClientSettings
do {
    let flags = try CommandLineFlags(parsing: Array(CommandLine.arguments.dropFirst()), kinds: kinds)
    let name = flags.string("test_case") ?? "large_unary"
    guard let parsed = InteropTestCase(rawValue: name) else {
        fail("interop-client: unknown test case \"\(name)\"\n\(usage)", status: 2)
    }
    testCase = parsed
    settings = try InteropClientSettings(flags: flags)
} catch {
    fail("interop-client: \(error)\n\(usage)", status: 2)
}

do {
    try InteropClient(settings: settings).run(testCase)
    print("PASS \(testCase.rawValue)")
} catch {
    fail("FAIL \(testCase.rawValue): \(error)", status: 1)
}
