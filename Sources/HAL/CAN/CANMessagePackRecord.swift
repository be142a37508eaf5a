/// The record python-can's `udp_multicast` interface sends for one CAN message: a MessagePack map of
/// the `can.Message` fields (python-can 4.x `can/interfaces/udp_multicast/utils.py`, `pack_message`):
///
///   timestamp (float, seconds) · arbitration_id (uint) · is_extended_id · is_remote_frame ·
///   is_error_frame (bool) · channel (nil, or a string/int) · dlc (uint: the data length in bytes) ·
///   data (bin) · is_fd · bitrate_switch · error_state_indicator (bool)
///
/// A small, pure codec for exactly that record, since no Swift MessagePack package is available:
/// `encode` writes the fields in python-can's order with the shortest MessagePack forms (what
/// `msgpack.packb(..., use_bin_type=True)` writes, so equal messages give equal bytes); `decode`
/// accepts the fields in any order, skips keys it does not know (scalars, strings, binaries), and
/// gives missing ones `can.Message`'s defaults. Bad input is a typed error, never a crash.
/// No allocation either way: the frame is a fixed-size value and the bytes a caller's buffer.
public enum CANMessagePackRecord {
    /// Why a datagram is not a python-can record.
    public enum DecodeError: Error, Equatable, Sendable, CustomStringConvertible {
        /// The bytes ended inside the record.
        case truncated
        /// The top level is not a map.
        case notAMap(UInt8)
        /// A key is not a string.
        case keyNotAString(UInt8)
        /// A MessagePack type this record never carries (arrays, maps, ext) as a value.
        case unsupportedType(UInt8, key: Key)
        /// A known field with the wrong type.
        case wrongType(Key, UInt8)
        /// More than 64 data bytes, more than 8 for a classic frame, or dlc ≠ the data's length.
        case badLength(data: Int, dlc: Int)
        /// The identifier does not fit its format (11/29 bits).
        case badIdentifier(UInt64)
        /// Bytes after the record.
        case trailingBytes(Int)

        public var description: String {
            switch self {
            case .truncated: return "the record ends early"
            case .notAMap(let b): return "not a MessagePack map (first byte 0x\(String(b, radix: 16)))"
            case .keyNotAString(let b): return "a map key is not a string (type byte 0x\(String(b, radix: 16)))"
            case .unsupportedType(let b, let k): return "unsupported MessagePack type 0x\(String(b, radix: 16)) for \(k)"
            case .wrongType(let k, let b): return "\(k) has the wrong type (type byte 0x\(String(b, radix: 16)))"
            case .badLength(let d, let dlc): return "data of \(d) bytes with dlc \(dlc) is not a CAN frame"
            case .badIdentifier(let id): return "arbitration id 0x\(String(id, radix: 16)) does not fit its format"
            case .trailingBytes(let n): return "\(n) bytes after the record"
            }
        }
    }

    /// The record's fields (and `.other` for a key this codec skips).
    public enum Key: Sendable, Equatable, CustomStringConvertible {
        case timestamp, arbitrationID, isExtendedID, isRemoteFrame, isErrorFrame, channel, dlc, data
        case isFD, bitrateSwitch, errorStateIndicator, other

        public var description: String {
            switch self {
            case .timestamp: "timestamp"
            case .arbitrationID: "arbitration_id"
            case .isExtendedID: "is_extended_id"
            case .isRemoteFrame: "is_remote_frame"
            case .isErrorFrame: "is_error_frame"
            case .channel: "channel"
            case .dlc: "dlc"
            case .data: "data"
            case .isFD: "is_fd"
            case .bitrateSwitch: "bitrate_switch"
            case .errorStateIndicator: "error_state_indicator"
            case .other: "an unknown key"
            }
        }

    }

    /// The longest record `encode` writes (64 data bytes): 256 bytes is always enough.
    public static let maximumLength = 256

    /// Writes `frame` as python-can's record into `out`; returns the byte count, or nil when `out` is
    /// too small. `bitrateSwitch`/`errorStateIndicator` are FD flags our frames do not carry: false.
    public static func encode(_ frame: CANFrame, timestamp: Double, into out: UnsafeMutableRawBufferPointer) -> Int? {
        var w = Writer(out: out)
        w.byte(0x80 | 11)
        w.key("timestamp"); w.byte(0xCB); w.bigEndian(timestamp.bitPattern, 8)
        w.key("arbitration_id"); w.unsigned(UInt64(frame.id))
        w.key("is_extended_id"); w.bool(frame.isExtended)
        w.key("is_remote_frame"); w.bool(frame.isRemote)
        w.key("is_error_frame"); w.bool(frame.isError)
        w.key("channel"); w.byte(0xC0)
        w.key("dlc"); w.unsigned(UInt64(frame.length))
        w.key("data"); w.byte(0xC4); w.byte(frame.length)
        var i = 0
        while i < Int(frame.length) { w.byte(frame.data[i]); i += 1 }
        w.key("is_fd"); w.bool(frame.isFD)
        w.key("bitrate_switch"); w.bool(false)
        w.key("error_state_indicator"); w.bool(false)
        return w.overflow ? nil : w.count
    }

