import EXI

/// Conversions between Josev's JSON shapes and the generated value types (used by generated code).
public enum JSONCoding {
    public static func bool(_ j: JSONValue, path: String) throws(JSONError) -> Bool {
        guard case .bool(let b) = j else { throw JSONError("expected true or false", at: path) }
        return b
    }

    public static func integer<T: FixedWidthInteger>(_ j: JSONValue, as: T.Type, path: String) throws(JSONError) -> T {
        guard case .number(let text) = j else { throw JSONError("expected an integer", at: path) }
        if let v = T(text) { return v }
        // 12.0 and 1e2 are integers too
        if let d = Double(text), d.rounded() == d, let v = T(exactly: d) { return v }
        throw JSONError("\(text) is not an integer of type \(T.self)", at: path)
    }

    /// An unbounded xs:integer (JSON numbers of any length; Josev writes serial numbers in full).
    public static func integer(_ j: JSONValue, path: String) throws(JSONError) -> EXIInteger {
        guard case .number(let text) = j else { throw JSONError("expected an integer", at: path) }
        guard let v = EXIInteger(text) else {
            throw JSONError("\(text) is not an integer of at most \(EXIInteger.capacity) octets", at: path)
        }
        return v
    }

    public static func enumeration<E>(_ j: JSONValue, path: String, _ make: (String) -> E?) throws(JSONError) -> E {
        guard case .string(let s) = j else { throw JSONError("expected a string", at: path) }
        guard let e = make(s) else { throw JSONError("\(s) is not a value of the enumeration", at: path) }
        return e
    }

    public static func string<let n: Int>(_ j: JSONValue, path: String) throws(JSONError) -> EXIString<n> {
        guard case .string(let s) = j else { throw JSONError("expected a string", at: path) }
        guard let v = EXIString<n>(s) else { throw JSONError("more than \(n) characters", at: path) }
        return v
    }

    public static func binary<let n: Int>(_ j: JSONValue, base64: Bool, path: String) throws(JSONError) -> EXIBytes<n> {
        guard case .string(let s) = j else { throw JSONError("expected a string", at: path) }
        guard let bytes = base64 ? Base64.decode(s) : Hex.decode(s) else {
            throw JSONError("not \(base64 ? "base64" : "hex"): \(s)", at: path)
        }
        guard let v = EXIBytes<n>(bytes) else { throw JSONError("longer than \(n) bytes", at: path) }
        return v
    }

    public static func substitution<T>(_ j: JSONValue, path: String,
                                       _ make: ([(String, JSONValue)]) throws(JSONError) -> T?) throws(JSONError) -> T {
        guard case .object(let members) = j, let v = try make(members) else {
            throw JSONError("expected an object naming one element of the substitution group", at: path)
        }
        return v
    }

    /// The items of a JSON array (a single value counts as one item).
    public static func items(_ j: JSONValue) throws(JSONError) -> [JSONValue] {
        if case .array(let a) = j { return a }
        return [j]
    }

    public static func list(_ j: JSONValue, path: String, capacity: Int,
                            _ add: (JSONValue, String) throws(JSONError) -> Void) throws(JSONError) {
        let a = try items(j)
        guard a.count <= capacity else { throw JSONError("\(a.count) items, this codec holds \(capacity)", at: path) }
        for (i, item) in a.enumerated() { try add(item, "\(path)[\(i)]") }
    }

    /// Members a type does not know are an error (the jar would drop them without a word).
    public static func checkMembers(_ members: [(String, JSONValue)], known: [String], path: String) throws(JSONError) {
        for (key, _) in members where !known.contains(key) {
            throw JSONError("unknown member \(key)", at: path)
        }
    }

    /// Repeated groups (only in xmldsig): one array per element name.
    public static func mergeRepeated(_ items: [[(String, JSONValue)]]) -> [(String, JSONValue)] {
        var out: [(String, [JSONValue])] = []
        for item in items {
            for (key, value) in item {
                if let i = out.firstIndex(where: { $0.0 == key }) { out[i].1.append(value) } else { out.append((key, [value])) }
            }
        }
        return out.map { ($0.0, .array($0.1)) }
    }

    /// The inverse of `mergeRepeated`, item by item in member order.
    public static func splitRepeated(_ members: [(String, JSONValue)], names: [String], path: String) throws(JSONError) -> [[(String, JSONValue)]] {
        var out: [[(String, JSONValue)]] = []
        for (key, value) in members where names.contains(key) {
            for item in try items(value) { out.append([(key, item)]) }
        }
        return out
    }
}
