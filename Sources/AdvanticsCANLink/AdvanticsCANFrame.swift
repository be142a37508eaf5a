import AdvanticsCAN
import HAL

// The one conversion between the HAL's CAN frames and the ADVANTICS codec's, shared by every part that
// puts the codec on a bus (the EVSE and PEV roles, the scripted controllers, the monitor). The codec
// stays pure (it knows no HAL); this target is the seam. Both directions copy at most 8 bytes into fixed
// storage: no allocation on the loop.

extension AdvanticsFrame {
    /// The codec's view of a frame taken off the bus, or nil for a frame that carries no ADVANTICS
    /// message: an error frame (its identifier holds the controller's error-class bits, not a message
    /// id) or a remote frame (a request without data: every message in advantics-can.md's tables is a
    /// data frame with its DLC). A CAN FD payload is cut to the classic 8 bytes the interfaces define.
    @inlinable
    public init?(received frame: CANFrame) {
        if frame.isError || frame.isRemote { return nil }
        self.init(id: frame.id, extended: frame.isExtended, length: Int(min(frame.length, 8)))
        var i = 0
        while i < length {
            data[i] = frame.data[i]
            i += 1
        }
    }
}

extension CANFrame {
    /// A classic data frame carrying an encoded ADVANTICS message, ready for the bus.
    @inlinable
    public init(_ frame: AdvanticsFrame) {
        self.init(id: frame.id, extended: frame.isExtended, length: UInt8(min(frame.length, 8)))
        var i = 0
        while i < Int(length) {
            data[i] = frame.data[i]
            i += 1
        }
    }
}
