import Buffers

/// `dc.cfg` members (esp32-cp-uart.md §11, R4): nil = unchanged. The firmware clamps each one; the
/// encoder applies the same clamps so the line says what the helper will do.
public struct HelperDCConfiguration: Sendable, Equatable {
    public var voltsMin: Double?, voltsMax: Double?
    public var powerKW: Double?, ampsMax: Double?
    /// Soft-start/stop ramps (firmware defaults 50 V/s and 20 A/s in 100 ms steps).
    public var rampVoltsPerSecond: Double?, rampAmpsPerSecond: Double?
    /// The bench override that lets DC output run without CP C/D and the contactor's aux contact.
    /// It defaults to true in R4; a charger sets it false.
    public var ignoreControlPilot: Bool?
    public var moduleAddress: Int?

    public init(voltsMin: Double? = nil, voltsMax: Double? = nil, powerKW: Double? = nil, ampsMax: Double? = nil,
                rampVoltsPerSecond: Double? = nil, rampAmpsPerSecond: Double? = nil, ignoreControlPilot: Bool? = nil,
                moduleAddress: Int? = nil) {
        self.voltsMin = voltsMin
        self.voltsMax = voltsMax
        self.powerKW = powerKW
        self.ampsMax = ampsMax
        self.rampVoltsPerSecond = rampVoltsPerSecond
        self.rampAmpsPerSecond = rampAmpsPerSecond
        self.ignoreControlPilot = ignoreControlPilot
        self.moduleAddress = moduleAddress
    }
}

/// The JSON-RPC requests of firmware revisions R3/R4 for the DC power modules and the contactor
/// (esp32-cp-uart.md §11, envelope §8): `{"type":"req","id":N,"method":…,"params":{…}}` plus `\n`.
/// The caller picks the id and matches the `res` by it (R3/R4 echo it as sent).
public enum HelperPowerRequest: Sendable, Equatable {
    /// `dc.enable {on}`: on → soft start (the firmware closes the contactor if its aux is open);
    /// off → soft stop (current to zero, then voltage to v_min, then modules off).
    case dcEnable(Bool)
    /// `dc.set {v,i}`: targets in volts and amperes (firmware clamps v to v_min…v_max, i to 0…i_max).
    case dcSet(volts: Double, amps: Double)
    /// `dc.status`: state, setpoints, limits and the modules' measurements.
    case dcStatus
    /// `dc.discover` (R3): the modules on the CAN bus.
    case dcDiscover
    /// `dc.estop`: modules off and setpoints zero at once; in `hw` mode the contactor opens too.
    case dcEmergencyStop
    /// `dc.estop.clear` (R4): releases the latched emergency-stop input.
    case dcClearEmergencyStop
    case dcConfigure(HelperDCConfiguration)
    /// `contactor.set {on}` (R3 needs an unexpired `sys.arm` window first).
    case contactorSet(Bool)
    case contactorCheck
    /// `sys.arm`: opens the arming window (1500 ms in R3, 800 ms in R4).
    case arm
    /// `sys.set_mode {mode}`: "hw" drives the real contactor GPIO (R3/R4); anything else is "sim",
    /// the firmware's default, where `contactor.set` switches nothing.
    case setPeripheralMode(hardware: Bool)

    /// Upper bound of one encoded request, newline included.
    public static let maximumEncodedLength = 224

    /// The firmware's `dc.cfg` clamps (§11 R4), also used for `dc.set`.
    public static let voltsBound = 0.0...1200.0
    public static let ampsBound = 0.0...500.0

    /// Appends the request line to `queue`. Writes nothing and returns false when fewer than
    /// `maximumEncodedLength` bytes are free.
    @discardableResult
    public func encode(id: Int, into queue: ByteQueue) -> Bool {
        guard queue.freeCount >= Self.maximumEncodedLength else { return false }
        let w = LineWriter(queue: queue)
        w.raw("{\"type\":\"req\",\"id\":")
        w.integer(Int64(id))
        w.raw(",\"method\":\"")
        switch self {
        case .dcEnable(let on):
            w.raw("dc.enable\",\"params\":{\"on\":")
            w.boolean(on)
            w.raw("}")
        case .dcSet(let volts, let amps):
            w.raw("dc.set\",\"params\":{\"v\":")
            w.decimal(volts, Self.voltsBound)
            w.raw(",\"i\":")
            w.decimal(amps, Self.ampsBound)
            w.raw("}")
        case .dcStatus: w.raw("dc.status\"")
        case .dcDiscover: w.raw("dc.discover\"")
        case .dcEmergencyStop: w.raw("dc.estop\"")
        case .dcClearEmergencyStop: w.raw("dc.estop.clear\"")
        case .dcConfigure(let c):
            w.raw("dc.cfg\",\"params\":{")
            var first = true
            w.decimalMember("v_min", c.voltsMin, 100...1200, &first)
            w.decimalMember("v_max", c.voltsMax, 100...1200, &first)
            w.decimalMember("p_kw", c.powerKW, 1...100, &first)
            w.decimalMember("i_max", c.ampsMax, 5...500, &first)
            w.decimalMember("ramp_v", c.rampVoltsPerSecond, 1...500, &first)
            w.decimalMember("ramp_i", c.rampAmpsPerSecond, 1...500, &first)
            if let b = c.ignoreControlPilot {
                w.separator(&first)
                w.raw("\"ignore_cp\":")
                w.boolean(b)
            }
            if let a = c.moduleAddress {
                w.separator(&first)
                w.raw("\"module_addr\":")
                w.integer(Int64(min(max(a, 0), 127)))
            }
            w.raw("}")
        case .contactorSet(let on):
            w.raw("contactor.set\",\"params\":{\"on\":")
            w.boolean(on)
            w.raw("}")
        case .contactorCheck: w.raw("contactor.check\"")
        case .arm: w.raw("sys.arm\"")
        case .setPeripheralMode(let hardware):
            w.raw(hardware ? "sys.set_mode\",\"params\":{\"mode\":\"hw\"}" : "sys.set_mode\",\"params\":{\"mode\":\"sim\"}")
        }
        w.raw("}")
        queue.push(0x0A)
        return true
    }
}

extension LineWriter {
    /// A non-negative value with at most one decimal ("400", "12.5"), clamped to `bound`; NaN → lower bound.
    func decimal(_ value: Double, _ bound: ClosedRange<Double>) {
        let v = value.isNaN ? bound.lowerBound : Swift.min(Swift.max(value, bound.lowerBound), bound.upperBound)
        let tenths = Int64((v * 10).rounded())
        integer(tenths / 10)
        if tenths % 10 != 0 {
            queue.push(0x2E)
            queue.push(UInt8(0x30 + tenths % 10))
        }
    }

    func separator(_ first: inout Bool) {
        if !first { queue.push(0x2C) }
        first = false
    }

    func decimalMember(_ key: StaticString, _ value: Double?, _ bound: ClosedRange<Double>, _ first: inout Bool) {
        guard let value else { return }
        separator(&first)
        queue.push(0x22)
        raw(key)
        raw("\":")
        decimal(value, bound)
    }
}
