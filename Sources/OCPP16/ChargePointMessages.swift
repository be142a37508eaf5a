/// What the charge point asks the central system (OCPP 1.6 §4, "Operations initiated by Charge
/// Point"), each with the payload its schema (`<Action>.json`) describes.
public enum ChargePointRequest: Sendable, Equatable {
    /// §4.2: vendor, model, firmware version.
    case bootNotification(vendor: String, model: String, firmwareVersion: String?, serialNumber: String?)
    /// §4.6.
    case heartbeat
    /// §4.9.
    case statusNotification(connectorId: Int, errorCode: ChargePointErrorCode, status: ChargePointStatus, timestamp: String?)
    /// §4.1: idTag at most 20 characters (IdToken, CiString20Type).
    case authorize(idTag: String)
    /// §4.8: meterStart in Wh.
    case startTransaction(connectorId: Int, idTag: String, meterStart: Int, timestamp: String)
    /// §4.10: meterStop in Wh, the reason when not Local.
    case stopTransaction(transactionId: Int, meterStop: Int, timestamp: String, reason: StopReason?, idTag: String?)
    /// §4.7: one meterValue with its sampled values.
    case meterValues(connectorId: Int, transactionId: Int?, timestamp: String, samples: [SampledValue])

    public var action: String {
        switch self {
        case .bootNotification: "BootNotification"
        case .heartbeat: "Heartbeat"
        case .statusNotification: "StatusNotification"
        case .authorize: "Authorize"
        case .startTransaction: "StartTransaction"
        case .stopTransaction: "StopTransaction"
        case .meterValues: "MeterValues"
        }
    }

    /// Transaction-related messages are queued while offline and delivered in order (§3.16, §4.7).
    public var isTransactionMessage: Bool {
        switch self {
        case .startTransaction, .stopTransaction: true
        case .meterValues(_, let tx, _, _): tx != nil
        default: false
        }
    }

    public var payload: JSON {
        switch self {
        case let .bootNotification(vendor, model, fw, serial):
            var m: [(String, JSON)] = [("chargePointVendor", .string(vendor)), ("chargePointModel", .string(model))]
            if let serial { m.append(("chargePointSerialNumber", .string(serial))) }
            if let fw { m.append(("firmwareVersion", .string(fw))) }
            return .object(m)
        case .heartbeat:
            return .object([])
        case let .statusNotification(connector, error, status, timestamp):
            var m: [(String, JSON)] = [("connectorId", .number(Double(connector))), ("errorCode", .string(error.rawValue)),
                                       ("status", .string(status.rawValue))]
            if let timestamp { m.append(("timestamp", .string(timestamp))) }
            return .object(m)
        case .authorize(let idTag):
            return .object([("idTag", .string(idTag))])
        case let .startTransaction(connector, idTag, meterStart, timestamp):
            return .object([("connectorId", .number(Double(connector))), ("idTag", .string(idTag)),
                            ("meterStart", .number(Double(meterStart))), ("timestamp", .string(timestamp))])
        case let .stopTransaction(tx, meterStop, timestamp, reason, idTag):
            var m: [(String, JSON)] = [("meterStop", .number(Double(meterStop))), ("timestamp", .string(timestamp)),
                                       ("transactionId", .number(Double(tx)))]
            if let reason { m.append(("reason", .string(reason.rawValue))) }
            if let idTag { m.append(("idTag", .string(idTag))) }
            return .object(m)
        case let .meterValues(connector, tx, timestamp, samples):
            var m: [(String, JSON)] = [("connectorId", .number(Double(connector)))]
            if let tx { m.append(("transactionId", .number(Double(tx)))) }
            m.append(("meterValue", .array([.object([("timestamp", .string(timestamp)),
                                                     ("sampledValue", .array(samples.map(\.json)))])])))
            return .object(m)
        }
    }

    /// The same message with its transaction id replaced (a message queued before StartTransaction.conf
    /// carried a provisional id).
    public func withTransactionId(_ id: Int) -> ChargePointRequest {
        switch self {
        case let .stopTransaction(tx, meterStop, timestamp, reason, idTag) where tx < 0:
            .stopTransaction(transactionId: id, meterStop: meterStop, timestamp: timestamp, reason: reason, idTag: idTag)
        case let .meterValues(connector, tx?, timestamp, samples) where tx < 0:
            .meterValues(connectorId: connector, transactionId: id, timestamp: timestamp, samples: samples)
        default: self
        }
    }

