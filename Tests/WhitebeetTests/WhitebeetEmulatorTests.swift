import Buffers
import CoreTypes
import HAL
import MallocCounting
import Testing
import WhitebeetEmulator
import WhitebeetFuzzSupport
import WhitebeetHCI
import WhitebeetHost

/// The host link against the module emulator over the simulated Ethernet twins: answers matched by
/// request ID, busy answers retried within a bound, lost and corrupted frames recovered by the
/// timeout, framing errors, resets, wrong-state results, and whole scripted car sessions.
@Suite struct WhitebeetEmulatorTests {
    @Test func firmwareVersionOverTheTwin() {
        let bench = WhitebeetBench()
        #expect(bench.exchange(.getFirmwareVersion) == .answered(HCIResponse(module: 0x10, sub: 0x41, requestID: 1, body: .firmwareVersion("V02_01_00"))))
        // The module announced its host interface on the first frame it saw (§6).
        bench.step()
        #expect(bench.notifications == [.networkStatus(sub: 0x81, value: 1)])
        // Frames went to label MAC − 2 (§1.1).
        #expect((bench.host.transport as? WhitebeetEthernetTransport)?.moduleMAC == MACAddress(0x00, 0x01, 0x01, 0x63, 0x77, 0x33))
    }

    @Test func busyAnswersAreRetriedWithNewIDsWithinTheBound() {
        let bench = WhitebeetBench()
        bench.module.faults.busyAnswers = 3
        guard case .answered(let r) = bench.exchange(.setPilotMode(.evse)) else {
            Issue.record("no answer")
            return
        }
        #expect(r.requestID == 4) // three busy attempts took IDs 1…3
        #expect(bench.host.statistics.busyRetries == 3)
        #expect(bench.module.pilotMode == .evse)

        var configuration = WhitebeetHostLink.Configuration()
        configuration.busyRetries = 2
        let bounded = WhitebeetBench(configuration: configuration)
        bounded.module.faults.busyAnswers = 10
        #expect(bounded.exchange(.startPilot) == .failed(.moduleReported(module: 0x29, sub: 0x42, requestID: 3, result: .busy)))
        #expect(bounded.module.statistics.busyAnswers == 3)
    }

    @Test func lostAndCorruptedFramesAreRecoveredByTheTimeout() {
        let bench = WhitebeetBench()
        bench.module.faults.dropFrames = 2 // the boot status and the first answer
        let start = bench.now
        #expect(bench.exchange(.getPilotState) == .answered(HCIResponse(module: 0x29, sub: 0x48, requestID: 2, body: .pilotState(.unknown))))
        #expect(bench.now - start >= .seconds(5))
        #expect(bench.host.statistics.timeoutRetries == 1)

        bench.module.faults.corruptNextChecksum = true
        guard case .answered = bench.exchange(.getV2GMode) else {
            Issue.record("corrupted answer not recovered")
            return
        }
        #expect(bench.host.statistics.badFrames == 1)

        // Every attempt lost: reported, in bounded time.
        bench.module.faults.dropFrames = 5
        let silent = bench.now
        #expect(bench.exchange(.getV2GMode) == .timedOut(attempts: 2))
        #expect(bench.now - silent < .seconds(11))
    }

    @Test func frameWithoutEndByteIsAFramingError() throws {
        let bench = WhitebeetBench()
        _ = bench.exchange(.getFirmwareVersion)
        // A host frame whose end byte is missing, straight onto the wire.
        let storage = UnsafeMutableRawBufferPointer.allocate(byteCount: 128, alignment: 8)
        defer { storage.deallocate() }
        var n = try HCIRequest.startPilot.encode(requestID: 9, into: storage)
        storage[n - 1] = 0x00
        let hci = Array(storage[0 ..< n])
        n = try hci.withUnsafeBytes { h in
            try HCIEthernet.wrap(h, destination: bench.moduleEnd.macAddress, source: bench.hostEnd.macAddress, into: storage)
        }
        #expect(try bench.hostEnd.send(RawSpan(_unsafeBytes: UnsafeRawBufferPointer(rebasing: storage[0 ..< n]))))
        bench.module.tick(bench.now)
        #expect(bench.module.statistics.framingErrors == 1)
        let received = Buffers.FrameBuffer(capacity: 2048)
        var framing: HCIModuleMessage?
        while try bench.hostEnd.receive(into: received) {
            let w = try HCIEthernet.unwrap(received.unsafeBytes)
            framing = try HCIModuleMessage.decode(frame: UnsafeRawBufferPointer(rebasing: received.unsafeBytes[w.offset ..< w.offset + w.length]))
        }
        #expect(framing == .framingError(status: 0xF3, requestID: 9))
    }

