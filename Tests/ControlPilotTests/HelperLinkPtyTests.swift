import Contracts
import Drivers
import SimBoard
import ChargerAssembly
import Boards
import CPHelperProtocol
import ControlPilot
import ESP32CPEmulator
import HAL
import MallocCounting
import Testing

/// The full ESP32 helper protocol through a real pseudo-terminal and the CSerial shim, against the
/// emulated firmware. `.serialized`: the suites share nothing, but each runs a tight tick loop and the
/// machine has two cores.
@Suite(.serialized) struct HelperLinkOverPty {
    @Test func plugChargeUnplugSession() throws {
        let bench = try PtyBench()
        #expect(bench.plugIn())
        #expect(bench.pilot.state == .b)
        #expect(bench.emulator.mode == .dc && bench.emulator.outputDuty == 5) // 5 % on the wire
        #expect(bench.events.map(\.event) == [.plugged, .readyForSLAC])
        bench.emulator.vehicle = .c
        #expect(bench.run(until: .evRequestsPower(ventilation: false)) != nil)
        bench.pilot.setEnergyTransfer(true)
        bench.step(500)
        bench.emulator.vehicle = .b
        #expect(bench.run(until: .evStoppedRequestingPower) != nil)
        bench.pilot.setEnergyTransfer(false)
        bench.emulator.vehicle = .a
        #expect(bench.run(until: .unplugged) != nil)
        bench.step(200)
        // Unplugged: steady +12 V (manual, PWM disabled).
        #expect(bench.emulator.mode == .manual && bench.emulator.outputDuty == 100)
        #expect(!bench.events.contains { if case .emergencyStop = $0.event { true } else { false } })
        #expect(!bench.events.contains { if case .error = $0.event { true } else { false } })
        #expect(bench.link.badLines == 0 && bench.link.fault == nil)
        // The firmware answered sys.info.
        #expect(bench.link.firmware?.firmware.description == "esp-cp-periph/0.2.0")
    }

    @Test func manualPWMAndModeSwitching() throws {
        let bench = try PtyBench()
        #expect(bench.plugIn())
        // 16 A: 26.6 % → whole percent 26 on the helper (rounded down, never more current).
        bench.pilot.requestedPWM = .currentLimit(try PilotCurrent.dutyCycle(forMilliamps: 16_000))
        bench.step(300)
        #expect(bench.emulator.mode == .manual && bench.emulator.manualEnabled && bench.emulator.manualDuty == 26)
        #expect(bench.emulator.outputDuty == 26)
        #expect(bench.link.appliedPWM == .currentLimit(DutyCycle(permille: 266)))
        #expect(!bench.link.signallingDigitalCommunication)
        bench.pilot.requestedPWM = .steadyHigh
        bench.step(300)
        #expect(bench.emulator.outputDuty == 100 && bench.link.appliedPWM == .steadyHigh)
        bench.pilot.requestedPWM = .digitalCommunication
        let ready = bench.run(until: .readyForSLAC)
        #expect(ready != nil)
        #expect(bench.emulator.mode == .dc && bench.emulator.outputDuty == 5)
        #expect(bench.link.helperErrors == 0)
    }

    @Test func pingPongAndStatusPolling() throws {
        let bench = try PtyBench()
        bench.step(1_500)
        #expect(bench.link.lastPongAt != nil)
        // Polled every 40 ms on top of the firmware's own 200 ms cadence.
        #expect(bench.link.statusFrames >= 1_500 / 40)
        #expect(!bench.link.log.elements.contains { $0.error == .pingUnanswered })
        #expect(bench.emulator.commandsReceived.contains(#"{"cmd":"ping"}"#))
    }

    @Test func firmwareWithoutPingIsNotAFault() throws {
        let bench = try PtyBench()
        bench.emulator.answersPing = false
        bench.step(1_700)
        #expect(bench.link.log.elements.contains { $0.error == .pingUnanswered })
        #expect(bench.link.fault == nil && bench.pilot.state == .a)
    }

