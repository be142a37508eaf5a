/// An EVSE Gen-1 parameter request or session event (firmware V01_01_0x; whitebeet-hci.md §12.2),
/// module 0x27, sub IDs 0x80–0x8C. Each request carries a u32 time-out in ms within which the host
/// must send the matching "Set …" command (`answerSub`); the module ends the session otherwise. The
/// sub IDs collide with Gen-2 notifications (§11.2): carried as `HCINotification.evseGen1` and
/// decoded only when the caller says the module runs generation 1.
public enum EVSEGen1Notification: Equatable, Sendable {
    /// 0x80 (no time-out): the same payload as Gen-2's (§11.2).
    case sessionStarted(SessionStarted)
    /// 0x81 (no time-out): empty for V01_01_06, a u8 closure type from V01_01_07 on (nil when empty).
    case sessionStopped(closure: UInt8?)
    /// 0x82: `format` is what FreeV2G reads as 0 → "no EVSE ID", else an ISO-style ID; the exact
    /// meaning of the values is [unclear] and the byte is kept as is.
    case requestEVSEID(timeoutMilliseconds: UInt32, format: UInt8)
    case requestAuthorization(timeoutMilliseconds: UInt32)
    case requestDiscoveryChargeParameters(timeoutMilliseconds: UInt32, Gen1EVDiscovery)
    case requestSchedules(timeoutMilliseconds: UInt32, maximumEntries: UInt16)
    case requestCableCheckStatus(timeoutMilliseconds: UInt32)
    /// 0x87, DC only (no AC layout in the spec: `unsupportedLayout`).
    case requestCableCheckParameters(timeoutMilliseconds: UInt32, soc: UInt8)
    /// 0x88, DC only; repeats until the output voltage matches the target.
    case requestPreChargeParameters(timeoutMilliseconds: UInt32, Gen1EVPreCharge)
    case requestStartCharging(timeoutMilliseconds: UInt32, Gen1StartChargingRequest)
    /// 0x8A; nil is AC (the type byte alone). Repeats for the whole charge.
    case requestChargeLoopParameters(timeoutMilliseconds: UInt32, Gen1EVChargeLoop?)
    /// 0x8B, DC only.
    case requestStopCharging(timeoutMilliseconds: UInt32, Gen1EVStatusFlags)
    /// 0x8C, DC only.
    case requestPostChargeParameters(timeoutMilliseconds: UInt32, soc: UInt8)

    public var sub: UInt8 {
        switch self {
        case .sessionStarted: 0x80
        case .sessionStopped: 0x81
        case .requestEVSEID: 0x82
        case .requestAuthorization: 0x83
        case .requestDiscoveryChargeParameters: 0x84
        case .requestSchedules: 0x85
        case .requestCableCheckStatus: 0x86
        case .requestCableCheckParameters: 0x87
        case .requestPreChargeParameters: 0x88
        case .requestStartCharging: 0x89
        case .requestChargeLoopParameters: 0x8A
        case .requestStopCharging: 0x8B
        case .requestPostChargeParameters: 0x8C
        }
    }

    /// The time-out the request announces (nil for the two session events).
    public var timeoutMilliseconds: UInt32? {
        switch self {
        case .sessionStarted, .sessionStopped: nil
        case .requestEVSEID(let t, _), .requestAuthorization(let t), .requestDiscoveryChargeParameters(let t, _),
             .requestSchedules(let t, _), .requestCableCheckStatus(let t), .requestCableCheckParameters(let t, _),
             .requestPreChargeParameters(let t, _), .requestStartCharging(let t, _), .requestChargeLoopParameters(let t, _),
             .requestStopCharging(let t, _), .requestPostChargeParameters(let t, _):
            t
        }
    }

    /// The sub of the host command that answers this request (§12.2 last column).
    public var answerSub: UInt8? { Self.answerSub(toRequest: sub) }

    /// The answer's sub for the request of `sub` (0x82 → 0x68 … 0x8C → 0x72); nil for the events.
    public static func answerSub(toRequest sub: UInt8) -> UInt8? {
        switch sub {
        case 0x82: 0x68
        case 0x83: 0x69
        case 0x84: 0x6A
        case 0x85: 0x6B
        case 0x86: 0x6C
        case 0x87 ... 0x8C: sub - 0x87 + 0x6D
        default: nil
        }
    }

    /// The sub IDs of Gen-1 notifications (0x80–0x8C).
    public static func isNotification(sub: UInt8) -> Bool { (0x80 ... 0x8C).contains(sub) }

