/// Reads a payload field by field, big-endian (whitebeet-hci.md §0.2), with every bound checked: a
/// short payload is `truncatedPayload`, a bool or presence byte other than 0/1 is `badValue`, bytes
/// left after the last field are `trailingBytes` (`finish`).
public struct HCIReader {
    @usableFromInline let bytes: UnsafeRawBufferPointer
    public private(set) var offset = 0
    public let module: UInt8
    public let sub: UInt8

    public init(_ bytes: UnsafeRawBufferPointer, module: UInt8, sub: UInt8) {
        self.bytes = bytes
        self.module = module
        self.sub = sub
    }

    public var remaining: Int { bytes.count - offset }

    @inline(__always)
    mutating func need(_ n: Int) throws(HCIError) {
        guard offset + n <= bytes.count else {
            throw .truncatedPayload(module: module, sub: sub, length: bytes.count, needed: offset + n)
        }
    }

    public mutating func skip(_ n: Int) throws(HCIError) {
        try need(n)
        offset += n
    }

    public mutating func u8() throws(HCIError) -> UInt8 {
        try need(1)
        defer { offset += 1 }
        return bytes[offset]
    }

    public mutating func u16() throws(HCIError) -> UInt16 {
        try need(2)
        defer { offset += 2 }
        return UInt16(bytes[offset]) << 8 | UInt16(bytes[offset + 1])
    }

    public mutating func u32() throws(HCIError) -> UInt32 {
        let high = try u16()
        return UInt32(high) << 16 | UInt32(try u16())
    }

    public mutating func u64() throws(HCIError) -> UInt64 {
        let high = try u32()
        return UInt64(high) << 32 | UInt64(try u32())
    }

    /// `count` (≤ 8) bytes in wire order into the low bits.
    public mutating func bigEndian(_ count: Int) throws(HCIError) -> UInt64 {
        try need(count)
        var v: UInt64 = 0
        for i in 0 ..< count { v = v << 8 | UInt64(bytes[offset + i]) }
        offset += count
        return v
    }

    public mutating func bool(_ field: String) throws(HCIError) -> Bool {
        let b = try u8()
        guard b <= 1 else { throw .badValue(module: module, sub: sub, field: field, value: Int(b)) }
        return b == 1
    }

    /// The presence byte of an `opt(X)` field (§0.2).
    public mutating func present(_ field: String) throws(HCIError) -> Bool { try bool(field) }

    public mutating func physical() throws(HCIError) -> PhysicalValue {
        let m = try u16()
        let e = try u8()
        return PhysicalValue(mantissa: Int16(bitPattern: m), exponent: Int8(bitPattern: e))
    }

    public mutating func optionalPhysical(_ field: String) throws(HCIError) -> PhysicalValue? {
        try present(field) ? try physical() : nil
    }

    public mutating func optionalU8(_ field: String) throws(HCIError) -> UInt8? { try present(field) ? try u8() : nil }
    public mutating func optionalU16(_ field: String) throws(HCIError) -> UInt16? { try present(field) ? try u16() : nil }
    public mutating func optionalU32(_ field: String) throws(HCIError) -> UInt32? { try present(field) ? try u32() : nil }
    public mutating func optionalBool(_ field: String) throws(HCIError) -> Bool? { try present(field) ? try bool(field) : nil }

    /// `str8` (§0.2): a length byte, then that many bytes.
    public mutating func text(_ field: String, limit: Int = HCIText.capacity) throws(HCIError) -> HCIText {
        let n = Int(try u8())
        guard n <= limit else { throw .tooManyItems(module: module, sub: sub, field: field, count: n, limit: limit) }
        try need(n)
        var t = HCIText()
        for i in 0 ..< n { t.storage[i] = bytes[offset + i] }
        t.count = n
        offset += n
        return t
    }

    /// `list8(u8)` (§0.2).
    public mutating func codes(_ field: String) throws(HCIError) -> CodeList {
        let n = Int(try u8())
        guard n <= CodeList.capacity else {
            throw .tooManyItems(module: module, sub: sub, field: field, count: n, limit: CodeList.capacity)
        }
        try need(n)
        var list = CodeList()
        for i in 0 ..< n { list.storage[i] = bytes[offset + i] }
        list.count = n
        offset += n
        return list
    }

