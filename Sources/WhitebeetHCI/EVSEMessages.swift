// EVSE Gen-2 payloads (firmware V02_xx; whitebeet-hci.md §11). Field order is wire order.

/// 0x27/0x60 Set configuration (§11.1).
public struct EVSEConfiguration: Equatable, Sendable {
    public var dinEVSEID: HCIText
    public var isoEVSEID: HCIText
    public var protocols: CodeList
    public var paymentMethods: CodeList
    public var energyTransferModes: CodeList
    public var certificateInstallationSupported: Bool
    public var certificateUpdateSupported: Bool

    public init(dinEVSEID: HCIText, isoEVSEID: HCIText, protocols: CodeList, paymentMethods: CodeList,
                energyTransferModes: CodeList, certificateInstallationSupported: Bool = false,
                certificateUpdateSupported: Bool = false) {
        self.dinEVSEID = dinEVSEID
        self.isoEVSEID = isoEVSEID
        self.protocols = protocols
        self.paymentMethods = paymentMethods
        self.energyTransferModes = energyTransferModes
        self.certificateInstallationSupported = certificateInstallationSupported
        self.certificateUpdateSupported = certificateUpdateSupported
    }

    init(_ r: inout HCIReader) throws(HCIError) {
        dinEVSEID = try r.text("DIN EVSE ID", limit: 32)
        isoEVSEID = try r.text("ISO EVSE ID", limit: 38)
        protocols = try r.codes("protocols")
        paymentMethods = try r.codes("payment methods")
        energyTransferModes = try r.codes("energy transfer modes")
        certificateInstallationSupported = try r.bool("certificate installation")
        certificateUpdateSupported = try r.bool("certificate update")
    }

    func write(_ w: inout HCIWriter) throws(HCIError) {
        guard dinEVSEID.count <= 32 else { throw .tooManyItems(module: w.module, sub: w.sub, field: "DIN EVSE ID", count: dinEVSEID.count, limit: 32) }
        guard isoEVSEID.count <= 38 else { throw .tooManyItems(module: w.module, sub: w.sub, field: "ISO EVSE ID", count: isoEVSEID.count, limit: 38) }
        try w.text(dinEVSEID)
        try w.text(isoEVSEID)
        try w.codes(protocols)
        try w.codes(paymentMethods)
        try w.codes(energyTransferModes)
        try w.bool(certificateInstallationSupported)
        try w.bool(certificateUpdateSupported)
    }
}

/// 0x27/0x62 Set DC charging parameters: the charger's static limits, sent before listening.
public struct EVSEDCLimits: Equatable, Sendable {
    /// ISO 15118-2 isolationLevelType order [inferred]: 0 invalid, 1 valid, 2 warning, 3 fault, 4 no IMD.
    public var isolationLevel: UInt8
    public var minimumVoltage: PhysicalValue
    public var minimumCurrent: PhysicalValue
    public var maximumVoltage: PhysicalValue
    public var maximumCurrent: PhysicalValue
    public var maximumPower: PhysicalValue
    public var currentRegulationTolerance: PhysicalValue?
    public var peakCurrentRipple: PhysicalValue
    public var status: UInt8

    public init(isolationLevel: UInt8 = 0, minimumVoltage: PhysicalValue, minimumCurrent: PhysicalValue,
                maximumVoltage: PhysicalValue, maximumCurrent: PhysicalValue, maximumPower: PhysicalValue,
                currentRegulationTolerance: PhysicalValue? = nil, peakCurrentRipple: PhysicalValue, status: UInt8 = 0) {
        self.isolationLevel = isolationLevel
        self.minimumVoltage = minimumVoltage
        self.minimumCurrent = minimumCurrent
        self.maximumVoltage = maximumVoltage
        self.maximumCurrent = maximumCurrent
        self.maximumPower = maximumPower
        self.currentRegulationTolerance = currentRegulationTolerance
        self.peakCurrentRipple = peakCurrentRipple
        self.status = status
    }

