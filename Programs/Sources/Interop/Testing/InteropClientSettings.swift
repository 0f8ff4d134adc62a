import GRPCSync

/// What the interop client connects to and how it runs the soak cases, from the flags gRPC's
/// interop clients take (doc/interop-test-descriptions.md, "Client").
public struct InteropClientSettings: Sendable {
    /// `--server_host`.
    public var serverHost = "localhost"
    /// `--server_port`.
    public var serverPort = 8080
    /// `--target`: any target a channel takes (`ipv4:127.0.0.1:5001,127.0.0.1:5002`,
    /// `dns:///host:port`, `unix-abstract:name`), in place of `--server_host` and `--server_port`.
    public var target: String?
    /// `--server_host_override`: the `:authority` to claim instead of the host.
    public var serverHostOverride: String?
    /// `--use_tls`: connect with TLS.
    public var useTLS = false
    /// `--use_test_ca`: trust the test CA (``InteropCertificates``) instead of the system's roots.
    public var useTestCA = false
    /// `--ca_file`: the CA to trust with `--use_test_ca` (default: the project's test CA).
    public var caFile: String?
    /// `--additional_metadata`: sent with every call.
    public var additionalMetadata: Metadata = []
    /// `--soak_iterations`.
    public var soakIterations = 10
    /// `--soak_max_failures`: iterations that may fail before the soak case fails.
    public var soakMaxFailures = 0
    /// `--soak_per_iteration_max_acceptable_latency_ms`: a slower iteration counts as failed.
    public var soakPerIterationMaxAcceptableLatencyMs = 1000
    /// `--soak_overall_timeout_seconds`: the soak case fails when its iterations take longer.
    public var soakOverallTimeoutSeconds = 10
    /// `--channel_option=KEY=VALUE` (repeatable): options of every channel the client makes.
    public var channelOptions: [(String, OptionValue)] = []

    public init() {}

    /// Settings from parsed flags; the flags not given keep their defaults.
    public init(flags: CommandLineFlags) throws(CommandLineFlags.FlagError) {
        serverHost = flags.string("server_host") ?? serverHost
        serverPort = try flags.int("server_port", default: serverPort)
        serverHostOverride = flags.string("server_host_override")
        target = flags.string("target")
        useTLS = try flags.bool("use_tls", default: false)
        useTestCA = try flags.bool("use_test_ca", default: false)
        caFile = flags.string("ca_file")
        additionalMetadata = try Self.parseAdditionalMetadata(flags.string("additional_metadata") ?? "")
        soakIterations = try flags.int("soak_iterations", default: soakIterations)
        soakMaxFailures = try flags.int("soak_max_failures", default: soakMaxFailures)
        soakPerIterationMaxAcceptableLatencyMs = try flags.int(
            "soak_per_iteration_max_acceptable_latency_ms", default: soakPerIterationMaxAcceptableLatencyMs)
        soakOverallTimeoutSeconds = try flags.int("soak_overall_timeout_seconds", default: soakOverallTimeoutSeconds)
        channelOptions = try flags.options("channel_option")
    }

    /// `key1:value1;key2:value2`, as gRPC's interop clients read `--additional_metadata`: keys of
    /// letters, digits and hyphens (lower-cased), values anything but `;`. The value of a `-bin`
    /// key is sent as its UTF-8 bytes.
    public static func parseAdditionalMetadata(_ text: String) throws(CommandLineFlags.FlagError) -> Metadata {
        var metadata = Metadata()
        for entry in text.split(separator: ";", omittingEmptySubsequences: true) {
            guard let colon = entry.firstIndex(of: ":") else {
                throw CommandLineFlags.FlagError("--additional_metadata entry \"\(entry)\" has no ':'")
            }
            let key = entry[..<colon].lowercased()
            let value = String(entry[entry.index(after: colon)...])
            guard !key.isEmpty, key.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-") }) else {
                throw CommandLineFlags.FlagError("--additional_metadata key \"\(key)\" is not letters, digits and '-'")
            }
            metadata.add(key, key.hasSuffix("-bin") ? .binary(Array(value.utf8)) : .text(value))
        }
        return metadata
    }
}
