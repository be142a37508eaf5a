import CoreTypes

/// Bounds-unchecked byte access for the codec: every caller has checked the frame length first.
/// Multi-byte HomePlug fields are little-endian except where a helper says big-endian (slac.md §1).
@usableFromInline
enum Wire {
    @_transparent @usableFromInline
    static func u8(_ s: borrowing RawSpan, _ o: Int) -> UInt8 { s.unsafeLoad(fromByteOffset: o, as: UInt8.self) }

    @_transparent @usableFromInline
    static func le16(_ s: borrowing RawSpan, _ o: Int) -> UInt16 { UInt16(u8(s, o)) | UInt16(u8(s, o + 1)) << 8 }

    @_transparent @usableFromInline
    static func be16(_ s: borrowing RawSpan, _ o: Int) -> UInt16 { UInt16(u8(s, o)) << 8 | UInt16(u8(s, o + 1)) }

    @_transparent @usableFromInline
    static func be32(_ s: borrowing RawSpan, _ o: Int) -> UInt32 {
        UInt32(u8(s, o)) << 24 | UInt32(u8(s, o + 1)) << 16 | UInt32(u8(s, o + 2)) << 8 | UInt32(u8(s, o + 3))
    }

    /// `count` (≤ 8) bytes in wire order into the low bits of an integer.
    @_transparent @usableFromInline
    static func beBytes(_ s: borrowing RawSpan, _ o: Int, _ count: Int) -> UInt64 {
        var v: UInt64 = 0
        var i = 0
        while i < count {
            v = v << 8 | UInt64(u8(s, o + i))
            i += 1
        }
        return v
    }

    @_transparent @usableFromInline
    static func mac(_ s: borrowing RawSpan, _ o: Int) -> MACAddress { MACAddress(rawValue: beBytes(s, o, 6)) }

    @_transparent @usableFromInline
    static func station(_ s: borrowing RawSpan, _ o: Int) -> StationID {
        StationID(high: beBytes(s, o, 8), middle: beBytes(s, o + 8, 8), last: u8(s, o + 16))
    }

    @_transparent @usableFromInline
    static func key(_ s: borrowing RawSpan, _ o: Int) -> NetworkMembershipKey {
        NetworkMembershipKey(high: beBytes(s, o, 8), low: beBytes(s, o + 8, 8))
    }

    @_transparent @usableFromInline
    static func bytes16(_ s: borrowing RawSpan, _ o: Int) -> Bytes16 { Bytes16(high: beBytes(s, o, 8), low: beBytes(s, o + 8, 8)) }

    /// `count` attenuation values starting at `o`.
    @_transparent @usableFromInline
    static func groups(_ s: borrowing RawSpan, _ o: Int, count: Int) -> AttenuationGroups {
        var g = AttenuationGroups()
        g.count = count
        var i = 0
        while i < count {
            g.values[i] = u8(s, o + i)
            i += 1
        }
        return g
    }

    // MARK: Writing

    @_transparent @usableFromInline
    static func put(_ s: inout MutableRawSpan, _ o: Int, _ v: UInt8) { s.storeBytes(of: v, toByteOffset: o, as: UInt8.self) }

    @_transparent @usableFromInline
    static func putLE16(_ s: inout MutableRawSpan, _ o: Int, _ v: UInt16) {
        put(&s, o, UInt8(truncatingIfNeeded: v))
        put(&s, o + 1, UInt8(truncatingIfNeeded: v >> 8))
    }

    @_transparent @usableFromInline
    static func putBE16(_ s: inout MutableRawSpan, _ o: Int, _ v: UInt16) {
        put(&s, o, UInt8(truncatingIfNeeded: v >> 8))
        put(&s, o + 1, UInt8(truncatingIfNeeded: v))
    }

    @_transparent @usableFromInline
    static func putBE32(_ s: inout MutableRawSpan, _ o: Int, _ v: UInt32) {
        putBE16(&s, o, UInt16(truncatingIfNeeded: v >> 16))
        putBE16(&s, o + 2, UInt16(truncatingIfNeeded: v))
    }

    @_transparent @usableFromInline
    static func putBEBytes(_ s: inout MutableRawSpan, _ o: Int, _ v: UInt64, _ count: Int) {
        var i = 0
        while i < count {
            put(&s, o + i, UInt8(truncatingIfNeeded: v >> UInt64(8 * (count - 1 - i))))
            i += 1
        }
    }

    @_transparent @usableFromInline
    static func putMAC(_ s: inout MutableRawSpan, _ o: Int, _ m: MACAddress) { putBEBytes(&s, o, m.rawValue, 6) }

    @_transparent @usableFromInline
    static func putStation(_ s: inout MutableRawSpan, _ o: Int, _ id: StationID) {
        putBEBytes(&s, o, id.high, 8)
        putBEBytes(&s, o + 8, id.middle, 8)
        put(&s, o + 16, id.last)
    }

    @_transparent @usableFromInline
    static func putKey(_ s: inout MutableRawSpan, _ o: Int, _ k: NetworkMembershipKey) {
        putBEBytes(&s, o, k.high, 8)
        putBEBytes(&s, o + 8, k.low, 8)
    }

    @_transparent @usableFromInline
    static func putGroups(_ s: inout MutableRawSpan, _ o: Int, _ g: AttenuationGroups) {
        var i = 0
        while i < g.count {
            put(&s, o + i, g.values[i])
            i += 1
        }
    }

    @_transparent @usableFromInline
    static func zero(_ s: inout MutableRawSpan, from: Int, to: Int) {
        var i = from
        while i < to {
            put(&s, i, 0)
            i += 1
        }
    }
}
