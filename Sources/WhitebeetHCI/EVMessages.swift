import CoreTypes

// Payloads of the EV API (WHITE-beet-PI, whitebeet-hci.md §13).

/// 0x27/0xA0 Set configuration.
public struct EVConfiguration: Equatable, Sendable {
    /// The EVCC ID, 6 bytes (usually a MAC).
    public var evID: MACAddress
    public var protocols: CodeList
    public var paymentMethods: CodeList
    public var energyTransferModes: CodeList
    public var batteryCapacity: PhysicalValue

    public init(evID: MACAddress, protocols: CodeList, paymentMethods: CodeList, energyTransferModes: CodeList, batteryCapacity: PhysicalValue) {
        self.evID = evID
        self.protocols = protocols
        self.paymentMethods = paymentMethods
        self.energyTransferModes = energyTransferModes
        self.batteryCapacity = batteryCapacity
    }

    init(_ r: inout HCIReader) throws(HCIError) {
        evID = MACAddress(rawValue: try r.bigEndian(6))
        protocols = try r.codes("protocols")
        paymentMethods = try r.codes("payment methods")
        energyTransferModes = try r.codes("energy transfer modes")
        batteryCapacity = try r.physical()
    }

    func write(_ w: inout HCIWriter) throws(HCIError) {
        try w.bigEndian(evID.rawValue, 6)
        try w.codes(protocols)
        try w.codes(paymentMethods)
        try w.codes(energyTransferModes)
        try w.physical(batteryCapacity)
    }
}

/// The six limits that open 0xA2, 0xA3, 0xA5 and make up 0xA6 (V, A, W).
public struct EVLimits: Equatable, Sendable {
    public var minimumVoltage: PhysicalValue
    public var minimumCurrent: PhysicalValue
    public var minimumPower: PhysicalValue
    public var maximumVoltage: PhysicalValue
    public var maximumCurrent: PhysicalValue
    public var maximumPower: PhysicalValue

    public init(minimumVoltage: PhysicalValue = .zero, minimumCurrent: PhysicalValue = .zero, minimumPower: PhysicalValue = .zero,
                maximumVoltage: PhysicalValue, maximumCurrent: PhysicalValue, maximumPower: PhysicalValue) {
        self.minimumVoltage = minimumVoltage
        self.minimumCurrent = minimumCurrent
        self.minimumPower = minimumPower
        self.maximumVoltage = maximumVoltage
        self.maximumCurrent = maximumCurrent
        self.maximumPower = maximumPower
    }

    init(_ r: inout HCIReader) throws(HCIError) {
        minimumVoltage = try r.physical()
        minimumCurrent = try r.physical()
        minimumPower = try r.physical()
        maximumVoltage = try r.physical()
        maximumCurrent = try r.physical()
        maximumPower = try r.physical()
    }

    func write(_ w: inout HCIWriter) throws(HCIError) {
        try w.physical(minimumVoltage)
        try w.physical(minimumCurrent)
        try w.physical(minimumPower)
        try w.physical(maximumVoltage)
        try w.physical(maximumCurrent)
        try w.physical(maximumPower)
    }
}

/// 0xA3 Update DC charging parameters (26 bytes); 0xA2 adds the fields of `EVDCParameters`.
public struct EVDCUpdate: Equatable, Sendable {
    public var limits: EVLimits
    public var soc: UInt8
    /// EV error code 0…7 (0 = no error) [inferred].
    public var status: UInt8
    public var targetVoltage: PhysicalValue
    public var targetCurrent: PhysicalValue

    public init(limits: EVLimits, soc: UInt8, status: UInt8 = 0, targetVoltage: PhysicalValue, targetCurrent: PhysicalValue) {
        self.limits = limits
        self.soc = soc
        self.status = status
        self.targetVoltage = targetVoltage
        self.targetCurrent = targetCurrent
    }

    init(_ r: inout HCIReader) throws(HCIError) {
        limits = try EVLimits(&r)
        soc = try r.u8()
        guard soc <= 100 else { throw r.badValue("SOC", soc) }
        status = try r.u8()
        targetVoltage = try r.physical()
        targetCurrent = try r.physical()
    }

    func write(_ w: inout HCIWriter) throws(HCIError) {
        guard soc <= 100 else { throw .badValue(module: w.module, sub: w.sub, field: "SOC", value: Int(soc)) }
        try limits.write(&w)
        try w.u8(soc)
        try w.u8(status)
        try w.physical(targetVoltage)
        try w.physical(targetCurrent)
    }
}

/// 0xA2 Set DC charging parameters (35 bytes).
public struct EVDCParameters: Equatable, Sendable {
    public var update: EVDCUpdate
    public var fullSOC: UInt8
    public var bulkSOC: UInt8
    public var energyRequest: PhysicalValue
    public var departureTime: UInt32

    public init(update: EVDCUpdate, fullSOC: UInt8, bulkSOC: UInt8, energyRequest: PhysicalValue, departureTime: UInt32) {
        self.update = update
        self.fullSOC = fullSOC
        self.bulkSOC = bulkSOC
        self.energyRequest = energyRequest
        self.departureTime = departureTime
    }

    init(_ r: inout HCIReader) throws(HCIError) {
        update = try EVDCUpdate(&r)
        fullSOC = try r.u8()
        bulkSOC = try r.u8()
        energyRequest = try r.physical()
        departureTime = try r.u32()
    }

    func write(_ w: inout HCIWriter) throws(HCIError) {
        try update.write(&w)
        try w.u8(fullSOC)
        try w.u8(bulkSOC)
        try w.physical(energyRequest)
        try w.u32(departureTime)
    }
}

