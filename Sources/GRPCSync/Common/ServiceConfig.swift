/// A channel's service config, given as the option `grpc.service_config` (JSON, grpc's
/// `doc/service_config.md`), validated field by field as grpc core validates it: a config with an
/// error is refused whole, with grpc's words for each field (``ServiceConfig/Invalid``).
///
/// Per method (`methodConfig`, matched by `name`: the exact method, else its service, else the
/// entry with an empty name): `timeout` (the call's deadline is the earlier of its own and this),
/// `waitForReady` (a call's own `waitForReady:` wins), `maxRequestMessageBytes` and
/// `maxResponseMessageBytes` (the smaller of the channel's limit and this), `retryPolicy`
/// (``CallRetries``); for the channel, `retryThrottling` (``RetryThrottle``) and the load-balancing
/// policy (`loadBalancingConfig`, else `loadBalancingPolicy`). Unknown fields are ignored, as grpc
/// ignores them.
struct ServiceConfig: Sendable, Equatable {
    /// What one `methodConfig` entry sets for the methods it names.
    struct MethodConfig: Sendable, Equatable {
        /// `timeout`, in seconds.
        var timeout: Double?
        var waitForReady: Bool?
        var maxRequestMessageBytes: Int?
        var maxResponseMessageBytes: Int?
        var retryPolicy: RetryPolicy?
    }

    /// A `retryPolicy` (gRFC A6).
    struct RetryPolicy: Sendable, Equatable {
        /// At least 2; more than 5 is taken as 5, as grpc takes it.
        var maxAttempts: Int
        /// Seconds.
        var initialBackoff: Double
        /// Seconds.
        var maxBackoff: Double
        var backoffMultiplier: Double
        var retryableStatusCodes: Set<StatusCode>
    }

    /// `retryThrottling` (gRFC A6).
    struct RetryThrottling: Sendable, Equatable {
        var maxTokens: Int
        /// Tokens given back per successful call, to three decimals.
        var tokenRatio: Double
    }

    /// The `methodConfig` entries by the path they match: `/service/method`, `/service/` for a
    /// whole service, `` for every method.
    private(set) var methodConfigs: [String: MethodConfig] = [:]
    private(set) var retryThrottling: RetryThrottling?
    /// From `loadBalancingConfig` (the first policy known), else `loadBalancingPolicy`.
    private(set) var loadBalancingPolicy: LoadBalancingPolicy?
    /// Fields given that have no effect in this runtime, with the reason; logged when the channel
    /// is made.
    private(set) var unsupportedFields: [(field: String, reason: String)] = []

    static func == (a: ServiceConfig, b: ServiceConfig) -> Bool {
        a.methodConfigs == b.methodConfigs && a.retryThrottling == b.retryThrottling
            && a.loadBalancingPolicy == b.loadBalancingPolicy
            && a.unsupportedFields.map(\.field) == b.unsupportedFields.map(\.field)
    }

    /// A service config that does not parse or validate; `message` is grpc core's text for it.
    struct Invalid: Error, Equatable {
        let message: String
    }

    /// The method config for a call to `path` (`/package.Service/Method`): its own entry, else its
    /// service's, else the default one.
    func methodConfig(forPath path: String) -> MethodConfig? {
        if let exact = methodConfigs[path] { return exact }
        if let slash = path.lastIndex(of: "/"), let service = methodConfigs[String(path[...slash])] {
            return service
        }
        return methodConfigs[""]
    }

    /// Parses and validates a service config.
    ///
    /// - Throws: ``Invalid`` with every error found, as grpc reports them.
    init(json text: String) throws(Invalid) {
        let json: JSONValue
        do {
            json = try JSONValue(parsing: text)
        } catch {
            throw Invalid(message: "JSON parsing failed: [JSON parse error at index \(error.offset)]")
        }
        var errors = ValidationErrors()
        load(json, &errors)
        if let message = errors.message { throw Invalid(message: message) }
    }

    // MARK: loading

