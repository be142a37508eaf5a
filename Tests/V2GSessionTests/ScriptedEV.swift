import AppHandshakeJSON
import CoreTypes
import DIN70121JSON
import EXI
import EXIJSON
import EXITool
import Foundation
import ISO15118_2JSON
import V2GTP

/// The car in the in-process sessions (test code): a DC EIM session driven step by step, each request
/// built from the JSON Josev's EVCC sent in its recorded session (samples/corpus) with our session id
/// and the battery's values filled in, encoded by `encode` (our EXI encoder by default, Josev's codec
/// when a test pre-encodes). It plays the car's part of the plant too: it closes its contactors once
/// the inlet is within 20 V of the battery (ADVANTICS EVCC default, v2g-session.md §2) and opens them
/// when the current is ≤ 1 A after PowerDelivery(stop).
final class ScriptedEV {
    enum Step: Int, Comparable {
        case handshake, sessionSetup, serviceDiscovery, serviceDetail, payment, authorization, chargeParameters,
             cableCheck, preCharge, powerDeliveryStart, currentDemand, powerDeliveryStop, weldingDetection,
             sessionStop, done, failed
        static func < (a: Step, b: Step) -> Bool { a.rawValue < b.rawValue }
    }

    let schema: EXISchema
    let protocolName: String
    private var templates: [String: JSONValue] = [:]
    private(set) var step = Step.handshake
    private(set) var sessionID = "00"
    /// Request name and the answer's name + response code, in order.
    private(set) var exchanges: [(request: String, answer: String, code: String)] = []
    private(set) var lastAnswer: Answer?
    private(set) var currentDemands = 0
    /// The number of CurrentDemand requests before PowerDelivery(stop).
    var chargeLoops = 40
    var targetAmps = 50.0
    var targetVolts = 440.0
    var maxVolts = 450.0
    var maxAmps = 150.0
    /// Gap between a loop answer and the next request.
    var loopInterval = Nanoseconds.milliseconds(100)
    /// Stop sending after this step (the EV goes silent).
    var silentAfter: Step?
    /// How requests are encoded (our encoder by default).
    var encode: (EXISchema, JSONValue) -> [UInt8]? = { schema, json in try? EXITool.encode(schema, json: json) }
    /// Called with each request's JSON before it is encoded (tests change fields).
    var edit: ((Step, JSONValue) -> JSONValue)?
    private var waiting = false
    private var matched = 0
    private var sendAt = MonotonicInstant.zero
    private var lastSent: [UInt8] = []

    init(schema: EXISchema) {
        self.schema = schema
        protocolName = schema == .din ? "urn:din:70121:2012:MsgDef" : "urn:iso:15118:2:2013:MsgDef"
        let file = schema == .din ? "din-session.jsonl" : "iso2-dc-session.jsonl"
        for m in SharedFiles.corpus(file) where m.direction == "sent" {
            guard let body = m.json["V2G_Message"]?["Body"] else { continue }
            if m.message == "PowerDeliveryReq" {
                let start = schema == .din ? body["PowerDeliveryReq"]?["ReadyToChargeState"] == .bool(true)
                    : body["PowerDeliveryReq"]?["ChargeProgress"] == .string("Start")
                templates[start ? "PowerDeliveryReq.start" : "PowerDeliveryReq.stop"] = m.json
            } else if templates[m.message] == nil {
                templates[m.message] = m.json
            }
        }
    }

    var corpusFound: Bool { templates.count >= 10 }
    var finished: Bool { step == .done || step == .failed }

    /// One tick of the car: read the SECC's answers, act on the plant, send the next request when due.
    func tick(_ bench: SECCBench) {
        for payload in bench.responses() {
            waiting = false
            receive(payload, bench)
        }
        if step >= .powerDeliveryStop, bench.plant.vehicleContactorsClosed, abs(bench.plant.meter.measurement.amps) <= 1 {
            bench.plant.openVehicleContactors()
        }
        if !waiting, !finished, bench.now >= sendAt {
            if let silentAfter, step > silentAfter { return }
            guard let bytes = request(bench) else {
                step = .failed
                return
            }
            lastSent = bytes
            bench.send(bytes)
            waiting = true
        }
    }

    /// The bytes of the last request sent.
    var lastRequestBytes: [UInt8] { lastSent }

