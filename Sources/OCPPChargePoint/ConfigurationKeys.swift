/// The configuration keys this charge point keeps (OCPP 1.6 §9.1 standard keys it supports, and one
/// of ours), read by GetConfiguration and written by ChangeConfiguration.
public struct ConfigurationKeys {
    /// §9.1.14, seconds.
    public var heartbeatInterval = 300
    /// §9.1.19, seconds between MeterValues during a transaction.
    public var meterValueSampleInterval = 60
    /// §9.1.1: a RemoteStartTransaction's idTag is authorised (Authorize.req) before the session starts.
    public var authorizeRemoteTxRequests = true
    /// Ours: ask the central system about the car's own identifier (EVCCID, "Autocharge") when it asks
    /// to charge; off, the car waits for a remote start.
    public var autocharge = false
    /// Ours (seed 000, ADVANTICS' custom key): the target current in A during a transaction; 0 lifts
    /// it. Negative values (discharge) are refused: this supply does not take power back.
    public var targetCurrent: Double = 0

    public static let targetCurrentKey = "ChargeKitTargetCurrent"
    public static let autochargeKey = "ChargeKitAutocharge"

    public init() {}

    static let fixed: [(String, String)] = [
        ("NumberOfConnectors", "1"),
        ("SupportedFeatureProfiles", "Core,SmartCharging,RemoteTrigger"),
        ("ChargeProfileMaxStackLevel", "8"),
        ("ChargingScheduleAllowedChargingRateUnit", "Current,Power"),
        ("ChargingScheduleMaxPeriods", "24"),
        ("MaxChargingProfilesInstalled", "8"),
        ("MeterValuesSampledData", "Energy.Active.Import.Register,Power.Active.Import,Current.Import,Voltage,SoC,Current.Offered"),
    ]

    public var all: [(key: String, readonly: Bool, value: String?)] {
        var out: [(key: String, readonly: Bool, value: String?)] = [
            ("HeartbeatInterval", false, String(heartbeatInterval)),
            ("MeterValueSampleInterval", false, String(meterValueSampleInterval)),
            ("AuthorizeRemoteTxRequests", false, String(authorizeRemoteTxRequests)),
            (Self.autochargeKey, false, String(autocharge)),
            (Self.targetCurrentKey, false, String(targetCurrent)),
        ]
        for (k, v) in Self.fixed { out.append((k, true, v)) }
        return out
    }

    public enum Change: Equatable { case accepted, rejected, notSupported }

    /// ChangeConfiguration (§5.3): Accepted, Rejected (read-only or a bad value) or NotSupported.
    public mutating func change(_ key: String, _ value: String) -> Change {
        func positiveInt() -> Int? { Int(value).flatMap { $0 > 0 ? $0 : nil } }
        func bool() -> Bool? { value.lowercased() == "true" ? true : value.lowercased() == "false" ? false : nil }
        switch key {
        case "HeartbeatInterval":
            guard let v = positiveInt() else { return .rejected }
            heartbeatInterval = v
        case "MeterValueSampleInterval":
            guard let v = positiveInt() else { return .rejected }
            meterValueSampleInterval = v
        case "AuthorizeRemoteTxRequests":
            guard let v = bool() else { return .rejected }
            authorizeRemoteTxRequests = v
        case Self.autochargeKey:
            guard let v = bool() else { return .rejected }
            autocharge = v
        case Self.targetCurrentKey:
            guard let v = Double(value), v.isFinite, v >= 0 else { return .rejected }
            targetCurrent = v
        default:
            return Self.fixed.contains(where: { $0.0 == key }) ? .rejected : .notSupported
        }
        return .accepted
    }
}
