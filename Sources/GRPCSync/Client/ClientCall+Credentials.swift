// A call's request headers, with the metadata of its call credentials.

extension ClientCall {
    /// The request headers, with the call credentials' metadata (asked once per call); nil when
    /// that failed (the call has ended then).
    func requestHeaders() -> [HeaderField]? {
        if let headers = lock.withLock({ madeHeaders }) { return headers }
        var metadata = metadata
        if !credentialPlugins.isEmpty {
            guard channel.security.protectsCallCredentials else {
                failToStart(.insufficientSecurityForCallCredentials)
                return nil
            }
            switch credentialsMetadata() {
            case .success(let added):
                for entry in added { metadata.add(entry.key, entry.value) }
            case .failure(let status):
                failToStart(status)
                return nil
            }
        }
        let headers = GRPCHeaders.request(
            path: method, authority: channel.authority, timeout: deadline, metadata: metadata,
            userAgent: channel.userAgent, encoding: compression)
        lock.withLock { madeHeaders = headers }
        return headers
    }

    /// A call-credentials plugin's answer; `result` is protected by the call's lock.
    private final class PluginAnswer: @unchecked Sendable {
        var result: Result<Metadata, Status>?
    }

    /// The metadata of the call's credential plugins, in order: each is called on this thread
    /// with no lock held, and its callback awaited until the deadline or the call ends.
    private func credentialsMetadata() -> Result<Metadata, Status> {
        let context = AuthMetadataContext(method: method, authority: channel.authority, security: channel.security)
        var metadata = Metadata()
        for plugin in credentialPlugins {
            let answer = PluginAnswer()
            // Weak: a plugin may keep its callback, and the call keeps its plugins, so a strong
            // reference would make a cycle that outlives the call.
            let callback: AuthMetadataPluginCallback = { [weak self] given, error in
                guard let self else { return }
                let result: Result<Metadata, Status>
                if let error {
                    result = .failure(.metadataPluginFailed(error))
                } else if let given, (try? WireFormat.validateOutgoing(given, sender: .client)) == nil {
                    result = .failure(.illegalPluginMetadata)
                } else {
                    result = .success(given ?? [])
                }
                lock.withLock {
                    guard answer.result == nil else { return }  // only the first answer counts
                    answer.result = result
                    phaseChanged.broadcast()
                }
            }
            do {
                try plugin(context, callback)
            } catch {
                return .failure(.metadataPluginFailed(error))
            }
            let result: Result<Metadata, Status> = lock.withLock {
                while true {
                    if let result = answer.result { return result }
                    if case .failed(let status) = phase { return .failure(status) }
                    if !phaseChanged.wait(lock, until: deadline) && deadline.hasPassed {
                        return .failure(.deadlineExceeded)
                    }
                }
            }
            guard case .success(let given) = result else { return result }
            for entry in given { metadata.add(entry.key, entry.value) }
        }
        return .success(metadata)
    }
}
