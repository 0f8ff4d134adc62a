/// The errors found while validating a service config, by field (`methodConfig[0].timeout`), and
/// grpc core's message made of them.
struct ValidationErrors {
    private var field = ""
    private var errors: [String: [String]] = [:]

    /// Records an error for the current field.
    mutating func add(_ error: String) {
        errors[field, default: []].append(error)
    }

    /// Runs `body` with `name` (`.timeout`, `[0]`) appended to the current field.
    mutating func scoped<T>(_ name: String, _ body: (inout ValidationErrors) -> T) -> T {
        let outer = field
        field += name
        defer { field = outer }
        return body(&self)
    }

    /// Reads the required member `key` of `json` with `read`, or records "field not present".
    mutating func required<T>(
        _ json: JSONValue, _ key: String, _ read: (JSONValue, inout ValidationErrors) -> T?
    ) -> T? {
        scoped(".\(key)") { (e: inout ValidationErrors) -> T? in
            guard let value = json[key] else {
                e.add("field not present")
                return nil
            }
            return read(value, &e)
        }
    }

    /// grpc's text: `errors validating service config: [field:F error:E; …]`, fields in order;
    /// nil without errors.
    var message: String? {
        if errors.isEmpty { return nil }
        let parts = errors.keys.sorted().map { key -> String in
            let name = key.hasPrefix(".") ? String(key.dropFirst()) : key
            let list = errors[key]!
            return list.count == 1
                ? "field:\(name) error:\(list[0])" : "field:\(name) errors:[\(list.joined(separator: "; "))]"
        }
        return "errors validating service config: [\(parts.joined(separator: "; "))]"
    }
}
