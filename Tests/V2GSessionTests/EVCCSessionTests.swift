import Contracts
import CoreTypes
import EXITool
import Testing
import V2G
import V2GSession

/// Whole sessions of our EVCC against the scripted SECC under the manual clock, DIN 70121 and
/// ISO 15118-2: the DC EIM sequence from the car's side, driven by the battery to its target SoC.
@Suite struct EVCCSessionTests {
    static let dinFlow = ["supportedAppProtocolReq", "SessionSetupReq", "ServiceDiscoveryReq", "ServicePaymentSelectionReq",
                          "ContractAuthenticationReq", "ChargeParameterDiscoveryReq", "CableCheckReq", "CableCheckReq",
                          "PreChargeReq", "PreChargeReq", "PreChargeReq", "PowerDeliveryReq"]
    static let iso2Flow = ["supportedAppProtocolReq", "SessionSetupReq", "ServiceDiscoveryReq", "PaymentServiceSelectionReq",
                           "AuthorizationReq", "ChargeParameterDiscoveryReq", "CableCheckReq", "CableCheckReq",
                           "PreChargeReq", "PreChargeReq", "PreChargeReq", "PowerDeliveryReq"]

    @Test(arguments: [EXISchema.din, .iso2])
    func wholeSessionChargesToTheTarget(_ schema: EXISchema) throws {
        let h = EVCCHarness(schema)
        try h.run()
        let s = h.evcc.session
        #expect(s.stopReason == .completed)
        #expect(s.isCompleteSession)
        #expect(s.negotiated == (schema == .din ? .din70121 : .iso15118_2))
        #expect(s.sessionID == 0x4A2F_34FB_3D3A_E9A0)
        #expect(h.battery.soc >= 82)
        #expect(!h.evcc.contactorsClosed)
        #expect(h.evcc.closeRequested)
        let names = h.secc.names
        #expect(Array(names.prefix(12)) == (schema == .din ? Self.dinFlow : Self.iso2Flow))
        let loop = names.dropFirst(12).prefix { $0 == "CurrentDemandReq" }.count
        #expect(loop > 100)
        #expect(Array(names.suffix(names.count - 12 - loop).prefix(1)) == ["PowerDeliveryReq"])
        #expect(names.last == "SessionStopReq")
        #expect(names.filter { $0 == "WeldingDetectionReq" }.count >= 1)
        #expect(Int(s.currentDemands) == loop)
        #expect(s.requests == s.responses)
        #expect(Int(s.requests) == names.count)
        // The car asked for what the battery wanted, and the loop's SoC went up.
        let socs = h.exchanges.filter { $0.kind == .currentDemand }.map(\.soc)
        #expect(socs.first! < socs.last!)
        print("EVCC \(schema): \(names.count) requests, \(loop) CurrentDemand, SoC \(h.battery.parameters.initialSoC) → \(h.battery.soc) %, "
              + "\(Int(h.battery.deliveredWattHours)) Wh in \(h.clock.now() - MonotonicInstant(nanoseconds: 1_000_000_000))")
    }

    /// PowerDeliveryReq(Start) carries ChargeProgress Start, the SECC's schedule and a ChargingProfile
    /// capped by the battery; Stop carries ChargeProgress Stop (ISO 15118-2 §8.4.3.9).
    @Test func iso2PowerDeliveryCarriesTheProfile() throws {
        let h = EVCCHarness(.iso2)
        try h.run()
        let deliveries = h.secc.requests.filter { $0.name == "PowerDeliveryReq" }.map(\.json)
        try #require(deliveries.count == 2)
        #expect(deliveries[0]["ChargeProgress"] == .string("Start"))
        #expect(deliveries[0]["SAScheduleTupleID"] == .number("1"))
        #expect(deliveries[0]["ChargingProfile"]?["ProfileEntry"] != nil)
        #expect(deliveries[1]["ChargeProgress"] == .string("Stop"))
        #expect(deliveries[1]["ChargingProfile"] == nil)
    }

    /// DIN: ReadyToChargeState true then false (a boolean, v2g-session.md §3 #9).
    @Test func dinPowerDeliveryReadyToCharge() throws {
        let h = EVCCHarness(.din)
        try h.run()
        let deliveries = h.secc.requests.filter { $0.name == "PowerDeliveryReq" }.map(\.json)
        try #require(deliveries.count == 2)
        #expect(deliveries[0]["ReadyToChargeState"] == .bool(true))
        #expect(deliveries[1]["ReadyToChargeState"] == .bool(false))
    }

    /// The car closes its contactors only after precharge matched: never before PowerDeliveryRes(Start).
    @Test func contactorsCloseAfterPrechargeAndOpenAtStop() throws {
        let h = EVCCHarness(.din)
        try h.run(until: { h.evcc.session.phase == .powerDelivery })
        #expect(!h.evcc.contactorsClosed)
        try h.tick()
        #expect(h.evcc.contactorsClosed)
        #expect(abs(h.secc.presentVolts - h.battery.terminalVolts) <= 20)
        try h.run(until: { h.evcc.session.phase == .weldingDetection })
        #expect(!h.evcc.contactorsClosed)
    }