    func write(_ w: inout HCIWriter) throws(HCIError) {
        if let t = timeoutMilliseconds { try w.u32(t) }
        switch self {
        case .sessionStarted(let s): try s.write(&w)
        case .sessionStopped(let c): if let c { try w.u8(c) }
        case .requestEVSEID(_, let format): try w.u8(format)
        case .requestAuthorization, .requestCableCheckStatus: break
        case .requestDiscoveryChargeParameters(_, let d): try d.write(&w)
        case .requestSchedules(_, let n): try w.u16(n)
        case .requestCableCheckParameters(_, let soc), .requestPostChargeParameters(_, let soc):
            try w.u8(Gen1Type.dc)
            try w.u8(soc)
        case .requestPreChargeParameters(_, let p): try p.write(&w)
        case .requestStartCharging(_, let s): try s.write(&w)
        case .requestChargeLoopParameters(_, let loop):
            if let loop {
                try w.u8(Gen1Type.dc)
                try loop.write(&w)
            } else {
                try w.u8(Gen1Type.ac)
            }
        case .requestStopCharging(_, let flags):
            try w.u8(Gen1Type.dc)
            try flags.write(&w)
        }
    }

    /// The notification of `r.sub` (0x80–0x8C) from its payload; `r.finish` is the caller's.
    init(_ r: inout HCIReader) throws(HCIError) {
        switch r.sub {
        case 0x80: self = .sessionStarted(try SessionStarted(&r)); return
        case 0x81: self = .sessionStopped(closure: r.remaining == 0 ? nil : try r.u8()); return
        case 0x82 ... 0x8C: break
        default: throw .unknownMessage(module: r.module, sub: r.sub)
        }
        let t = try r.u32()
        switch r.sub {
        case 0x82: self = .requestEVSEID(timeoutMilliseconds: t, format: try r.u8())
        case 0x83: self = .requestAuthorization(timeoutMilliseconds: t)
        case 0x84: self = .requestDiscoveryChargeParameters(timeoutMilliseconds: t, try Gen1EVDiscovery(&r))
        case 0x85: self = .requestSchedules(timeoutMilliseconds: t, maximumEntries: try r.u16())
        case 0x86: self = .requestCableCheckStatus(timeoutMilliseconds: t)
        case 0x87:
            try Gen1Type.readDC(&r)
            self = .requestCableCheckParameters(timeoutMilliseconds: t, soc: try Gen1EVSOC.read(&r))
        case 0x88: self = .requestPreChargeParameters(timeoutMilliseconds: t, try Gen1EVPreCharge(&r))
        case 0x89: self = .requestStartCharging(timeoutMilliseconds: t, try Gen1StartChargingRequest(&r))
        case 0x8A:
            self = .requestChargeLoopParameters(timeoutMilliseconds: t, try Gen1Type.readIsDC(&r) ? try Gen1EVChargeLoop(&r) : nil)
        case 0x8B:
            try Gen1Type.readDC(&r)
            self = .requestStopCharging(timeoutMilliseconds: t, try Gen1EVStatusFlags(&r))
        default:
            try Gen1Type.readDC(&r)
            self = .requestPostChargeParameters(timeoutMilliseconds: t, soc: try Gen1EVSOC.read(&r))
        }
    }
}

/// State of charge in %: 0…100 (a larger byte is `badValue`).
enum Gen1EVSOC {
    static func read(_ r: inout HCIReader, _ field: String = "SOC") throws(HCIError) -> UInt8 {
        let v = try r.u8()
        guard v <= 100 else { throw r.badValue(field, v) }
        return v
    }

    static func readOptional(_ r: inout HCIReader, _ field: String) throws(HCIError) -> UInt8? {
        try r.present(field) ? try read(&r, field) : nil
    }
}

/// 0x84 the EV's discovery parameters (ChargeParameterDiscoveryReq), DC or AC.
public enum Gen1EVDiscovery: Equatable, Sendable {
    case dc(Gen1EVDCDiscovery)
    case ac(energyAmount: PhysicalValue, maximumVoltage: PhysicalValue, maximumCurrent: PhysicalValue, minimumCurrent: PhysicalValue)

    init(_ r: inout HCIReader) throws(HCIError) {
        if try Gen1Type.readIsDC(&r) {
            self = .dc(try Gen1EVDCDiscovery(&r))
        } else {
            self = .ac(energyAmount: try r.physical(), maximumVoltage: try r.physical(), maximumCurrent: try r.physical(),
                       minimumCurrent: try r.physical())
        }
    }

