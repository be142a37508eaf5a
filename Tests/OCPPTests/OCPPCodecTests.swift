import OCPP16
import Testing
import TestSupport

@Suite struct OCPPCodecTests {
    /// CALL, CALLRESULT and CALLERROR as OCPP-J 1.6 §4.2 shows them, both ways.
    @Test func framesRoundTrip() throws {
        let call = try OCPPFrame.decode(#"[2, "19223201", "BootNotification", {"chargePointVendor": "VendorX", "chargePointModel": "SingleSocketCharger"}]"#)
        #expect(call == .call(id: "19223201", action: "BootNotification",
                              payload: .object([("chargePointVendor", .string("VendorX")), ("chargePointModel", .string("SingleSocketCharger"))])))
        #expect(try OCPPFrame.decode(call.text) == call)
        let result = try OCPPFrame.decode(#"[3,"19223201",{"currentTime":"2013-02-01T20:53:32.486Z","interval":300,"status":"Accepted"}]"#)
        guard case .result(_, let p) = result else { Issue.record("not a result"); return }
        let boot = try CentralSystemAnswer.boot(p)
        #expect(boot.status == "Accepted" && boot.interval == 300)
        let error = OCPPFrame.error(id: "7", code: .notImplemented, description: "no", details: .object([]))
        #expect(error.text == #"[4,"7","NotImplemented","no",{}]"#)
        #expect(try OCPPFrame.decode(error.text) == error)
    }

    /// Bad input is a typed error, never a crash: not JSON, not a frame, a bad id, a malformed CALL.
    @Test func badFramesAreTypedErrors() {
        #expect(throws: OCPPFrameError.self) { try OCPPFrame.decode("[2, \"1\", \"Heartbeat\"") }
        #expect(throws: OCPPFrameError.notAFrame) { try OCPPFrame.decode("{}") }
        #expect(throws: OCPPFrameError.badID) { try OCPPFrame.decode(#"[2, 5, "Heartbeat", {}]"#) }
        #expect(throws: OCPPFrameError.unknownMessageType(9)) { try OCPPFrame.decode(#"[9, "1", {}]"#) }
        #expect(throws: OCPPFrameError.malformed(id: "1", type: 2)) { try OCPPFrame.decode(#"[2, "1", "Heartbeat", []]"#) }
        let deep = String(repeating: "[", count: 100) + String(repeating: "]", count: 100)
        #expect(throws: OCPPFrameError.notJSON(.tooDeep(at: 33))) { try OCPPFrame.decode(deep) }
    }