    @Test func resetLosesStateAndAnnouncesTheInterface() {
        let bench = WhitebeetBench()
        #expect(bench.ok(.setPilotMode(.evse)))
        #expect(bench.ok(.startPilot))
        bench.module.reset()
        bench.notifications.removeAll()
        #expect(bench.exchange(.getPilotMode) == .answered(HCIResponse(module: 0x29, sub: 0x41, requestID: 3, body: .mode(255))))
        bench.step()
        #expect(bench.notifications.contains(.networkStatus(sub: 0x81, value: 1)))
        // The host command for a restart does the same.
        #expect(bench.ok(.setPilotMode(.evse)))
        #expect(bench.ok(.restart))
        #expect(bench.module.pilotMode == nil)
        #expect(bench.module.statistics.resets == 2)
    }

    @Test func wrongStateResultsAreModuleReportedErrors() {
        let bench = WhitebeetBench()
        #expect(bench.exchange(.startMatching) == .failed(.moduleReported(module: 0x28, sub: 0x44, requestID: 1, result: .wrongState)))
        #expect(bench.exchange(.startListen) == .failed(.moduleReported(module: 0x27, sub: 0x6A, requestID: 2, result: .wrongPhase)))
        #expect(bench.exchange(.stopPilot) == .failed(.moduleReported(module: 0x29, sub: 0x43, requestID: 3, result: .rejectedInState)))
    }

    /// Whole EVSE session, host side written as FreeV2G's Gen-2 flow (§15.2), against the scripted car.
    @Test func scriptedDCSession() {
        let bench = WhitebeetBench()
        let finished = Self.runSession(bench, answerChargeLoop: true)
        #expect(finished, "\(bench.notifications.map { "\($0.ids.sub)" })")
        #expect(bench.module.car.phase == .finished)
        #expect(bench.module.car.chargeLoopsDone == bench.module.car.profile.chargeLoops)
        #expect(bench.notifications.contains(.weldingDetectionStarted))
        #expect(bench.notifications.last == .sessionStopped(closure: 0))
    }

    /// The same session over SPI: size then data exchanges on the SPI twin, chip select driven by
    /// the host, TX_PENDING telling it the module has frames (whitebeet-hci.md §2).
    @Test func scriptedDCSessionOverSPI() {
        let bench = WhitebeetBench(overSPI: true)
        #expect(bench.exchange(.getFirmwareVersion) == .answered(HCIResponse(module: 0x10, sub: 0x41, requestID: 1, body: .firmwareVersion("V02_01_00"))))
        #expect(Self.runSession(bench, answerChargeLoop: true))
        #expect(bench.module.car.phase == .finished)
        #expect(bench.module.statistics.spiOutOfStep == 0)
        #expect(bench.spiTransport!.outOfStep == 0)
        #expect(bench.spi!.chipSelect.backend.level) // released after every transfer
        // Every transfer was framed: more than two per command (size + data), and reads when pending.
        #expect(bench.spi!.device.backend.transferCount >= 2 * bench.host.statistics.sent)
        print("whitebeet over SPI: \(bench.spi!.device.backend.transferCount) transfers, \(bench.spiTransport!.exchanges) exchanges, \(bench.host.statistics.sent) commands")
    }