    /// Ongoing loops repeat the same request: authorization waits for an outside decision, cable
    /// check for the IMD.
    @Test func ongoingRepeatsTheRequest() throws {
        let h = EVCCHarness(.iso2)
        h.secc.authorizationOngoingRounds = 5
        h.secc.cableCheckOngoingRounds = 7
        try h.run()
        #expect(h.evcc.session.stopReason == .completed)
        #expect(h.secc.count("AuthorizationReq") == 6)
        #expect(h.secc.count("CableCheckReq") == 8)
    }

    /// Offering both protocols, the SECC's SchemaID picks the one the car gets.
    @Test func handshakeFollowsTheSchemaID() throws {
        var c = EVCCConfiguration(protocols: [.iso15118_2, .din70121])
        c.timers = EVCCTimers()
        let h = EVCCHarness(.din, configuration: c)
        h.secc.schemaID = 2
        try h.run()
        #expect(h.evcc.session.negotiated == .din70121)
        #expect(h.evcc.session.stopReason == .completed)
        let sap = h.secc.requests[0].json["AppProtocol"]
        guard case .array(let entries)? = sap else { Issue.record("no AppProtocol"); return }
        #expect(entries.count == 2)
        #expect(entries[0]["ProtocolNamespace"] == .string("urn:iso:15118:2:2013:MsgDef"))
        #expect(entries[1]["SchemaID"] == .number("2"))
    }

    /// A car that stops right after SessionSetup (v2g-session.md §3 #9, Audi Q4) ends cleanly.
    @Test func earlySessionStopQuirk() throws {
        var c = EVCCConfiguration(protocols: [.iso15118_2])
        c.quirks.sessionStopAfter = .sessionSetup
        let h = EVCCHarness(.iso2, configuration: c)
        try h.run()
        #expect(h.secc.names == ["supportedAppProtocolReq", "SessionSetupReq", "SessionStopReq"])
        #expect(h.evcc.session.stopReason == .completed)
        #expect(!h.evcc.session.isCompleteSession)
    }

    /// The SECC's answers arrive in pieces (7 bytes per tick): messages straddle ticks and TCP
    /// segments, and the session still runs to its end; one byte per tick stalls the charge loop
    /// past its 250 ms and ends it with a timeout, cleanly.
    @Test(arguments: [EXISchema.din, .iso2])
    func answersArriveInPieces(_ schema: EXISchema) throws {
        let h = EVCCHarness(schema, configuration: EVCCHarness.shortLoop(schema), drip: 7)
        try h.run()
        #expect(h.evcc.session.stopReason == .completed)
        #expect(h.evcc.session.currentDemands == 5)
        #expect(h.evcc.session.decodeErrors == 0)

        let slow = EVCCHarness(schema, configuration: EVCCHarness.shortLoop(schema), drip: 1)
        try slow.run()
        #expect(slow.evcc.session.stopReason == .timeout)
        #expect(slow.evcc.session.phase == .ended)
        #expect(!slow.evcc.contactorsClosed)
    }

    /// The car never asks for more current than the EVSE announced (80 A here, the battery wants 150 A).
    @Test(arguments: [EXISchema.din, .iso2])
    func targetCurrentStaysWithinTheEVSELimit(_ schema: EXISchema) throws {
        let h = EVCCHarness(schema, configuration: EVCCHarness.shortLoop(schema))
        h.secc.maxAmps = 80
        try h.run()
        #expect(h.evcc.session.stopReason == .completed)
        let targets = h.exchanges.filter { $0.kind == .currentDemand }.map(\.targetAmps)
        #expect(targets.count == 5)
        #expect(targets.allSatisfy { $0 == 80 })
        #expect(h.battery.demand().targetAmps > 80)
    }

    /// The charge loop can be paced (real cars send CurrentDemandReq every 50–250 ms).
    @Test func chargeLoopInterval() throws {
        var c = EVCCConfiguration(protocols: [.din70121])
        c.chargeLoopInterval = .milliseconds(100)
        c.quirks.chargeLoopRounds = 20
        let h = EVCCHarness(.din, configuration: c)
        try h.run()
        let sent = h.exchanges.filter { $0.kind == .currentDemand }.map(\.sentAt)
        #expect(sent.count == 20)
        for (a, b) in zip(sent, sent.dropFirst()) { #expect(b - a == .milliseconds(110)) }
        #expect(h.evcc.session.stopReason == .completed)
    }
}

/// The lines `boardctl v2g --role evcc` prints, one per exchange.
@Suite struct EVCCExchangeSummaryTests {
    @Test func summaries() throws {
        var c = EVCCConfiguration(protocols: [.din70121])
        c.quirks = .simulatedEVSE
        let h = EVCCHarness(.din, configuration: c)
        try h.run()
        let lines = h.exchanges.map { $0.summary(protocol: .din70121) }
        #expect(lines.first?.hasPrefix("supportedAppProtocol OK") == true)
        #expect(lines.contains { $0.hasPrefix("SessionSetup OK_NewSessionEstablished 10.0 ms") })
        #expect(lines.contains { $0.hasPrefix("CableCheck OK") && $0.contains("Ongoing") })
        let loop = try #require(lines.first { $0.hasPrefix("CurrentDemand OK") })
        #expect(loop.contains("| EV ") && loop.contains("| EVSE "))
        #expect(h.exchanges.filter { $0.kind == .currentDemand }.count == 10)
        print(lines.prefix(14).joined(separator: "\n"))
    }
}