    /// Reads one record. The frame's identifier and length are checked as a CAN bus would.
    public static func decode(_ bytes: UnsafeRawBufferPointer) throws(DecodeError) -> (frame: CANFrame, timestamp: Double) {
        var r = Reader(bytes: bytes)
        let head = try r.byte()
        let entries: Int
        switch head {
        case 0x80...0x8F: entries = Int(head & 0x0F)
        case 0xDE: entries = Int(try r.bigEndian(2))
        case 0xDF: entries = Int(try r.bigEndian(4))
        default: throw .notAMap(head)
        }
        var frame = CANFrame()
        var timestamp = 0.0
        var id: UInt64 = 0
        var dlc: Int? = nil
        var dataLength = 0
        var n = 0
        while n < entries {
            n += 1
            let key = try r.key()
            let t = try r.byte()
            switch key {
            case .timestamp:
                switch t {
                case 0xCB: timestamp = Double(bitPattern: try r.bigEndian(8))
                case 0xCA: timestamp = Double(Float(bitPattern: UInt32(try r.bigEndian(4))))
                case 0xC0: timestamp = 0
                default:
                    guard let v = try r.integer(t) else { throw .wrongType(key, t) }
                    timestamp = Double(v)
                }
            case .arbitrationID:
                guard let v = try r.integer(t), v >= 0 else { throw .wrongType(key, t) }
                id = UInt64(v)
            case .dlc:
                guard let v = try r.integer(t), v >= 0, v <= 64 else { throw .wrongType(key, t) }
                dlc = Int(v)
            case .isExtendedID: frame.isExtended = try r.bool(t, key)
            case .isRemoteFrame: frame.isRemote = try r.bool(t, key)
            case .isErrorFrame: frame.isError = try r.bool(t, key)
            case .isFD: frame.isFD = try r.bool(t, key)
            case .bitrateSwitch, .errorStateIndicator: _ = try r.bool(t, key)
            case .data:
                let length: Int
                switch t {
                case 0xC4: length = Int(try r.bigEndian(1))
                case 0xC5: length = Int(try r.bigEndian(2))
                case 0xC0: length = 0
                default: throw .wrongType(key, t)
                }
                guard length <= 64 else { throw .badLength(data: length, dlc: dlc ?? length) }
                var i = 0
                while i < length { frame.data[i] = try r.byte(); i += 1 }
                dataLength = length
            case .channel, .other:
                try r.skip(t, key)
            }
        }
        if r.offset != bytes.count { throw .trailingBytes(bytes.count - r.offset) }
        let length = dlc ?? dataLength
        // A remote frame asks for `dlc` bytes and carries none.
        guard frame.isRemote ? dataLength == 0 : length == dataLength, length <= (frame.isFD ? 64 : 8) else {
            throw .badLength(data: dataLength, dlc: length)
        }
        frame.length = UInt8(length)
        guard id <= (frame.isExtended ? 0x1FFF_FFFF : 0x7FF) || frame.isError else { throw .badIdentifier(id) }
        guard id <= 0x1FFF_FFFF else { throw .badIdentifier(id) }
        frame.id = UInt32(id)
        return (frame, timestamp)
    }

    struct Writer {
        let out: UnsafeMutableRawBufferPointer
        var count = 0
        var overflow = false

        init(out: UnsafeMutableRawBufferPointer) { self.out = out }

        mutating func byte(_ b: UInt8) {
            guard count < out.count else { overflow = true; return }
            out[count] = b
            count += 1
        }

        mutating func bigEndian(_ v: UInt64, _ width: Int) {
            var shift = (width - 1) * 8
            while shift >= 0 { byte(UInt8(truncatingIfNeeded: v >> UInt64(shift))); shift -= 8 }
        }

        mutating func key(_ s: StaticString) {
            byte(0xA0 | UInt8(s.utf8CodeUnitCount))
            let p = s.utf8Start
            var i = 0
            while i < s.utf8CodeUnitCount { byte(p[i]); i += 1 }
        }

        mutating func bool(_ v: Bool) { byte(v ? 0xC3 : 0xC2) }

