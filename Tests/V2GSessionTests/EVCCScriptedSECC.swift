import AppHandshakeJSON
import Buffers
import DIN70121JSON
import EXI
import EXIJSON
import EXITool
import Foundation
import ISO15118_2JSON
import V2GTP

/// A charger in test code for the EVCC to talk to: it reads the EVCC's V2GTP requests, decodes them
/// with our codec into Josev-shaped JSON, and answers with JSON text encoded by our codec (or, in
/// the corpus and Josev-codec tests, with bytes Josev made). A small simulated EVSE gives the
/// answers: cable check Ongoing then Finished/Valid, a supply that ramps to the precharge target,
/// delivers the current asked for and discharges for welding detection. `override` injects faults
/// per request (name, how many of that name came before).
final class ScriptedSECC {
    enum Action {
        /// The response as Josev-shaped JSON (encoded with our codec).
        case json(String)
        /// The response's EXI bytes.
        case exi([UInt8])
        /// Raw bytes on the wire (a broken V2GTP header, say).
        case wire([UInt8])
        /// No answer at all.
        case silent
    }

    let schema: EXISchema
    /// The EVCC's queues: the SECC writes into `toEVCC` and reads `fromEVCC`.
    let toEVCC = ByteQueue(capacity: 65_536)
    let fromEVCC = ByteQueue(capacity: 65_536)
    private let reader = V2GTPReader()
    /// Every request received, by element name, with its JSON.
    private(set) var requests: [(name: String, json: JSONValue)] = []
    /// The EXI of every request, in order (for Josev's codec).
    private(set) var requestEXI: [(schema: EXISchema, name: String, exi: [UInt8])] = []
    /// Every response sent as JSON text, with its schema, in order.
    private(set) var responseJSON: [(schema: EXISchema, json: String)] = []
    var override: ((String, Int) -> Action?)?
    /// The SAP answer (SchemaID of the EV's entry to accept; nil: Failed_NoNegotiation).
    var schemaID: Int? = 1
    let sessionID = "4A2F34FB3D3AE9A0"

    // The simulated EVSE.
    var cableCheckOngoingRounds = 1
    var authorizationOngoingRounds = 0
    var isolation = "Valid"
    var statusCode = "EVSE_Ready"
    var maxVolts = 500.0, maxAmps = 200.0, maxWatts = 150_000.0
    var prechargeStepVolts = 150.0
    private(set) var presentVolts = 0.0
    private(set) var presentAmps = 0.0

    init(schema: EXISchema) { self.schema = schema }

    var names: [String] { requests.map(\.name) }
    func count(_ name: String) -> Int { requests.filter { $0.name == name }.count }

    /// Answers every complete request waiting in `fromEVCC`.
    func serve() throws {
        let reader = self.reader
        while fromEVCC.count > 0 {
            let region = fromEVCC.unsafeReadableRegion()
            let taken = try reader.consume(RawSpan(_unsafeBytes: region))
            fromEVCC.discard(taken)
            guard reader.header != nil else { continue }
            let payload = reader.payload.withUnsafeBytes { Array($0) }
            reader.next()
            try answer(payload)
        }
    }

    private func answer(_ exi: [UInt8]) throws {
        let isHandshake = requests.isEmpty
        let requestSchema: EXISchema = isHandshake ? .app : schema
        let json = try EXITool.decode(requestSchema, bytes: exi)
        let name: String
        let body: JSONValue
        if isHandshake {
            name = "supportedAppProtocolReq"
            body = json["supportedAppProtocolReq"] ?? .null
        } else {
            guard case .object(let members)? = json["V2G_Message"]?["Body"], let first = members.first else {
                throw ScriptError("no body in \(json)")
            }
            (name, body) = first
        }
        let before = count(name)
        requests.append((name, body))
        requestEXI.append((requestSchema, name, exi))
        let action = override?(name, before) ?? .json(isHandshake ? handshakeAnswer() : respond(name, body))
        switch action {
        case .silent: return
        case .wire(let bytes): _ = bytes.withUnsafeBytes { toEVCC.push(RawSpan(_unsafeBytes: $0)) }
        case .exi(let bytes): push(bytes)
        case .json(let text):
            responseJSON.append((isHandshake ? .app : schema, text))
            let bytes = try EXITool.encode(isHandshake ? .app : schema, json: try JSONParser.parse(text))
            push(bytes)
        }
    }

