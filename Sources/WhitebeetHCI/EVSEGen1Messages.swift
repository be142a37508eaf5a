// Payloads of the EVSE Gen-1 host answers (firmware V01_01_0x; whitebeet-hci.md §12.3). Field order
// is wire order. Each answer starts with a u8 code; only code 0 carries the rest (FreeV2G sends the
// remaining fields only then), and after code 0 comes a u8 type, 0x00 DC or 0x01 AC.

/// The code byte that starts every Gen-1 answer with charge data (§12.3). 0 is "accepted" and the
/// only one followed by data. 1 and 2 are allowed by FreeV2G (it sends 1 when the EV's precharge
/// target is beyond the charger's limits) with meanings [unclear]; 3 = stop charging and
/// 4 = renegotiate are the manual's charge-loop codes [obs]. Other values are kept as they are.
public struct EVSEGen1Code: RawRepresentable, Hashable, Sendable {
    public var rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }

    public static let accepted = EVSEGen1Code(rawValue: 0)
    /// [unclear]: FreeV2G's "parameters not acceptable" (precharge target beyond the limits).
    public static let notAcceptable = EVSEGen1Code(rawValue: 1)
    /// [unclear]: allowed by FreeV2G, meaning unknown.
    public static let code2 = EVSEGen1Code(rawValue: 2)
    /// Charge loop: the EVSE stops charging [obs].
    public static let stopCharging = EVSEGen1Code(rawValue: 3)
    /// Charge loop: the EVSE asks for renegotiation [obs].
    public static let renegotiate = EVSEGen1Code(rawValue: 4)
}

/// The data of a Gen-1 answer after code 0 (§12.3).
public protocol EVSEGen1AnswerBody: Equatable, Sendable {}

/// How a Gen-1 answer body reads and writes itself (module-internal).
protocol Gen1Codable: EVSEGen1AnswerBody {
    init(_ r: inout HCIReader) throws(HCIError)
    func write(_ w: inout HCIWriter) throws(HCIError)
}

/// A Gen-1 answer: accepted with its data, or another code alone (§12.3).
public enum EVSEGen1Answer<Body: EVSEGen1AnswerBody>: Equatable, Sendable {
    case accepted(Body)
    /// A non-zero code; no data follows it on the wire.
    case declined(EVSEGen1Code)
}

extension EVSEGen1Answer where Body: Gen1Codable {
    init(_ r: inout HCIReader) throws(HCIError) {
        let code = try r.u8()
        self = code == 0 ? .accepted(try Body(&r)) : .declined(EVSEGen1Code(rawValue: code))
    }

    func write(_ w: inout HCIWriter) throws(HCIError) {
        switch self {
        case .accepted(let b):
            try w.u8(0)
            try b.write(&w)
        case .declined(let code):
            guard code.rawValue != 0 else { throw .badValue(module: w.module, sub: w.sub, field: "declined code", value: 0) }
            try w.u8(code.rawValue)
        }
    }
}

/// The type byte after code 0 (§12.3) and in most parameter requests (§12.2).
enum Gen1Type {
    static let dc: UInt8 = 0
    static let ac: UInt8 = 1

    /// Reads the type byte of a message that only has a DC layout in the spec: AC is a layout the
    /// spec does not give (`unsupportedLayout`), anything else is not a type (`badValue`).
    static func readDC(_ r: inout HCIReader) throws(HCIError) {
        let t = try r.u8()
        if t == ac { throw .unsupportedLayout(module: r.module, sub: r.sub) }
        guard t == dc else { throw r.badValue("type", t) }
    }

    /// Reads a type byte of a message with DC and AC layouts: true for DC.
    static func readIsDC(_ r: inout HCIReader) throws(HCIError) -> Bool {
        let t = try r.u8()
        guard t <= 1 else { throw r.badValue("type", t) }
        return t == dc
    }
}

/// Isolation level (§11.1, ISO 15118-2 isolationLevelType order [inferred]): 0 invalid, 1 valid,
/// 2 warning, 3 fault, 4 no IMD. FreeV2G sends 0 in discovery and 1 later (§12.3).
enum IsolationLevel {
    static let maximum: UInt8 = 4

    static func read(_ r: inout HCIReader) throws(HCIError) -> UInt8 {
        let v = try r.u8()
        guard v <= maximum else { throw r.badValue("isolation level", v) }
        return v
    }

    static func write(_ v: UInt8, _ w: inout HCIWriter) throws(HCIError) {
        guard v <= maximum else { throw .badValue(module: w.module, sub: w.sub, field: "isolation level", value: Int(v)) }
        try w.u8(v)
    }
}

/// 0x6A DC discovery charge parameters: the charger's limits for ChargeParameterDiscoveryRes.
public struct Gen1DCDiscoveryParameters: Equatable, Sendable {
    public var isolationLevel: UInt8
    public var maximumCurrent: PhysicalValue
    public var minimumCurrent: PhysicalValue
    public var maximumVoltage: PhysicalValue
    public var minimumVoltage: PhysicalValue
    public var maximumPower: PhysicalValue
    public var currentRegulationTolerance: PhysicalValue?
    public var peakCurrentRipple: PhysicalValue
    public var energyToBeDelivered: PhysicalValue?

