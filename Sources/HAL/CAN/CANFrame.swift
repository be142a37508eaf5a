/// One CAN frame as the HAL moves it: identifier without flag bits, the flags as fields, and up to 64
/// data bytes (8 for classic CAN). A value type of fixed size, so queues of frames never allocate.
@frozen
public struct CANFrame: Sendable, BitwiseCopyable, Equatable, CustomStringConvertible {
    /// 11-bit (standard) or 29-bit (extended) identifier.
    public var id: UInt32
    public var isExtended: Bool
    public var isRemote: Bool
    /// An error frame from the controller; `id` then holds the error class bits (see `CANErrorClass`).
    public var isError: Bool
    public var isFD: Bool
    public var length: UInt8
    public var data: InlineArray<64, UInt8>

    /// A classic data frame. Bytes beyond 8 are ignored.
    @inlinable
    public init(id: UInt32, extended: Bool, data bytes: borrowing RawSpan) {
        self.id = id
        isExtended = extended
        isRemote = false
        isError = false
        isFD = false
        let n = min(bytes.byteCount, 8)
        length = UInt8(n)
        data = InlineArray(repeating: 0)
        var i = 0
        while i < n {
            data[i] = bytes.unsafeLoad(fromByteOffset: i, as: UInt8.self)
            i += 1
        }
    }

    /// An empty classic frame (length 0).
    @inlinable
    public init(id: UInt32 = 0, extended: Bool = false, length: UInt8 = 0) {
        self.id = id
        isExtended = extended
        isRemote = false
        isError = false
        isFD = false
        self.length = min(length, 64)
        data = InlineArray(repeating: 0)
    }

    /// A classic frame from an array literal (tests, tools).
    public init(id: UInt32, extended: Bool = false, bytes: [UInt8]) {
        self.init(id: id, extended: extended, data: bytes.span.bytes)
    }

    /// The highest identifier for the frame's format.
    @inlinable public var maximumID: UInt32 { isExtended ? 0x1FFF_FFFF : 0x7FF }

    /// The data bytes (allocates; for tools and tests).
    public var payload: [UInt8] { (0..<Int(length)).map { data[$0] } }

    public static func == (a: CANFrame, b: CANFrame) -> Bool {
        guard a.id == b.id, a.isExtended == b.isExtended, a.isRemote == b.isRemote, a.isError == b.isError,
              a.isFD == b.isFD, a.length == b.length else { return false }
        for i in 0..<Int(a.length) where a.data[i] != b.data[i] { return false }
        return true
    }

    /// candump style: `18FF50E5#0102` or `123#R`.
    public var description: String {
        let idText = String(id, radix: 16, uppercase: true)
        let padded = String(repeating: "0", count: max(0, (isExtended ? 8 : 3) - idText.count)) + idText
        if isRemote { return "\(padded)#R" }
        let hex = payload.map { ($0 < 16 ? "0" : "") + String($0, radix: 16, uppercase: true) }.joined()
        return "\(padded)\(isFD ? "##" : "#")\(hex)"
    }
}

/// A receive filter: a frame passes when `frame.id & mask == id & mask` and its format matches.
public struct CANFilter: Sendable, Equatable {
    public var id: UInt32
    public var mask: UInt32
    public var extended: Bool

    public init(id: UInt32, mask: UInt32, extended: Bool) {
        self.id = id
        self.mask = mask
        self.extended = extended
    }

    /// Exactly one identifier.
    public static func exact(_ id: UInt32, extended: Bool) -> CANFilter {
        CANFilter(id: id, mask: extended ? 0x1FFF_FFFF : 0x7FF, extended: extended)
    }

    @inlinable
    public func matches(_ frame: CANFrame) -> Bool {
        frame.isExtended == extended && (frame.id & mask) == (id & mask)
    }
}

/// Error classes carried by an error frame's identifier (Linux `CAN_ERR_*`).
public struct CANErrorClass: OptionSet, Sendable {
    public let rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }
    public static let transmitTimeout = CANErrorClass(rawValue: 0x001)
    public static let lostArbitration = CANErrorClass(rawValue: 0x002)
    public static let controller = CANErrorClass(rawValue: 0x004)
    public static let protocolViolation = CANErrorClass(rawValue: 0x008)
    public static let transceiver = CANErrorClass(rawValue: 0x010)
    public static let noAcknowledge = CANErrorClass(rawValue: 0x020)
    public static let busOff = CANErrorClass(rawValue: 0x040)
    public static let busError = CANErrorClass(rawValue: 0x080)
    public static let restarted = CANErrorClass(rawValue: 0x100)
}

/// Fault-confinement state of a CAN controller (ISO 11898-1 §12.1.4; libsocketcan `can_state`).
public enum CANBusState: String, Sendable {
    case errorActive = "ERROR-ACTIVE"
    case errorWarning = "ERROR-WARNING"
    case errorPassive = "ERROR-PASSIVE"
    case busOff = "BUS-OFF"
    case stopped = "STOPPED"
    case sleeping = "SLEEPING"
}

/// What a bring-up tool wants to know about a CAN link. Fields are nil where the interface cannot
/// tell (vcan has no bitrate or state).
public struct CANLinkStatus: Sendable, Equatable {
    public var state: CANBusState?
    public var bitrate: UInt32?
    /// Sample point in tenths of a percent (875 = 87.5 %).
    public var samplePoint: UInt32?
    public var transmitErrors: UInt16?
    public var receiveErrors: UInt16?

    public init(state: CANBusState? = nil, bitrate: UInt32? = nil, samplePoint: UInt32? = nil,
                transmitErrors: UInt16? = nil, receiveErrors: UInt16? = nil) {
        self.state = state
        self.bitrate = bitrate
        self.samplePoint = samplePoint
        self.transmitErrors = transmitErrors
        self.receiveErrors = receiveErrors
    }
}
