/// What the central system asks of the charge point (OCPP 1.6 §5, "Operations initiated by Central
/// System") that this charge point serves. Anything else is answered with CALLERROR NotImplemented.
public enum CentralSystemRequest: Sendable, Equatable {
    /// §5.11.
    case remoteStartTransaction(idTag: String, connectorId: Int?, profile: ChargingProfile?)
    /// §5.12.
    case remoteStopTransaction(transactionId: Int)
    /// §5.3: key CiString50, value CiString500.
    case changeConfiguration(key: String, value: String)
    /// §5.8: no keys means all.
    case getConfiguration(keys: [String]?)
    /// §5.14.
    case reset(hard: Bool)
    /// §5.17.
    case triggerMessage(MessageTrigger, connectorId: Int?)
    /// §5.16.
    case setChargingProfile(connectorId: Int, profile: ChargingProfile)
    /// §5.5.
    case clearChargingProfile(id: Int?, connectorId: Int?, purpose: ChargingProfilePurpose?, stackLevel: Int?)
    /// §5.18.
    case unlockConnector(connectorId: Int)

    public static func decode(action: String, payload: JSON) throws(OCPPCallError) -> CentralSystemRequest {
        let p = Fields(payload)
        switch action {
        case "RemoteStartTransaction":
            let profile = try payload["chargingProfile"].map { j throws(OCPPCallError) in try ChargingProfile.decode(j) }
            return .remoteStartTransaction(idTag: try p.string("idTag", max: 20), connectorId: try p.optionalInt("connectorId"),
                                           profile: profile)
        case "RemoteStopTransaction":
            return .remoteStopTransaction(transactionId: try p.int("transactionId"))
        case "ChangeConfiguration":
            return .changeConfiguration(key: try p.string("key", max: 50), value: try p.string("value", max: 500))
        case "GetConfiguration":
            guard let k = payload["key"] else { return .getConfiguration(keys: nil) }
            guard let items = k.array else { throw .type("key") }
            var keys: [String] = []
            for item in items {
                guard let s = item.string else { throw .type("key") }
                guard s.count <= 50 else { throw .property("key") }
                keys.append(s)
            }
            return .getConfiguration(keys: keys)
        case "Reset":
            let t = try p.string("type")
            guard t == "Hard" || t == "Soft" else { throw .property("type") }
            return .reset(hard: t == "Hard")
        case "TriggerMessage":
            guard let m = MessageTrigger(rawValue: try p.string("requestedMessage")) else { throw .property("requestedMessage") }
            return .triggerMessage(m, connectorId: try p.optionalInt("connectorId"))
        case "SetChargingProfile":
            guard let j = payload["csChargingProfiles"] else { throw .occurrence("csChargingProfiles") }
            return .setChargingProfile(connectorId: try p.int("connectorId"), profile: try ChargingProfile.decode(j))
        case "ClearChargingProfile":
            let purpose = try p.optionalString("chargingProfilePurpose")
            var pp: ChargingProfilePurpose?
            if let purpose {
                guard let x = ChargingProfilePurpose(rawValue: purpose) else { throw .property("chargingProfilePurpose") }
                pp = x
            }
            return .clearChargingProfile(id: try p.optionalInt("id"), connectorId: try p.optionalInt("connectorId"), purpose: pp,
                                         stackLevel: try p.optionalInt("stackLevel"))
        case "UnlockConnector":
            return .unlockConnector(connectorId: try p.int("connectorId"))
        default:
            throw OCPPCallError(.notImplemented, "\(action) is not supported by this charge point")
        }
    }
}

/// MessageTrigger (§7.37).
public enum MessageTrigger: String, Sendable, Equatable {
    case bootNotification = "BootNotification", diagnosticsStatusNotification = "DiagnosticsStatusNotification"
    case firmwareStatusNotification = "FirmwareStatusNotification", heartbeat = "Heartbeat", meterValues = "MeterValues"
    case statusNotification = "StatusNotification"
}

/// ChargingProfilePurposeType (§7.15).
public enum ChargingProfilePurpose: String, Sendable, Equatable {
    case chargePointMaxProfile = "ChargePointMaxProfile", txDefaultProfile = "TxDefaultProfile", txProfile = "TxProfile"
}

