/// CM_VALIDATE.REQ (EV → EVSE), optional validation by toggling the control pilot (slac.md §2.11).
@frozen
public struct ValidateRequest: Sendable, BitwiseCopyable, Equatable {
    /// 0x00 = the EV toggles S2 on the control pilot.
    public var signalType: UInt8 = 0
    /// First exchange 0; second exchange TT_EVSE_vald_toggle in 100 ms steps minus one.
    public var timer: UInt8
    /// 0x01 = ready.
    public var result: UInt8

    public init(timer: UInt8, result: UInt8) {
        self.timer = timer
        self.result = result
    }

    @_transparent public static var minimumLength: Int { 22 }

    @_transparent
    init(unchecked s: borrowing RawSpan) {
        signalType = Wire.u8(s, 19)
        timer = Wire.u8(s, 20)
        result = Wire.u8(s, 21)
    }

    @_transparent
    func encode(_ s: inout MutableRawSpan) {
        Wire.put(&s, 19, signalType)
        Wire.put(&s, 20, timer)
        Wire.put(&s, 21, result)
    }
}

/// CM_VALIDATE.CNF (EVSE → EV), slac.md §2.11.
@frozen
public struct ValidateConfirm: Sendable, BitwiseCopyable, Equatable {
    public var signalType: UInt8 = 0
    /// Number of B↔C edges detected (second exchange), 0 in the first.
    public var toggleCount: UInt8
    public var result: Result

    /// CNF Result values (slac.md §2.11).
    @frozen
    public enum Result: UInt8, Sendable, BitwiseCopyable {
        case notReady = 0, ready = 1, success = 2, failure = 3, notRequired = 4
    }

    public init(toggleCount: UInt8, result: Result) {
        self.toggleCount = toggleCount
        self.result = result
    }

    @_transparent public static var minimumLength: Int { 22 }

    @_transparent
    static func parse(_ s: borrowing RawSpan) throws(HomePlugError) -> Self {
        guard let r = Result(rawValue: Wire.u8(s, 21)) else {
            throw .badValue(.validateConfirm, field: "Result", value: Int(Wire.u8(s, 21)))
        }
        var m = Self(toggleCount: Wire.u8(s, 20), result: r)
        m.signalType = Wire.u8(s, 19)
        return m
    }

    @_transparent
    func encode(_ s: inout MutableRawSpan) {
        Wire.put(&s, 19, signalType)
        Wire.put(&s, 20, toggleCount)
        Wire.put(&s, 21, result.rawValue)
    }
}