    init(_ r: inout HCIReader) throws(HCIError) {
        isolationLevel = try r.u8()
        minimumVoltage = try r.physical()
        minimumCurrent = try r.physical()
        maximumVoltage = try r.physical()
        maximumCurrent = try r.physical()
        maximumPower = try r.physical()
        currentRegulationTolerance = try r.optionalPhysical("current regulation tolerance")
        peakCurrentRipple = try r.physical()
        status = try r.u8()
    }

    func write(_ w: inout HCIWriter) throws(HCIError) {
        try w.u8(isolationLevel)
        try w.physical(minimumVoltage)
        try w.physical(minimumCurrent)
        try w.physical(maximumVoltage)
        try w.physical(maximumCurrent)
        try w.physical(maximumPower)
        try w.optionalPhysical(currentRegulationTolerance)
        try w.physical(peakCurrentRipple)
        try w.u8(status)
    }
}

/// 0x27/0x63 Update DC charging parameters: live values, the answer to every 0x85 and pushed
/// periodically (the module raises session error 23 when they are older than its timeout, §3.6).
public struct EVSEDCPresentValues: Equatable, Sendable {
    public var isolationLevel: UInt8
    public var presentVoltage: PhysicalValue
    public var presentCurrent: PhysicalValue
    public var maximumVoltage: PhysicalValue?
    public var maximumCurrent: PhysicalValue?
    public var maximumPower: PhysicalValue?
    public var status: UInt8

    public init(isolationLevel: UInt8, presentVoltage: PhysicalValue, presentCurrent: PhysicalValue,
                maximumVoltage: PhysicalValue? = nil, maximumCurrent: PhysicalValue? = nil,
                maximumPower: PhysicalValue? = nil, status: UInt8 = 0) {
        self.isolationLevel = isolationLevel
        self.presentVoltage = presentVoltage
        self.presentCurrent = presentCurrent
        self.maximumVoltage = maximumVoltage
        self.maximumCurrent = maximumCurrent
        self.maximumPower = maximumPower
        self.status = status
    }

    init(_ r: inout HCIReader) throws(HCIError) {
        isolationLevel = try r.u8()
        presentVoltage = try r.physical()
        presentCurrent = try r.physical()
        maximumVoltage = try r.optionalPhysical("maximum voltage")
        maximumCurrent = try r.optionalPhysical("maximum current")
        maximumPower = try r.optionalPhysical("maximum power")
        status = try r.u8()
    }

    func write(_ w: inout HCIWriter) throws(HCIError) {
        try w.u8(isolationLevel)
        try w.physical(presentVoltage)
        try w.physical(presentCurrent)
        try w.optionalPhysical(maximumVoltage)
        try w.optionalPhysical(maximumCurrent)
        try w.optionalPhysical(maximumPower)
        try w.u8(status)
    }
}

/// 0x27/0x65 Set AC charging parameters, in `master`'s order (RCD, maximum current, nominal
/// voltage; the newest tag swaps the last two — §11.1, unconfirmed on hardware).
public struct EVSEACParameters: Equatable, Sendable {
    public var rcdError: Bool
    public var maximumCurrent: PhysicalValue
    public var nominalVoltage: PhysicalValue

    public init(rcdError: Bool = false, maximumCurrent: PhysicalValue, nominalVoltage: PhysicalValue) {
        self.rcdError = rcdError
        self.maximumCurrent = maximumCurrent
        self.nominalVoltage = nominalVoltage
    }

    init(_ r: inout HCIReader) throws(HCIError) {
        rcdError = try r.bool("RCD")
        maximumCurrent = try r.physical()
        nominalVoltage = try r.physical()
    }

    func write(_ w: inout HCIWriter) throws(HCIError) {
        try w.bool(rcdError)
        try w.physical(maximumCurrent)
        try w.physical(nominalVoltage)
    }
}

/// 0x27/0x68 Set SDP configuration and the 0x69 response: optional ports 49152…65534 (§11.1).
/// (FreeV2G writes the boolean instead of the secured port, §20.4; we write the port.)
public struct SDPPorts: Equatable, Sendable {
    public var unsecured: UInt16?
    public var secured: UInt16?

