import Foundation
import GRPCSync

/// The call-credential scenarios of Tests/Peers/call_credentials_client.py, written with this
/// runtime; both print the same observation lines for the same servers.
enum CallCredentialScenarios {
    static let timeout = 10.0

    /// Runs every scenario against `target`, a server with local credentials (LOCAL_TCP), and
    /// `insecure_channel` against `insecureTarget`, a server without credentials.
    static func run(target: String, insecureTarget: String) -> [String] {
        let local = localChannelCredentials(.localTCP)
        let withToken = compositeChannelCredentials(local, accessTokenCallCredentials("t"))
        var lines: [String] = []

        func unary(
            _ credentials: CallCredentials?, _ channelCredentials: ChannelCredentials = local,
            timeout: Double = timeout, metadata: Metadata = []
        ) -> () throws -> [UInt8] {
            {
                let channel = secureChannel(target, channelCredentials)
                defer { channel.close() }
                return try channel.unaryUnary(TestService.path("Metadata"))(
                    [], timeout: timeout, metadata: metadata, credentials: credentials)
            }
        }
        func observe(_ name: String, _ call: () throws -> [UInt8]) {
            lines.append(observation(name, target, call))
        }

        observe("access_token", unary(nil, withToken))
        observe("plugin_metadata", unary(plugin(.metadata)))
        observe("composite", unary(compositeCallCredentials(accessTokenCallCredentials("a"), plugin(.metadata))))
        observe("channel_and_call", unary(plugin(.metadata), withToken, metadata: [("x-user", "u")]))
        observe("context", unary(plugin(.context)))
        observe("plugin_raises", unary(plugin(.raise)))
        observe("plugin_error", unary(plugin(.error)))
        observe("plugin_later", unary(plugin(.later)))
        observe("plugin_never", unary(plugin(.never), timeout: 0.5))
        observe("illegal_metadata", unary(plugin(.illegal)))
        observe("server_stream") {
            let channel = secureChannel(target, withToken)
            defer { channel.close() }
            let responses = try channel.unaryStream(TestService.path("ServerStream"))([], timeout: timeout)
            var count = 0
            while try responses.next() != nil { count += 1 }
            return Array("messages=\(count)".utf8)
        }
        observe("stream_stream_plugin_error") {
            let channel = secureChannel(target, local)
            defer { channel.close() }
            let responses = try channel.streamStream(TestService.path("Bidi"))(
                [Array("a".utf8)], timeout: timeout, credentials: plugin(.error))
            var all: [UInt8] = []
            while let response = try responses.next() { all += response }
            return all
        }
        observe("future_plugin_raises") {
            let channel = secureChannel(target, local)
            defer { channel.close() }
            return try channel.unaryUnary(TestService.path("Metadata")).future(
                [], timeout: timeout, credentials: plugin(.raise)
            ).result()
        }
        lines.append(
            observation("insecure_channel", insecureTarget) {
                let channel = insecureChannel(insecureTarget)
                defer { channel.close() }
                return try channel.unaryUnary(TestService.path("Metadata"))(
                    [], timeout: timeout, credentials: accessTokenCallCredentials("t"))
            })
        return lines
    }

    /// One line: the call's code, then its details or its response (the lines of the `Metadata`
    /// answer joined by spaces), with `target` written `TARGET`.
    static func observation(_ name: String, _ target: String, _ call: () throws -> [UInt8]) -> String {
        let line: String
        do {
            let response = String(decoding: try call(), as: UTF8.self)
            let text = response.split(separator: "\n").joined(separator: " ")
            line = "\(name): code=OK response=\(text)"
        } catch let error as RPCError {
            line = "\(name): code=\(error.code.grpcName) details=\(error.details)"
        } catch {
            line = "\(name): raised \(error)"
        }
        return line.replacingOccurrences(of: target, with: "TARGET")
    }

    static func plugin(_ mode: Plugin.Mode) -> CallCredentials { metadataCallCredentials(Plugin(mode: mode)) }

    /// A metadata plugin that answers as its mode says.
    struct Plugin: AuthMetadataPlugin {
        enum Mode { case metadata, context, raise, error, later, illegal, never }
        let mode: Mode

        func callAsFunction(_ context: AuthMetadataContext, _ callback: @escaping AuthMetadataPluginCallback) throws {
            switch mode {
            case .metadata:
                callback([("x-plugin", "p"), ("x-plugin-bin", .binary([0, 1]))], nil)
            case .context:
                callback(
                    [("x-service-url", .text(context.serviceURL)), ("x-method-name", .text(context.methodName))], nil)
            case .raise:
                throw PluginError("x")
            case .error:
                callback(nil, PluginError("x"))
            case .later:
                Thread.detachNewThread {
                    Thread.sleep(forTimeInterval: 0.1)
                    callback([("x-later", "l")], nil)
                }
            case .illegal:
                callback([("Bad Key", "v")], nil)
            case .never:
                break
            }
        }
    }
}

/// An error whose description is its text, as `str(ValueError(text))` is in Python.
struct PluginError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
