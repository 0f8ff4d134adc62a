/// Settings shared by both ends of a connection.
struct ConnectionLimits: Sendable {
    var maxReceiveMessageLength = 4 * 1024 * 1024
    /// Largest header block accepted (`grpc.max_metadata_size`).
    var maxHeaderListSize = 16 * 1024
    /// The per-stream receive window we advertise.
    var initialWindowSize: Int32 = 1 << 20
    /// The connection receive window.
    var connectionWindowSize: Int32 = 16 << 20
    /// How long a TLS handshake may take, in seconds (grpc's 20 s).
    var handshakeTimeout = 20.0
}

extension ChannelOptions {
    /// The connection settings these options make.
    var connectionLimits: ConnectionLimits {
        var limits = ConnectionLimits()
        limits.maxReceiveMessageLength = receiveLimit
        limits.maxHeaderListSize = max(maxMetadataSize, 1024)
        if let milliseconds = serverHandshakeTimeoutMs, milliseconds > 0 {
            limits.handshakeTimeout = Double(milliseconds) / 1000
        }
        return limits
    }
}