    public init(unsecured: UInt16?, secured: UInt16?) {
        self.unsecured = unsecured
        self.secured = secured
    }

    init(_ r: inout HCIReader) throws(HCIError) {
        unsecured = try r.optionalU16("unsecured port")
        secured = try r.optionalU16("secured port")
    }

    func write(_ w: inout HCIWriter) throws(HCIError) {
        try w.optionalU16(unsecured)
        try w.optionalU16(secured)
    }
}

/// One entry of a schedule (0x6C, 0xC3, 0xA8): start and interval in seconds, power limit in W.
public struct ScheduleEntry: Equatable, Sendable, BitwiseCopyable {
    public var start: UInt32
    public var interval: UInt32
    public var maximumPower: PhysicalValue

    public init(start: UInt32, interval: UInt32, maximumPower: PhysicalValue) {
        self.start = start
        self.interval = interval
        self.maximumPower = maximumPower
    }
}

/// Entries of one schedule tuple. ISO 15118-2 allows up to 1024; the EV announces how many it takes
/// (0x84) and FreeV2G's EV accepts ≤ 24, so 24 bound the inline storage (more is `tooManyItems`).
public typealias ScheduleEntries = FixedList<24, ScheduleEntry>

/// One schedule tuple of 0x6C (u16 ID, u16 entry count, entries).
public struct ScheduleTuple: Equatable, Sendable, BitwiseCopyable {
    public var id: UInt16
    public var entries: ScheduleEntries

    public init(id: UInt16, entries: ScheduleEntries) {
        self.id = id
        self.entries = entries
    }

    init(_ r: inout HCIReader) throws(HCIError) {
        id = try r.u16()
        let n = Int(try r.u16())
        guard n <= 24 else { throw .tooManyItems(module: r.module, sub: r.sub, field: "schedule entries", count: n, limit: 24) }
        entries = ScheduleEntries()
        for _ in 0 ..< n {
            entries.append(ScheduleEntry(start: try r.u32(), interval: try r.u32(), maximumPower: try r.physical()))
        }
    }

    func write(_ w: inout HCIWriter) throws(HCIError) {
        try w.u16(id)
        try w.u16(UInt16(entries.count))
        for i in 0 ..< entries.count {
            try w.u32(entries[i].start)
            try w.u32(entries[i].interval)
            try w.physical(entries[i].maximumPower)
        }
    }
}

/// 0x27/0x6C Set schedules, the answer to 0x84. Up to 3 tuples (ISO 15118-2 SAScheduleList). Sales
/// tariffs are not supported (count 0 always; a decoded count > 0 is `unsupportedLayout`).
public struct EVSESchedules: Equatable, Sendable {
    /// 0 = schedules supplied (the only code with evidence, §11.1).
    public var code: UInt8
    public var tuples: FixedList<3, ScheduleTuple>
    public var energyToBeDelivered: PhysicalValue?

    public init(code: UInt8 = 0, tuples: FixedList<3, ScheduleTuple>, energyToBeDelivered: PhysicalValue? = nil) {
        self.code = code
        self.tuples = tuples
        self.energyToBeDelivered = energyToBeDelivered
    }

    init(_ r: inout HCIReader) throws(HCIError) {
        code = try r.u8()
        let n = Int(try r.u8())
        guard n <= 3 else { throw .tooManyItems(module: r.module, sub: r.sub, field: "schedule tuples", count: n, limit: 3) }
        tuples = FixedList()
        for _ in 0 ..< n { tuples.append(try ScheduleTuple(&r)) }
        energyToBeDelivered = try r.optionalPhysical("energy to be delivered")
        let tariffs = try r.u8()
        guard tariffs == 0 else { throw .unsupportedLayout(module: r.module, sub: r.sub) }
    }

    func write(_ w: inout HCIWriter) throws(HCIError) {
        try w.u8(code)
        try w.u8(UInt8(tuples.count))
        for i in 0 ..< tuples.count { try tuples[i].write(&w) }
        try w.optionalPhysical(energyToBeDelivered)
        try w.u8(0) // no sales tariffs
    }
}
