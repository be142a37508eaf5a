import Contracts
import Drivers
import SimBoard
import ChargerAssembly
import Boards
import Buffers
import ControlLoop
import HAL
import HomePlugAV
import MallocCounting
import PLCModemStandIn
import Runtime
@testable import SLAC
import Testing

@Suite struct SlacMatching {
    /// Our EV and our EVSE over two modem stand-ins: both reach Matched with the same NMK/NID, the NID
    /// derived from the NMK, every message in ISO 15118-3 order and number.
    @Test func ourEVMatchesOurEVSE() {
        let p = SimulatedPowerline()
        p.evse.facts.pilot.present(.b)
        p.run(limit: 10)
        #expect(p.evse.phase == .waitingForRequest)
        p.ev.pilot = .b
        let ticks = p.run(limit: 5_000) { p.bothMatched }
        #expect(p.bothMatched)
        let evEvents = p.ev.port.drainEvents()
        let evseEvents = p.evse.port.drainEvents()
        guard case .matched(let evView)? = evEvents.last, case .matched(let evseView)? = evseEvents.last else {
            Issue.record("no match events: \(evEvents) \(evseEvents)")
            return
        }
        #expect(evView.peer == evseHostMAC && evseView.peer == evHostMAC)
        #expect(evView.nmk == evseView.nmk && evView.nid == evseView.nid)
        #expect(evseView.nid == NetworkKeys.networkID(for: evseView.nmk))
        #expect(p.evseModem.nmk == evseView.nmk && p.evModem.nmk == evseView.nmk)
        #expect(evseView.sounds == 10 && evView.sounds == 10)
        #expect(evView.attenuation >= 20 && evView.attenuation <= 40)

        let ev = p.ev.port.drainTrace(), evse = p.evse.port.drainTrace()
        #expect(ev.sent(.slacParmRequest) == 1 && ev.sent(.startAttenCharIndication) == 3 && ev.sent(.mnbcSoundIndication) == 10)
        #expect(ev.sent(.attenCharResponse) == 1 && ev.sent(.slacMatchRequest) == 1 && ev.sent(.setKeyRequest) == 1)
        #expect(evse.sent(.setKeyRequest) == 1 && evse.sent(.slacParmConfirm) == 1 && evse.sent(.attenCharIndication) == 1)
        #expect(evse.sent(.slacMatchConfirm) == 1)
        #expect(evse.received(.attenProfileIndication) == 10 && evse.received(.mnbcSoundIndication) == 10)
        // The EV waits out TT_EV_atten_results (1200 ms) before choosing; the rest is a few ticks per hop.
        print("simulated match: \(ticks) ticks of 1 ms from pilot B to both matched")
        #expect(ticks >= 1_200 && ticks < 1_300)
    }

    /// No EVSE answers: PARM.REQ is repeated C_EV_match_retry times per attempt, C_conn_max_match
    /// attempts TT_matching_rate apart, then the EV reports a final failure.
    @Test func evRetriesThenFails() {
        let p = SimulatedPowerline()
        p.run(limit: 10) // key setup; the EVSE stays at A and never answers
        p.ev.pilot = .b
        let ticks = p.run(limit: 12_000) { if case .failed = p.ev.phase { return true } else { return false } }
        let trace = p.ev.port.drainTrace()
        #expect(trace.sent(.slacParmRequest) == 3 * (1 + SlacTiming.matchRetries))
        #expect(p.ev.phase == .failed(.noParmConfirm))
        let events = p.ev.port.drainEvents().filter { if case .failed = $0 { return true } else { return false } }
        #expect(events == [.failed(.noParmConfirm, final: false), .failed(.noParmConfirm, final: false), .failed(.noParmConfirm, final: true)])
        // 3 × (3 × TT_match_response) + 2 × TT_matching_rate = 2600 ms.
        print("EV gave up after \(ticks) ticks")
        #expect(ticks >= 2_600 && ticks < 2_620)
    }

    /// Without CM_SLAC_PARM.REQ the EVSE gives up after TT_EVSE_SLAC_init (40 s).
    @Test func evseWaitsSlacInitThenFails() {
        let p = SimulatedPowerline()
        p.evse.facts.pilot.present(.b)
        let ticks = p.run(limit: 45_000) { if case .failed = p.evse.phase { return true } else { return false } }
        #expect(p.evse.phase == .failed(.noSlacRequest))
        #expect(ticks >= 40_000 && ticks < 40_010)
        #expect(p.evse.port.drainEvents().last == .failed(.noSlacRequest, final: true))
    }

