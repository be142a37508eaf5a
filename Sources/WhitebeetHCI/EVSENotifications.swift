// Payloads of the EVSE Gen-2 notifications (module → host, whitebeet-hci.md §11.2).

/// 0x80 Session started: protocol (0 DIN, 1 ISO), session ID, EVCC ID (usually the car's MAC).
public struct SessionStarted: Equatable, Sendable {
    public var protocolCode: UInt8
    public var sessionID: UInt64
    public var evccID: HCIText

    public init(protocolCode: UInt8, sessionID: UInt64, evccID: HCIText) {
        self.protocolCode = protocolCode
        self.sessionID = sessionID
        self.evccID = evccID
    }

    init(_ r: inout HCIReader) throws(HCIError) {
        protocolCode = try r.u8()
        sessionID = try r.u64()
        evccID = try r.text("EVCC ID")
    }

    func write(_ w: inout HCIWriter) throws(HCIError) {
        try w.u8(protocolCode)
        try w.u64(sessionID)
        try w.text(evccID)
    }
}

/// The DC tail of 0x83, present only for a DC mode (0…3) in `master` (§11.2).
public struct EVDCChargeParameters: Equatable, Sendable {
    public var energyCapacity: PhysicalValue
    public var fullSOC: UInt8?
    public var bulkSOC: UInt8?
    public var ready: Bool
    public var errorCode: UInt8
    public var soc: UInt8

    public init(energyCapacity: PhysicalValue, fullSOC: UInt8? = nil, bulkSOC: UInt8? = nil, ready: Bool, errorCode: UInt8 = 0, soc: UInt8) {
        self.energyCapacity = energyCapacity
        self.fullSOC = fullSOC
        self.bulkSOC = bulkSOC
        self.ready = ready
        self.errorCode = errorCode
        self.soc = soc
    }
}

/// 0x83 Energy transfer mode selected: the EV's charge parameters.
public struct EnergyTransferModeSelected: Equatable, Sendable {
    public var departureTime: UInt32?
    public var energyRequest: PhysicalValue?
    public var maximumVoltage: PhysicalValue
    public var minimumCurrent: PhysicalValue?
    public var maximumCurrent: PhysicalValue
    public var maximumPower: PhysicalValue?
    public var mode: UInt8
    /// Present exactly when `mode` is DC.
    public var dc: EVDCChargeParameters?

    public init(departureTime: UInt32? = nil, energyRequest: PhysicalValue? = nil, maximumVoltage: PhysicalValue,
                minimumCurrent: PhysicalValue? = nil, maximumCurrent: PhysicalValue, maximumPower: PhysicalValue? = nil,
                mode: UInt8, dc: EVDCChargeParameters?) {
        self.departureTime = departureTime
        self.energyRequest = energyRequest
        self.maximumVoltage = maximumVoltage
        self.minimumCurrent = minimumCurrent
        self.maximumCurrent = maximumCurrent
        self.maximumPower = maximumPower
        self.mode = mode
        self.dc = dc
    }

    init(_ r: inout HCIReader) throws(HCIError) {
        departureTime = try r.optionalU32("departure time")
        energyRequest = try r.optionalPhysical("energy request")
        maximumVoltage = try r.physical()
        minimumCurrent = try r.optionalPhysical("minimum current")
        maximumCurrent = try r.physical()
        maximumPower = try r.optionalPhysical("maximum power")
        mode = try r.u8()
        guard mode <= 5 else { throw r.badValue("energy transfer mode", mode) }
        if EnergyTransferMode.isDC(mode) {
            dc = EVDCChargeParameters(energyCapacity: try r.physical(), fullSOC: try r.optionalU8("full SOC"),
                                      bulkSOC: try r.optionalU8("bulk SOC"), ready: try r.bool("EV ready"),
                                      errorCode: try r.u8(), soc: try r.u8())
        } else {
            dc = nil
        }
    }

    func write(_ w: inout HCIWriter) throws(HCIError) {
        guard (dc != nil) == EnergyTransferMode.isDC(mode), mode <= 5 else {
            throw .badValue(module: w.module, sub: w.sub, field: "energy transfer mode", value: Int(mode))
        }
        try w.optionalU32(departureTime)
        try w.optionalPhysical(energyRequest)
        try w.physical(maximumVoltage)
        try w.optionalPhysical(minimumCurrent)
        try w.physical(maximumCurrent)
        try w.optionalPhysical(maximumPower)
        try w.u8(mode)
        if let dc {
            try w.physical(dc.energyCapacity)
            try w.optionalU8(dc.fullSOC)
            try w.optionalU8(dc.bulkSOC)
            try w.bool(dc.ready)
            try w.u8(dc.errorCode)
            try w.u8(dc.soc)
        }
    }
}

/// 0x85 DC charge parameters changed: the EV's live request (target voltage and current, SOC).
public struct EVDCStatus: Equatable, Sendable {
    public var maximumVoltage: PhysicalValue
    public var maximumCurrent: PhysicalValue
    public var maximumPower: PhysicalValue?
    public var ready: Bool
    public var errorCode: UInt8
    public var soc: UInt8
    public var targetVoltage: PhysicalValue
    public var targetCurrent: PhysicalValue
    public var fullSOC: UInt8?
    public var bulkSOC: UInt8?
    public var chargingComplete: Bool
    public var bulkChargingComplete: Bool?
    public var remainingTimeToFullSOC: PhysicalValue?
    public var remainingTimeToBulkSOC: PhysicalValue?

