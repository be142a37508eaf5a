import Boards
import ChargerAssembly
import Contracts
import ControlLoop
import CoreTypes
import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import PowerPlantSim
import Runtime
import Testing

/// The session report (issue 18 item 4): the trace keeps a fixed number of samples however long the
/// session, and the report renders as JSON a tool can read and as well-formed SVG with the three
/// series and the phase boundaries.
@Suite struct SessionReportTests {
    /// A synthetic session: `ticks` ticks through every phase, the current ramping and the SoC rising.
    static func playSession(_ trace: SessionTrace, facts: ChargerFacts, ticks: Int) {
        let order: [V2GSessionPhase] = [.handshake, .sessionSetup, .chargeParameterDiscovery, .cableCheck, .precharge,
                                        .powerDelivery, .charging, .stopping, .weldingDetection, .sessionStop, .ended]
        var t = MonotonicInstant(nanoseconds: 5_000_000_000)
        for i in 0..<ticks {
            let context = TickContext(now: t, index: UInt64(i), period: .milliseconds(1))
            var s = V2GSessionFacts()
            s.phase = order[min(order.count - 1, i * order.count / ticks)]
            s.negotiated = .iso15118_2
            s.soc = UInt8(70 + 20 * i / ticks)
            if s.phase == .ended { s.stopReason = .completed }
            facts.v2g.publish(s, context)
            let charging = s.phase == .charging
            facts.power.publish(PowerPathStatus(volts: 370 + Double(i % 100) / 10, amps: charging ? 100 : 0,
                                                setpoint: DCSetpoint(volts: 380, amps: charging ? 100 : 0)), context)
            trace.tick(context)
            t = t + .milliseconds(1)
        }
    }

    @Test func theTraceKeepsAFixedNumberOfEvenlySpacedSamples() {
        let facts = ChargerFacts()
        let trace = SessionTrace(facts: facts, capacity: 64)
        Self.playSession(trace, facts: facts, ticks: 10_000)
        let (samples, phases) = trace.snapshot()
        #expect(trace.finished == 1 && !trace.recording)
        #expect(samples.count >= 32 && samples.count <= 64, "\(samples.count) samples")
        #expect(trace.stride > 1 && trace.stride & (trace.stride - 1) == 0, "stride \(trace.stride) is a power of two")
        let gaps = Set(zip(samples, samples.dropFirst()).map { ($1.at - $0.at).count })
        #expect(gaps == [Int64(trace.stride) * 1_000_000], "evenly spaced: \(gaps)")
        #expect(phases.map(\.phase).first == .handshake && phases.map(\.phase).last == .ended)
        #expect(phases.count == 11)
    }

    @Test func theReportIsJSONAndWellFormedSVGWithTheThreeSeries() throws {
        let facts = ChargerFacts()
        let trace = SessionTrace(facts: facts, capacity: 128)
        Self.playSession(trace, facts: facts, ticks: 3_000)
        let (samples, phases) = trace.snapshot()
        var summary = ChargingSessionSummary()
        summary.negotiated = .iso15118_2
        summary.startedAt = phases[0].at
        summary.endedAt = phases.last!.at
        summary.energyWattHours = 12.5
        summary.stopReason = .completed
        summary.finalSoC = 89
        let report = SessionReport(station: "bay <3>", evseID: "DE*CKT*E0001", number: 7, summary: summary,
                                   samples: samples, phases: phases, sampleInterval: .milliseconds(Int64(trace.stride)))
        #expect(report.fileStem == "session-0007")

        let json = try #require(try JSONSerialization.jsonObject(with: Data(report.json().utf8)) as? [String: Any])
        #expect(json["station"] as? String == "bay <3>")
        #expect(json["protocol"] as? String == "ISO_15118_2")
        #expect(json["stop_reason"] as? String == "completed")
        #expect(json["final_soc"] as? Int == 89)
        let jsonPhases = try #require(json["phases"] as? [[String: Any]])
        #expect(jsonPhases.count == phases.count)
        #expect(jsonPhases.first?["phase"] as? String == "supportedAppProtocol")
        #expect(jsonPhases.first?["start_s"] as? Double == 0)
        let jsonSamples = try #require(json["samples"] as? [[String: Any]])
        #expect(jsonSamples.count == samples.count)
        for key in ["t_s", "setpoint_volts", "setpoint_amps", "volts", "amps", "soc"] {
            #expect(jsonSamples.first?[key] != nil, "sample key \(key)")
        }

        let svg = SVGSummary(report.svg())
        #expect(svg.wellFormed, "\(svg.error ?? "")")
        #expect(svg.polylineIDs.isSuperset(of: ["voltage", "current", "soc"]), "\(svg.polylineIDs)")
        #expect(svg.phaseLines == phases.map(\.phase.description), "one boundary line per phase")
        #expect(!svg.phaseLabels.isEmpty && svg.phaseLabels.count <= phases.count)
    }