    /// The pilot leaving B/C/D ends the session: the EVSE sets a new key ([V2G3-M09-17]) and both
    /// match again on the next plug-in, with the new key — allocating nothing per tick.
    @Test func pilotLeavingEndsTheSessionAndRekeys() {
        let p = SimulatedPowerline()
        p.evse.facts.pilot.present(.b)
        p.ev.pilot = .b
        p.run(limit: 5_000) { p.bothMatched }
        let first = p.evse.nmk
        p.ev.pilot = .a
        p.evse.facts.pilot.present(.a)
        p.run(limit: 20)
        #expect(p.ev.port.drainEvents().last == .left)
        let evseEvents = p.evse.port.drainEvents()
        #expect(evseEvents.contains(.left))
        #expect(p.evse.phase == .idle && p.ev.phase == .idle)
        #expect(p.evse.nmk != first && p.evseModem.nmk == p.evse.nmk)
        p.evse.facts.pilot.present(.b)
        p.ev.pilot = .b
        var ticks = 0
        let mallocs = MallocCounter.count { ticks = p.run(limit: 5_000) { p.bothMatched } }
        #expect(p.bothMatched)
        guard case .matched(let m)? = p.ev.port.drainEvents().last else { Issue.record("EV did not match again"); return }
        #expect(m.nmk == p.evse.nmk)
        print("zero-allocation (SLAC): \(ticks) ticks of a whole match, \(mallocs) mallocs")
        #expect(mallocs == 0)
    }

    /// An EVSE that answers nothing after sounding: the EV fails the attempt after TT_EV_atten_results;
    /// an EVSE whose ATTEN_CHAR.IND is never acknowledged repeats it C_EV_match_retry times.
    @Test func evseRepeatsAttenCharThenFails() {
        let link = SimulatedEthernetLink(interface: "evse", macAddress: evseHostMAC, etherType: HomePlugFrame.etherType)
        let pump = FramePump(name: "plc", link: link)
        let evse = SlacMatcher(port: SlacPort(hostMAC: evseHostMAC, received: pump.received, transmit: pump.transmit), random: .seeded(3))
        let clock = ManualClock()
        let loop = TickLoop(period: .milliseconds(1), clock: clock, waiter: SimulatedWaiter(clock: clock))
        loop.addSource(pump)
        loop.addController(evse)
        let peer = ScriptedPeer(link: link)
        loop.run(ticks: 2)
        peer.inject(HomePlugFrame(destination: evseHostMAC, source: evseModemMAC, message: .setKeyConfirm(SetKeyConfirm(result: 1))))
        evse.facts.pilot.present(.b)
        loop.run(ticks: 3)
        let run = RunID(rawValue: 42)
        peer.inject(HomePlugFrame(destination: .broadcast, source: evHostMAC, message: .slacParmRequest(SlacParmRequest(runID: run))))
        loop.run(ticks: 3)
        peer.inject(HomePlugFrame(destination: .broadcast, source: evHostMAC,
                                  message: .startAttenCharIndication(StartAttenCharIndication(numberOfSounds: 2, timeOut: 6, forwardingStation: evHostMAC, runID: run))))
        for _ in 0..<2 {
            peer.inject(HomePlugFrame(destination: .broadcast, source: evHostMAC, message: .mnbcSoundIndication(MNBCSoundIndication(count: 0, runID: run))))
            peer.inject(HomePlugFrame(destination: evseHostMAC, source: evseModemMAC,
                                      message: .attenProfileIndication(AttenProfileIndication(pevMAC: evHostMAC, groups: AttenuationGroups(count: 58, repeating: 30)))))
        }
        loop.run(ticks: 1_000)
        let sent = peer.sent().map(\.message.mmType)
        #expect(sent.filter { $0 == .attenCharIndication }.count == 1 + SlacTiming.matchRetries)
        #expect(evse.port.drainEvents().contains(.failed(.noAttenCharResponse, final: false)))
        // restartAfterFailure: waiting for the next CM_SLAC_PARM.REQ.
        #expect(evse.phase == .waitingForRequest)
    }