/// 0xA5 Set AC charging parameters (25 bytes).
public struct EVACParameters: Equatable, Sendable {
    public var limits: EVLimits
    public var energyRequest: PhysicalValue
    public var departureTime: UInt32

    public init(limits: EVLimits, energyRequest: PhysicalValue, departureTime: UInt32) {
        self.limits = limits
        self.energyRequest = energyRequest
        self.departureTime = departureTime
    }
}

/// 0xA8 Set charging profile, the answer to 0xC3: entries of (start, interval, power).
public struct ChargingProfile: Equatable, Sendable {
    public var scheduleTupleID: UInt16
    public var entries: ScheduleEntries

    public init(scheduleTupleID: UInt16, entries: ScheduleEntries) {
        self.scheduleTupleID = scheduleTupleID
        self.entries = entries
    }

    init(_ r: inout HCIReader) throws(HCIError) {
        scheduleTupleID = try r.u16()
        let n = Int(try r.u8())
        guard n <= 24 else { throw .tooManyItems(module: r.module, sub: r.sub, field: "profile entries", count: n, limit: 24) }
        entries = ScheduleEntries()
        for _ in 0 ..< n { entries.append(ScheduleEntry(start: try r.u32(), interval: try r.u32(), maximumPower: try r.physical())) }
    }

    func write(_ w: inout HCIWriter) throws(HCIError) {
        try w.u16(scheduleTupleID)
        try w.u8(UInt8(entries.count))
        for i in 0 ..< entries.count {
            try w.u32(entries[i].start)
            try w.u32(entries[i].interval)
            try w.physical(entries[i].maximumPower)
        }
    }
}

/// 0xC0 Session started (EV side).
public struct EVSessionStarted: Equatable, Sendable {
    public var protocolCode: UInt8
    public var sessionID: UInt64
    public var evseID: HCIText
    public var paymentMethod: UInt8
    public var energyTransferMode: UInt8

    public init(protocolCode: UInt8, sessionID: UInt64, evseID: HCIText, paymentMethod: UInt8, energyTransferMode: UInt8) {
        self.protocolCode = protocolCode
        self.sessionID = sessionID
        self.evseID = evseID
        self.paymentMethod = paymentMethod
        self.energyTransferMode = energyTransferMode
    }
}

/// 0xC1 DC charge parameters changed: the charger's limits and present values, seen by the EV.
public struct EVSEDCStatus: Equatable, Sendable {
    public var limits: EVLimits
    public var presentVoltage: PhysicalValue
    public var presentCurrent: PhysicalValue
    public var status: UInt8
    public var isolationStatus: UInt8?
    public var voltageLimitAchieved: Bool
    public var currentLimitAchieved: Bool
    public var powerLimitAchieved: Bool
    public var peakCurrentRipple: PhysicalValue
    public var currentRegulationTolerance: PhysicalValue?
    public var energyToBeDelivered: PhysicalValue?

    public init(limits: EVLimits, presentVoltage: PhysicalValue, presentCurrent: PhysicalValue, status: UInt8 = 0,
                isolationStatus: UInt8? = nil, voltageLimitAchieved: Bool = false, currentLimitAchieved: Bool = false,
                powerLimitAchieved: Bool = false, peakCurrentRipple: PhysicalValue = .zero,
                currentRegulationTolerance: PhysicalValue? = nil, energyToBeDelivered: PhysicalValue? = nil) {
        self.limits = limits
        self.presentVoltage = presentVoltage
        self.presentCurrent = presentCurrent
        self.status = status
        self.isolationStatus = isolationStatus
        self.voltageLimitAchieved = voltageLimitAchieved
        self.currentLimitAchieved = currentLimitAchieved
        self.powerLimitAchieved = powerLimitAchieved
        self.peakCurrentRipple = peakCurrentRipple
        self.currentRegulationTolerance = currentRegulationTolerance
        self.energyToBeDelivered = energyToBeDelivered
    }

    init(_ r: inout HCIReader) throws(HCIError) {
        limits = try EVLimits(&r)
        presentVoltage = try r.physical()
        presentCurrent = try r.physical()
        status = try r.u8()
        isolationStatus = try r.optionalU8("isolation status")
        voltageLimitAchieved = try r.bool("voltage limit achieved")
        currentLimitAchieved = try r.bool("current limit achieved")
        powerLimitAchieved = try r.bool("power limit achieved")
        peakCurrentRipple = try r.physical()
        currentRegulationTolerance = try r.optionalPhysical("current regulation tolerance")
        energyToBeDelivered = try r.optionalPhysical("energy to be delivered")
    }

    func write(_ w: inout HCIWriter) throws(HCIError) {
        try limits.write(&w)
        try w.physical(presentVoltage)
        try w.physical(presentCurrent)
        try w.u8(status)
        try w.optionalU8(isolationStatus)
        try w.bool(voltageLimitAchieved)
        try w.bool(currentLimitAchieved)
        try w.bool(powerLimitAchieved)
        try w.physical(peakCurrentRipple)
        try w.optionalPhysical(currentRegulationTolerance)
        try w.optionalPhysical(energyToBeDelivered)
    }
}

/// 0xC3 Schedule received. FreeV2G reads one tuple whatever the count says (§13.2, layout for more
/// than one tuple unclear): the count is kept as sent, one tuple follows.
public struct EVScheduleReceived: Equatable, Sendable {
    public var tupleCount: UInt8
    public var tuple: ScheduleTuple

    public init(tupleCount: UInt8 = 1, tuple: ScheduleTuple) {
        self.tupleCount = tupleCount
        self.tuple = tuple
    }
}
