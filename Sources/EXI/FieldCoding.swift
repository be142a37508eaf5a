// Typed field values with their schema facets checked (XML Schema facets; EXI 1.0 §7.1 representations).

extension EXIWriter {
    /// An integer whose range allows n-bit coding (EXI §7.1.9), checked against `minimum...maximum`.
    @inlinable
    public mutating func writeBoundedField(_ value: Int64, minimum: Int64, maximum: Int64, width: Int) throws(EXIError) {
        guard value >= minimum, value <= maximum else {
            throw error(.valueOutOfRange(value: value, min: minimum, max: maximum))
        }
        try writeBits(UInt64(bitPattern: value &- minimum), width)
    }

    /// A non-negative integer as Unsigned Integer (EXI §7.1.6), checked against `minimum...maximum`.
    @inlinable
    public mutating func writeUnsignedField(_ value: UInt64, minimum: UInt64, maximum: UInt64) throws(EXIError) {
        guard value >= minimum, value <= maximum else {
            throw error(.valueOutOfRange(value: Int64(clamping: value), min: Int64(clamping: minimum), max: Int64(clamping: maximum)))
        }
        try writeUnsigned(value)
    }

    /// A signed integer as Integer (EXI §7.1.5), checked against `minimum...maximum`.
    @inlinable
    public mutating func writeIntegerField(_ value: Int64, minimum: Int64, maximum: Int64) throws(EXIError) {
        guard value >= minimum, value <= maximum else {
            throw error(.valueOutOfRange(value: value, min: minimum, max: maximum))
        }
        try writeInteger(value)
    }

    /// A string checked against the length facets (characters), written as a literal.
    @inlinable
    public mutating func writeStringField<let n: Int>(_ value: borrowing EXIString<n>,
                                                      minLength: Int, maxLength: Int) throws(EXIError) {
        let length = value.scalarCount
        guard length >= minLength, length <= maxLength else {
            throw error(.lengthOutOfRange(length: length, min: minLength, max: maxLength))
        }
        try writeString(value)
    }

    /// Binary data checked against the length facets (octets).
    @inlinable
    public mutating func writeBinaryField<let n: Int>(_ value: borrowing EXIBytes<n>, minLength: Int, maxLength: Int) throws(EXIError) {
        let length = Int(value.count)
        guard length >= minLength, length <= maxLength else {
            throw error(.lengthOutOfRange(length: length, min: minLength, max: maxLength))
        }
        try writeBinary(value)
    }

    /// An empty string or binary value of a simple-typed element: no CH, the element ends through the
    /// escape and the 2nd-level EE (code 0 of 3 bits; EXI §8.5.4.4.1), as EXIficient writes `<a></a>`.
    @inlinable
    public mutating func writeEmptySimpleElement() throws(EXIError) {
        try writeBits(0b1000, 4)
    }

    /// Content that cannot be written: wildcard (`xs:any`) content the schema requires.
    @inlinable
    public func unsupported() -> EXIError { error(.unsupportedContent) }
}

extension EXIReader {
    /// The 1-bit first-level event code 0 of a simple-typed element's CH or EE (anything else is an
    /// undeclared 2nd-level event, EXI §8.5.4.4.1).
    @inlinable @inline(__always)
    public mutating func expectSimpleEvent() throws(EXIError) {
        let start = bitPosition
        let code = try readBits(1)
        guard code == 0 else { throw EXIError(.undeclaredEvent(code: 1, state: -1), at: start, schema: schema) }
    }

    /// The first event of a simple-typed element: false when characters follow (CH, code 0), true when
    /// the element ends at once (escape, then 2nd-level EE: an empty value, see `writeEmptySimpleElement`).
    @inlinable @inline(__always)
    public mutating func readSimpleElementIsEmpty() throws(EXIError) -> Bool {
        let start = bitPosition
        if try readBits(1) == 0 { return false }
        let second = try readBits(3)
        guard second == 0 else { throw EXIError(.undeclaredEvent(code: UInt32(truncatingIfNeeded: 8 &+ second), state: -1), at: start, schema: schema) }
        return true
    }

    /// An event code no production of `state` declares.
    @inlinable
    public func undeclared(_ code: UInt64, state: Int, width: Int) -> EXIError {
        EXIError(.undeclaredEvent(code: UInt32(truncatingIfNeeded: code), state: state), at: bitPosition &- width, schema: schema)
    }

    @inlinable
    public mutating func readBoundedField(minimum: Int64, maximum: Int64, width: Int) throws(EXIError) -> Int64 {
        let start = bitPosition
        let value = Int64(bitPattern: try readBits(width)) &+ minimum
        guard value <= maximum else {
            throw EXIError(.valueOutOfRange(value: value, min: minimum, max: maximum), at: start, schema: schema)
        }
        return value
    }

    @inlinable
    public mutating func readUnsignedField(minimum: UInt64, maximum: UInt64) throws(EXIError) -> UInt64 {
        let start = bitPosition
        let value = try readUnsigned()
        guard value >= minimum, value <= maximum else {
            throw EXIError(.valueOutOfRange(value: Int64(clamping: value), min: Int64(clamping: minimum),
                                            max: Int64(clamping: maximum)), at: start, schema: schema)
        }
        return value
    }

    @inlinable
    public mutating func readIntegerField(minimum: Int64, maximum: Int64) throws(EXIError) -> Int64 {
        let start = bitPosition
        let value = try readInteger()
        guard value >= minimum, value <= maximum else {
            throw EXIError(.valueOutOfRange(value: value, min: minimum, max: maximum), at: start, schema: schema)
        }
        return value
    }

    @inlinable
    public mutating func readStringField<let n: Int>(into value: inout EXIString<n>, partition: UInt16,
                                                     minLength: Int, maxLength: Int) throws(EXIError) {
        let start = bitPosition
        let length: Int
        do throws(EXIError) {
            length = try readString(into: &value, partition: partition)
        } catch {
            throw Self.schemaBound(error, capacity: n, minLength: minLength, maxLength: maxLength)
        }
        guard length >= minLength, length <= maxLength else {
            throw EXIError(.lengthOutOfRange(length: length, min: minLength, max: maxLength), at: start, schema: schema)
        }
    }

    @inlinable
    public mutating func readBinaryField<let n: Int>(into value: inout EXIBytes<n>, minLength: Int, maxLength: Int) throws(EXIError) {
        let start = bitPosition
        do throws(EXIError) {
            try readBinary(into: &value)
        } catch {
            throw Self.schemaBound(error, capacity: n, minLength: minLength, maxLength: maxLength)
        }
        let length = Int(value.count)
        guard length >= minLength, length <= maxLength else {
            throw EXIError(.lengthOutOfRange(length: length, min: minLength, max: maxLength), at: start, schema: schema)
        }
    }

    /// A length past the storage where the storage holds the schema's whole `maxLength` breaks the schema
    /// (`lengthOutOfRange`: the message is invalid), it is not a valid value beyond a bound this codec keeps
    /// below the schema (`capacityExceeded`, which the SECC answers FAILED in the request's own type). An
    /// 11-byte DIN SessionID (hexBinary, maxLength 8) is the first kind.
    @inlinable
    static func schemaBound(_ error: EXIError, capacity: Int, minLength: Int, maxLength: Int) -> EXIError {
        guard case .capacityExceeded(let count, _) = error.kind, capacity >= maxLength else { return error }
        var schema = error
        schema.kind = .lengthOutOfRange(length: count, min: minLength, max: maxLength)
        return schema
    }
}
