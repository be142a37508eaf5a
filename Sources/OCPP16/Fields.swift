/// Why a CALL's payload cannot be served, as the CALLERROR that answers it (OCPP-J 1.6 §4.2.3).
public struct OCPPCallError: Error, Equatable, Sendable, CustomStringConvertible {
    public var code: OCPPErrorCode
    public var message: String

    public init(_ code: OCPPErrorCode, _ message: String) {
        self.code = code
        self.message = message
    }

    static func occurrence(_ field: String) -> OCPPCallError { OCPPCallError(.occurenceConstraintViolation, "\(field) missing") }
    static func type(_ field: String) -> OCPPCallError { OCPPCallError(.typeConstraintViolation, "\(field) has the wrong type") }
    static func property(_ field: String) -> OCPPCallError { OCPPCallError(.propertyConstraintViolation, "\(field) out of range") }

    public var description: String { "\(code.rawValue): \(message)" }
}

/// Typed reads of a payload's members, each failing with the CALLERROR the schema violation calls for.
struct Fields {
    let json: JSON
    init(_ json: JSON) { self.json = json }

    func string(_ key: String, max: Int = .max) throws(OCPPCallError) -> String {
        guard let v = json[key] else { throw .occurrence(key) }
        guard let s = v.string else { throw .type(key) }
        guard s.count <= max else { throw .property(key) }
        return s
    }

    func optionalString(_ key: String, max: Int = .max) throws(OCPPCallError) -> String? {
        guard json[key] != nil else { return nil }
        return try string(key, max: max)
    }

    func int(_ key: String) throws(OCPPCallError) -> Int {
        guard let v = json[key] else { throw .occurrence(key) }
        guard let i = v.integer else { throw .type(key) }
        return i
    }

    func optionalInt(_ key: String) throws(OCPPCallError) -> Int? {
        guard json[key] != nil else { return nil }
        return try int(key)
    }

    func double(_ key: String) throws(OCPPCallError) -> Double {
        guard let v = json[key] else { throw .occurrence(key) }
        guard let d = v.number else { throw .type(key) }
        return d
    }

    func optionalDouble(_ key: String) throws(OCPPCallError) -> Double? {
        guard json[key] != nil else { return nil }
        return try double(key)
    }
}
