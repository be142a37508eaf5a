import Contracts
import ControlLoop
import ControlPilot
import CoreTypes
import CPHelperProtocol
import ESP32CPEmulator
import Foundation
import MallocCounting
import PowerDrivers
import PowerPath
import Testing
import TestSupport

/// An isolation monitor for these benches (the helper has none): self-test passes after 200 ms,
/// then 5 MΩ every 100 ms while monitoring.
final class BenchIsolationMonitor: IsolationMonitor {
    private(set) var reading = IsolationReading()
    private var selfTestEnds: MonotonicInstant?
    private var selfTestAsked = false
    private var nextReading = MonotonicInstant.zero

    func startMonitoring() { reading.monitoring = true }
    func stopMonitoring() {
        reading.monitoring = false
        reading.valid = false
    }
    func startSelfTest() {
        selfTestAsked = true
        reading.selfTest = .running
        reading.valid = false
    }

    func step(_ now: MonotonicInstant) {
        if selfTestAsked {
            selfTestAsked = false
            selfTestEnds = now + .milliseconds(200)
        }
        if let ends = selfTestEnds {
            guard now >= ends else { return }
            selfTestEnds = nil
            reading.selfTest = .passed
            nextReading = now
        }
        guard reading.monitoring, now >= nextReading else { return }
        reading = IsolationReading(ohms: 5_000_000, valid: true, at: now, monitoring: true, selfTest: reading.selfTest)
        nextReading = now + .milliseconds(100)
    }
}

/// Plays the protocol layer and the car for the helper benches: cable check → precharge to the
/// battery → (the car closes its contactors) → charge → stop (the car opens at ≤ 1 A) → welding check.
final class HelperSessionScript: TickController {
    enum Stage: Equatable { case waiting, cableCheck, precharge, charging, stopping, weldingCheck, finished, failed }
    let name = "helper-session"
    let facts: ChargerFacts
    let imd = BenchIsolationMonitor()
    let dcStage: () -> EmulatedDCStage
    var chargeFor = Nanoseconds.seconds(2)
    var chargeVolts = 420.0, chargeAmps = 30.0
    private(set) var stage = Stage.waiting
    private(set) var request = PowerRequest(ev: EVLimits(maxVolts: 450, maxAmps: 50))
    private var stageSince = MonotonicInstant.zero
    private(set) var log: [String] = []
    var startAt: MonotonicInstant?

    init(facts: ChargerFacts, dcStage: @escaping () -> EmulatedDCStage) {
        self.facts = facts
        self.dcStage = dcStage
    }

    func tick(_ context: TickContext) {
        let now = context.now
        imd.step(now)
        let status = facts.power.value
        let mine = status.sequence == request.sequence
        if mine, status.outcome.fault != nil, stage != .failed, stage != .waiting, stage != .finished {
            note(now, "power path failed: \(status.outcome)")
            stage = .failed
        }
        let passed = mine && status.outcome == .passed
        switch stage {
        case .waiting:
            if let startAt, now >= startAt { ask(.cableCheck, .cableCheck, now) }
        case .cableCheck:
            if passed { ask(.precharge(targetVolts: dcStage().batteryVolts), .precharge, now) }
        case .precharge:
            if passed {
                dcStage().batteryConnected = true
                note(now, "car: contactors closed")
                ask(.charge(targetVolts: chargeVolts, targetAmps: chargeAmps), .charging, now)
            }
        case .charging:
            if now - stageSince >= chargeFor { ask(.stop, .stopping, now) }
        case .stopping:
            if dcStage().batteryConnected, dcStage().outputAmps <= 1 {
                dcStage().batteryConnected = false
                note(now, "car: contactors opened")
            }
            if passed { ask(.weldingCheck, .weldingCheck, now) }
        case .weldingCheck:
            if passed {
                ask(.idle, .finished, now)
            }
        case .finished, .failed:
            break
        }
        if startAt != nil { facts.powerRequest.publish(request, context) }
    }

    func safeStop(_ reason: StopReason) -> SafeStopReport { SafeStopReport(name, ["stage \(stage)"]) }

    private func ask(_ step: PowerStep, _ next: Stage, _ now: MonotonicInstant) {
        request.sequence &+= 1
        request.step = step
        stage = next
        stageSince = now
        note(now, "request #\(request.sequence): \(step)")
    }

    func note(_ now: MonotonicInstant, _ text: String) {
        let dc = dcStage()
        log.append("\(now.nanoseconds / 1_000_000) ms  \(text)  [module \(oneDecimal(dc.outputVolts)) V \(oneDecimal(dc.outputAmps)) A, "
                   + "dc \(dc.state), contactor \(dc.contactorClosed ? "closed" : "open")]")
    }
}