    /// Decodes a request from its action and payload (the offline queue on disk; tests).
    public static func decode(action: String, payload: JSON) throws(OCPPCallError) -> ChargePointRequest {
        let p = Fields(payload)
        switch action {
        case "BootNotification":
            return .bootNotification(vendor: try p.string("chargePointVendor", max: 20), model: try p.string("chargePointModel", max: 20),
                                     firmwareVersion: try p.optionalString("firmwareVersion", max: 50),
                                     serialNumber: try p.optionalString("chargePointSerialNumber", max: 25))
        case "Heartbeat": return .heartbeat
        case "StatusNotification":
            guard let e = ChargePointErrorCode(rawValue: try p.string("errorCode")),
                  let s = ChargePointStatus(rawValue: try p.string("status")) else { throw .property("errorCode/status") }
            return .statusNotification(connectorId: try p.int("connectorId"), errorCode: e, status: s,
                                       timestamp: try p.optionalString("timestamp"))
        case "Authorize": return .authorize(idTag: try p.string("idTag", max: 20))
        case "StartTransaction":
            return .startTransaction(connectorId: try p.int("connectorId"), idTag: try p.string("idTag", max: 20),
                                     meterStart: try p.int("meterStart"), timestamp: try p.string("timestamp"))
        case "StopTransaction":
            let r = try p.optionalString("reason")
            return .stopTransaction(transactionId: try p.int("transactionId"), meterStop: try p.int("meterStop"),
                                    timestamp: try p.string("timestamp"), reason: r.flatMap(StopReason.init(rawValue:)),
                                    idTag: try p.optionalString("idTag", max: 20))
        case "MeterValues":
            guard let values = payload["meterValue"]?.array, let first = values.first else { throw .occurrence("meterValue") }
            let f = Fields(first)
            var samples: [SampledValue] = []
            for s in first["sampledValue"]?.array ?? [] { samples.append(try SampledValue.decode(s)) }
            return .meterValues(connectorId: try p.int("connectorId"), transactionId: try p.optionalInt("transactionId"),
                                timestamp: try f.string("timestamp"), samples: samples)
        default: throw OCPPCallError(.notImplemented, "\(action) is not a charge point request")
        }
    }
}

/// ChargePointStatus (§7.7).
public enum ChargePointStatus: String, Sendable, Equatable {
    case available = "Available", preparing = "Preparing", charging = "Charging", suspendedEVSE = "SuspendedEVSE"
    case suspendedEV = "SuspendedEV", finishing = "Finishing", reserved = "Reserved", unavailable = "Unavailable"
    case faulted = "Faulted"
}

/// ChargePointErrorCode (§7.6), the ones a DC charger reports.
public enum ChargePointErrorCode: String, Sendable, Equatable {
    case noError = "NoError", groundFailure = "GroundFailure", highTemperature = "HighTemperature"
    case internalError = "InternalError", otherError = "OtherError", overCurrentFailure = "OverCurrentFailure"
    case overVoltage = "OverVoltage", powerSwitchFailure = "PowerSwitchFailure", evCommunicationError = "EVCommunicationError"
    case connectorLockFailure = "ConnectorLockFailure", readerFailure = "ReaderFailure", resetFailure = "ResetFailure"
    case underVoltage = "UnderVoltage", weakSignal = "WeakSignal", powerMeterFailure = "PowerMeterFailure"
}

/// Reason (§7.41) of a StopTransaction.
public enum StopReason: String, Sendable, Equatable {
    case emergencyStop = "EmergencyStop", evDisconnected = "EVDisconnected", hardReset = "HardReset", local = "Local"
    case other = "Other", powerLoss = "PowerLoss", reboot = "Reboot", remote = "Remote", softReset = "SoftReset"
    case unlockCommand = "UnlockCommand", deAuthorized = "DeAuthorized"
}

/// One SampledValue (§7.45): value as a string, with its measurand, unit and context.
public struct SampledValue: Sendable, Equatable {
    public var value: String
    public var measurand: String
    public var unit: String?
    public var context: String?

    public init(value: String, measurand: String, unit: String?, context: String? = "Sample.Periodic") {
        self.value = value
        self.measurand = measurand
        self.unit = unit
        self.context = context
    }

    public var json: JSON {
        var m: [(String, JSON)] = [("value", .string(value))]
        if let context { m.append(("context", .string(context))) }
        m.append(("measurand", .string(measurand)))
        if let unit { m.append(("unit", .string(unit))) }
        return .object(m)
    }

    static func decode(_ j: JSON) throws(OCPPCallError) -> SampledValue {
        let f = Fields(j)
        return SampledValue(value: try f.string("value"), measurand: try f.optionalString("measurand") ?? "Energy.Active.Import.Register",
                            unit: try f.optionalString("unit"), context: try f.optionalString("context"))
    }
}

/// IdTagInfo.status (§7.4 AuthorizationStatus).
public enum AuthorizationStatus: String, Sendable, Equatable {
    case accepted = "Accepted", blocked = "Blocked", expired = "Expired", invalid = "Invalid", concurrentTx = "ConcurrentTx"
}

/// The central system's answers to the charge point's requests (the `.conf` payloads).
public enum CentralSystemAnswer {
    /// BootNotification.conf: status Accepted/Pending/Rejected, the heartbeat interval in s.
    public static func boot(_ p: JSON) throws(OCPPCallError) -> (status: String, interval: Int, currentTime: String) {
        let f = Fields(p)
        let status = try f.string("status")
        guard ["Accepted", "Pending", "Rejected"].contains(status) else { throw .property("status") }
        return (status, try f.int("interval"), try f.string("currentTime"))
    }

    /// The idTagInfo of Authorize.conf, StartTransaction.conf (and StopTransaction.conf, optional there).
    public static func idTagStatus(_ p: JSON) throws(OCPPCallError) -> AuthorizationStatus {
        guard let info = p["idTagInfo"] else { throw .occurrence("idTagInfo") }
        guard let s = AuthorizationStatus(rawValue: try Fields(info).string("status")) else { throw .property("idTagInfo.status") }
        return s
    }

    /// StartTransaction.conf's transactionId.
    public static func transactionId(_ p: JSON) throws(OCPPCallError) -> Int { try Fields(p).int("transactionId") }
}
