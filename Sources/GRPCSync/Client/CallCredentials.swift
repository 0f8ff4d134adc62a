/// Credentials attached to calls: metadata (an access token, a signed header…) added to each
/// call's request headers, as grpcio's `grpc.CallCredentials`. Made by
/// ``accessTokenCallCredentials(_:)``, ``metadataCallCredentials(_:name:)`` and
/// ``compositeCallCredentials(_:_:_:)``; given to a channel with
/// ``compositeChannelCredentials(_:_:_:)`` or to one call with its `credentials:` argument.
/// They are sent only over a connection that protects them (TLS or local credentials): on any
/// other (``insecureChannel(_:options:compression:logger:)``) a call with call credentials ends
/// UNAUTHENTICATED "Established channel does not have a sufficient security level to transfer
/// call credential." without its plugins being called, as in grpcio. A call sends the channel's
/// call credentials' metadata first, then its own.
public final class CallCredentials: Sendable {
    /// The plugins whose metadata a call gets, in order.
    let plugins: [any AuthMetadataPlugin]

    init(plugins: [any AuthMetadataPlugin]) {
        self.plugins = plugins
    }
}

/// What a metadata plugin is told about the call it gives metadata for
/// (`grpc.AuthMetadataContext`), made as grpc core makes it.
public struct AuthMetadataContext: Sendable {
    /// The URL of the call's service: the scheme (`https` with TLS, none with local
    /// credentials), `://`, the call's authority (without `:443` with TLS) and the method path
    /// without its last part: `https://example.com/package.Service`,
    /// `://127.0.0.1:50051/package.Service`.
    public let serviceURL: String
    /// The method's name, the last part of its path (`Method` for `/package.Service/Method`).
    public let methodName: String

    /// A context with the given service URL and method name (to call a plugin in a test).
    ///
    /// - Parameters:
    ///   - serviceURL: The URL of the call's service, as ``serviceURL`` describes it.
    ///   - methodName: The method's name, without the service.
    public init(serviceURL: String, methodName: String) {
        self.serviceURL = serviceURL
        self.methodName = methodName
    }

    /// The context of a call of `method` (its path) with `authority`, as grpc core makes it
    /// (`MakeServiceUrlAndMethod`).
    init(method: String, authority: String, security: ClientSecurity) {
        var service = Substring(method)
        var methodName = Substring("")
        if let slash = method.lastIndex(of: "/") {
            if slash != method.startIndex {
                methodName = method[method.index(after: slash)...]
                service = method[..<slash]
            }
        } else {
            service = ""
        }
        var hostAndPort = Substring(authority)
        let scheme: String
        if case .tls = security {
            scheme = "https"
            if let colon = authority.lastIndex(of: ":"), authority[authority.index(after: colon)...] == "443" {
                hostAndPort = authority[..<colon]
            }
        } else {
            scheme = ""
        }
        self.init(serviceURL: "\(scheme)://\(hostAndPort)\(service)", methodName: String(methodName))
    }
}

/// Takes a metadata plugin's answer, once (`grpc.AuthMetadataPluginCallback`): call it with the
/// metadata, or with an error that fails the call. It may be called from any thread.
public typealias AuthMetadataPluginCallback = @Sendable (_ metadata: Metadata?, _ error: (any Error)?) -> Void

/// Gives each call metadata, as grpcio's `grpc.AuthMetadataPlugin`.
///
/// A call with call credentials calls each of their plugins in turn once it has a connection
/// that protects them, on the thread that starts the call (the caller's, for a blocking unary
/// call) with no runtime lock held, and waits for the plugin's callback until the call's deadline
/// (DEADLINE_EXCEEDED) or the call is cancelled. The metadata it gives is sent after the call's
/// own metadata. A plugin that throws or calls back with an error ends the call UNAVAILABLE
/// "Getting metadata from plugin failed with error: …"; metadata that is not valid (a key not
/// lower-case, reserved or empty, a text value not printable ASCII, bytes under a key without
/// `-bin`) ends it UNAVAILABLE "Illegal metadata".
///
/// ```swift
/// struct TokenPlugin: AuthMetadataPlugin {
///     func callAsFunction(_ context: AuthMetadataContext, _ callback: @escaping AuthMetadataPluginCallback)
/// {
///         callback([("x-token", .text(fetchToken(for: context.serviceURL)))], nil)
///     }
/// }
/// let credentials = metadataCallCredentials(TokenPlugin())
/// ```
public protocol AuthMetadataPlugin: Sendable {
    /// Gives metadata for the call `context` describes: calls `callback` once, now or later from
    /// any thread, or throws.
    ///
    /// - Parameters:
    ///   - context: The call's service URL and method name (grpcio's `AuthMetadataContext`).
    ///   - callback: Takes the metadata to send, or an error that fails the call; call it once.
    /// - Throws: Anything; the call then ends UNAVAILABLE "Getting metadata from plugin failed
    ///   with error: …".
    func callAsFunction(_ context: AuthMetadataContext, _ callback: @escaping AuthMetadataPluginCallback) throws
}

/// Call credentials sending `authorization: Bearer <token>` (`grpc.access_token_call_credentials`).
///
/// - Parameter accessToken: The token, sent after `Bearer `.
/// - Returns: Credentials for a call's `credentials:` or ``compositeChannelCredentials(_:_:_:)``.
public func accessTokenCallCredentials(_ accessToken: String) -> CallCredentials {
    CallCredentials(plugins: [AccessTokenPlugin(token: accessToken)])
}

/// Call credentials whose metadata `plugin` gives (`grpc.metadata_call_credentials(plugin, name)`);
/// `name` is accepted for grpcio's sake and not used.
///
/// - Parameters:
///   - plugin: Gives each call its metadata.
///   - name: grpcio's plugin name; not used.
/// - Returns: Credentials for a call's `credentials:` or ``compositeChannelCredentials(_:_:_:)``.
public func metadataCallCredentials(_ plugin: some AuthMetadataPlugin, name: String? = nil) -> CallCredentials {
    CallCredentials(plugins: [plugin])
}

/// Call credentials that send the metadata of each of the given credentials, in order
/// (`grpc.composite_call_credentials`).
///
/// - Parameters:
///   - first: The credentials asked first.
///   - second: The credentials asked next.
///   - more: Further credentials, asked in order.
/// - Returns: Credentials whose plugins are all of theirs, in order.
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