/// The ESP32 helper's R3/R4 DC supply and contactor (esp32-cp-uart.md §11) behind the power-path
/// contracts, driven by `PowerPathController` over a real pty against the emulated firmware: the CP
/// link frames and decodes every line, the power channel gets the DC ones. 1 ms manual-clock ticks
/// with the emulator stepped in between: assertions are on facts and counts, never wall time.
final class HelperPowerBench {
    let facts = ChargerFacts()
    let bench: PtyBench
    let channel: ESP32PowerChannel
    let supply: ESP32DCSupply
    let contactors: ESP32Contactors
    let meter: ESP32OutputMeter
    let script: HelperSessionScript
    let controller: PowerPathController

    init(revision: ESP32CPEmulator.Revision = .r4) throws {
        bench = try PtyBench(revision: revision, facts: facts)
        channel = ESP32PowerChannel(transmit: bench.pump.transmit,
                                    configuration: ESP32PowerConfiguration(revision: revision == .r3 ? .r3 : .r4))
        supply = ESP32DCSupply(channel: channel)
        contactors = ESP32Contactors(channel: channel)
        meter = ESP32OutputMeter(channel: channel)
        bench.link.powerSink = channel
        let emulatorRef = bench
        script = HelperSessionScript(facts: facts, dcStage: { emulatorRef.emulator.dcStage })
        controller = PowerPathController(facts: facts, supply: supply, contactors: contactors,
                                         isolationMonitor: script.imd, meter: meter)
        bench.loop.addSource(channel)
        bench.loop.addController(script)
        bench.loop.addController(controller)
    }

    var dc: EmulatedDCStage { bench.emulator.dcStage }
    var power: PowerPathStatus { facts.power.value }

    /// Plugged in, SLAC-ready, the car in C: the session may start.
    func connectVehicle() -> Bool {
        guard bench.plugIn() else { return false }
        bench.emulator.vehicle = .c
        bench.step(300)
        script.startAt = bench.clock.now()
        return bench.pilot.state == .c
    }

    /// Steps until `done` or `limit` ticks; returns whether `done` held.
    func run(limit: Int, until done: () -> Bool) -> Bool {
        for _ in 0..<limit {
            if done() { return true }
            bench.step()
        }
        return done()
    }
}