    @Test func slacRestartHintIsNotALostHelper() throws {
        let bench = try PtyBench()
        #expect(bench.plugIn())
        let start = bench.tick
        bench.pilot.restartSLACHint(.milliseconds(400), now: bench.clock.now())
        bench.step(100)
        #expect(bench.emulator.isBlocked && bench.emulator.outputDuty == 100)
        let again = bench.run(until: .readyForSLAC, limit: 2_000)
        #expect(again != nil)
        let after = bench.eventsSince(start)
        #expect(after == [.readyForSLAC])
        #expect(bench.link.fault == nil && bench.pilot.state == .b)
    }

    @Test func garbageAndUnknownLinesAreLoggedAndIgnored() throws {
        let bench = try PtyBench()
        #expect(bench.plugIn())
        let before = bench.events.count
        bench.emulator.inject(bytes: [0xFF, 0x00, 0x13, 0x7B, 0x7B, 0x22])          // garbage, no newline
        bench.emulator.inject(line: "")                                            // then ends that line
        bench.emulator.inject(line: #"{"type":"bogus","x":1}"#)                    // unknown type
        bench.emulator.inject(line: #"{"type":"status","cp_mv":99999,"state":"E"}"#) // out of range
        bench.emulator.inject(line: #"{"type":"status","cp_mv":1300,"state":"Q"}"#) // unknown state
        bench.emulator.inject(line: String(repeating: "z", count: 2_000))          // over-long
        bench.emulator.inject(line: #"{"type":"status","cp_mv":2260"#)              // partial line
        bench.step(300)
        #expect(bench.link.badLines >= 4)
        #expect(bench.link.overlongLines == 1)
        #expect(bench.events.count == before) // none of it changed the pilot
        #expect(bench.pilot.state == .b && bench.link.fault == nil)
        let kinds = bench.link.log.elements.count
        #expect(kinds >= 5)
    }

    @Test func helperErrorRepliesAreLogged() throws {
        let bench = try PtyBench()
        bench.step(50)
        bench.link.send(.setMode(.dc), bench.clock.now())
        bench.link.send(.setPWM(duty: 10, enable: true), bench.clock.now()) // refused in DC mode
        bench.link.send(.scan, bench.clock.now())
        bench.step(100)
        #expect(bench.link.log.elements.contains { $0.error == .helperError(.modeDCAuto) })
    }

    @Test func noiseDoesNotFlap() throws {
        let bench = try PtyBench()
        #expect(bench.plugIn())
        bench.emulator.vehicle = .c
        #expect(bench.run(until: .evRequestsPower(ventilation: false)) != nil)
        let mark = bench.tick
        bench.emulator.noiseMillivolts = 200 // ±100 mV, inside the firmware's 150 mV hysteresis
        bench.step(3_000)
        #expect(bench.eventsSince(mark).isEmpty)
        #expect(bench.pilot.state == .c)
    }

    /// E during energy transfer: emergency stop in the tick the fault line is read. Prints the ticks
    /// from the fault on the wire (first status frame carrying E) to the event, and from the vehicle's
    /// change (before the firmware's burst confirmation and the next status) to the event.
    @Test func stateEDuringTransferStopsAtOnce() throws {
        let bench = try PtyBench()
        #expect(bench.startCharging())
        let injected = bench.tick
        bench.emulator.vehicle = .e
        guard let stop = bench.run(until: .emergencyStop(.shortToEarth), limit: 1_000) else {
            Issue.record("no emergency stop")
            return
        }
        guard let wire = bench.statusWrites.first(where: { $0.tick >= injected && $0.state == .e }) else {
            Issue.record("no E on the wire")
            return
        }
        let onWireToStop = stop - (wire.tick + 1) // the frame is written before cycle `wire.tick + 1`
        print("CP reaction (helper over pty): E frame on the wire → emergency stop: \(onWireToStop) ticks "
              + "(same tick); vehicle fault → emergency stop: \(stop - injected) ticks of 1 ms "
              + "(firmware burst confirmation + status poll)")
        #expect(onWireToStop == 0)
        #expect(stop - injected <= 120)
        #expect(bench.emulator.outputDuty == 100) // DC rule on the helper: E → steady +12 V
    }

    @Test func unplugDuringTransferIsPilotLost() throws {
        let bench = try PtyBench()
        #expect(bench.startCharging())
        bench.emulator.vehicle = .a
        #expect(bench.run(until: .emergencyStop(.pilotLost), limit: 1_000) != nil)
    }

    /// The reference firmware cannot report F from a connected state (its "transient low" guard
    /// ignores bursts below t0 − 150 mV while in B/C/D, §7.6), so F is put on the wire as a frame.
    @Test func stateFFrameDuringTransfer() throws {
        let bench = try PtyBench()
        #expect(bench.startCharging())
        bench.emulator.inject(line: #"{"type":"status","cp_mv":900,"cp_mv_robust":900,"state":"F","mode":"dc"}"#)
        let at = bench.tick
        let stop = bench.run(until: .emergencyStop(.unavailable), limit: 10)
        #expect(stop == at + 1) // read and acted upon in the next cycle
    }

    /// The helper stops talking: after the liveness timeout it is lost → emergency stop.
    @Test func silentHelperIsLost() throws {
        let bench = try PtyBench()
        #expect(bench.startCharging())
        let start = bench.tick
        bench.emulator.silent = true
        guard let stop = bench.run(until: .emergencyStop(.helperLost), limit: 2_000) else {
            Issue.record("no emergency stop")
            return
        }
        print("CP reaction (helper over pty): helper silent → emergency stop after \(stop - start) ticks "
              + "(liveness timeout 300 ms after the last line, polled every 40 ms)")
        #expect(stop - start >= 300 - 45 && stop - start <= 302)
        // It comes back: fault cleared once a state is confirmed again.
        bench.pilot.setEnergyTransfer(false)
        bench.emulator.silent = false
        #expect(bench.run(until: .faultCleared, limit: 2_000) != nil)
        #expect(bench.pilot.state == .c)
    }

    /// The helper reboots mid-session: it is silent while booting (lost → emergency stop), then comes
    /// back in DC mode with defaults; the link re-applies the output and ignores the first 200 ms of
    /// frames (the rebooted firmware says A until it has confirmed C), so no spurious unplug.
    @Test func helperRebootMidSession() throws {
        let bench = try PtyBench()
        #expect(bench.startCharging())
        bench.emulator.reboot(bench.clock.now())
        #expect(bench.run(until: .emergencyStop(.helperLost), limit: 1_000) != nil)
        bench.pilot.setEnergyTransfer(false)
        let lost = bench.tick
        #expect(bench.run(until: .faultCleared, limit: 3_000) != nil)
        #expect(bench.emulator.reboots == 1 && bench.pilot.state == .c)
        #expect(!bench.eventsSince(lost).contains(.unplugged))
        #expect(bench.emulator.mode == .dc && bench.emulator.outputDuty == 5)
    }

    /// The tty disappears (the far end closes): the pump records a typed error, the link reports the
    /// link down, the controller stops energy in that tick; the loop keeps running.
    @Test func ttyDisappears() throws {
        let bench = try PtyBench()
        #expect(bench.startCharging())
        let start = bench.tick
        bench.farEndClosed = true
        bench.pty.farEnd.close()
        bench.pty.releaseDeviceEnd()
        guard let stop = bench.run(until: .emergencyStop(.linkDown), limit: 100) else {
            Issue.record("no emergency stop; pump error: \(String(describing: bench.pump.lastError))")
            return
        }
        print("CP reaction (helper over pty): tty gone → emergency stop after \(stop - start) tick(s); pump: \(bench.pump.lastError.map { "\($0)" } ?? "-")")
        #expect(stop - start <= 2)
        #expect(bench.pump.lastError?.kind == .disconnected)
        #expect(bench.link.log.elements.contains { if case .serial(.disconnected) = $0.error { true } else { false } })
        bench.step(500) // no crash, no hang
        #expect(bench.link.fault == .linkDown && bench.pilot.state == .invalid)
    }

    /// The helper's USB adapter is unplugged mid-session and plugged back in: its tty (a symbolic link
    /// to a pty, as udev's by-id links are) vanishes and comes back as a new device at the same path.
    /// The pump closes the dead tty and reopens the path at the next tick, then after 1, 2, 4, 8, 8 …
    /// seconds of ticks (never more than one attempt per 1000 ticks, none of them in a steady tick);
    /// the pilot stays in its fault with the output safe while the link is down, and the session
    /// resumes once the replugged helper answers.
    @Test func ttyVanishesAndComesBack() throws {
        let bench = try PtyBench(replugable: true)
        #expect(bench.startCharging())
        let start = bench.tick
        try bench.unplugHelper()
        #expect(bench.run(until: .emergencyStop(.linkDown), limit: 10).map { $0 - start }.map { $0 <= 2 } == true)
        bench.pilot.setEnergyTransfer(false)

        // Down for 20 000 ticks: attempts at +1, +1001, +3001, +7001, +15001 ticks after the loss.
        var attemptTicks: [Int] = []
        var steadyMallocs = 0
        for _ in 0..<20_000 {
            let before = bench.pump.reopenAttempts
            let mallocs = MallocCounter.count { bench.runCycle() }
            if bench.pump.reopenAttempts > before { attemptTicks.append(bench.tick) } else { steadyMallocs += mallocs }
            #expect(bench.link.fault == .linkDown)
        }
        let down = attemptTicks.first.map { $0 - 1 } ?? -1
        print("CP helper tty gone: reopen attempts at ticks \(attemptTicks.map { $0 - down }) after the loss; "
              + "last error \(bench.pump.lastReopenError.map { "\($0)" } ?? "-")")
        #expect(attemptTicks.map { $0 - down } == [1, 1_001, 3_001, 7_001, 15_001])
        #expect(zip(attemptTicks.dropFirst(), attemptTicks).allSatisfy { $0 - $1 >= 1_000 })
        #expect(steadyMallocs == 0)
        #expect(bench.pump.isDown && bench.pump.reopens == 0)
        #expect(bench.pump.lastReopenError?.kind == .absent)
        #expect(bench.pilot.state == .invalid && bench.pilot.commandedPWM == .steadyHigh)
        #expect(bench.pump.pollDescriptor == nil) // the dead descriptor left the poll set

        // Plugged back in with the vehicle still asking for power: the next attempt (8000 ticks after
        // the last) opens the new tty, the helper answers, the fault clears and C is confirmed.
        try bench.replugHelper(vehicle: .c)
        let replugged = bench.tick
        let cleared = try #require(bench.run(until: .faultCleared, limit: 9_000))
        print("CP helper replugged: fault cleared \(cleared - replugged) ticks later (next reopen attempt + resynchronisation)")
        #expect(bench.pump.reopens == 1 && !bench.pump.isDown && bench.pump.pollDescriptor != nil)
        #expect(cleared - (down + 23_001) >= 0 && cleared - (down + 23_001) <= 400)
        #expect(bench.pilot.state == .c && bench.link.fault == nil)
        #expect(!bench.eventsSince(replugged).contains(.unplugged))
        bench.pilot.requestedPWM = .digitalCommunication
        #expect(bench.run(until: .readyForSLAC, limit: 2_000) != nil)
        #expect(bench.emulator.mode == .dc && bench.emulator.outputDuty == 5)
    }
}
