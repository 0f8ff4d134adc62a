/// Every option key grpc's core and grpcio act on, and what this runtime does with it: the keys
/// ``ChannelOptions`` implements, and the others, each with the reason it has no effect here.
/// An unsupported key given to a channel or a server is logged once, at warning level, when the
/// channel or server is made; a key grpc does not know is ignored, as grpcio ignores it.
/// `docs/porting.md` ("Options") lists the same keys; `OptionCatalogTests` checks both against
/// grpc's headers.
enum OptionCatalog {
    /// Keys with an effect, each implemented as grpc's core implements it.
    static let supported: Set<String> = [
        "grpc.max_receive_message_length", "grpc.max_send_message_length", "grpc.max_metadata_size",
        "grpc.primary_user_agent", "grpc.secondary_user_agent", "grpc.default_authority",
        "grpc.server_handshake_timeout_ms", "grpc.ssl_target_name_override", "grpc.default_compression_algorithm",
        "grpc.initial_reconnect_backoff_ms", "grpc.min_reconnect_backoff_ms", "grpc.max_reconnect_backoff_ms",
        "grpc.client_idle_timeout_ms", "grpc.keepalive_time_ms", "grpc.keepalive_timeout_ms",
        "grpc.keepalive_permit_without_calls", "grpc.http2.max_pings_without_data",
        "grpc.http2.min_ping_interval_without_data_ms", "grpc.http2.max_ping_strikes", "grpc.max_connection_idle_ms",
        "grpc.max_connection_age_ms", "grpc.max_connection_age_grace_ms", "grpc.so_reuseport",
        "grpc.max_concurrent_streams", "grpc.service_config", "grpc.enable_retries", "grpc.per_rpc_retry_buffer_size",
        "grpc.lb_policy_name", "grpc.dns_min_time_between_resolutions_ms",
        "grpc.happy_eyeballs_connection_attempt_delay_ms",
    ]

    /// This runtime's own keys, for limits grpc has no option for (they have no effect on grpcio,
    /// which ignores keys it does not know).
    static let own: Set<String> = [
        "grpc.max_connection_receive_buffer_bytes", "grpc.max_oversized_header_blocks", "grpc.max_read_bytes_per_turn",
        "grpc.retry_buffer_size",
    ]

