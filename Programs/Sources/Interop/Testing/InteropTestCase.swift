/// The client test cases of gRPC's interop test descriptions that need no cloud services, and the
/// negative HTTP/2 cases of doc/negative-http2-interop-test-descriptions.md (which need that
/// document's misbehaving server), by the names `--test_case` takes.
public enum InteropTestCase: String, CaseIterable, Sendable {
    case emptyUnary = "empty_unary"
    case largeUnary = "large_unary"
    case clientCompressedUnary = "client_compressed_unary"
    case serverCompressedUnary = "server_compressed_unary"
    case clientStreaming = "client_streaming"
    case clientCompressedStreaming = "client_compressed_streaming"
    case serverStreaming = "server_streaming"
    case serverCompressedStreaming = "server_compressed_streaming"
    case pingPong = "ping_pong"
    case emptyStream = "empty_stream"
    case customMetadata = "custom_metadata"
    case statusCodeAndMessage = "status_code_and_message"
    case specialStatusMessage = "special_status_message"
    case unimplementedMethod = "unimplemented_method"
    case unimplementedService = "unimplemented_service"
    case cancelAfterBegin = "cancel_after_begin"
    case cancelAfterFirstResponse = "cancel_after_first_response"
    case timeoutOnSleepingServer = "timeout_on_sleeping_server"
    case concurrentLargeUnary = "concurrent_large_unary"
    case rpcSoak = "rpc_soak"
    case channelSoak = "channel_soak"
    // The negative HTTP/2 cases.
    case goAway = "goaway"
    case rstAfterHeader = "rst_after_header"
    case rstDuringData = "rst_during_data"
    case rstAfterData = "rst_after_data"
    case ping = "ping"
    case maxStreams = "max_streams"

    /// The negative HTTP/2 cases, which run only against a server that misbehaves as each asks.
    public static let negativeHTTP2Cases: [InteropTestCase] = [
        .goAway, .rstAfterHeader, .rstDuringData, .rstAfterData, .ping, .maxStreams,
    ]
}
