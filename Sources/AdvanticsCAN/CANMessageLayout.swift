/// One named value of an enumerated signal (a KCD `LabelSet` entry).
public struct CANValueLabel: Sendable {
    public let value: Int64
    public let name: StaticString

    public init(_ value: Int64, _ name: StaticString) {
        self.value = value
        self.name = name
    }
}

/// Where a signal lies in a frame and how its raw bits become a physical value (advantics-can.md §0.1):
/// little-endian, `start` is the least significant bit counted LSB-first through the frame, physical =
/// raw × scale + offset, two's complement when signed.
public struct CANSignalLayout: Sendable {
    public let name: StaticString
    public let start: Int
    public let length: Int
    public let isSigned: Bool
    public let scale: Double
    public let offset: Double
    /// The database's Min/Max; nil where it gives none (the full raw range applies).
    public let limits: ClosedRange<Double>?
    /// The defined values of an enumerated signal; empty for a plain number. A value not listed is
    /// undefined (§0.1) and rejected.
    public let labels: [CANValueLabel]
    public let unit: StaticString

    public init(_ name: StaticString, start: Int, length: Int, isSigned: Bool = false, scale: Double = 1,
                offset: Double = 0, limits: ClosedRange<Double>? = nil, labels: [CANValueLabel] = [],
                unit: StaticString = "") {
        self.name = name
        self.start = start
        self.length = length
        self.isSigned = isSigned
        self.scale = scale
        self.offset = offset
        self.limits = limits
        self.labels = labels
        self.unit = unit
    }

    /// The same signal with another resolution (the PEV firmware-release variants, §2.8); database
    /// limits written for the other resolution no longer apply, so the raw range does.
    public func rescaled(_ scale: Double) -> CANSignalLayout {
        CANSignalLayout(name, start: start, length: length, isSigned: isSigned, scale: scale, offset: offset,
                        limits: nil, labels: labels, unit: unit)
    }

    /// The same signal at another start bit (the PEV energy-field-order variant, §2.5).
    public func moved(to start: Int) -> CANSignalLayout {
        CANSignalLayout(name, start: start, length: length, isSigned: isSigned, scale: scale, offset: offset,
                        limits: limits, labels: labels, unit: unit)
    }

    /// The smallest and largest raw value the field holds.
    @inlinable public var rawRange: ClosedRange<Int64> {
        if isSigned { return -(Int64(1) << (length - 1))...((Int64(1) << (length - 1)) - 1) }
        return 0...(length >= 63 ? Int64.max : (Int64(1) << length) - 1)
    }

    @inlinable public var isEnumerated: Bool { !labels.isEmpty }

    /// The label of a raw value, if defined (tools; the codec uses `defines`).
    public func label(of raw: Int64) -> StaticString? {
        for l in labels where l.value == raw { return l.name }
        return nil
    }

    /// Whether an enumerated signal defines `raw` (an index loop: the iterator of `for in` allocates
    /// in debug builds).
    @inlinable
    public func defines(_ raw: Int64) -> Bool {
        var i = 0
        while i < labels.count {
            if labels[i].value == raw { return true }
            i += 1
        }
        return false
    }
}

/// One message of an interface: identifier (base ID for the EVSE interface, pistol bits 0), length,
/// sender, cycle time, and its signals without the reserved fields (sent as 0, §0.1).
public struct CANMessageLayout: Sendable {
    public let name: StaticString
    public let id: UInt32
    public let isExtended: Bool
    public let length: Int
    /// Sent by the ADVANTICS controller (C→P / C→V); false: sent to it.
    public let fromController: Bool
    /// The database's cycle time; 0 for event messages.
    public let cycleMilliseconds: Int
    public let signals: [CANSignalLayout]

    public init(_ name: StaticString, id: UInt32, extended: Bool, length: Int, fromController: Bool,
                cycleMilliseconds: Int, signals: [CANSignalLayout]) {
        self.name = name
        self.id = id
        self.isExtended = extended
        self.length = length
        self.fromController = fromController
        self.cycleMilliseconds = cycleMilliseconds
        self.signals = signals
    }

    /// The index of the signal called `name` (setup and tests; not for the tick).
    public func signalIndex(_ name: String) -> Int? {
        signals.firstIndex { $0.name.description == name }
    }
}