        /// The shortest form, as msgpack-python writes a non-negative int.
        mutating func unsigned(_ v: UInt64) {
            switch v {
            case 0...0x7F: byte(UInt8(v))
            case 0x80...0xFF: byte(0xCC); bigEndian(v, 1)
            case 0x100...0xFFFF: byte(0xCD); bigEndian(v, 2)
            case 0x1_0000...0xFFFF_FFFF: byte(0xCE); bigEndian(v, 4)
            default: byte(0xCF); bigEndian(v, 8)
            }
        }
    }

    struct Reader {
        let bytes: UnsafeRawBufferPointer
        var offset = 0

        init(bytes: UnsafeRawBufferPointer) { self.bytes = bytes }

        mutating func byte() throws(DecodeError) -> UInt8 {
            guard offset < bytes.count else { throw .truncated }
            defer { offset += 1 }
            return bytes[offset]
        }

        mutating func bigEndian(_ width: Int) throws(DecodeError) -> UInt64 {
            var v: UInt64 = 0
            var i = 0
            while i < width { v = v << 8 | UInt64(try byte()); i += 1 }
            return v
        }

        mutating func advance(_ n: Int) throws(DecodeError) {
            guard n <= bytes.count - offset else { throw .truncated }
            offset += n
        }

        /// An integer of any MessagePack int form, or nil when `t` is not one.
        mutating func integer(_ t: UInt8) throws(DecodeError) -> Int64? {
            switch t {
            case 0x00...0x7F: return Int64(t)
            case 0xE0...0xFF: return Int64(Int8(bitPattern: t))
            case 0xCC: return Int64(try bigEndian(1))
            case 0xCD: return Int64(try bigEndian(2))
            case 0xCE: return Int64(try bigEndian(4))
            case 0xCF:
                let v = try bigEndian(8)
                return v > UInt64(Int64.max) ? Int64.max : Int64(v)
            case 0xD0: return Int64(Int8(truncatingIfNeeded: try bigEndian(1)))
            case 0xD1: return Int64(Int16(truncatingIfNeeded: try bigEndian(2)))
            case 0xD2: return Int64(Int32(truncatingIfNeeded: try bigEndian(4)))
            case 0xD3: return Int64(bitPattern: try bigEndian(8))
            default: return nil
            }
        }

        mutating func bool(_ t: UInt8, _ key: Key) throws(DecodeError) -> Bool {
            switch t {
            case 0xC2, 0xC0: return false
            case 0xC3: return true
            default: throw .wrongType(key, t)
            }
        }

        /// A map key: one of the record's field names, or `.other`.
        mutating func key() throws(DecodeError) -> Key {
            let t = try byte()
            let length: Int
            switch t {
            case 0xA0...0xBF: length = Int(t & 0x1F)
            case 0xD9: length = Int(try bigEndian(1))
            case 0xDA: length = Int(try bigEndian(2))
            default: throw .keyNotAString(t)
            }
            let start = offset
            try advance(length)
            let b = UnsafeRawBufferPointer(rebasing: bytes[start..<offset])
            if Self.same("timestamp", b) { return .timestamp }
            if Self.same("arbitration_id", b) { return .arbitrationID }
            if Self.same("is_extended_id", b) { return .isExtendedID }
            if Self.same("is_remote_frame", b) { return .isRemoteFrame }
            if Self.same("is_error_frame", b) { return .isErrorFrame }
            if Self.same("channel", b) { return .channel }
            if Self.same("dlc", b) { return .dlc }
            if Self.same("data", b) { return .data }
            if Self.same("is_fd", b) { return .isFD }
            if Self.same("bitrate_switch", b) { return .bitrateSwitch }
            if Self.same("error_state_indicator", b) { return .errorStateIndicator }
            return .other
        }

        /// Whether `b` spells `name` (no array of names: nothing to allocate or retain).
        static func same(_ name: StaticString, _ b: UnsafeRawBufferPointer) -> Bool {
            guard name.utf8CodeUnitCount == b.count else { return false }
            let p = name.utf8Start
            var i = 0
            while i < b.count, p[i] == b[i] { i += 1 }
            return i == b.count
        }

        /// Skips a scalar, string or binary value.
        mutating func skip(_ t: UInt8, _ key: Key) throws(DecodeError) {
            if try integer(t) != nil { return }
            switch t {
            case 0xC0, 0xC2, 0xC3: return
            case 0xCA: try advance(4)
            case 0xCB: try advance(8)
            case 0xA0...0xBF: try advance(Int(t & 0x1F))
            case 0xD9, 0xC4: try advance(Int(try bigEndian(1)))
            case 0xDA, 0xC5: try advance(Int(try bigEndian(2)))
            case 0xDB, 0xC6: try advance(Int(try bigEndian(4)))
            default: throw .unsupportedType(t, key: key)
            }
        }
    }
}