    private func receive(_ payload: [UInt8], _ bench: SECCBench) {
        let answer = Answer(schema: step == .handshake ? .app : schema, bytes: payload)
        guard let answer else {
            exchanges.append(("\(step)", "undecodable", ""))
            step = .failed
            return
        }
        lastAnswer = answer
        exchanges.append(("\(step)", answer.name, answer.responseCode))
        if answer.responseCode.hasPrefix("FAILED") || answer.responseCode == "Failed_NoNegotiation" {
            step = .failed
            return
        }
        var delay = Nanoseconds.zero
        switch step {
        case .handshake: step = .sessionSetup
        case .sessionSetup:
            sessionID = answer.sessionID
            step = .serviceDiscovery
        case .serviceDiscovery: step = schema == .iso2 ? .serviceDetail : .payment
        case .serviceDetail: step = .payment
        case .payment: step = .authorization
        case .authorization:
            if answer.ongoing { delay = loopInterval } else { step = .chargeParameters }
        case .chargeParameters:
            if answer.ongoing { delay = loopInterval } else { step = .cableCheck }
        case .cableCheck:
            if answer.ongoing { delay = loopInterval } else { step = .preCharge }
        case .preCharge:
            let present = answer.physical("EVSEPresentVoltage") ?? 0
            // Two answers in a row within 20 V: the inlet has settled (a car does not close on a
            // voltage that is still moving).
            matched = abs(present - bench.plant.batteryVolts) <= 20 ? matched + 1 : 0
            if matched >= 2 {
                bench.plant.closeVehicleContactors()
                step = .powerDeliveryStart
            } else {
                delay = .milliseconds(50)
            }
        case .powerDeliveryStart: step = .currentDemand
        case .currentDemand:
            currentDemands += 1
            delay = loopInterval
            if currentDemands >= chargeLoops { step = .powerDeliveryStop }
        case .powerDeliveryStop: step = .weldingDetection
        case .weldingDetection:
            if (answer.physical("EVSEPresentVoltage") ?? 0) < 60 { step = .sessionStop } else { delay = loopInterval }
        case .sessionStop: step = .done
        case .done, .failed: break
        }
        sendAt = bench.now + delay
    }

    /// The request for the current step.
    private func request(_ bench: SECCBench) -> [UInt8]? {
        if step == .handshake {
            let entry: JSONValue = .object([("ProtocolNamespace", .string(protocolName)), ("VersionNumberMajor", .number("2")),
                                            ("VersionNumberMinor", .number("0")), ("SchemaID", .number("1")), ("Priority", .number("1"))])
            return encode(.app, .object([("supportedAppProtocolReq", .object([("AppProtocol", .array([entry]))]))]))
        }
        guard var json = message(for: step, bench) else { return nil }
        json = json.setting(["V2G_Message", "Header", "SessionID"], to: .string(sessionID))
        if let edit { json = edit(step, json) }
        return encode(schema, json)
    }

    private func message(for step: Step, _ bench: SECCBench) -> JSONValue? {
        let din = schema == .din
        let body = ["V2G_Message", "Body"]
        switch step {
        case .sessionSetup: return templates["SessionSetupReq"]
        case .serviceDiscovery: return templates["ServiceDiscoveryReq"]
        case .serviceDetail:
            return templates["ServiceDiscoveryReq"]?.setting(body, to: .object([("ServiceDetailReq", .object([("ServiceID", .number("1"))]))]))
        case .payment: return templates[din ? "ServicePaymentSelectionReq" : "PaymentServiceSelectionReq"]
        case .authorization: return templates[din ? "ContractAuthenticationReq" : "AuthorizationReq"]
        case .chargeParameters:
            let p = body + ["ChargeParameterDiscoveryReq", "DC_EVChargeParameter"]
            return templates["ChargeParameterDiscoveryReq"]?
                .setting(p + ["EVMaximumVoltageLimit"], to: .physical(maxVolts, "V"))
                .setting(p + ["EVMaximumCurrentLimit"], to: .physical(maxAmps, "A"))
        case .cableCheck: return templates["CableCheckReq"]
        case .preCharge:
            let p = body + ["PreChargeReq"]
            return templates["PreChargeReq"]?
                .setting(p + ["EVTargetVoltage"], to: .physical(bench.plant.batteryVolts.rounded(), "V"))
                .setting(p + ["EVTargetCurrent"], to: .physical(1, "A"))
        case .powerDeliveryStart: return templates["PowerDeliveryReq.start"]
        case .currentDemand:
            let p = body + ["CurrentDemandReq"]
            return templates["CurrentDemandReq"]?
                .setting(p + ["EVTargetVoltage"], to: .physical(targetVolts, "V"))
                .setting(p + ["EVTargetCurrent"], to: .physical(targetAmps, "A"))
                .setting(p + ["EVMaximumVoltageLimit"], to: .physical(maxVolts, "V"))
                .setting(p + ["EVMaximumCurrentLimit"], to: .physical(maxAmps, "A"))
        case .powerDeliveryStop: return templates["PowerDeliveryReq.stop"]
        case .weldingDetection: return templates["WeldingDetectionReq"]
        case .sessionStop: return templates["SessionStopReq"]
        case .handshake, .done, .failed: return nil
        }
    }

    /// The requests sent, as their names (for messages in the test output).
    var flow: String { exchanges.map { "\($0.request)→\($0.code)" }.joined(separator: " ") }
}
