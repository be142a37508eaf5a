import Contracts
import Drivers
import SimBoard
import ChargerAssembly
import Boards
import Buffers
import ControlLoop
import HAL
import HomePlugAV
import Runtime
@testable import SLAC
import Testing

/// An EVSE on a scripted link: every frame the test injects, every frame it answers.
final class ScriptedEVSE {
    let clock = ManualClock()
    let loop: TickLoop
    let link = SimulatedEthernetLink(interface: "evse", macAddress: evseHostMAC, etherType: HomePlugFrame.etherType)
    let evse: SlacMatcher
    let peer: ScriptedPeer

    init() {
        loop = TickLoop(period: .milliseconds(1), clock: clock, waiter: SimulatedWaiter(clock: clock))
        let pump = FramePump(name: "plc", link: link)
        evse = SlacMatcher(port: SlacPort(hostMAC: evseHostMAC, received: pump.received, transmit: pump.transmit), random: .seeded(11))
        loop.addSource(pump)
        loop.addController(evse)
        peer = ScriptedPeer(link: link)
        loop.run(ticks: 2)
        peer.inject(HomePlugFrame(destination: evseHostMAC, source: evseModemMAC, message: .setKeyConfirm(SetKeyConfirm(result: 1))))
        evse.facts.pilot.present(.b)
        loop.run(ticks: 3)
        _ = peer.sent()
    }

    func from(_ ev: MACAddress, _ m: HomePlugMessage) { peer.inject(HomePlugFrame(destination: evseHostMAC, source: ev, message: m)) }

    /// PARM.REQ, START_ATTEN_CHAR, one sound with its profile.
    func sound(_ ev: MACAddress, run: RunID, attenuation: UInt8) {
        from(ev, .slacParmRequest(SlacParmRequest(runID: run)))
        loop.run(ticks: 2)
        from(ev, .startAttenCharIndication(StartAttenCharIndication(numberOfSounds: 1, timeOut: 6, forwardingStation: ev, runID: run)))
        from(ev, .mnbcSoundIndication(MNBCSoundIndication(count: 0, runID: run)))
        peer.inject(HomePlugFrame(destination: evseHostMAC, source: evseModemMAC,
                                  message: .attenProfileIndication(AttenProfileIndication(pevMAC: ev, groups: AttenuationGroups(count: 58, repeating: attenuation)))))
        loop.run(ticks: 2)
    }
}

@Suite struct SlacMatcherSessions {
    /// Cross-talk: two EVs characterised in parallel, each answered on its own; the one that asks for
    /// the key gets it, and the other's later MATCH.REQ is ignored.
    @Test func twoEVsInParallelOnlyOneMatches() {
        let s = ScriptedEVSE()
        let ev1 = MACAddress(0x02, 0, 0, 0, 0x0E, 0x11), ev2 = MACAddress(0x02, 0, 0, 0, 0x0E, 0x22)
        let run1 = RunID(rawValue: 1), run2 = RunID(rawValue: 2)
        s.sound(ev1, run: run1, attenuation: 30)
        s.sound(ev2, run: run2, attenuation: 12)
        let answers = s.peer.sent()
        let indications = answers.filter { $0.message.mmType == .attenCharIndication }.map(\.destination)
        #expect(Set(indications) == [ev1, ev2])
        s.from(ev2, .attenCharResponse(AttenCharResponse(sourceAddress: ev2, runID: run2)))
        s.from(ev1, .attenCharResponse(AttenCharResponse(sourceAddress: ev1, runID: run1)))
        s.loop.run(ticks: 2)
        s.from(ev2, .slacMatchRequest(SlacMatchRequest(pevMAC: ev2, evseMAC: evseHostMAC, runID: run2)))
        s.loop.run(ticks: 2)
        #expect(s.evse.phase == .matched(ev2))
        s.from(ev1, .slacMatchRequest(SlacMatchRequest(pevMAC: ev1, evseMAC: evseHostMAC, runID: run1)))
        s.from(ev2, .slacMatchRequest(SlacMatchRequest(pevMAC: ev2, evseMAC: evseHostMAC, runID: run2))) // repeated: answered again
        s.loop.run(ticks: 2)
        let confirms = s.peer.sent().filter { $0.message.mmType == .slacMatchConfirm }.map(\.destination)
        #expect(confirms == [ev2, ev2])
        #expect(s.evse.phase == .matched(ev2))
    }

    /// A repeated CM_SLAC_PARM.REQ with the same EV and RunID restarts that run ([V2G3-A09-16]);
    /// requests with another application or security type are ignored.
    @Test func repeatedParmRequestRestartsTheRun() {
        let s = ScriptedEVSE()
        let ev = MACAddress(0x02, 0, 0, 0, 0x0E, 0x33), run = RunID(rawValue: 3)
        var secure = SlacParmRequest(runID: run)
        secure.securityType = 1
        s.from(ev, .slacParmRequest(secure))
        s.loop.run(ticks: 2)
        #expect(s.peer.sent().isEmpty)
        s.from(ev, .slacParmRequest(SlacParmRequest(runID: run)))
        s.loop.run(ticks: 300)
        s.from(ev, .slacParmRequest(SlacParmRequest(runID: run)))
        s.loop.run(ticks: 300) // 600 ms after the first CNF, within TT_match_sequence of the second
        #expect(s.peer.sent().filter { $0.message.mmType == .slacParmConfirm }.count == 2)
        #expect(s.evse.phase == .matching)
        s.loop.run(ticks: 150) // the restarted TT_match_sequence (400 ms) runs out
        #expect(s.evse.port.drainEvents().contains(.failed(.noStartAttenChar, final: false)))
        #expect(s.evse.phase == .waitingForRequest)
    }

    /// Garbage and frames of other protocols on the link are counted, never acted on.
    @Test func malformedFramesAreCountedAndIgnored() {
        let s = ScriptedEVSE()
        var junk = [UInt8](repeating: 0xFF, count: 40)
        junk[12] = 0x88; junk[13] = 0xE1; junk[14] = 0x01; junk[15] = 0x64; junk[16] = 0x60; junk[17] = 0; junk[18] = 0
        _ = Array(junk.prefix(25)).withUnsafeBytes { s.link.backend.inject(RawSpan(_unsafeBytes: $0)) } // PARM.REQ cut short
        var unknown = junk
        unknown[15] = 0x34; unknown[16] = 0x61
        _ = unknown.withUnsafeBytes { s.link.backend.inject(RawSpan(_unsafeBytes: $0)) }
        s.loop.run(ticks: 3)
        #expect(s.evse.port.malformedFrames == 0) // the twin pads short frames to 60: a REQ with junk RunID is valid
        #expect(s.evse.port.unusableFrames == 1)
        var mmv = junk
        mmv[14] = 0x07
        _ = mmv.withUnsafeBytes { s.link.backend.inject(RawSpan(_unsafeBytes: $0)) }
        s.loop.run(ticks: 3)
        #expect(s.evse.port.malformedFrames == 1)
    }
}