    private mutating func load(_ json: JSONValue, _ errors: inout ValidationErrors) {
        guard case .object = json else {
            errors.add("is not an object")
            return
        }
        if let methods = json["methodConfig"] {
            errors.scoped(".methodConfig") { (errors: inout ValidationErrors) in
                guard case .array(let entries) = methods else { return errors.add("is not an array") }
                for (i, entry) in entries.enumerated() {
                    errors.scoped("[\(i)]") { (errors: inout ValidationErrors) in loadMethodConfig(entry, i, &errors) }
                }
            }
        }
        if let throttling = json["retryThrottling"] {
            errors.scoped(".retryThrottling") { (errors: inout ValidationErrors) in
                retryThrottling = Self.loadRetryThrottling(throttling, &errors)
            }
        }
        loadLoadBalancing(json, &errors)
        if json["healthCheckConfig"] != nil {
            unsupportedFields.append(("healthCheckConfig", "client-side health checking is not supported"))
        }
    }

    private mutating func loadMethodConfig(_ json: JSONValue, _ index: Int, _ errors: inout ValidationErrors) {
        guard case .object = json else { return errors.add("is not an object") }
        var config = MethodConfig()
        if let timeout = json["timeout"] {
            config.timeout = errors.scoped(".timeout") { (e: inout ValidationErrors) in Self.duration(timeout, &e) }
        }
        if let waitForReady = json["waitForReady"] {
            config.waitForReady = errors.scoped(".waitForReady") { (e: inout ValidationErrors) -> Bool? in
                guard case .bool(let value) = waitForReady else {
                    e.add("is not a boolean")
                    return nil
                }
                return value
            }
        }
        for (key, keyPath) in [
            ("maxRequestMessageBytes", \MethodConfig.maxRequestMessageBytes),
            ("maxResponseMessageBytes", \MethodConfig.maxResponseMessageBytes),
        ] {
            if let limit = json[key] {
                config[keyPath: keyPath] = errors.scoped(".\(key)") { (e: inout ValidationErrors) in
                    Self.number(
                        limit, &e, parse: { UInt32($0).map(Int.init) }, failure: "failed to parse non-negative number")
                }
            }
        }
        if let retry = json["retryPolicy"] {
            config.retryPolicy = errors.scoped(".retryPolicy") { (e: inout ValidationErrors) in
                Self.loadRetryPolicy(retry, &e)
            }
        }
        if json["hedgingPolicy"] != nil {
            unsupportedFields.append(("methodConfig[\(index)].hedgingPolicy", "hedging is not supported"))
        }
        guard let names = json["name"] else { return }
        errors.scoped(".name") { (errors: inout ValidationErrors) in
            guard case .array(let entries) = names else { return errors.add("is not an array") }
            for (i, entry) in entries.enumerated() {
                errors.scoped("[\(i)]") { (errors: inout ValidationErrors) in
                    guard let path = Self.path(of: entry, &errors) else { return }
                    if methodConfigs[path] != nil {
                        errors.add(
                            path.isEmpty
                                ? "duplicate default method config" : "multiple method configs for path \(path)")
                    }
                    methodConfigs[path] = config
                }
            }
        }
    }

    /// The path a `name` entry matches (`/service/method`, `/service/`, or `` for every method).
    private static func path(of json: JSONValue, _ errors: inout ValidationErrors) -> String? {
        guard case .object = json else {
            errors.add("is not an object")
            return nil
        }
        var parts: [String] = []
        for key in ["service", "method"] {
            guard let value = json[key] else {
                parts.append("")
                continue
            }
            guard case .string(let text) = value else {
                errors.scoped(".\(key)") { (e: inout ValidationErrors) in e.add("is not a string") }
                return nil
            }
            parts.append(text)
        }
        let (service, method) = (parts[0], parts[1])
        if service.isEmpty {
            if !method.isEmpty {
                errors.add("method name populated without service name")
                return nil
            }
            return ""
        }
        return "/\(service)/\(method)"
    }

