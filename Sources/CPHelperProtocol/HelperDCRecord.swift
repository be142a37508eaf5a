/// The DC state machine of firmware revisions R3/R4 (esp32-cp-uart.md §11), as the firmware reports it:
/// an integer 0…7 in `dc.state` (its enum order), or the state's name.
public enum HelperDCState: UInt8, Sendable, Equatable, CaseIterable, BitwiseCopyable, CustomStringConvertible {
    case idle = 0, softStartVoltage, softStartCurrent, running, softStopCurrent, softStopVoltage, emergencyStop, fault

    /// The firmware's own names (`IDLE`, `SOFTSTART_V`, …), accepted where a revision prints them.
    public var firmwareName: StaticString {
        switch self {
        case .idle: "IDLE"
        case .softStartVoltage: "SOFTSTART_V"
        case .softStartCurrent: "SOFTSTART_I"
        case .running: "RUNNING"
        case .softStopCurrent: "SOFTSTOP_I"
        case .softStopVoltage: "SOFTSTOP_V"
        case .emergencyStop: "E_STOP"
        case .fault: "FAULT"
        }
    }

    /// The modules are switched on (ramping or regulating).
    public var modulesOn: Bool {
        switch self {
        case .softStartVoltage, .softStartCurrent, .running, .softStopCurrent, .softStopVoltage: true
        case .idle, .emergencyStop, .fault: false
        }
    }

    public var description: String { "\(firmwareName)" }
}

/// The DC supply as the helper reports it: the `dc` object of an R4 status frame, or the same members
/// at the top of a `dc.status`/`dc.enable` result (§11). Values in volts, amperes and kilowatts; members
/// a reply does not carry are nil.
public struct HelperDCRecord: Sendable, Equatable, BitwiseCopyable {
    /// The host's intent (`dc.enable`).
    public var enabled: Bool
    public var state: HelperDCState
    /// The ramped commands the modules get now (not measurements).
    public var voltsSet: Double?
    public var ampsSet: Double?
    /// The targets the host asked for (`dc.status` only).
    public var voltsTarget: Double?
    public var ampsTarget: Double?
    public var powerKW: Double?
    public var voltsMin: Double?
    public var voltsMax: Double?
    /// Maxwell high/low range: 1 = high, 2 = low, 3 = auto, 0 = unknown.
    public var hiLoActual: Int8?
    public var hiLoConfigured: Int8?

    public init(enabled: Bool, state: HelperDCState, voltsSet: Double? = nil, ampsSet: Double? = nil,
                voltsTarget: Double? = nil, ampsTarget: Double? = nil, powerKW: Double? = nil,
                voltsMin: Double? = nil, voltsMax: Double? = nil, hiLoActual: Int8? = nil, hiLoConfigured: Int8? = nil) {
        self.enabled = enabled
        self.state = state
        self.voltsSet = voltsSet
        self.ampsSet = ampsSet
        self.voltsTarget = voltsTarget
        self.ampsTarget = ampsTarget
        self.powerKW = powerKW
        self.voltsMin = voltsMin
        self.voltsMax = voltsMax
        self.hiLoActual = hiLoActual
        self.hiLoConfigured = hiLoConfigured
    }
}

/// One DC power module behind the helper's CAN controller (`mods` of `dc.status` in R4, of
/// `dc.discover` in R3): its address and what it last measured.
public struct HelperDCModule: Sendable, Equatable, BitwiseCopyable {
    public var address: UInt8
    /// The module's status word as the firmware caches it (R4: 1 = answered the comm probe).
    public var status: UInt32
    /// Measured output, millivolts and milliamperes (nil where the reply does not carry it).
    public var millivolts: UInt32?
    public var milliamps: UInt32?

    public init(address: UInt8, status: UInt32 = 0, millivolts: UInt32? = nil, milliamps: UInt32? = nil) {
        self.address = address
        self.status = status
        self.millivolts = millivolts
        self.milliamps = milliamps
    }
}

/// The modules of one reply, held inline (the firmware's table has 8 entries, `MAX_MODULES`).
public struct HelperDCModuleList: Sendable, Equatable, BitwiseCopyable {
    public static let capacity = 8
    @usableFromInline var storage: InlineArray<8, HelperDCModule>
    public private(set) var count: Int

    public init() {
        storage = InlineArray(repeating: HelperDCModule(address: 0))
        count = 0
    }

    public init(_ modules: [HelperDCModule]) {
        self.init()
        for m in modules { _ = append(m) }
    }

    /// False (nothing stored) when the list is full.
    public mutating func append(_ module: HelperDCModule) -> Bool {
        guard count < Self.capacity else { return false }
        storage[count] = module
        count += 1
        return true
    }

    public subscript(i: Int) -> HelperDCModule { storage[i] }

    public var isEmpty: Bool { count == 0 }

    public static func == (a: Self, b: Self) -> Bool {
        guard a.count == b.count else { return false }
        for i in 0..<a.count where a.storage[i] != b.storage[i] { return false }
        return true
    }
}

/// The contactor as the helper reports it (`contactor.set`/`contactor.check` results, the R4
/// `evt:contactor.change` event): what it commands and whether the auxiliary contact agrees.
public struct HelperContactorReport: Sendable, Equatable, BitwiseCopyable {
    /// `commanded` (results) or `on` (the event); nil when the line carries neither.
    public var commanded: Bool?
    /// The auxiliary contact reports closed (firmware without an aux input echoes the command).
    public var auxClosed: Bool

    public init(commanded: Bool?, auxClosed: Bool) {
        self.commanded = commanded
        self.auxClosed = auxClosed
    }
}

/// What `sys.info` lists in `capabilities` (§8, §11), as bits.
public struct HelperCapabilities: OptionSet, Sendable, Equatable, BitwiseCopyable {
    public let rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }
    public static let controlPilot = HelperCapabilities(rawValue: 1)
    public static let contactor = HelperCapabilities(rawValue: 2)
    /// DC power modules (R3/R4).
    public static let dc = HelperCapabilities(rawValue: 4)
    public static let meter = HelperCapabilities(rawValue: 8)
    public static let temperatures = HelperCapabilities(rawValue: 16)
}