    /// A module frame longer than 255 bytes crosses SPI whole: the size is a big-endian u16 (§20.1).
    @Test func longFrameOverSPI() throws {
        let bench = WhitebeetBench(overSPI: true)
        bench.module.firmwareVersion = HCIText(String(repeating: "V", count: 48))
        #expect(bench.exchange(.getFirmwareVersion) == .answered(HCIResponse(module: 0x10, sub: 0x41, requestID: 1, body: .firmwareVersion(HCIText(String(repeating: "V", count: 48))))))
        // And the bytes of a 300-byte size exchange decode to 300.
        #expect(try [UInt8]([0xAA, 0xAA, 0x01, 0x2C]).withUnsafeBytes { try HCISPI.decodeSize($0) } == 300)
    }

    /// MISO garbage (a size transfer without `AA AA`): the exchange is dropped and counted as out of
    /// step (§2.2), and the next exchange carries on.
    @Test func spiGarbageIsOutOfStepThenRecovered() {
        let bench = WhitebeetBench(overSPI: true)
        let device = bench.spi!.device
        let module = device.backend.respond
        device.backend.respond = { _, rx in for i in 0 ..< rx.count { rx[i] = 0xFF } }
        #expect(bench.host.submit(.getFirmwareVersion, now: bench.now))
        bench.step()
        #expect(bench.spiTransport!.outOfStep >= 1)
        device.backend.respond = module
        guard case .answered(let r)? = awaitOutcome(bench) else {
            Issue.record("no answer after the garbage")
            return
        }
        #expect(r.body == .firmwareVersion("V02_01_00"))
    }

    private func awaitOutcome(_ bench: WhitebeetBench) -> WhitebeetHostLink.Outcome? {
        for _ in 0 ..< 2000 {
            bench.step()
            if let o = bench.host.takeOutcome() { return o }
        }
        return nil
    }

    /// A chip-select line that fails once: that exchange does not happen (a read of the pending boot
    /// status, or the command, which the timeout then sends again); the link carries on.
    @Test func chipSelectFailureIsRecoveredByTheTimeout() {
        let bench = WhitebeetBench(overSPI: true)
        bench.spi!.chipSelect.backend.failNextWrite = .ioError
        guard case .answered = bench.exchange(.getFirmwareVersion, limit: .seconds(20)) else {
            Issue.record("no answer after the chip-select failure")
            return
        }
        #expect(bench.spiTransport!.deviceError != nil)
        guard case .answered(let r) = bench.exchange(.getPilotMode) else {
            Issue.record("no answer")
            return
        }
        #expect(r.body == .mode(255))
    }

    /// The host stops refreshing the live values in the charge loop: session error 23 (§3.6).
    @Test func staleChargeParametersEndTheSession() {
        let bench = WhitebeetBench()
        _ = Self.runSession(bench, answerChargeLoop: false)
        #expect(bench.module.car.phase == .failed(code: 23))
        #expect(bench.notifications.contains(.sessionError(code: 23)))
    }

    /// The charge loop's steady state — module notifies 0x85 every 100 ms, the host answers 0x63 —
    /// costs no allocation per tick on either side (host link poll/submit/take, emulator tick).
    @Test func chargeLoopTicksDoNotAllocate() {
        var profile = ScriptedCarSession.Profile()
        profile.chargeLoops = 100_000
        let bench = WhitebeetBench(car: ScriptedCarSession(profile: profile))
        // Reach the charge loop.
        _ = Self.runSession(bench, answerChargeLoop: true, stopAt: .charging)
        #expect(bench.module.car.phase == .charging)
        let values = EVSEDCPresentValues(isolationLevel: 1, presentVoltage: PhysicalValue(380)!, presentCurrent: PhysicalValue(100)!)
        let host = bench.host, module = bench.module, clock = bench.clock
        var answered = 0
        func tick() {
            clock.advance(by: .milliseconds(10))
            let now = clock.now()
            module.tick(now)
            host.poll(now)
            while let n = host.takeNotification() {
                if case .dcChargeParametersChanged = n, host.submit(.updateDCChargingParameters(values), now: now) { answered += 1 }
            }
            _ = host.takeOutcome()
        }
        for _ in 0 ..< 100 { tick() } // warm up
        let loopsBefore = module.car.chargeLoopsDone
        let mallocs = MallocCounter.count { for _ in 0 ..< 1000 { tick() } }
        let loops = module.car.chargeLoopsDone - loopsBefore
        print("whitebeet host link + emulator: \(mallocs) mallocs over 1000 ticks (\(loops) charge-loop exchanges)")
        #expect(loops >= 90)
        #expect(module.car.phase == .charging)
        #expect(mallocs == 0)
    }

