/// How a channel spreads its calls over its target's addresses: chosen by the service config's
/// `loadBalancingConfig` (else its `loadBalancingPolicy`), else the option `grpc.lb_policy_name`,
/// else `pick_first`, in grpc core's order.
enum LoadBalancingPolicy: String, Sendable {
    /// One connection, to the first address that answers (tried in order, a new attempt starting
    /// while an earlier one is still pending after the happy-eyeballs delay).
    case pickFirst = "pick_first"
    /// One connection per address; calls go to the ready ones in turn.
    case roundRobin = "round_robin"
}