    /// The central system's requests decode to typed values; a schema violation is the CALLERROR the
    /// spec names (§4.2.3).
    @Test func centralSystemRequests() throws {
        let profile: JSON = try JSON.parse(#"{"connectorId":1,"csChargingProfiles":{"chargingProfileId":7,"transactionId":4711,"stackLevel":1,"chargingProfilePurpose":"TxProfile","chargingProfileKind":"Relative","chargingSchedule":{"chargingRateUnit":"A","chargingSchedulePeriod":[{"startPeriod":0,"limit":30.0},{"startPeriod":60,"limit":10}]}}}"#)
        let r = try CentralSystemRequest.decode(action: "SetChargingProfile", payload: profile)
        guard case let .setChargingProfile(1, p) = r else { Issue.record("\(r)"); return }
        #expect(p.purpose == .txProfile && p.transactionId == 4711 && p.periods.count == 2)
        #expect(p.limit(afterSeconds: 0) == 30 && p.limit(afterSeconds: 61) == 10)
        #expect(try CentralSystemRequest.decode(action: "Reset", payload: JSON.parse(#"{"type":"Hard"}"#)) == .reset(hard: true))
        #expect(try CentralSystemRequest.decode(action: "GetConfiguration", payload: .object([])) == .getConfiguration(keys: nil))
        #expect(throws: OCPPCallError.self) { try CentralSystemRequest.decode(action: "Reset", payload: JSON.parse(#"{"type":"Warm"}"#)) }
        do {
            _ = try CentralSystemRequest.decode(action: "RemoteStopTransaction", payload: .object([("transactionId", .string("x"))]))
            Issue.record("accepted a string id")
        } catch { #expect(error.code == .typeConstraintViolation) }
        do {
            _ = try CentralSystemRequest.decode(action: "DataTransfer", payload: .object([]))
        } catch { #expect(error.code == .notImplemented) }
        let longTag = try JSON.parse(#"{"idTag":"123456789012345678901"}"#)
        do {
            _ = try CentralSystemRequest.decode(action: "RemoteStartTransaction", payload: longTag)
            Issue.record("accepted a 21-character idTag")
        } catch { #expect(error.code == .propertyConstraintViolation) }
    }

    /// Our requests encode with the fields the schemas name, and decode back (the offline queue file).
    @Test func chargePointRequestsRoundTrip() throws {
        let messages: [ChargePointRequest] = [
            .bootNotification(vendor: "ChargeKit", model: "ChargeKit-DC", firmwareVersion: "0.1", serialNumber: nil),
            .heartbeat,
            .statusNotification(connectorId: 1, errorCode: .noError, status: .preparing, timestamp: "2026-12-06T23:00:00.000Z"),
            .authorize(idTag: "CK-TAG-0001"),
            .startTransaction(connectorId: 1, idTag: "CK-TAG-0001", meterStart: 12, timestamp: "2026-12-06T23:00:01.000Z"),
            .meterValues(connectorId: 1, transactionId: 4711, timestamp: "2026-12-06T23:00:02.000Z",
                         samples: [SampledValue(value: "12.5", measurand: "Energy.Active.Import.Register", unit: "Wh")]),
            .stopTransaction(transactionId: 4711, meterStop: 90, timestamp: "2026-12-06T23:00:03.000Z", reason: .remote, idTag: "CK-TAG-0001"),
        ]
        for m in messages {
            let text = m.payload.text
            #expect(try ChargePointRequest.decode(action: m.action, payload: JSON.parse(text)) == m, "\(text)")
        }
        #expect(messages[4].payload.text == #"{"connectorId":1,"idTag":"CK-TAG-0001","meterStart":12,"timestamp":"2026-12-06T23:00:01.000Z"}"#)
        // A message queued before StartTransaction.conf takes the transaction id when it arrives.
        let provisional = ChargePointRequest.stopTransaction(transactionId: -1, meterStop: 1, timestamp: "t", reason: nil, idTag: nil)
        #expect(provisional.withTransactionId(9) == .stopTransaction(transactionId: 9, meterStop: 1, timestamp: "t", reason: nil, idTag: nil))
    }

    @Test func dateTimeIsRFC3339UTC() {
        #expect(OCPPDateTime.format(unixMilliseconds: 0) == "1970-01-01T00:00:00.000Z")
        #expect(OCPPDateTime.format(unixMilliseconds: 1_359_751_412_486) == "2013-02-01T20:43:32.486Z")
        #expect(OCPPDateTime.format(unixMilliseconds: 951_782_400_000) == "2000-02-29T00:00:00.000Z")
    }

    @Test func jsonStringsEscapeAndUnescape() throws {
        let s = "quote \" backslash \\ newline \n tab \t bell \u{07} é 🚗"
        #expect(try JSON.parse(JSON.string(s).text) == .string(s))
        #expect(try JSON.parse(#""\ud83d\ude97""#) == .string("🚗"))
        #expect(throws: JSONError.self) { try JSON.parse(#""\ud83d""#) }
    }

    /// Random mutations of valid frames: the decoder returns a frame or a typed error, never traps.
    /// Seed: OCPP_FUZZ_SEED (printed).
    @Test func fuzzedFramesNeverTrap() {
        let seed = FuzzSeed.value("OCPP_FUZZ_SEED", default: 0x0C99_2016)
        var rng = FuzzRandom(seed: seed)
        let corpus = [
            #"[2,"1","SetChargingProfile",{"connectorId":1,"csChargingProfiles":{"chargingProfileId":7,"stackLevel":1,"chargingProfilePurpose":"TxProfile","chargingProfileKind":"Relative","chargingSchedule":{"chargingRateUnit":"A","chargingSchedulePeriod":[{"startPeriod":0,"limit":30.5}]}}}]"#,
            #"[2,"2","GetConfiguration",{"key":["HeartbeatInterval"]}]"#,
            #"[3,"3",{"transactionId":4711,"idTagInfo":{"status":"Accepted"}}]"#,
            #"[4,"4","GenericError","\u00e9",{}]"#,
        ]
        var decoded = 0, refused = 0
        for _ in 0..<20_000 {
            var bytes = Array(corpus[Int(rng.next() % UInt64(corpus.count))].utf8)
            for _ in 0..<(1 + Int(rng.next() % 4)) {
                let i = Int(rng.next() % UInt64(bytes.count))
                switch rng.next() % 3 {
                case 0: bytes[i] = UInt8(truncatingIfNeeded: rng.next())
                case 1: bytes.remove(at: i)
                default: bytes.insert(bytes[Int(rng.next() % UInt64(bytes.count))], at: i)
                }
                if bytes.isEmpty { bytes = [0x5B] }
            }
            let text = String(decoding: bytes, as: UTF8.self)
            do {
                let f = try OCPPFrame.decode(text)
                if case let .call(_, action, payload) = f { _ = try? CentralSystemRequest.decode(action: action, payload: payload) }
                decoded += 1
            } catch { refused += 1 }
        }
        print("OCPP frame fuzz: seed 0x\(String(seed, radix: 16)) (OCPP_FUZZ_SEED), \(decoded) decoded, \(refused) refused")
        #expect(decoded + refused == 20_000)
    }
}