    /// Keys grpc acts on that have no effect here, with the reason.
    static let unsupported: [String: String] = [
        // Features this runtime does not have.
        "grpc.census": "OpenCensus stats and tracing are not built in",
        "grpc.loadreporting": "server load reporting is not built in",
        "grpc.server_call_metric_recording": "ORCA call metrics are not built in",
        "grpc.enable_channelz": "channelz is not built in",
        "grpc.max_channel_trace_event_memory_per_node": "channelz is not built in",
        "grpc.enable_http_proxy": "HTTP CONNECT proxies are not supported",
        "grpc.http_proxy": "HTTP CONNECT proxies are not supported",
        "grpc.address_http_proxy": "HTTP CONNECT proxies are not supported",
        "grpc.address_http_proxy_enabled_addresses": "HTTP CONNECT proxies are not supported",
        "grpc.ssl_session_cache": "TLS sessions are not resumed across connections",
        "grpc.authorization_policy_provider": "authorization policies (grpcio's authz) are not supported",
        "grpc.http2.true_binary": "grpc's true-binary metadata extension is not supported",
        "grpc.dscp": "DSCP marking is not supported",
        "grpc.tcp_receive_buffer_size": "the kernel's socket buffer sizes are used",
        "grpc.inhibit_health_checking": "client-side health checking is not supported",
        "grpc.security_frame_allowed": "security frames (ALTS) are not supported",
        // Name resolution, load balancing, service config and retries.
        "grpc.service_config_disable_resolution": "service configs are not fetched from DNS",
        "grpc.lb.ring_hash.ring_size_cap": "load balancing is pick_first or round_robin",
        "grpc.dns_enable_srv_queries": "the system resolver is used; there are no SRV queries",
        "grpc.dns_ares_query_timeout": "the system resolver is used, not c-ares",
        "grpc.experimental.enable_hedging": "hedging is not supported",
        "grpc.use_local_subchannel_pool": "channels never share connections, as if it were set",
        "grpc.grpclb_call_timeout_ms": "grpclb is not supported",
        "grpc.grpclb_fallback_timeout_ms": "grpclb is not supported",
        "grpc.experimental.grpclb_channel_args": "grpclb is not supported",
        "grpc.priority_failover_timeout_ms": "xDS is not supported",
        "grpc.TEST_ONLY_DO_NOT_USE_IN_PROD.xds_bootstrap_config": "xDS is not supported",
        "grpc.experimental.server_config_change_drain_grace_time_ms": "xDS is not supported",
        // HTTP/2 and transport tuning with fixed values here.
        "grpc.http2.lookahead_bytes": "the stream receive window is fixed at 1 MiB",
        "grpc.http2.bdp_probe": "receive windows are fixed; there is no BDP probing",
        "grpc.http2.max_frame_size": "frames up to 16 KiB are accepted (HTTP/2's default)",
        "grpc.http2.hpack_table_size.decoder": "the HPACK tables keep HTTP/2's default 4 KiB",
        "grpc.http2.hpack_table_size.encoder": "the HPACK tables keep HTTP/2's default 4 KiB",
        "grpc.http2.initial_sequence_number": "streams are numbered from 1",
        "grpc.http2.write_buffer_size": "writes are batched up to 64 KiB",
        "grpc.http2_scheme": "the :scheme is http, or https with TLS",
        "grpc.experimental.http2.enable_preferred_frame_size": "not supported",
        "grpc.tsi.max_frame_size": "TLS records are OpenSSL's",
        "grpc.experimental.tcp_read_chunk_size": "reads use a fixed buffer per loop thread",
        "grpc.experimental.tcp_min_read_chunk_size": "reads use a fixed buffer per loop thread",
        "grpc.experimental.tcp_max_read_chunk_size": "reads use a fixed buffer per loop thread",
        "grpc.experimental.tcp_tx_zerocopy_enabled": "zero-copy sends are not used",
        "grpc.experimental.tcp_tx_zerocopy_send_bytes_threshold": "zero-copy sends are not used",
        "grpc.experimental.tcp_tx_zerocopy_max_simultaneous_sends": "zero-copy sends are not used",
        "grpc.optimization_target": "there is one transport behaviour for latency and throughput",
        "grpc.absolute_max_metadata_size": "grpc.max_metadata_size is a hard limit here",
        "grpc.max_allowed_incoming_connections": "the number of connections is not limited",
        "grpc.expand_wildcard_addrs": "a wildcard address is bound as given",
        "grpc.server_max_unrequested_time_in_server": "every call goes to a handler at once",
        "grpc.enable_deadline_checking": "deadlines are always enforced",
        "grpc.per_message_compression": "compression is always available",
        "grpc.per_message_decompression": "compressed messages are always decompressed",
        "grpc.compression_enabled_algorithms_bitset": "every algorithm (identity, deflate, gzip) is enabled",
        "grpc.default_compression_level": "compression levels are not supported; choose an algorithm",
        "grpc.minimal_stack": "there is no filter stack to trim",
        "grpc.surface_user_agent": "the user agent always reaches the server's application",
        "grpc.disable_client_authority_filter": "the :authority is always the channel's",
        "grpc.resource_quota": "memory is bounded by each limit's own option",
        "grpc.experimental.stats_plugins": "stats plugins are not supported",
        "grpc.event_engine_use_memory_allocator_factory": "not applicable: there is no EventEngine",
        "grpc.socket_mutator": "not applicable: a C pointer",
        "grpc.socket_factory": "not applicable: a C pointer",
        // Other platforms' options.
        "grpc.use_cronet_packet_coalescing": "Cronet only",
        "grpc.workaround.cronet_compression": "Cronet only",
        "grpc.mobile_log_context": "Objective-C only",
        "grpc.channel_pooling_domain": "Objective-C only",
        "grpc.channel_id": "Objective-C only",
        "grpc.http2.min_time_between_pings_ms": "grpc no longer acts on it either",
        // grpcio's own.
        "SingleThreadedUnaryStream": "a unary-stream call is read on the caller's thread already",
    ]

    /// Logs each unsupported key among `keys` once, to `log`.
    static func warnAboutUnsupported(_ keys: [String], to log: RuntimeLog) {
        var seen: Set<String> = []
        for key in keys where seen.insert(key).inserted {
            if let reason = unsupported[key] { log.unsupportedOptionGiven(key, reason: reason) }
        }
    }
}