    private static func loadRetryPolicy(_ json: JSONValue, _ errors: inout ValidationErrors) -> RetryPolicy? {
        guard case .object = json else {
            errors.add("is not an object")
            return nil
        }
        let maxAttempts = errors.required(json, "maxAttempts") { (v, e: inout ValidationErrors) -> Int? in
            guard let attempts = number(v, &e, parse: { Int32($0).map(Int.init) }, failure: "failed to parse number")
            else { return nil }
            if attempts <= 1 {
                e.add("must be at least 2")
                return nil
            }
            return min(attempts, 5)
        }
        let initialBackoff = errors.required(json, "initialBackoff", positiveDuration)
        let maxBackoff = errors.required(json, "maxBackoff", positiveDuration)
        let multiplier = errors.required(json, "backoffMultiplier") { (v, e: inout ValidationErrors) -> Double? in
            guard let value = number(v, &e, parse: { Double($0) }, failure: "failed to parse floating-point number")
            else { return nil }
            if value <= 0 {
                e.add("must be greater than 0")
                return nil
            }
            return value
        }
        var codes: Set<StatusCode> = []
        var codesListed = true
        if let list = json["retryableStatusCodes"] {
            errors.scoped(".retryableStatusCodes") { (e: inout ValidationErrors) in
                guard case .array(let names) = list else {
                    e.add("is not an array")
                    codesListed = false
                    return
                }
                for (i, name) in names.enumerated() {
                    e.scoped("[\(i)]") { (e: inout ValidationErrors) in
                        guard case .string(let text) = name else { return e.add("is not a string") }
                        guard let code = StatusCode.allCases.first(where: { $0.grpcName == text }) else {
                            return e.add("failed to parse status code")
                        }
                        codes.insert(code)
                    }
                }
            }
        }
        if codes.isEmpty && codesListed {
            errors.scoped(".retryableStatusCodes") { (e: inout ValidationErrors) in e.add("must be non-empty") }
        }
        guard let maxAttempts, let initialBackoff, let maxBackoff, let multiplier, !codes.isEmpty else { return nil }
        return RetryPolicy(
            maxAttempts: maxAttempts, initialBackoff: initialBackoff, maxBackoff: maxBackoff,
            backoffMultiplier: multiplier, retryableStatusCodes: codes)
    }

    private static func loadRetryThrottling(_ json: JSONValue, _ errors: inout ValidationErrors) -> RetryThrottling? {
        guard case .object = json else {
            errors.add("is not an object")
            return nil
        }
        let maxTokens = errors.required(json, "maxTokens") { (v, e: inout ValidationErrors) -> Int? in
            guard let tokens = number(v, &e, parse: { Int32($0).map(Int.init) }, failure: "failed to parse number")
            else { return nil }
            if tokens <= 0 {
                e.add("must be greater than 0")
                return nil
            }
            return tokens
        }
        let tokenRatio = errors.required(json, "tokenRatio") { (v, e: inout ValidationErrors) -> Double? in
            // grpc reads up to three decimals into thousandths.
            guard let ratio = number(v, &e, parse: thousandths, failure: "could not parse as a number") else {
                return nil
            }
            if ratio <= 0 {
                e.add("must be greater than 0")
                return nil
            }
            return Double(ratio) / 1000
        }
        guard let maxTokens, let tokenRatio else { return nil }
        return RetryThrottling(maxTokens: maxTokens, tokenRatio: tokenRatio)
    }