    func write(_ w: inout HCIWriter) throws(HCIError) {
        switch self {
        case .dc(let d):
            try w.u8(Gen1Type.dc)
            try d.write(&w)
        case let .ac(energy, voltage, maximum, minimum):
            try w.u8(Gen1Type.ac)
            try w.physical(energy)
            try w.physical(voltage)
            try w.physical(maximum)
            try w.physical(minimum)
        }
    }
}

/// 0x84 DC: the EV's limits and SOC.
public struct Gen1EVDCDiscovery: Equatable, Sendable {
    public var maximumCurrent: PhysicalValue
    public var minimumCurrent: PhysicalValue?
    public var maximumPower: PhysicalValue?
    public var minimumPower: PhysicalValue?
    public var maximumVoltage: PhysicalValue
    public var minimumVoltage: PhysicalValue?
    public var fullSOC: UInt8?
    public var bulkSOC: UInt8?
    public var soc: UInt8

    public init(maximumCurrent: PhysicalValue, minimumCurrent: PhysicalValue? = nil, maximumPower: PhysicalValue? = nil,
                minimumPower: PhysicalValue? = nil, maximumVoltage: PhysicalValue, minimumVoltage: PhysicalValue? = nil,
                fullSOC: UInt8? = nil, bulkSOC: UInt8? = nil, soc: UInt8) {
        self.maximumCurrent = maximumCurrent
        self.minimumCurrent = minimumCurrent
        self.maximumPower = maximumPower
        self.minimumPower = minimumPower
        self.maximumVoltage = maximumVoltage
        self.minimumVoltage = minimumVoltage
        self.fullSOC = fullSOC
        self.bulkSOC = bulkSOC
        self.soc = soc
    }

    init(_ r: inout HCIReader) throws(HCIError) {
        maximumCurrent = try r.physical()
        minimumCurrent = try r.optionalPhysical("EV minimum current")
        maximumPower = try r.optionalPhysical("EV maximum power")
        minimumPower = try r.optionalPhysical("EV minimum power")
        maximumVoltage = try r.physical()
        minimumVoltage = try r.optionalPhysical("EV minimum voltage")
        fullSOC = try Gen1EVSOC.readOptional(&r, "full SOC")
        bulkSOC = try Gen1EVSOC.readOptional(&r, "bulk SOC")
        soc = try Gen1EVSOC.read(&r)
    }

    func write(_ w: inout HCIWriter) throws(HCIError) {
        try w.physical(maximumCurrent)
        try w.optionalPhysical(minimumCurrent)
        try w.optionalPhysical(maximumPower)
        try w.optionalPhysical(minimumPower)
        try w.physical(maximumVoltage)
        try w.optionalPhysical(minimumVoltage)
        try w.optionalU8(fullSOC)
        try w.optionalU8(bulkSOC)
        try w.u8(soc)
    }
}

/// 0x88 DC: the EV's precharge target.
public struct Gen1EVPreCharge: Equatable, Sendable {
    public var targetVoltage: PhysicalValue
    public var targetCurrent: PhysicalValue
    public var soc: UInt8

    public init(targetVoltage: PhysicalValue, targetCurrent: PhysicalValue, soc: UInt8) {
        self.targetVoltage = targetVoltage
        self.targetCurrent = targetCurrent
        self.soc = soc
    }

    init(_ r: inout HCIReader) throws(HCIError) {
        try Gen1Type.readDC(&r)
        targetVoltage = try r.physical()
        targetCurrent = try r.physical()
        soc = try Gen1EVSOC.read(&r)
    }

    func write(_ w: inout HCIWriter) throws(HCIError) {
        try w.u8(Gen1Type.dc)
        try w.physical(targetVoltage)
        try w.physical(targetCurrent)
        try w.u8(soc)
    }
}

/// The DC flags of 0x89 and 0x8B: SOC, charging complete, bulk charging complete, each optional.
public struct Gen1EVStatusFlags: Equatable, Sendable {
    public var soc: UInt8?
    public var chargingComplete: Bool?
    public var bulkChargingComplete: Bool?

    public init(soc: UInt8? = nil, chargingComplete: Bool? = nil, bulkChargingComplete: Bool? = nil) {
        self.soc = soc
        self.chargingComplete = chargingComplete
        self.bulkChargingComplete = bulkChargingComplete
    }

    init(_ r: inout HCIReader) throws(HCIError) {
        soc = try Gen1EVSOC.readOptional(&r, "SOC")
        chargingComplete = try r.optionalBool("charging complete")
        bulkChargingComplete = try r.optionalBool("bulk charging complete")
    }

    func write(_ w: inout HCIWriter) throws(HCIError) {
        try w.optionalU8(soc)
        try w.optionalBool(chargingComplete)
        try w.optionalBool(bulkChargingComplete)
    }
}