    /// Drives the module like an EVSE host; returns whether the session stopped normally.
    static func runSession(_ bench: WhitebeetBench, answerChargeLoop: Bool, stopAt: ScriptedCarSession.Phase? = nil) -> Bool {
        let setup: [HCIRequest] = [
            .getFirmwareVersion, .stopSlac, .stopPilot, .getV2GMode, .setPortMirror(false),
            .setPilotMode(.evse), .setDutyCycle(permille: 1000), .startPilot, .startSlac(.evse),
        ]
        for r in setup { _ = bench.exchange(r) }
        bench.module.plugIn()
        #expect(bench.run(for: .seconds(1)) { bench.notifications.contains(.pilotStateChanged(.b)) })
        #expect(bench.ok(.startMatching))
        #expect(bench.ok(.setDutyCycle(permille: 50)))
        #expect(bench.run(for: .seconds(5)) { bench.notifications.contains(.slacMatched) })
        #expect(bench.ok(.setV2GMode(.evse)))
        #expect(bench.ok(.setConfiguration(EVSEConfiguration(dinEVSEID: "+49*123*456*789", isoEVSEID: "DE*A23*E45B*78C",
                                                             protocols: [0, 1], paymentMethods: [0], energyTransferModes: [0, 1, 2, 3]))))
        #expect(bench.ok(.setDCChargingParameters(EVSEDCLimits(minimumVoltage: PhysicalValue(150)!, minimumCurrent: .zero,
                                                               maximumVoltage: PhysicalValue(400)!, maximumCurrent: PhysicalValue(100)!,
                                                               maximumPower: PhysicalValue(25_000)!, peakCurrentRipple: PhysicalValue(1)!))))
        #expect(bench.ok(.startListen))
        var voltage = 0.0
        var current = 0.0
        var index = bench.notifications.count
        let end = bench.now + .seconds(60)
        while bench.now < end {
            bench.step()
            if let stopAt, bench.module.car.phase == stopAt { return false }
            while index < bench.notifications.count {
                let n = bench.notifications[index]
                index += 1
                switch n {
                case .authorizationRequested: #expect(bench.ok(.setAuthorization(authorized: true)))
                case .schedulesRequested: #expect(bench.ok(.setSchedules(WhitebeetSamples.schedule)))
                case .cableCheckRequested: #expect(bench.ok(.setCableCheckFinished(ok: true)))
                case .dcChargeParametersChanged(let ev):
                    if bench.module.car.phase == .charging, !answerChargeLoop { continue }
                    // The plant follows the EV's target at once here (the real one ramps).
                    voltage = ev.targetVoltage.value
                    current = bench.module.car.phase == .charging ? ev.targetCurrent.value : 0
                    _ = bench.exchange(.updateDCChargingParameters(EVSEDCPresentValues(
                        isolationLevel: 1, presentVoltage: PhysicalValue(voltage)!, presentCurrent: PhysicalValue(current)!)))
                case .startChargingRequested: #expect(bench.ok(.startCharging))
                case .stopChargingRequested: #expect(bench.ok(.stopCharging))
                case .sessionStopped:
                    _ = bench.ok(.stopListen)
                    return bench.module.car.phase == .finished
                default: break
                }
            }
        }
        return false
    }
}
