extension RPCMethodHandler {
    /// The server found this handler by the call's path: a method registered with
    /// `addRegisteredMethodHandlers`, a generated registration function or
    /// `methodHandlersGenericHandler`, rather than one a ``GenericRPCHandler`` of the application
    /// served. gRPC's metrics record other methods' names as `other`.
    @_spi(Metrics)
    public var isRegisteredMethod: Bool { isFoundByPath }

    /// This handler, marked as found by its path.
    var foundByPath: RPCMethodHandler {
        var marked = self
        marked.isFoundByPath = true
        return marked
    }
}