    private mutating func loadLoadBalancing(_ json: JSONValue, _ errors: inout ValidationErrors) {
        if let name = json["loadBalancingPolicy"] {
            errors.scoped(".loadBalancingPolicy") { (e: inout ValidationErrors) in
                guard case .string(let text) = name else { return e.add("is not a string") }
                guard let policy = LoadBalancingPolicy(rawValue: text.lowercased()) else {
                    return e.add("unknown LB policy \"\(text)\"")
                }
                loadBalancingPolicy = policy
            }
        }
        // loadBalancingConfig wins over loadBalancingPolicy.
        if let list = json["loadBalancingConfig"] {
            errors.scoped(".loadBalancingConfig") { (e: inout ValidationErrors) in
                guard case .array(let entries) = list else { return e.add("type should be array") }
                var unknown: [String] = []
                for entry in entries {
                    guard case .object(let members) = entry else { return e.add("type should be object") }
                    guard members.count == 1, let name = members.first?.0 else { return e.add("oneOf violation") }
                    if let policy = LoadBalancingPolicy(rawValue: name) {
                        loadBalancingPolicy = policy
                        return
                    }
                    unknown.append(name)
                }
                if !unknown.isEmpty { e.add("No known policies in list: \(unknown.joined(separator: " "))") }
            }
        }
    }

    // MARK: values

    /// A number field: a JSON number or a string holding one, read by `parse`.
    private static func number<T>(
        _ json: JSONValue, _ errors: inout ValidationErrors, parse: (String) -> T?, failure: String
    ) -> T? {
        let text: String
        switch json {
        case .number(let t), .string(let t): text = t
        default:
            errors.add("is not a number")
            return nil
        }
        guard let value = parse(text) else {
            errors.add(failure)
            return nil
        }
        return value
    }

    /// grpc core's reading of `tokenRatio`, in thousandths: a whole part and up to three
    /// decimals. As grpc core reads it, a number written without a decimal point counts in
    /// thousandths already (`1` is 0.001, `1.0` is 1).
    private static func thousandths(_ text: String) -> Int? {
        let parts = text.split(separator: ".", maxSplits: 1, omittingEmptySubsequences: false)
        guard let whole = UInt32(parts[0]) else { return nil }
        guard parts.count == 2 else { return Int(whole) }
        let digits = parts[1].prefix(3)
        guard let value = UInt32(digits), !digits.isEmpty else { return nil }
        return Int(whole) * 1000 + Int(value) * [100, 10, 1][digits.count - 1]
    }

    /// A `google.protobuf.Duration` in JSON (`"1.5s"`), in seconds.
    static func duration(_ json: JSONValue, _ errors: inout ValidationErrors) -> Double? {
        guard case .string(let text) = json else {
            errors.add("is not a string")
            return nil
        }
        guard text.hasSuffix("s") else {
            errors.add("Not a duration (no s suffix)")
            return nil
        }
        let number = text.dropLast().trimmingWhiteSpace()
        var nanos = 0
        var secondsText = Substring(number)
        if let point = number.firstIndex(of: ".") {
            let decimals = number[number.index(after: point)...]
            secondsText = number[..<point]
            guard let value = UInt32(decimals) else {
                errors.add("Not a duration (not a number of nanoseconds)")
                return nil
            }
            guard decimals.count <= 9 else {
                errors.add("Not a duration (too many digits after decimal)")
                return nil
            }
            nanos = Int(value)
            for _ in 0..<(9 - decimals.count) { nanos *= 10 }
        }
        guard let seconds = Int64(secondsText) else {
            errors.add("Not a duration (not a number of seconds)")
            return nil
        }
        guard seconds >= 0, seconds <= 315_576_000_000 else {
            errors.add("seconds must be in the range [0, 315576000000]")
            return nil
        }
        return Double(seconds) + Double(nanos) / 1e9
    }

    private static func positiveDuration(_ json: JSONValue, _ errors: inout ValidationErrors) -> Double? {
        guard let seconds = duration(json, &errors) else { return nil }
        if seconds == 0 {
            errors.add("must be greater than 0")
            return nil
        }
        return seconds
    }
}

extension StringProtocol {
    /// The text without spaces and tabs at either end.
    fileprivate func trimmingWhiteSpace() -> Substring {
        let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\t" || $0 == "\n" || $0 == "\r" }
        let text = Substring(self)
        guard let first = text.firstIndex(where: { !isSpace($0) }) else { return text[text.endIndex...] }
        let last = text.lastIndex(where: { !isSpace($0) })!
        return text[first...last]
    }
}