    public init(maximumVoltage: PhysicalValue, maximumCurrent: PhysicalValue, maximumPower: PhysicalValue? = nil,
                ready: Bool, errorCode: UInt8 = 0, soc: UInt8, targetVoltage: PhysicalValue, targetCurrent: PhysicalValue,
                fullSOC: UInt8? = nil, bulkSOC: UInt8? = nil, chargingComplete: Bool = false,
                bulkChargingComplete: Bool? = nil, remainingTimeToFullSOC: PhysicalValue? = nil,
                remainingTimeToBulkSOC: PhysicalValue? = nil) {
        self.maximumVoltage = maximumVoltage
        self.maximumCurrent = maximumCurrent
        self.maximumPower = maximumPower
        self.ready = ready
        self.errorCode = errorCode
        self.soc = soc
        self.targetVoltage = targetVoltage
        self.targetCurrent = targetCurrent
        self.fullSOC = fullSOC
        self.bulkSOC = bulkSOC
        self.chargingComplete = chargingComplete
        self.bulkChargingComplete = bulkChargingComplete
        self.remainingTimeToFullSOC = remainingTimeToFullSOC
        self.remainingTimeToBulkSOC = remainingTimeToBulkSOC
    }

    init(_ r: inout HCIReader) throws(HCIError) {
        maximumVoltage = try r.physical()
        maximumCurrent = try r.physical()
        maximumPower = try r.optionalPhysical("maximum power")
        ready = try r.bool("EV ready")
        errorCode = try r.u8()
        soc = try r.u8()
        targetVoltage = try r.physical()
        targetCurrent = try r.physical()
        fullSOC = try r.optionalU8("full SOC")
        bulkSOC = try r.optionalU8("bulk SOC")
        chargingComplete = try r.bool("charging complete")
        bulkChargingComplete = try r.optionalBool("bulk charging complete")
        remainingTimeToFullSOC = try r.optionalPhysical("remaining time to full SOC")
        remainingTimeToBulkSOC = try r.optionalPhysical("remaining time to bulk SOC")
    }

    func write(_ w: inout HCIWriter) throws(HCIError) {
        try w.physical(maximumVoltage)
        try w.physical(maximumCurrent)
        try w.optionalPhysical(maximumPower)
        try w.bool(ready)
        try w.u8(errorCode)
        try w.u8(soc)
        try w.physical(targetVoltage)
        try w.physical(targetCurrent)
        try w.optionalU8(fullSOC)
        try w.optionalU8(bulkSOC)
        try w.bool(chargingComplete)
        try w.optionalBool(bulkChargingComplete)
        try w.optionalPhysical(remainingTimeToFullSOC)
        try w.optionalPhysical(remainingTimeToBulkSOC)
    }
}

/// 0x86 AC charge parameters changed (EV values).
public struct EVACStatus: Equatable, Sendable {
    public var maximumVoltage: PhysicalValue
    public var minimumCurrent: PhysicalValue
    public var maximumCurrent: PhysicalValue
    public var energyAmount: PhysicalValue

    public init(maximumVoltage: PhysicalValue, minimumCurrent: PhysicalValue, maximumCurrent: PhysicalValue, energyAmount: PhysicalValue) {
        self.maximumVoltage = maximumVoltage
        self.minimumCurrent = minimumCurrent
        self.maximumCurrent = maximumCurrent
        self.energyAmount = energyAmount
    }
}

/// One entry of the EV's charging profile in 0x89 (start s, power W).
public struct ProfileEntry: Equatable, Sendable, BitwiseCopyable {
    public var start: UInt32
    public var power: PhysicalValue

    public init(start: UInt32, power: PhysicalValue) {
        self.start = start
        self.power = power
    }
}

/// 0x89 Start charging requested: answer with 0x6E within the timeout.
public struct StartChargingRequested: Equatable, Sendable {
    public var timeoutMilliseconds: UInt32
    public var scheduleTupleID: UInt16
    public var profile: FixedList<24, ProfileEntry>

    public init(timeoutMilliseconds: UInt32, scheduleTupleID: UInt16, profile: FixedList<24, ProfileEntry>) {
        self.timeoutMilliseconds = timeoutMilliseconds
        self.scheduleTupleID = scheduleTupleID
        self.profile = profile
    }

    init(_ r: inout HCIReader) throws(HCIError) {
        timeoutMilliseconds = try r.u32()
        scheduleTupleID = try r.u16()
        let n = Int(try r.u8())
        guard n <= 24 else { throw .tooManyItems(module: r.module, sub: r.sub, field: "profile entries", count: n, limit: 24) }
        profile = FixedList()
        for _ in 0 ..< n { profile.append(ProfileEntry(start: try r.u32(), power: try r.physical())) }
    }

    func write(_ w: inout HCIWriter) throws(HCIError) {
        try w.u32(timeoutMilliseconds)
        try w.u16(scheduleTupleID)
        try w.u8(UInt8(profile.count))
        for i in 0 ..< profile.count {
            try w.u32(profile[i].start)
            try w.physical(profile[i].power)
        }
    }
}
