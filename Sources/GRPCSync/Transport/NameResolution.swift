import Glibc

/// Turning a channel's target into the addresses its subchannels dial. A host name is looked up
/// with the system resolver (`getaddrinfo`, A and AAAA answers both, in the resolver's order);
/// literal addresses and Unix sockets need no lookup. The channel runs a lookup on a thread of
/// its own, never the caller's.
enum NameResolution {
    /// How a channel resolves its target: ``system(_:)``, or another way in tests (answers that
    /// change between resolutions).
    typealias Resolve = @Sendable (_ target: Target) -> Result<[SocketAddress], Failure>

    /// Why a target did not resolve, in grpc's words.
    struct Failure: Error, Equatable {
        let status: Status
    }

    /// `getaddrinfo` found no address for `host`.
    struct LookupFailed: Error, CustomStringConvertible {
        let host: String
        let code: Int32
        var description: String { "cannot resolve \"\(host)\": \(NameResolution.reason(code))" }
    }

    /// The system resolver's answer for `target`.
    static func system(_ target: Target) -> Result<[SocketAddress], Failure> {
        do {
            return .success(try target.resolve())
        } catch let error as LookupFailed {
            return .failure(Failure(status: .resolutionFailed(name: target.nameToResolve, reason: reason(error.code))))
        } catch {
            return .failure(Failure(status: .resolutionFailed(name: target.nameToResolve, reason: "\(error)")))
        }
    }

    /// A `getaddrinfo` error in the words of grpc's resolver (c-ares) where it has them.
    static func reason(_ code: Int32) -> String {
        switch code {
        case EAI_NONAME, -5: "Domain name not found"  // -5: EAI_NODATA, which Glibc's module leaves out
        case EAI_AGAIN: "Timeout while contacting DNS servers"
        default: String(cString: gai_strerror(code))
        }
    }
}
