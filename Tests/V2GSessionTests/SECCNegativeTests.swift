import AppHandshakeJSON
import Contracts
import CoreTypes
import DIN70121JSON
import EXI
import EXIJSON
import EXITool
import ISO15118_2JSON
import Testing
import TestSupport
import V2GSession
import V2GTP

/// What a broken or hostile car gets (v2g-session.md §1 "Out-of-sequence request", sdp-v2gtp.md §6.3,
/// dc-plc's robustness controls): the standard's response code or a clean close, never a crash, and
/// the power path safe afterwards.
@Suite struct SECCNegativeTests {
    static let protocols: [EXISchema] = [.din, .iso2]

    /// Runs a scripted car up to (and including the answer to) `step`.
    static func session(_ schema: EXISchema, upTo step: ScriptedEV.Step, bench: SECCBench = SECCBench()) throws -> (SECCBench, ScriptedEV) {
        let ev = ScriptedEV(schema: schema)
        try #require(ev.corpusFound)
        ev.silentAfter = step
        bench.run(60_000, ev: { ev.tick($0) }) { _ in ev.step > step || ev.finished }
        bench.run(5) { _ in false }
        try #require(ev.step > step, "\(ev.flow)")
        return (bench, ev)
    }

    /// A request in Josev's shape for the bench's session, encoded by our codec.
    static func request(_ schema: EXISchema, _ name: String, sessionID: String, body: JSONValue = .object([])) -> [UInt8] {
        let json: JSONValue = .object([("V2G_Message", .object([("Header", .object([("SessionID", .string(sessionID))])),
                                                                ("Body", .object([(name, body)]))]))])
        return try! EXITool.encode(schema, json: json)
    }

    static func answer(_ bench: SECCBench, _ schema: EXISchema) -> Answer? {
        bench.run(3) { _ in false }
        return bench.responses().last.flatMap { Answer(schema: schema, bytes: $0) }
    }

    @Test(arguments: protocols)
    func outOfOrderRequestGetsSequenceErrorAndCloses(_ schema: EXISchema) throws {
        let (bench, ev) = try Self.session(schema, upTo: .sessionSetup)
        let body: JSONValue = .object([("DC_EVStatus", .object([("EVReady", .bool(true)), ("EVErrorCode", .string("NO_ERROR")), ("EVRESSSOC", .number("50"))]))])
        bench.send(Self.request(schema, "CableCheckReq", sessionID: ev.sessionID, body: body))
        let a = try #require(Self.answer(bench, schema))
        #expect(a.name == "CableCheckRes")
        #expect(a.responseCode == "FAILED_SequenceError")
        #expect(bench.secc.session.stopReason == .sequenceError)
        #expect(bench.secc.closeRequested)
        #expect(bench.powerIsSafe)
    }

    @Test(arguments: protocols)
    func unknownSessionIDGetsUnknownSession(_ schema: EXISchema) throws {
        let (bench, _) = try Self.session(schema, upTo: .sessionSetup)
        bench.send(Self.request(schema, "ServiceDiscoveryReq", sessionID: "DEADBEEF00000001"))
        let a = try #require(Self.answer(bench, schema))
        #expect(a.name == "ServiceDiscoveryRes")
        #expect(a.responseCode == "FAILED_UnknownSession")
        #expect(bench.secc.session.stopReason == .sequenceError)
        #expect(bench.secc.closeRequested)
    }

    @Test(arguments: protocols)
    func duplicateRequestIsAnsweredWithTheSameBytes(_ schema: EXISchema) throws {
        let (bench, ev) = try Self.session(schema, upTo: .serviceDiscovery)
        let first = try #require(bench.secc.lastAnswer.kind == .serviceDiscovery ? ev.lastRequestBytes : nil)
        bench.send(first)
        bench.run(3) { _ in false }
        let again = bench.responses()
        #expect(again.count == 1)
        #expect(bench.secc.session.duplicates == 1)
        #expect(bench.secc.session.phase != .ended)
        let a = try #require(again.first.flatMap { Answer(schema: schema, bytes: $0) })
        #expect(a.name == "ServiceDiscoveryRes" && a.responseCode == "OK")
    }

    @Test(arguments: protocols)
    func corruptEXIIsCountedThenEndsTheSession(_ schema: EXISchema) throws {
        let (bench, _) = try Self.session(schema, upTo: .sessionSetup)
        var rng = FuzzRandom(seed: 0xC0FFEE)
        print("corrupt EXI seed 0xC0FFEE")
        for i in 0..<3 {
            // 0x80 0x9A then garbage: an EXI header with a body no grammar accepts.
            var bytes: [UInt8] = [0x80, 0x9A]
            for _ in 0..<20 { bytes.append(UInt8(truncatingIfNeeded: rng.next())) }
            bytes[2] = 0xFF
            bench.send(bytes)
            bench.run(3) { _ in false }
            #expect(bench.responses().isEmpty)
            #expect(bench.secc.session.decodeErrors == UInt16(i + 1))
        }
        #expect(bench.secc.session.stopReason == .decodeErrors)
        #expect(bench.secc.closeRequested)
    }