    /// pyslac's example EV, frame for frame (slac.md §11.3–11.4): 2 sounds, 3-group profiles it fakes
    /// itself, an RSP it does not wait for, MVFLength big-endian and its own MAC as EVSE MAC.
    @Test func evseMatchesPyslacStyleEV() {
        let link = SimulatedEthernetLink(interface: "evse", macAddress: evseHostMAC, etherType: HomePlugFrame.etherType)
        let pump = FramePump(name: "plc", link: link)
        let evse = SlacMatcher(port: SlacPort(hostMAC: evseHostMAC, received: pump.received, transmit: pump.transmit), random: .seeded(4))
        let clock = ManualClock()
        let loop = TickLoop(period: .milliseconds(1), clock: clock, waiter: SimulatedWaiter(clock: clock))
        loop.addSource(pump)
        loop.addController(evse)
        let peer = ScriptedPeer(link: link)
        loop.run(ticks: 2)
        peer.inject(HomePlugFrame(destination: evseHostMAC, source: evseModemMAC, message: .setKeyConfirm(SetKeyConfirm(result: 1))))
        evse.facts.pilot.present(.b)
        loop.run(ticks: 5)
        // The example EV's unsolicited SET_KEY.CNF (result 0) arrives late and is ignored.
        peer.inject(HomePlugFrame(destination: SlacConstants.localModem, source: evHostMAC, message: .setKeyConfirm(SetKeyConfirm(result: 0))))
        peer.inject(HomePlugFrame(destination: .broadcast, source: evHostMAC, message: .slacParmRequest(SlacParmRequest(runID: .zero))))
        loop.run(ticks: 2)
        peer.inject(HomePlugFrame(destination: .broadcast, source: evHostMAC,
                                  message: .startAttenCharIndication(StartAttenCharIndication(numberOfSounds: 2, timeOut: 100, forwardingStation: .zero, runID: .zero))))
        var three = AttenuationGroups(count: 3, repeating: 0)
        three[0] = 40; three[1] = 36; three[2] = 40
        for _ in 0..<2 {
            peer.inject(HomePlugFrame(destination: .broadcast, source: evHostMAC, message: .mnbcSoundIndication(MNBCSoundIndication(count: 2, runID: .zero))))
            loop.run(ticks: 100)
            peer.inject(HomePlugFrame(destination: evHostMAC, source: SlacConstants.localModem,
                                      message: .attenProfileIndication(AttenProfileIndication(pevMAC: evHostMAC, groups: three))))
            loop.run(ticks: 100)
        }
        peer.inject(HomePlugFrame(destination: evHostMAC, source: evHostMAC, message: .attenCharResponse(AttenCharResponse(sourceAddress: evHostMAC, runID: .zero))))
        loop.run(ticks: 200)
        var match = SlacMatchRequest(pevMAC: evHostMAC, evseMAC: evHostMAC, runID: .zero)
        match.mvfLength = SlacMatchRequest.byteSwappedLength
        peer.inject(HomePlugFrame(destination: evHostMAC, source: evHostMAC, message: .slacMatchRequest(match)))
        loop.run(ticks: 3)
        #expect(evse.phase == .matched(evHostMAC))
        #expect(evse.quirks.contains([.byteSwappedMVFLength, .evseMACIsPEVMAC, .nonStandardGroupCount]))
        let frames = peer.sent()
        guard let ind = frames.first(where: { $0.message.mmType == .attenCharIndication }),
              case .attenCharIndication(let m) = ind.message else { Issue.record("no ATTEN_CHAR.IND"); return }
        #expect(m.numberOfSounds == 2 && m.groups.count == 58 && m.groups[0] == 40 && m.groups[1] == 36 && m.groups[10] == 38)
        #expect(frames.contains { $0.message.mmType == .slacMatchConfirm && $0.destination == evHostMAC })
    }