@Suite(.serialized) struct ESP32PowerPathOverPty {
    @Test func cableCheckPrechargeChargeStopWeldingCheck() throws {
        let b = try HelperPowerBench(revision: .r4)
        try #require(b.connectVehicle())
        var peakAmps = 0.0
        let finished = b.run(limit: 30_000) {
            peakAmps = max(peakAmps, b.meter.measurement.amps)
            return b.script.stage == .finished || b.script.stage == .failed
        }
        print(b.script.log.joined(separator: "\n"))
        #expect(finished && b.script.stage == .finished, "\(b.script.log.joined(separator: "\n"))")
        b.bench.step(300)
        #expect(b.power.phase == .idle && b.power.outcome.fault == nil)
        // The firmware's DC state machine did the work: modules off, contactor open, the output bled.
        #expect(b.dc.state == .idle && !b.dc.contactorClosed && b.dc.outputVolts < 60)
        #expect(b.supply.readback.isOff && b.contactors.status.isOpen && b.contactors.status.fault == nil)
        #expect(peakAmps > 25, "the charge reached the requested current (peak \(peakAmps) A)")
        #expect(b.channel.rpcErrors == 0 && b.bench.link.badLines == 0 && b.bench.link.fault == nil)
        #expect(b.dc.ignoreControlPilot == false && b.dc.hardwareMode) // the driver's start configuration
        let methods = Set(b.bench.emulator.commandsReceived.compactMap { line -> String? in
            (try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])?["method"] as? String
        })
        #expect(methods.isSuperset(of: ["dc.cfg", "sys.set_mode", "dc.set", "dc.enable", "dc.status", "contactor.set", "contactor.check"]))
    }

    /// The modules trip mid-charge: the supply reads `tripped`, the power path's safe stop switches
    /// it off (`dc.estop`) and opens the contactor; the car's side sees no current.
    @Test func moduleFaultMidChargeIsASafeStop() throws {
        let b = try HelperPowerBench(revision: .r4)
        try #require(b.connectVehicle())
        try #require(b.run(limit: 20_000) { b.power.phase == .charging && b.meter.measurement.amps > 10 })
        b.dc.moduleFault = true
        let faultTick = b.bench.tick
        var safeStopTick: Int?
        let stopped = b.run(limit: 3_000) {
            if safeStopTick == nil, b.power.phase == .safeStop { safeStopTick = b.bench.tick }
            return b.power.phase == .safeStop && b.contactors.status.isOpen
        }
        print("module fault: safe stop \((safeStopTick ?? -1) - faultTick) ticks (1 ms) after the trip, contactor open confirmed after \(b.bench.tick - faultTick)")
        print(b.script.log.joined(separator: "\n"))
        #expect(stopped, "phase \(b.power.phase), outcome \(b.power.outcome)")
        #expect(b.power.outcome == .failed(.supplyTrip))
        #expect(b.supply.readback.fault == .tripped)
        #expect(!b.dc.contactorClosed && b.dc.outputAmps == 0)
        #expect(b.bench.emulator.commandsReceived.contains { $0.contains("\"dc.estop\"") })
    }

    /// The helper's own E-stop input mid-charge: the firmware stops the modules and opens the contactor
    /// at once; the host reads an E_STOP it did not ask for as a trip and goes to the safe stop.
    @Test func helperEmergencyStopInput() throws {
        let b = try HelperPowerBench(revision: .r4)
        try #require(b.connectVehicle())
        try #require(b.run(limit: 20_000) { b.power.phase == .charging && b.meter.measurement.amps > 10 })
        b.dc.pressEmergencyStop()
        let pressed = b.bench.tick
        let stopped = b.run(limit: 3_000) { b.power.phase == .safeStop && b.contactors.status.isOpen && b.supply.readback.isOff }
        print("helper E-stop input: safe stop with supply off and contactor open confirmed \(b.bench.tick - pressed) ticks (1 ms) after the press")
        #expect(stopped, "phase \(b.power.phase), outcome \(b.power.outcome)")
        #expect(b.power.outcome == .failed(.supplyTrip))
        #expect(b.dc.state == .eStop && !b.dc.contactorClosed && b.dc.outputAmps == 0)
    }

    /// A contactor that does not close: the cable check's close times out, named, supply never on.
    @Test func contactorThatDoesNotClose() throws {
        let b = try HelperPowerBench(revision: .r4)
        b.dc.contactorFault = .doesNotClose
        try #require(b.connectVehicle())
        let failed = b.run(limit: 5_000) { b.power.outcome.fault != nil }
        #expect(failed)
        #expect(b.power.outcome == .failed(.contactorDidNotClose))
        b.bench.step(300)
        #expect(b.dc.outputVolts < 1 && !b.dc.state.isPowered)
        #expect(b.supply.readback.isOff)
    }

    /// A contactor that welds: after the stop the welding check sees the aux contact closed (and the
    /// battery's voltage on the modules' terminals) and names it.
    @Test func weldedContactorIsReported() throws {
        let b = try HelperPowerBench(revision: .r4)
        try #require(b.connectVehicle())
        try #require(b.run(limit: 20_000) { b.power.phase == .charging && b.meter.measurement.amps > 10 })
        b.dc.contactorFault = .welded
        let failed = b.run(limit: 20_000) { b.power.outcome.fault != nil }
        print(b.script.log.joined(separator: "\n"))
        print("welded: \(b.power.phase), \(b.power.outcome), contactors \(b.contactors.status.position)")
        #expect(failed)
        #expect(b.power.outcome == .failed(.contactorWelded) || b.power.outcome == .failed(.voltageDidNotDecay))
        #expect(b.contactors.status.fault == .welded)
        #expect(b.supply.readback.isOff)
    }

    /// The helper goes silent mid-charge (a cut wire, a hung UART): no `dc.status` reply within the
    /// timeout reads `communicationLost`, the meter goes stale, and the power path stops safely; the
    /// helper's own firmware then sees no CP change, so the emulated modules are stopped by the
    /// `dc.estop` queued for when it listens again — here the test checks what the host decided.
    @Test func silentHelperMidChargeIsASafeStop() throws {
        let b = try HelperPowerBench(revision: .r4)
        try #require(b.connectVehicle())
        try #require(b.run(limit: 20_000) { b.power.phase == .charging && b.meter.measurement.amps > 10 })
        b.bench.emulator.silent = true
        let stopped = b.run(limit: 3_000) { b.power.phase == .safeStop }
        // The CP link's liveness (300 ms) usually names it first (a pilot fault); the supply's own
        // reply timeout (600 ms) follows.
        #expect(stopped)
        #expect(b.power.outcome.fault != nil)
        #expect(b.contactors.status.commandedClosed == false)
        b.bench.step(700)
        print("silent helper: \(b.power.outcome), supply fault \(String(describing: b.supply.readback.fault)), contactors \(b.contactors.status.fault.map { "\($0)" } ?? "ok")")
        #expect(b.supply.readback.fault == .communicationLost)
        #expect(b.contactors.status.fault == .ioFailed)
        // The commands reached the helper (it only stopped talking): modules stopped, contactor open.
        #expect(!b.dc.contactorClosed && b.dc.outputAmps == 0)
    }

    /// SIGTERM mid-charge: the loop stops and never pumps again. The CP link writes its safe state
    /// straight to the tty (clearing the queue), the power path queues supply off and contactor open,
    /// and the channel's own safe stop (registered last) writes `dc.estop` and `contactor.set off`
    /// to the port at once: the firmware stops the modules and opens the contactor with no further
    /// host tick.
    @Test func loopSafeStopReachesTheHelperWithoutAnotherTick() throws {
        let b = try HelperPowerBench(revision: .r4)
        b.channel.safeStopPort = b.bench.pump.port
        b.bench.loop.addController(b.channel)
        try #require(b.connectVehicle())
        try #require(b.run(limit: 20_000) { b.power.phase == .charging && b.meter.measurement.amps > 10 })
        var reports: [String] = []
        for controller in [b.bench.pilot as any TickController, b.controller, b.channel] {
            reports.append(controller.safeStop(.signal(15)).description)
        }
        print(reports.joined(separator: "\n"))
        #expect(reports.last?.contains("dc.estop and contactor.set off written") == true)
        for _ in 0..<300 { b.bench.stepFarSide() } // the firmware only: the host loop has stopped
        #expect(b.dc.state == .eStop && !b.dc.contactorClosed && b.dc.outputAmps == 0)
        #expect(b.bench.emulator.mode == .manual && b.bench.emulator.outputDuty == 100) // CP +12 V too
    }

    /// A board file that says r4 on a helper running the reference firmware: every DC call is
    /// `unknown_method`, no `dc.status` result ever comes: the cable check fails before any power
    /// (the meter never measured), and the supply then reads `communicationLost`.
    @Test func helperWithoutDCCallsIsALostSupply() throws {
        let b = try HelperPowerBench(revision: .r1)
        try #require(b.connectVehicle())
        let failed = b.run(limit: 5_000) { b.power.outcome.fault != nil }
        print("r1 helper driven as r4: \(b.power.outcome), \(b.channel.rpcErrors) RPC errors, last code \(b.channel.lastErrorCode), last reply \(String(describing: b.channel.lastStatusReplyAt)), tick \(b.bench.tick), readback \(b.supply.readback)")
        #expect(failed)
        #expect(b.power.outcome == .failed(.measurementStale)) // no module measurement ever came
        b.bench.step(300)
        #expect(b.supply.readback.fault == .communicationLost)
        #expect(b.channel.rpcErrors > 0 && b.channel.lastErrorCode == -32601)
        #expect(b.dc.outputVolts == 0)
    }

    /// R3: the same calls after `sys.arm` (refused without it, error 1001), `dc.discover` for modules.
    @Test func r3ArmsBeforeSwitching() throws {
        let b = try HelperPowerBench(revision: .r3)
        try #require(b.connectVehicle())
        try #require(b.run(limit: 8_000) { b.power.phase == .cableCheck && b.contactors.status.isClosed })
        #expect(b.channel.rpcErrors == 0)
        let lines = b.bench.emulator.commandsReceived
        let arm = try #require(lines.firstIndex { $0.contains("\"sys.arm\"") })
        let set = try #require(lines.firstIndex { $0.contains("\"contactor.set\"") })
        #expect(arm < set)
    }

    /// The power channel's steady state allocates nothing: 2 000 ticks of charging with dc.status,
    /// contactor.check and dc.set lines in both directions, counted on the loop's thread.
    @Test func chargingAllocatesNothingInTheChannel() throws {
        let b = try HelperPowerBench(revision: .r4)
        try #require(b.connectVehicle())
        b.script.chargeFor = .seconds(30)
        try #require(b.run(limit: 20_000) { b.power.phase == .charging && b.meter.measurement.amps > 10 })
        b.bench.step(200)
        let sentBefore = b.channel.requestsSent
        var mallocs = 0
        for _ in 0..<2_000 {
            b.bench.stepFarSide()
            mallocs += MallocCounter.count { b.bench.runCycle() }
        }
        print("ESP32 power channel: \(mallocs) mallocs in 2000 charging ticks, \(b.channel.requestsSent - sentBefore) requests sent")
        #expect(b.channel.requestsSent - sentBefore > 30)
        #expect(mallocs == 0)
    }
}

extension HelperDCState {
    var isPowered: Bool { modulesOn }
}

extension EmulatedDCStage.State {
    var isPowered: Bool {
        switch self {
        case .softStartV, .softStartI, .running, .softStopI, .softStopV: true
        case .idle, .eStop, .fault: false
        }
    }
}
