/// Which interface a message belongs to.
public enum AdvanticsInterface: Sendable, Equatable, BitwiseCopyable {
    /// Generic EVSE interface v3 (29-bit IDs, pistol index in bits 28..24).
    case evse
    /// Generic PEV interface v2 (11-bit IDs; 29-bit with `force_extended_ids`).
    case pev
}

/// A decoded frame's message: its interface, its index in that interface's table, and (EVSE) the pistol
/// index from ID bits 28..24.
@frozen
public struct AdvanticsMessageRef: Sendable, Equatable, BitwiseCopyable {
    public var interface: AdvanticsInterface
    public var index: Int
    public var pistol: Int

    @inlinable public init(interface: AdvanticsInterface, index: Int, pistol: Int = 0) {
        self.interface = interface
        self.index = index
        self.pistol = pistol
    }
}

/// Both ADVANTICS CAN interfaces: frames in, the message and its physical signal values out, and back
/// (advantics-can.md §0–§2). Pure and allocation-free once built: the tables are read, never copied;
/// values live in the fixed-size `SignalValues`. Bad input is a typed error; an identifier of neither
/// interface is `nil` (the caller ignores and counts it). The tables are arrays (shared, never copied
/// or freed after start-up), which the `@_noAllocation` checker cannot prove, so the malloc-count test
/// (`AdvanticsAllocationTests`) does: 0 mallocs per tick.
public struct AdvanticsCANCodec: Sendable {
    public let evse: [CANMessageLayout]
    public let pev: [CANMessageLayout]
    public let pevScaling: PEVScaling

    public init(pevScaling: PEVScaling = .reference) {
        evse = EVSEInterfaceV3.messages
        pev = PEVInterfaceV2.messages(pevScaling)
        self.pevScaling = pevScaling
    }

    public func layout(_ ref: AdvanticsMessageRef) -> CANMessageLayout {
        ref.interface == .evse ? evse[ref.index] : pev[ref.index]
    }

    /// The message a frame carries, or nil for an identifier of neither interface.
    public func identify(id: UInt32, extended: Bool) -> AdvanticsMessageRef? {
        if extended {
            let base = id & EVSEInterfaceV3.baseIDMask
            var i = 0
            while i < evse.count {
                if evse[i].id == base {
                    return AdvanticsMessageRef(interface: .evse, index: i, pistol: Int(id >> EVSEInterfaceV3.pistolShift))
                }
                i += 1
            }
        }
        // PEV identifiers, as 11-bit frames or (force_extended_ids) the same numbers as 29-bit ones.
        if id <= 0x7FF {
            var i = 0
            while i < pev.count {
                if pev[i].id == id { return AdvanticsMessageRef(interface: .pev, index: i) }
                i += 1
            }
        }
        return nil
    }

    /// Decodes `frame` into `values`; nil when the identifier is unknown.
    public func decode(_ frame: AdvanticsFrame, into values: inout SignalValues) throws(AdvanticsCANError) -> AdvanticsMessageRef? {
        guard let ref = identify(id: frame.id, extended: frame.isExtended) else { return nil }
        try decode(frame, as: ref, into: &values)
        return ref
    }

    /// Decodes `frame` as the message `ref` names.
    public func decode(_ frame: AdvanticsFrame, as ref: AdvanticsMessageRef, into values: inout SignalValues) throws(AdvanticsCANError) {
        let m = ref.interface == .evse ? evse[ref.index] : pev[ref.index]
        guard frame.length == m.length else {
            throw .lengthMismatch(message: m.name, expected: m.length, actual: frame.length)
        }
        let word = Self.load(frame)
        values.count = m.signals.count
        var i = 0
        while i < m.signals.count {
            let s = m.signals[i]
            let raw = Self.extract(word, s)
            if s.isEnumerated, !s.defines(raw) {
                throw .undefinedValue(message: m.name, signal: s.name, raw: raw)
            }
            let value = Double(raw) * s.scale + s.offset
            if let l = s.limits, !l.contains(value) {
                throw .outOfRange(message: m.name, signal: s.name, value: value)
            }
            values[i] = value
            i += 1
        }
    }

    /// Encodes `values` (physical, in the layout's signal order) as the message `ref` names, for
    /// `pistol` (EVSE; 0 for the database's base ID, 1–31 on a charger).
    public func encode(_ ref: AdvanticsMessageRef, _ values: SignalValues) throws(AdvanticsCANError) -> AdvanticsFrame {
        let m = ref.interface == .evse ? evse[ref.index] : pev[ref.index]
        guard values.count >= m.signals.count else {
            throw .missingValues(message: m.name, expected: m.signals.count, actual: values.count)
        }
        var id = m.id
        if ref.interface == .evse {
            guard ref.pistol >= 0, ref.pistol <= 31 else { throw .invalidPistol(ref.pistol) }
            id |= UInt32(ref.pistol) << EVSEInterfaceV3.pistolShift
        }
        var word: UInt64 = 0
        var i = 0
        while i < m.signals.count {
            let s = m.signals[i]
            let value = values[i]
            let scaled = (value - s.offset) / s.scale
            guard scaled.isFinite, scaled >= Double(s.rawRange.lowerBound) - 0.5, scaled <= Double(s.rawRange.upperBound) + 0.5 else {
                throw .outOfRange(message: m.name, signal: s.name, value: value)
            }
            let raw = Int64(scaled.rounded())
            guard s.rawRange.contains(raw) else { throw .outOfRange(message: m.name, signal: s.name, value: value) }
            if let l = s.limits, !l.contains(Double(raw) * s.scale + s.offset) {
                throw .outOfRange(message: m.name, signal: s.name, value: value)
            }
            if s.isEnumerated, !s.defines(raw) {
                throw .undefinedValue(message: m.name, signal: s.name, raw: raw)
            }
            let mask: UInt64 = s.length >= 64 ? ~0 : (UInt64(1) << s.length) - 1
            word |= (UInt64(bitPattern: raw) & mask) << s.start
            i += 1
        }
        var frame = AdvanticsFrame(id: id, extended: m.isExtended, length: m.length)
        var b = 0
        while b < m.length {
            frame.data[b] = UInt8(truncatingIfNeeded: word >> (8 * b))
            b += 1
        }
        return frame
    }

    /// The frame's bytes as one little-endian word (bit b = bit b mod 8 of byte ⌊b/8⌋, §0.1).
    @inline(__always)
    static func load(_ frame: AdvanticsFrame) -> UInt64 {
        var word: UInt64 = 0
        var b = 0
        while b < frame.length && b < 8 {
            word |= UInt64(frame.data[b]) << (8 * b)
            b += 1
        }
        return word
    }

    @inline(__always)
    static func extract(_ word: UInt64, _ s: CANSignalLayout) -> Int64 {
        let mask: UInt64 = s.length >= 64 ? ~0 : (UInt64(1) << s.length) - 1
        let bits = (word >> s.start) & mask
        if s.isSigned, s.length < 64, bits & (UInt64(1) << (s.length - 1)) != 0 {
            return Int64(bitPattern: bits | ~mask)
        }
        return Int64(bitPattern: bits)
    }
}