    public init(isolationLevel: UInt8 = 0, maximumCurrent: PhysicalValue, minimumCurrent: PhysicalValue, maximumVoltage: PhysicalValue,
                minimumVoltage: PhysicalValue, maximumPower: PhysicalValue, currentRegulationTolerance: PhysicalValue? = nil,
                peakCurrentRipple: PhysicalValue, energyToBeDelivered: PhysicalValue? = nil) {
        self.isolationLevel = isolationLevel
        self.maximumCurrent = maximumCurrent
        self.minimumCurrent = minimumCurrent
        self.maximumVoltage = maximumVoltage
        self.minimumVoltage = minimumVoltage
        self.maximumPower = maximumPower
        self.currentRegulationTolerance = currentRegulationTolerance
        self.peakCurrentRipple = peakCurrentRipple
        self.energyToBeDelivered = energyToBeDelivered
    }

    init(_ r: inout HCIReader) throws(HCIError) {
        isolationLevel = try IsolationLevel.read(&r)
        maximumCurrent = try r.physical()
        minimumCurrent = try r.physical()
        maximumVoltage = try r.physical()
        minimumVoltage = try r.physical()
        maximumPower = try r.physical()
        currentRegulationTolerance = try r.optionalPhysical("current regulation tolerance")
        peakCurrentRipple = try r.physical()
        energyToBeDelivered = try r.optionalPhysical("energy to be delivered")
    }

    func write(_ w: inout HCIWriter) throws(HCIError) {
        try IsolationLevel.write(isolationLevel, &w)
        try w.physical(maximumCurrent)
        try w.physical(minimumCurrent)
        try w.physical(maximumVoltage)
        try w.physical(minimumVoltage)
        try w.physical(maximumPower)
        try w.optionalPhysical(currentRegulationTolerance)
        try w.physical(peakCurrentRipple)
        try w.optionalPhysical(energyToBeDelivered)
    }
}

/// 0x6A discovery answer: DC limits, or AC (RCD, nominal voltage, maximum current).
public enum Gen1DiscoveryParameters: EVSEGen1AnswerBody, Gen1Codable {
    case dc(Gen1DCDiscoveryParameters)
    case ac(rcdError: Bool, nominalVoltage: PhysicalValue, maximumCurrent: PhysicalValue)

    init(_ r: inout HCIReader) throws(HCIError) {
        if try Gen1Type.readIsDC(&r) {
            self = .dc(try Gen1DCDiscoveryParameters(&r))
        } else {
            self = .ac(rcdError: try r.bool("RCD"), nominalVoltage: try r.physical(), maximumCurrent: try r.physical())
        }
    }

    func write(_ w: inout HCIWriter) throws(HCIError) {
        switch self {
        case .dc(let p):
            try w.u8(Gen1Type.dc)
            try p.write(&w)
        case let .ac(rcd, voltage, current):
            try w.u8(Gen1Type.ac)
            try w.bool(rcd)
            try w.physical(voltage)
            try w.physical(current)
        }
    }
}

/// 0x6B schedules (§12.3): tuples of (u16 ID, entries); no energy-to-deliver and no tariffs in
/// Gen-1, and no type byte — the code is followed by the tuple count for DC and AC alike.
public struct Gen1Schedules: EVSEGen1AnswerBody, Gen1Codable {
    public var tuples: FixedList<3, ScheduleTuple>

    public init(tuples: FixedList<3, ScheduleTuple>) { self.tuples = tuples }

    init(_ r: inout HCIReader) throws(HCIError) {
        let n = Int(try r.u8())
        guard n <= 3 else { throw .tooManyItems(module: r.module, sub: r.sub, field: "schedule tuples", count: n, limit: 3) }
        tuples = FixedList()
        for _ in 0 ..< n { tuples.append(try ScheduleTuple(&r)) }
    }

    func write(_ w: inout HCIWriter) throws(HCIError) {
        try w.u8(UInt8(tuples.count))
        for i in 0 ..< tuples.count { try tuples[i].write(&w) }
    }
}

/// 0x6E pre-charge and 0x72 post-charge answers: isolation level and the present output voltage.
public struct Gen1PresentVoltage: EVSEGen1AnswerBody, Gen1Codable {
    public var isolationLevel: UInt8
    public var presentVoltage: PhysicalValue

    public init(isolationLevel: UInt8, presentVoltage: PhysicalValue) {
        self.isolationLevel = isolationLevel
        self.presentVoltage = presentVoltage
    }

    init(_ r: inout HCIReader) throws(HCIError) {
        try Gen1Type.readDC(&r)
        isolationLevel = try IsolationLevel.read(&r)
        presentVoltage = try r.physical()
    }

    func write(_ w: inout HCIWriter) throws(HCIError) {
        try w.u8(Gen1Type.dc)
        try IsolationLevel.write(isolationLevel, &w)
        try w.physical(presentVoltage)
    }
}