    func push(_ exi: [UInt8]) {
        let bytes = Self.frame(exi)
        _ = bytes.withUnsafeBytes { toEVCC.push(RawSpan(_unsafeBytes: $0)) }
    }

    /// A V2GTP frame (EXI payload type) around `exi`.
    static func frame(_ exi: [UInt8]) -> [UInt8] {
        let n = UInt32(exi.count)
        return [0x01, 0xFE, 0x80, 0x01, UInt8(n >> 24), UInt8(n >> 16 & 0xFF), UInt8(n >> 8 & 0xFF), UInt8(n & 0xFF)] + exi
    }

    /// The EXI of the answer to `name` (our codec), for tests that send it more than once.
    func encodedAnswer(_ name: String) throws -> [UInt8] {
        try EXITool.encode(schema, json: try JSONParser.parse(respond(name, requests.last!.json)))
    }

    func handshakeAnswer() -> String {
        if let schemaID {
            return #"{"supportedAppProtocolRes": {"ResponseCode": "OK_SuccessfulNegotiation", "SchemaID": \#(schemaID)}}"#
        }
        return #"{"supportedAppProtocolRes": {"ResponseCode": "Failed_NoNegotiation"}}"#
    }

    // MARK: - The simulated EVSE's answers

    func respond(_ name: String, _ request: JSONValue, code: String = "OK") -> String {
        let din = schema == .din
        var body: String
        let status = #"{"EVSEIsolationStatus": "\#(isolation)", "EVSEStatusCode": "\#(statusCode)", "NotificationMaxDelay": 0, "EVSENotification": "None"}"#
        switch name {
        case "SessionSetupReq":
            body = din
                ? #""SessionSetupRes": {"ResponseCode": "\#(code == "OK" ? "OK_NewSessionEstablished" : code)", "EVSEID": "49A89A6360", "DateTimeNow": 1795394892}"#
                : #""SessionSetupRes": {"ResponseCode": "\#(code == "OK" ? "OK_NewSessionEstablished" : code)", "EVSEID": "UK123E1234", "EVSETimeStamp": 1795394943}"#
        case "ServiceDiscoveryReq":
            body = din
                ? #""ServiceDiscoveryRes": {"ResponseCode": "\#(code)", "PaymentOptions": {"PaymentOption": ["ExternalPayment"]}, "ChargeService": {"ServiceTag": {"ServiceID": 1, "ServiceCategory": "EVCharging"}, "FreeService": false, "EnergyTransferType": "DC_extended"}}"#
                : #""ServiceDiscoveryRes": {"ResponseCode": "\#(code)", "PaymentOptionList": {"PaymentOption": ["ExternalPayment"]}, "ChargeService": {"ServiceID": 1, "ServiceName": "AC_DC_Charging", "ServiceCategory": "EVCharging", "FreeService": false, "SupportedEnergyTransferMode": {"EnergyTransferMode": ["DC_extended"]}}}"#
        case "ServicePaymentSelectionReq", "PaymentServiceSelectionReq":
            body = #""\#(name.dropLast(3))Res": {"ResponseCode": "\#(code)"}"#
        case "ContractAuthenticationReq", "AuthorizationReq":
            let ongoing = count(name) <= authorizationOngoingRounds
            body = #""\#(name.dropLast(3))Res": {"ResponseCode": "\#(code)", "EVSEProcessing": "\#(ongoing ? "Ongoing" : "Finished")"}"#
        case "ChargeParameterDiscoveryReq":
            let schedule = din
                ? #""SAScheduleList": {"SAScheduleTuple": [{"SAScheduleTupleID": 1, "PMaxSchedule": {"PMaxScheduleID": 0, "PMaxScheduleEntry": [{"RelativeTimeInterval": {"start": 0, "duration": 3600}, "PMax": 200}]}}]}"#
                : #""SAScheduleList": {"SAScheduleTuple": [{"SAScheduleTupleID": 1, "PMaxSchedule": {"PMaxScheduleEntry": [{"RelativeTimeInterval": {"start": 0, "duration": 86400}, "PMax": \#(pv(maxWatts, "W"))}]}}]}"#
            body = #""ChargeParameterDiscoveryRes": {"ResponseCode": "\#(code)", "EVSEProcessing": "Finished", \#(schedule), "DC_EVSEChargeParameter": {"DC_EVSEStatus": \#(status), "EVSEMaximumCurrentLimit": \#(pv(maxAmps, "A")), "EVSEMaximumPowerLimit": \#(pv(maxWatts, "W")), "EVSEMaximumVoltageLimit": \#(pv(maxVolts, "V")), "EVSEMinimumCurrentLimit": \#(pv(0, "A")), "EVSEMinimumVoltageLimit": \#(pv(50, "V")), "EVSEPeakCurrentRipple": \#(pv(2, "A"))}}"#
        case "CableCheckReq":
            let ongoing = count(name) <= cableCheckOngoingRounds
            body = #""CableCheckRes": {"ResponseCode": "\#(code)", "DC_EVSEStatus": \#(status), "EVSEProcessing": "\#(ongoing ? "Ongoing" : "Finished")"}"#
        case "PreChargeReq":
            let target = value(request["EVTargetVoltage"])
            presentVolts = presentVolts < target ? min(target, presentVolts + prechargeStepVolts) : target
            body = #""PreChargeRes": {"ResponseCode": "\#(code)", "DC_EVSEStatus": \#(status), "EVSEPresentVoltage": \#(pv(presentVolts, "V"))}"#
        case "PowerDeliveryReq":
            let stopping = din ? request["ReadyToChargeState"] == .bool(false) : request["ChargeProgress"] == .string("Stop")
            if stopping { presentAmps = 0 }
            let evseStatus = #""DC_EVSEStatus": \#(status)"#
            body = #""PowerDeliveryRes": {"ResponseCode": "\#(code)", \#(evseStatus)}"#
        case "CurrentDemandReq":
            presentVolts = min(value(request["EVTargetVoltage"]), maxVolts)
            presentAmps = min(value(request["EVTargetCurrent"]), maxAmps)
            let extra = din ? "" : #", "EVSEID": "UK123E1234", "SAScheduleTupleID": 1, "ReceiptRequired": false"#
            body = #""CurrentDemandRes": {"ResponseCode": "\#(code)", "DC_EVSEStatus": \#(status), "EVSEPresentVoltage": \#(pv(presentVolts, "V")), "EVSEPresentCurrent": \#(pv(presentAmps, "A")), "EVSECurrentLimitAchieved": false, "EVSEVoltageLimitAchieved": false, "EVSEPowerLimitAchieved": false, "EVSEMaximumVoltageLimit": \#(pv(maxVolts, "V")), "EVSEMaximumCurrentLimit": \#(pv(maxAmps, "A")), "EVSEMaximumPowerLimit": \#(pv(maxWatts, "W"))\#(extra)}"#
        case "WeldingDetectionReq":
            presentVolts *= 0.3
            body = #""WeldingDetectionRes": {"ResponseCode": "\#(code)", "DC_EVSEStatus": \#(status), "EVSEPresentVoltage": \#(pv(presentVolts, "V"))}"#
        case "SessionStopReq":
            body = #""SessionStopRes": {"ResponseCode": "\#(code)"}"#
        default:
            body = #""SessionStopRes": {"ResponseCode": "FAILED_SequenceError"}"#
        }
        return #"{"V2G_Message": {"Header": {"SessionID": "\#(sessionID)"}, "Body": {\#(body)}}}"#
    }

    /// A PhysicalValue in Josev's JSON (multiplier chosen so the value fits an xs:short).
    func pv(_ x: Double, _ unit: String) -> String {
        var m = 0
        var v = x
        while abs(v.rounded()) > 32767 { v /= 10; m += 1 }
        return #"{"Multiplier": \#(m), "Unit": "\#(unit)", "Value": \#(Int(v.rounded()))}"#
    }

    func value(_ json: JSONValue?) -> Double {
        guard case .number(let v)? = json?["Value"], case .number(let m)? = json?["Multiplier"],
              let value = Double(v), let multiplier = Double(m) else { return 0 }
        return value * pow(10, multiplier)
    }
}

struct ScriptError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