    /// A header SessionID longer than the schema's 8 bytes (hexBinary maxLength 8) breaks the schema: a counted
    /// decode error, never "a valid request beyond our bound" answered FAILED in the type of the body the previous
    /// request left in storage (the header is decoded first). Found by CI's josev-negative din-corrupt-exi with
    /// SEED=1485250042, whose third corrupt request was answered as a ServiceDiscoveryReq.
    @Test(arguments: protocols)
    func overlongSessionIDInTheHeaderIsADecodeError(_ schema: EXISchema) throws {
        let (bench, _) = try Self.session(schema, upTo: .serviceDiscovery)
        let before = bench.responses().count
        // 0x80 0x9A: EXI header and V2G_Message; then a SessionID whose length field says 8840 bytes.
        let bytes: [UInt8] = [0x80, 0x9A, 0x22, 0x11, 0x6D, 0x90, 0x59, 0x88, 0xDF, 0xE1]
        bench.send(bytes)
        bench.run(3) { _ in false }
        #expect(bench.responses().count == before, "no answer to an undecodable request")
        #expect(bench.secc.answeredBeyondBound == 0)
        #expect(bench.secc.session.decodeErrors == 1)
        #expect(bench.secc.session.phase != .ended)
    }

    @Test func badV2GTPHeaderClosesAtOnce() throws {
        let (bench, _) = try Self.session(.din, upTo: .sessionSetup)
        bench.sendRaw([0x02, 0xFD, 0x80, 0x01, 0x00, 0x00, 0x00, 0x02, 0x80, 0x9A])
        bench.run(3) { _ in false }
        #expect(bench.secc.framingError == .badVersion(0x02, inverse: 0xFD))
        #expect(bench.secc.session.stopReason == .decodeErrors)
        #expect(bench.secc.closeRequested)
        #expect(bench.responses().isEmpty)
    }

    @Test func oversizePayloadIsRefusedBeforeBuffering() throws {
        let (bench, _) = try Self.session(.iso2, upTo: .sessionSetup)
        bench.sendRaw([0x01, 0xFE, 0x80, 0x01, 0x00, 0x01, 0x86, 0xA0])  // 100 000 bytes announced
        bench.run(3) { _ in false }
        #expect(bench.secc.framingError == .payloadTooLarge(announced: 100_000, limit: 8_184))
        #expect(bench.secc.session.stopReason == .decodeErrors)
    }

    @Test func wrongPayloadTypeClosesAtOnce() throws {
        let (bench, _) = try Self.session(.din, upTo: .sessionSetup)
        bench.send([0x80, 0x9A], type: 0x8004)  // an ISO 15118-20 DC payload type on a DIN session
        bench.run(3) { _ in false }
        #expect(bench.secc.framingError == .unexpectedPayloadType(0x8004))
        #expect(bench.secc.session.phase == .ended)
    }

    @Test func noCommonProtocolGetsFailedNoNegotiation() throws {
        var configuration = SECCConfiguration()
        configuration.protocols = [.din70121]
        let bench = SECCBench(configuration: configuration)
        let ev = ScriptedEV(schema: .iso2)
        try #require(ev.corpusFound)
        bench.run(1_000, ev: { ev.tick($0) }) { _ in ev.finished }
        #expect(ev.exchanges.first?.code == "Failed_NoNegotiation")
        #expect(bench.secc.session.stopReason == .noCommonProtocol)
        #expect(bench.secc.closeRequested)
    }

    @Test(arguments: protocols)
    func evSilentInTheChargeLoopTimesOutAndStopsThePower(_ schema: EXISchema) throws {
        let (bench, _) = try Self.session(schema, upTo: .currentDemand)
        #expect(bench.facts.power.value.phase == .charging)
        // V2G_SECC_Sequence_Timeout: 60 s without a request.
        bench.run(59_000) { _ in false }
        #expect(bench.secc.session.phase == .charging)
        bench.run(2_000) { $0.secc.session.isFinished }
        #expect(bench.secc.session.stopReason == .timeout)
        #expect(bench.secc.expiredTimer == .sequence)
        // The car is gone: it opens its contactors once the current has stopped (as a car does on its own timeout).
        bench.run(3_000, ev: { b in
            if b.plant.vehicleContactorsClosed, abs(b.plant.meter.measurement.amps) <= 1 { b.plant.openVehicleContactors() }
        }) { $0.facts.power.value.phase == .idle && $0.powerIsSafe }
        #expect(bench.powerIsSafe, "power path \(bench.facts.power.value.phase) \(bench.facts.power.value.outcome)")
    }

    @Test(arguments: protocols)
    func linkLossInTheChargeLoopStopsThePower(_ schema: EXISchema) throws {
        let (bench, _) = try Self.session(schema, upTo: .currentDemand)
        bench.secc.connectionClosed(at: bench.now)
        #expect(bench.secc.session.stopReason == .linkLost)
        bench.run(3_000, ev: { b in
            if b.plant.vehicleContactorsClosed, abs(b.plant.meter.measurement.amps) <= 1 { b.plant.openVehicleContactors() }
        }) { $0.facts.power.value.phase == .idle && $0.powerIsSafe }
        #expect(bench.powerIsSafe)
    }

    @Test(arguments: protocols)
    func pilotLostInTheChargeLoopEndsTheSessionSafe(_ schema: EXISchema) throws {
        let (bench, _) = try Self.session(schema, upTo: .currentDemand)
        bench.pilot = .a
        bench.run(2) { _ in false }
        #expect(bench.secc.session.stopReason == .pilotLost)
        #expect(bench.facts.v2g.value.phase == .ended)
        bench.run(3_000) { $0.powerIsSafe }
        #expect(bench.powerIsSafe)
    }

    @Test func pilotFaultEBeforeTheChargeLoopEndsTheSession() throws {
        let (bench, _) = try Self.session(.din, upTo: .chargeParameters)
        bench.pilot = .e
        bench.run(2) { _ in false }
        #expect(bench.secc.session.stopReason == .pilotLost)
        #expect(bench.powerIsSafe)
    }
}