/// 0x6F start-charging answer: DC isolation level, or AC RCD. The AC variant cannot run in FreeV2G
/// as written (§20.9): its layout is the table's, [unclear] until hardware confirms it.
public enum Gen1StartChargingStatus: EVSEGen1AnswerBody, Gen1Codable {
    case dc(isolationLevel: UInt8)
    case ac(rcdError: Bool)

    init(_ r: inout HCIReader) throws(HCIError) {
        self = try Gen1Type.readIsDC(&r) ? .dc(isolationLevel: try IsolationLevel.read(&r)) : .ac(rcdError: try r.bool("RCD"))
    }

    func write(_ w: inout HCIWriter) throws(HCIError) {
        switch self {
        case .dc(let level):
            try w.u8(Gen1Type.dc)
            try IsolationLevel.write(level, &w)
        case .ac(let rcd):
            try w.u8(Gen1Type.ac)
            try w.bool(rcd)
        }
    }
}

/// 0x70 DC charge-loop answer: the CurrentDemandRes values (§12.3; byte-exact with §18 V7).
public struct Gen1DCChargeLoopParameters: Equatable, Sendable {
    public var isolationLevel: UInt8
    public var presentVoltage: PhysicalValue
    public var presentCurrent: PhysicalValue
    public var maximumCurrent: PhysicalValue?
    public var maximumVoltage: PhysicalValue?
    public var maximumPower: PhysicalValue?
    public var currentLimitReached: Bool
    public var voltageLimitReached: Bool
    public var powerLimitReached: Bool

    public init(isolationLevel: UInt8, presentVoltage: PhysicalValue, presentCurrent: PhysicalValue, maximumCurrent: PhysicalValue? = nil,
                maximumVoltage: PhysicalValue? = nil, maximumPower: PhysicalValue? = nil, currentLimitReached: Bool = false,
                voltageLimitReached: Bool = false, powerLimitReached: Bool = false) {
        self.isolationLevel = isolationLevel
        self.presentVoltage = presentVoltage
        self.presentCurrent = presentCurrent
        self.maximumCurrent = maximumCurrent
        self.maximumVoltage = maximumVoltage
        self.maximumPower = maximumPower
        self.currentLimitReached = currentLimitReached
        self.voltageLimitReached = voltageLimitReached
        self.powerLimitReached = powerLimitReached
    }

    init(_ r: inout HCIReader) throws(HCIError) {
        isolationLevel = try IsolationLevel.read(&r)
        presentVoltage = try r.physical()
        presentCurrent = try r.physical()
        maximumCurrent = try r.optionalPhysical("maximum current")
        maximumVoltage = try r.optionalPhysical("maximum voltage")
        maximumPower = try r.optionalPhysical("maximum power")
        currentLimitReached = try r.bool("current limit reached")
        voltageLimitReached = try r.bool("voltage limit reached")
        powerLimitReached = try r.bool("power limit reached")
    }

    func write(_ w: inout HCIWriter) throws(HCIError) {
        try IsolationLevel.write(isolationLevel, &w)
        try w.physical(presentVoltage)
        try w.physical(presentCurrent)
        try w.optionalPhysical(maximumCurrent)
        try w.optionalPhysical(maximumVoltage)
        try w.optionalPhysical(maximumPower)
        try w.bool(currentLimitReached)
        try w.bool(voltageLimitReached)
        try w.bool(powerLimitReached)
    }
}

/// 0x70 charge-loop answer. The AC variant is `01` then (presence flag [inferred]) maximum current,
/// then RCD; FreeV2G cannot run it as written (§20.9), so it is [unclear] until hardware confirms.
public enum Gen1ChargeLoopParameters: EVSEGen1AnswerBody, Gen1Codable {
    case dc(Gen1DCChargeLoopParameters)
    case ac(maximumCurrent: PhysicalValue?, rcdError: Bool)

    init(_ r: inout HCIReader) throws(HCIError) {
        if try Gen1Type.readIsDC(&r) {
            self = .dc(try Gen1DCChargeLoopParameters(&r))
        } else {
            self = .ac(maximumCurrent: try r.optionalPhysical("maximum current"), rcdError: try r.bool("RCD"))
        }
    }

    func write(_ w: inout HCIWriter) throws(HCIError) {
        switch self {
        case .dc(let p):
            try w.u8(Gen1Type.dc)
            try p.write(&w)
        case let .ac(current, rcd):
            try w.u8(Gen1Type.ac)
            try w.optionalPhysical(current)
            try w.bool(rcd)
        }
    }
}

/// 0x6D cable-check and 0x71 stop-charging answers: DC with the isolation level (§12.3; no AC
/// layout, neither step exists in AC).
public struct Gen1IsolationStatus: EVSEGen1AnswerBody, Gen1Codable {
    public var isolationLevel: UInt8

    public init(isolationLevel: UInt8) { self.isolationLevel = isolationLevel }

    init(_ r: inout HCIReader) throws(HCIError) {
        try Gen1Type.readDC(&r)
        isolationLevel = try IsolationLevel.read(&r)
    }

    func write(_ w: inout HCIWriter) throws(HCIError) {
        try w.u8(Gen1Type.dc)
        try IsolationLevel.write(isolationLevel, &w)
    }
}
