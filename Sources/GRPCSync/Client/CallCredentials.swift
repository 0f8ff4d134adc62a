/// Credentials attached to calls: metadata (an access token, a signed header…) added to each
/// call's request headers, as grpcio's `grpc.CallCredentials`. Made by
/// ``accessTokenCallCredentials(_:)``, ``metadataCallCredentials(_:name:)`` and
/// ``compositeCallCredentials(_:_:_:)``; given to a channel with
/// ``compositeChannelCredentials(_:_:_:)`` or to one call with its `credentials:` argument.
/// They are sent only over a connection that protects them (TLS or local credentials).
public final class CallCredentials: Sendable {
    /// The plugins whose metadata a call gets, in order.
    let plugins: [any AuthMetadataPlugin]

    init(plugins: [any AuthMetadataPlugin]) {
        self.plugins = plugins
    }
}

/// What a metadata plugin is told about the call it gives metadata for
/// (`grpc.AuthMetadataContext`).
public struct AuthMetadataContext: Sendable {
    /// `https://` + the call's authority + `/` + its service (`package.Service`).
    public let serviceURL: String
    /// The method's name, without its service.
    public let methodName: String

    public init(serviceURL: String, methodName: String) {
        self.serviceURL = serviceURL
        self.methodName = methodName
    }
}

/// Takes a metadata plugin's answer, once (`grpc.AuthMetadataPluginCallback`): call it with the
/// metadata, or with an error that fails the call. It may be called from any thread.
public typealias AuthMetadataPluginCallback = @Sendable (_ metadata: Metadata?, _ error: (any Error)?) -> Void

/// Gives each call metadata, as grpcio's `grpc.AuthMetadataPlugin`: called with the call's
/// context and a callback it calls, now or later from another thread, exactly once.
public protocol AuthMetadataPlugin: Sendable {
    func callAsFunction(_ context: AuthMetadataContext, _ callback: @escaping AuthMetadataPluginCallback)
}

/// Call credentials sending `authorization: Bearer <token>` (`grpc.access_token_call_credentials`).
public func accessTokenCallCredentials(_ accessToken: String) -> CallCredentials {
    CallCredentials(plugins: [AccessTokenPlugin(token: accessToken)])
}

/// Call credentials whose metadata `plugin` gives (`grpc.metadata_call_credentials(plugin, name)`).
public func metadataCallCredentials(_ plugin: some AuthMetadataPlugin, name: String? = nil) -> CallCredentials {
    CallCredentials(plugins: [plugin])
}

/// Call credentials that send the metadata of each of `credentials`, in order
/// (`grpc.composite_call_credentials`).
public func compositeCallCredentials(
    _ first: CallCredentials, _ second: CallCredentials, _ more: CallCredentials...
) -> CallCredentials {
    CallCredentials(plugins: ([first, second] + more).flatMap(\.plugins))
}

private struct AccessTokenPlugin: AuthMetadataPlugin {
    let token: String

    func callAsFunction(_ context: AuthMetadataContext, _ callback: @escaping AuthMetadataPluginCallback) {
        callback(["authorization": .text("Bearer \(token)")], nil)
    }
}
