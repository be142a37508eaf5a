import CoreTypes

/// The 8-byte run identifier the EV chooses per matching run (slac.md §1.3), bytes in wire order
/// (byte 0 in the most significant position of `rawValue`).
@frozen
public struct RunID: Hashable, Sendable, BitwiseCopyable, CustomStringConvertible {
    public var rawValue: UInt64
    @inlinable public init(rawValue: UInt64) { self.rawValue = rawValue }
    public static let zero = RunID(rawValue: 0)
    public var description: String { Hex.bytes(rawValue, count: 8) }
}

/// The 54-bit network identifier of an AVLN (7 bytes, the two most significant bits of the last byte
/// zero; slac.md §7.2), bytes in wire order in the low 56 bits of `rawValue`.
@frozen
public struct NetworkID: Hashable, Sendable, BitwiseCopyable, CustomStringConvertible {
    public var rawValue: UInt64
    @inlinable public init(rawValue: UInt64) { self.rawValue = rawValue & 0x00FF_FFFF_FFFF_FFFF }
    public static let zero = NetworkID(rawValue: 0)
    /// Byte `i` (0…6) in wire order.
    @inlinable public subscript(i: Int) -> UInt8 { UInt8(truncatingIfNeeded: rawValue >> UInt64(8 * (6 - i))) }
    public var description: String { Hex.bytes(rawValue, count: 7) }
}

/// The 16-byte network membership key (AES-128) of an AVLN, bytes in wire order: `high` holds bytes
/// 0…7, `low` bytes 8…15.
@frozen
public struct NetworkMembershipKey: Hashable, Sendable, BitwiseCopyable, CustomStringConvertible {
    public var high: UInt64
    public var low: UInt64
    @inlinable public init(high: UInt64, low: UInt64) {
        self.high = high
        self.low = low
    }
    public static let zero = NetworkMembershipKey(high: 0, low: 0)
    /// Byte `i` (0…15) in wire order.
    @inlinable public subscript(i: Int) -> UInt8 {
        i < 8 ? UInt8(truncatingIfNeeded: high >> UInt64(8 * (7 - i)))
              : UInt8(truncatingIfNeeded: low >> UInt64(8 * (15 - i)))
    }
    /// The key is a secret: it prints only as its fingerprint, `nmk#` and the first four bytes of its
    /// SHA-256 in hex (`nmk#3fa1c2d0`), in logs, traces and `boardctl slac` alike.
    public var description: String { fingerprint }
    /// `nmk#` + the first 4 bytes of SHA-256(key bytes in wire order), lowercase hex: tells two keys
    /// apart (and lets two peers' logs be compared) without revealing either.
    public var fingerprint: String {
        var h = SHA256()
        var i = 0
        while i < 16 {
            h.update(self[i])
            i += 1
        }
        let d = h.finish()
        return "nmk#" + (0..<4).map { d[$0] < 16 ? "0" + String(d[$0], radix: 16) : String(d[$0], radix: 16) }.joined()
    }
    /// The whole key in hex, for the rare caller that must hand it on (never for a log line).
    public var secretHex: String { Hex.bytes(high, count: 8) + Hex.bytes(low, count: 8) }
}

extension NetworkMembershipKey: CustomDebugStringConvertible, CustomReflectable {
    public var debugDescription: String { fingerprint }
    /// `dump` and reflection show the fingerprint, not the two halves of the key.
    public var customMirror: Mirror { Mirror(self, children: ["fingerprint": fingerprint]) }
}

/// A 17-byte station identifier (PEV_ID, EVSE_ID, SenderID, SOURCE_ID, RESP_ID); all zero in
/// ISO 15118-3 usage (slac.md §1.3). Bytes 0…7 in `high`, 8…15 in `middle`, 16 in `last`.
@frozen
public struct StationID: Hashable, Sendable, BitwiseCopyable {
    public var high: UInt64
    public var middle: UInt64
    public var last: UInt8
    @inlinable public init(high: UInt64 = 0, middle: UInt64 = 0, last: UInt8 = 0) {
        self.high = high
        self.middle = middle
        self.last = last
    }
    public static let zero = StationID()
    @inlinable public var isZero: Bool { high == 0 && middle == 0 && last == 0 }
}

/// 16 opaque bytes (the RND field of CM_MNBC_SOUND.IND).
@frozen
public struct Bytes16: Hashable, Sendable, BitwiseCopyable {
    public var high: UInt64
    public var low: UInt64
    @inlinable public init(high: UInt64 = 0, low: UInt64 = 0) {
        self.high = high
        self.low = low
    }
}

/// Average attenuation per OFDM carrier group in dB (AAG), as CM_ATTEN_PROFILE.IND and
/// CM_ATTEN_CHAR.IND carry it: NumGroups (58 in ISO 15118-3 use, 1…58 accepted) and the values.
@frozen
public struct AttenuationGroups: Sendable, BitwiseCopyable, Equatable {
    /// The number of groups ISO 15118-3 uses (slac.md §2.8).
    @_transparent public static var standardCount: Int { 58 }
    public var count: Int
    public var values: InlineArray<58, UInt8>

    @inlinable public init() {
        count = 0
        values = InlineArray(repeating: 0)
    }

    /// `count` groups all at `value` dB.
    @inlinable public init(count: Int, repeating value: UInt8) {
        self.count = min(max(count, 0), 58)
        values = InlineArray(repeating: value)
    }

    @inlinable public subscript(i: Int) -> UInt8 {
        get { values[i] }
        set { values[i] = newValue }
    }

    /// Mean over the `count` groups (0 when empty).
    @inlinable public var mean: Int {
        guard count > 0 else { return 0 }
        var sum = 0
        var i = 0
        while i < count {
            sum += Int(values[i])
            i += 1
        }
        return sum / count
    }

    @inlinable public static func == (a: Self, b: Self) -> Bool {
        guard a.count == b.count else { return false }
        var i = 0
        while i < a.count {
            if a.values[i] != b.values[i] { return false }
            i += 1
        }
        return true
    }
}

enum Hex {
    static func bytes(_ v: UInt64, count: Int) -> String {
        var s = ""
        var i = count - 1
        while i >= 0 {
            let b = UInt8(truncatingIfNeeded: v >> UInt64(8 * i))
            s += b < 16 ? "0" + String(b, radix: 16, uppercase: true) : String(b, radix: 16, uppercase: true)
            i -= 1
        }
        return s
    }
}