    /// After SIGTERM mid-charge, the safe stop only commands; `confirmSafeStop` pumps the plant until
    /// the supply reads off and the contactors' feedback open — bounded, shown on the manual clock.
    @Test func theSafeStopIsConfirmedWithinItsBoundAndReportedWhenNot() throws {
        for welded in [false, true] {
            let board = try SimComposition.simBoard()
            let clock = SystemMonotonicClock()
            let loop = TickLoop(period: .milliseconds(1), clock: clock, waiter: PollWaiter(clock: clock))
            let charger = try Charger.open(board)
            charger.register(on: loop)
            let plant = try #require(charger.plant)
            SimComposition.run(loop, limit: 60) { charger.facts.v2g.value.phase == .charging && plant.supplyAmps > 10 }
            try #require(charger.facts.v2g.value.phase == .charging, "reached the charge loop")
            if welded { plant.inject(.contactorWelds) }
            loop.stop(.signal(SIGTERM))
            #expect(!plant.contactors.status.isOpen || !plant.supply.readback.isOff, "commanded, not yet confirmed")

            let manual = ManualClock(start: clock.now())
            let bound = Nanoseconds.seconds(3)
            let confirmation = charger.confirmSafeStop(clock: manual, period: .milliseconds(1), bound: bound) { manual.advance(by: $0) }
            print("safe stop (\(welded ? "welded contactor" : "healthy")): \(confirmation)")
            if welded {
                #expect(!confirmation.confirmed)
                #expect(confirmation.after == bound)
                #expect(confirmation.description.contains("NOT confirmed"))
            } else {
                #expect(confirmation.confirmed)
                #expect(confirmation.after < .seconds(1), "\(confirmation)")
                #expect(plant.supply.readback.isOff && plant.contactors.status.isOpen)
            }
        }
    }
}

/// What the tests need to know of an SVG document.
final class SVGSummary: NSObject, XMLParserDelegate {
    var wellFormed = false
    var error: String?
    var polylineIDs = Set<String>()
    var phaseLabels: [String] = []
    var phaseLines: [String] = []
    private var inPhases = false
    private var inText = false
    private var text = ""

    init(_ svg: String) {
        super.init()
        let parser = XMLParser(data: Data(svg.utf8))
        parser.delegate = self
        wellFormed = parser.parse()
        if !wellFormed { error = parser.parserError.map { "\($0)" } }
    }

    func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?,
                attributes: [String: String] = [:]) {
        if name == "polyline", let id = attributes["id"] { polylineIDs.insert(id) }
        if name == "line", let phase = attributes["data-phase"] { phaseLines.append(phase) }
        if name == "g" { inPhases = attributes["id"] == "phases" }
        if name == "text", inPhases { inText = true; text = "" }
    }

    func parser(_ parser: XMLParser, foundCharacters string: String) { if inText { text += string } }

    func parser(_ parser: XMLParser, didEndElement name: String, namespaceURI: String?, qualifiedName: String?) {
        if name == "text", inText { phaseLabels.append(text); inText = false }
        if name == "g" { inPhases = false }
    }
}