    /// Cross-talk: two EVSEs answer the sounds; the EV answers both and asks the quieter line's EVSE
    /// (lowest attenuation) for the key; EVSEs above the 40 dB threshold are never chosen.
    @Test(arguments: [(20, 30, 1), (35, 25, 2), (45, 50, 0)])
    func evChoosesTheLoudestEVSE(first: Int, second: Int, expected: Int) {
        let link = SimulatedEthernetLink(interface: "ev", macAddress: evHostMAC, etherType: HomePlugFrame.etherType)
        let pump = FramePump(name: "plc", link: link)
        var c = SlacRequester.Configuration()
        c.maximumAttempts = 1
        let ev = SlacRequester(port: SlacPort(hostMAC: evHostMAC, received: pump.received, transmit: pump.transmit), configuration: c, random: .seeded(5))
        let clock = ManualClock()
        let loop = TickLoop(period: .milliseconds(1), clock: clock, waiter: SimulatedWaiter(clock: clock))
        loop.addSource(pump)
        loop.addController(ev)
        let peer = ScriptedPeer(link: link)
        ev.pilot = .b
        loop.run(ticks: 3)
        let evse1 = MACAddress(0x02, 0, 0, 0, 0x5E, 0x11), evse2 = MACAddress(0x02, 0, 0, 0, 0x5E, 0x22)
        for e in [evse1, evse2] {
            peer.inject(HomePlugFrame(destination: evHostMAC, source: e,
                                      message: .slacParmConfirm(SlacParmConfirm(numberOfSounds: 10, timeOut: 6, forwardingStation: evHostMAC, runID: ev.runID))))
        }
        loop.run(ticks: 400)
        for (e, a) in [(evse1, first), (evse2, second)] {
            peer.inject(HomePlugFrame(destination: evHostMAC, source: e,
                                      message: .attenCharIndication(AttenCharIndication(sourceAddress: evHostMAC, runID: ev.runID, numberOfSounds: 10,
                                                                                        groups: AttenuationGroups(count: 58, repeating: UInt8(a))))))
        }
        loop.run(ticks: 1_000)
        let frames = peer.sent()
        #expect(frames.filter { $0.message.mmType == .attenCharResponse }.count == 2)
        let requests = frames.filter { $0.message.mmType == .slacMatchRequest }.map(\.destination)
        switch expected {
        case 1: #expect(requests.first == evse1)
        case 2: #expect(requests.first == evse2)
        default:
            #expect(requests.isEmpty)
            #expect(ev.phase == .failed(.attenuationTooHigh))
        }
    }

    /// Optional validation ([V2G3-A09-51]): "ready", then the B↔C toggles seen during TT_EVSE_vald_toggle.
    @Test func evseCountsValidationToggles() {
        let link = SimulatedEthernetLink(interface: "evse", macAddress: evseHostMAC, etherType: HomePlugFrame.etherType)
        let pump = FramePump(name: "plc", link: link)
        var c = SlacMatcher.Configuration()
        c.validation = true
        let evse = SlacMatcher(port: SlacPort(hostMAC: evseHostMAC, received: pump.received, transmit: pump.transmit), configuration: c, random: .seeded(6))
        let clock = ManualClock()
        let loop = TickLoop(period: .milliseconds(1), clock: clock, waiter: SimulatedWaiter(clock: clock))
        loop.addSource(pump)
        loop.addController(evse)
        let peer = ScriptedPeer(link: link)
        loop.run(ticks: 2)
        peer.inject(HomePlugFrame(destination: evseHostMAC, source: evseModemMAC, message: .setKeyConfirm(SetKeyConfirm(result: 1))))
        evse.facts.pilot.present(.b)
        loop.run(ticks: 3)
        let run = RunID(rawValue: 7)
        peer.inject(HomePlugFrame(destination: .broadcast, source: evHostMAC, message: .slacParmRequest(SlacParmRequest(runID: run))))
        loop.run(ticks: 2)
        peer.inject(HomePlugFrame(destination: .broadcast, source: evHostMAC,
                                  message: .startAttenCharIndication(StartAttenCharIndication(numberOfSounds: 1, timeOut: 6, forwardingStation: evHostMAC, runID: run))))
        peer.inject(HomePlugFrame(destination: evseHostMAC, source: evseModemMAC,
                                  message: .attenProfileIndication(AttenProfileIndication(pevMAC: evHostMAC, groups: AttenuationGroups(count: 58, repeating: 22)))))
        loop.run(ticks: 3)
        peer.inject(HomePlugFrame(destination: evseHostMAC, source: evHostMAC, message: .attenCharResponse(AttenCharResponse(sourceAddress: evHostMAC, runID: run))))
        peer.inject(HomePlugFrame(destination: evseHostMAC, source: evHostMAC, message: .validateRequest(ValidateRequest(timer: 0, result: 1))))
        loop.run(ticks: 3)
        peer.inject(HomePlugFrame(destination: evseHostMAC, source: evHostMAC, message: .validateRequest(ValidateRequest(timer: 1, result: 1))))
        loop.run(ticks: 20)
        evse.facts.pilot.present(.c)
        loop.run(ticks: 50)
        evse.facts.pilot.present(.b)
        loop.run(ticks: 200)
        let confirms = peer.sent().compactMap { f -> ValidateConfirm? in if case .validateConfirm(let v) = f.message { v } else { nil } }
        #expect(confirms.map(\.result) == [.ready, .success])
        #expect(confirms.last?.toggleCount == 2)
    }
}