/// ChargingProfile (§7.13) with its ChargingSchedule (§7.16). Limits in A or W per `unit`.
public struct ChargingProfile: Sendable, Equatable {
    public enum Kind: String, Sendable, Equatable { case absolute = "Absolute", recurring = "Recurring", relative = "Relative" }
    public enum Unit: String, Sendable, Equatable { case amps = "A", watts = "W" }
    public struct Period: Sendable, Equatable {
        /// Seconds from the schedule's start.
        public var startPeriod: Int
        public var limit: Double
        public var numberPhases: Int?
        public init(startPeriod: Int, limit: Double, numberPhases: Int? = nil) {
            self.startPeriod = startPeriod
            self.limit = limit
            self.numberPhases = numberPhases
        }
    }

    public var id: Int
    public var transactionId: Int?
    public var stackLevel: Int
    public var purpose: ChargingProfilePurpose
    public var kind: Kind
    public var unit: Unit
    /// Seconds; nil: the last period lasts until the profile is replaced.
    public var duration: Int?
    public var startSchedule: String?
    public var periods: [Period]

    public init(id: Int, transactionId: Int? = nil, stackLevel: Int, purpose: ChargingProfilePurpose, kind: Kind = .relative,
                unit: Unit = .amps, duration: Int? = nil, startSchedule: String? = nil, periods: [Period]) {
        self.id = id
        self.transactionId = transactionId
        self.stackLevel = stackLevel
        self.purpose = purpose
        self.kind = kind
        self.unit = unit
        self.duration = duration
        self.startSchedule = startSchedule
        self.periods = periods
    }

    /// The limit in force `elapsed` seconds after the schedule started (nil: the schedule has ended).
    public func limit(afterSeconds elapsed: Double) -> Double? {
        if let duration, elapsed >= Double(duration) { return nil }
        var current: Double?
        for p in periods where Double(p.startPeriod) <= elapsed { current = p.limit }
        return current
    }

    static func decode(_ j: JSON) throws(OCPPCallError) -> ChargingProfile {
        let f = Fields(j)
        guard let purpose = ChargingProfilePurpose(rawValue: try f.string("chargingProfilePurpose")) else {
            throw .property("chargingProfilePurpose")
        }
        guard let kind = Kind(rawValue: try f.string("chargingProfileKind")) else { throw .property("chargingProfileKind") }
        guard let s = j["chargingSchedule"] else { throw .occurrence("chargingSchedule") }
        let sf = Fields(s)
        guard let unit = Unit(rawValue: try sf.string("chargingRateUnit")) else { throw .property("chargingRateUnit") }
        guard let items = s["chargingSchedulePeriod"]?.array, !items.isEmpty else { throw .occurrence("chargingSchedulePeriod") }
        var periods: [Period] = []
        for item in items {
            let pf = Fields(item)
            let limit = try pf.double("limit")
            guard limit >= 0 else { throw .property("limit") }
            periods.append(Period(startPeriod: try pf.int("startPeriod"), limit: limit, numberPhases: try pf.optionalInt("numberPhases")))
        }
        guard periods.first?.startPeriod == 0 else { throw .property("chargingSchedulePeriod[0].startPeriod") }
        let stack = try f.int("stackLevel")
        guard stack >= 0 else { throw .property("stackLevel") }
        return ChargingProfile(id: try f.int("chargingProfileId"), transactionId: try f.optionalInt("transactionId"), stackLevel: stack,
                               purpose: purpose, kind: kind, unit: unit, duration: try sf.optionalInt("duration"),
                               startSchedule: try sf.optionalString("startSchedule"), periods: periods)
    }
}

/// The charge point's answers to the central system (the `.conf` payloads).
public enum ChargePointAnswer {
    /// `{"status": …}`, the answer of most operations.
    public static func status(_ s: String) -> JSON { .object([("status", .string(s))]) }

    /// GetConfiguration.conf (§6.23): known keys with their values, unknown keys by name.
    public static func configuration(_ known: [(key: String, readonly: Bool, value: String?)], unknown: [String]) -> JSON {
        var m: [(String, JSON)] = []
        m.append(("configurationKey", .array(known.map { k in
            var o: [(String, JSON)] = [("key", .string(k.key)), ("readonly", .bool(k.readonly))]
            if let v = k.value { o.append(("value", .string(v))) }
            return .object(o)
        })))
        if !unknown.isEmpty { m.append(("unknownKey", .array(unknown.map { .string($0) }))) }
        return .object(m)
    }
}