    public func badValue(_ field: String, _ value: some BinaryInteger) -> HCIError {
        .badValue(module: module, sub: sub, field: field, value: Int(value))
    }

    /// Every byte must have been read.
    public func finish() throws(HCIError) {
        guard offset == bytes.count else {
            throw .trailingBytes(module: module, sub: sub, length: bytes.count, used: offset)
        }
    }
}

/// Writes payload fields into caller storage, big-endian, bounds-checked (`bufferTooSmall`).
public struct HCIWriter {
    @usableFromInline let bytes: UnsafeMutableRawBufferPointer
    public private(set) var offset: Int
    public let module: UInt8
    public let sub: UInt8

    @usableFromInline
    init(_ bytes: UnsafeMutableRawBufferPointer, offset: Int, module: UInt8, sub: UInt8) {
        self.bytes = bytes
        self.offset = offset
        self.module = module
        self.sub = sub
    }

    @inline(__always)
    mutating func need(_ n: Int) throws(HCIError) {
        // Two bytes of checksum and end always follow the payload.
        guard offset + n + 2 <= bytes.count else { throw .bufferTooSmall(needed: offset + n + 2, capacity: bytes.count) }
    }

    public mutating func u8(_ v: UInt8) throws(HCIError) {
        try need(1)
        bytes[offset] = v
        offset += 1
    }

    public mutating func u16(_ v: UInt16) throws(HCIError) {
        try need(2)
        bytes[offset] = UInt8(truncatingIfNeeded: v >> 8)
        bytes[offset + 1] = UInt8(truncatingIfNeeded: v)
        offset += 2
    }

    public mutating func u32(_ v: UInt32) throws(HCIError) {
        try u16(UInt16(truncatingIfNeeded: v >> 16))
        try u16(UInt16(truncatingIfNeeded: v))
    }

    public mutating func u64(_ v: UInt64) throws(HCIError) {
        try u32(UInt32(truncatingIfNeeded: v >> 32))
        try u32(UInt32(truncatingIfNeeded: v))
    }

    public mutating func bigEndian(_ v: UInt64, _ count: Int) throws(HCIError) {
        try need(count)
        for i in 0 ..< count { bytes[offset + i] = UInt8(truncatingIfNeeded: v >> UInt64(8 * (count - 1 - i))) }
        offset += count
    }

    public mutating func bool(_ v: Bool) throws(HCIError) { try u8(v ? 1 : 0) }

    public mutating func physical(_ v: PhysicalValue) throws(HCIError) {
        try u16(UInt16(bitPattern: v.mantissa))
        try u8(UInt8(bitPattern: v.exponent))
    }

    public mutating func optionalPhysical(_ v: PhysicalValue?) throws(HCIError) {
        try bool(v != nil)
        if let v { try physical(v) }
    }

    public mutating func optionalU8(_ v: UInt8?) throws(HCIError) {
        try bool(v != nil)
        if let v { try u8(v) }
    }

    public mutating func optionalU16(_ v: UInt16?) throws(HCIError) {
        try bool(v != nil)
        if let v { try u16(v) }
    }

    public mutating func optionalU32(_ v: UInt32?) throws(HCIError) {
        try bool(v != nil)
        if let v { try u32(v) }
    }

    public mutating func optionalBool(_ v: Bool?) throws(HCIError) {
        try bool(v != nil)
        if let v { try bool(v) }
    }

    public mutating func text(_ t: HCIText) throws(HCIError) {
        try u8(UInt8(t.count))
        for i in 0 ..< t.count { try u8(t.storage[i]) }
    }

    public mutating func codes(_ list: CodeList) throws(HCIError) {
        try u8(UInt8(list.count))
        for i in 0 ..< list.count { try u8(list.storage[i]) }
    }

    public mutating func bytes(_ raw: UnsafeRawBufferPointer) throws(HCIError) {
        try need(raw.count)
        for i in 0 ..< raw.count { bytes[offset + i] = raw[i] }
        offset += raw.count
    }
}
