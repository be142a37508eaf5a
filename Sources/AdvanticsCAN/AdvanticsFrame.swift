/// A classic CAN frame as the codec sees it: identifier, format, length and up to 8 data bytes. Fixed
/// size, so decoding and encoding never allocate; the HAL's `CANFrame` converts to and from it.
@frozen
public struct AdvanticsFrame: Sendable, BitwiseCopyable, Equatable {
    public var id: UInt32
    public var isExtended: Bool
    public var length: Int
    public var data: InlineArray<8, UInt8>

    @inlinable
    public init(id: UInt32, extended: Bool, length: Int) {
        self.id = id
        isExtended = extended
        self.length = length
        data = InlineArray(repeating: 0)
    }

    public init(id: UInt32, extended: Bool, bytes: [UInt8]) {
        self.init(id: id, extended: extended, length: min(bytes.count, 8))
        for i in 0..<length { data[i] = bytes[i] }
    }

    public static func == (a: Self, b: Self) -> Bool {
        guard a.id == b.id, a.isExtended == b.isExtended, a.length == b.length else { return false }
        var i = 0
        while i < a.length {
            if a.data[i] != b.data[i] { return false }
            i += 1
        }
        return true
    }

    /// The payload (allocates; tools and tests).
    public var bytes: [UInt8] { (0..<length).map { data[$0] } }
}

/// The physical values of one message's signals, in the layout's signal order. Fixed capacity (the
/// largest message, EVCC_MEVC_Diagnostic_Status, has 29 signals).
@frozen
public struct SignalValues: Sendable, BitwiseCopyable {
    public static let capacity = 32
    public var count: Int
    public var storage: InlineArray<32, Double>

    @inlinable public init(count: Int = 0) {
        self.count = count
        storage = InlineArray(repeating: 0)
    }

    @inlinable public subscript(i: Int) -> Double {
        get { storage[i] }
        set { storage[i] = newValue }
    }
}