/// 0x89: the schedule the EV chose, its power profile, then DC flags (nil for AC: the type byte alone).
/// From V01_01_03 on; the README log's older variant with a time anchor is not decoded (§15.1).
public struct Gen1StartChargingRequest: Equatable, Sendable {
    public var scheduleTupleID: UInt16
    public var profile: FixedList<24, ProfileEntry>
    public var dc: Gen1EVStatusFlags?

    public init(scheduleTupleID: UInt16, profile: FixedList<24, ProfileEntry>, dc: Gen1EVStatusFlags?) {
        self.scheduleTupleID = scheduleTupleID
        self.profile = profile
        self.dc = dc
    }

    init(_ r: inout HCIReader) throws(HCIError) {
        scheduleTupleID = try r.u16()
        let n = Int(try r.u8())
        guard n <= 24 else { throw .tooManyItems(module: r.module, sub: r.sub, field: "profile entries", count: n, limit: 24) }
        profile = FixedList()
        for _ in 0 ..< n { profile.append(ProfileEntry(start: try r.u32(), power: try r.physical())) }
        dc = try Gen1Type.readIsDC(&r) ? try Gen1EVStatusFlags(&r) : nil
    }

    func write(_ w: inout HCIWriter) throws(HCIError) {
        try w.u16(scheduleTupleID)
        try w.u8(UInt8(profile.count))
        for i in 0 ..< profile.count {
            try w.u32(profile[i].start)
            try w.physical(profile[i].power)
        }
        if let dc {
            try w.u8(Gen1Type.dc)
            try dc.write(&w)
        } else {
            try w.u8(Gen1Type.ac)
        }
    }
}

/// 0x8A DC: the EV's CurrentDemandReq.
public struct Gen1EVChargeLoop: Equatable, Sendable {
    public var maximumCurrent: PhysicalValue?
    public var maximumVoltage: PhysicalValue?
    public var maximumPower: PhysicalValue?
    public var targetVoltage: PhysicalValue
    public var targetCurrent: PhysicalValue
    public var soc: UInt8
    public var chargingComplete: Bool
    public var bulkChargingComplete: Bool?
    public var remainingTimeToFullSOC: PhysicalValue?
    public var remainingTimeToBulkSOC: PhysicalValue?

    public init(maximumCurrent: PhysicalValue? = nil, maximumVoltage: PhysicalValue? = nil, maximumPower: PhysicalValue? = nil,
                targetVoltage: PhysicalValue, targetCurrent: PhysicalValue, soc: UInt8, chargingComplete: Bool = false,
                bulkChargingComplete: Bool? = nil, remainingTimeToFullSOC: PhysicalValue? = nil, remainingTimeToBulkSOC: PhysicalValue? = nil) {
        self.maximumCurrent = maximumCurrent
        self.maximumVoltage = maximumVoltage
        self.maximumPower = maximumPower
        self.targetVoltage = targetVoltage
        self.targetCurrent = targetCurrent
        self.soc = soc
        self.chargingComplete = chargingComplete
        self.bulkChargingComplete = bulkChargingComplete
        self.remainingTimeToFullSOC = remainingTimeToFullSOC
        self.remainingTimeToBulkSOC = remainingTimeToBulkSOC
    }

    init(_ r: inout HCIReader) throws(HCIError) {
        maximumCurrent = try r.optionalPhysical("EV maximum current")
        maximumVoltage = try r.optionalPhysical("EV maximum voltage")
        maximumPower = try r.optionalPhysical("EV maximum power")
        targetVoltage = try r.physical()
        targetCurrent = try r.physical()
        soc = try Gen1EVSOC.read(&r)
        chargingComplete = try r.bool("charging complete")
        bulkChargingComplete = try r.optionalBool("bulk charging complete")
        remainingTimeToFullSOC = try r.optionalPhysical("remaining time to full SOC")
        remainingTimeToBulkSOC = try r.optionalPhysical("remaining time to bulk SOC")
    }

    func write(_ w: inout HCIWriter) throws(HCIError) {
        try w.optionalPhysical(maximumCurrent)
        try w.optionalPhysical(maximumVoltage)
        try w.optionalPhysical(maximumPower)
        try w.physical(targetVoltage)
        try w.physical(targetCurrent)
        try w.u8(soc)
        try w.bool(chargingComplete)
        try w.optionalBool(bulkChargingComplete)
        try w.optionalPhysical(remainingTimeToFullSOC)
        try w.optionalPhysical(remainingTimeToBulkSOC)
    }
}
