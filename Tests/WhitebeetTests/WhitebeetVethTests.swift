import ChargerAssembly
import Contracts
import ControlLoop
import CoreTypes
import Foundation
import Glibc
import HAL
import PowerPath
import PowerPlantSim
import Testing
import TestSupport
import V2GSession
import WhitebeetEV
import WhitebeetEVSE
import WhitebeetEmulator
import WhitebeetHCI
import WhitebeetHost

/// The host link and the module emulator on the two ends of a real veth pair (raw AF_PACKET sockets,
/// EtherType 0x6003, in network namespaces made for the test): the frames cross the kernel as they
/// would to a module on `eth1`. Protocol time is the bench's manual clock.
@Suite("WHITE-beet HCI over a veth pair",
       .enabled(if: VethPair.unavailableReason == nil, "needs root and the ip tool (iproute2): see VethPair.unavailableReason"),
       .required("whitebeet-veth"))
struct WhitebeetVethTests {
    @Test func scriptedSessionOverRawEthernet() throws {
        let pair = try VethPair()
        defer { pair.remove() }
        let hostLink = try pair.run(in: pair.a) { try LinuxEthernetLink(interface: pair.a.interface, etherType: HCIEthernet.etherType) }
        let moduleLink = try pair.run(in: pair.b) { try LinuxEthernetLink(interface: pair.b.interface, etherType: HCIEthernet.etherType) }
        // A veth forwards nothing until its carrier is up.
        var carrier = false
        for _ in 0 ..< 500 where !carrier {
            carrier = try pair.run(in: pair.a) { try hostLink.linkState().carrier }
            if !carrier { usleep(10_000) }
        }
        try #require(carrier, "carrier never came up")
        let bench = WhitebeetBench(hostLink: hostLink, moduleLink: moduleLink)
        #expect(bench.exchange(.getFirmwareVersion, limit: .seconds(10))
            == .answered(HCIResponse(module: 0x10, sub: 0x41, requestID: 1, body: .firmwareVersion("V02_01_00"))))
        #expect(WhitebeetEmulatorTests.runSession(bench, answerChargeLoop: true))
        #expect(bench.module.car.phase == .finished)
        #expect(bench.module.statistics.ignoredFrames == 0)
        print("whitebeet over veth: \(bench.host.statistics.sent) commands, \(bench.host.statistics.notifications) notifications")
    }
}

/// `boardctl whitebeet emulate` on one end of a veth pair and `boardctl whitebeet version` on the
/// other, as a maker runs them (each in its own network namespace).
@Suite("boardctl whitebeet over a veth pair",
       .enabled(if: VethPair.unavailableReason == nil, "needs root and the ip tool (iproute2): see VethPair.unavailableReason"),
       .required("whitebeet-veth"))
struct BoardctlWhitebeetVethTests {
    @Test func versionFromTheEmulator() throws {
        let tool = try #require(PackageLayout.product("boardctl"), "boardctl is not built next to the test bundle")
        let pair = try VethPair()
        defer { pair.remove() }
        let emulator = try BackgroundProcess(pair.command(in: pair.b, [tool, "whitebeet", "emulate", "--interface", pair.b.interface,
                                                                       "--seconds", "30"]))
        defer { emulator.stop() }
        #expect(emulator.waitFor("emulating a WHITE-beet-EI", timeout: 20), "\(emulator.output)")
        let result = try Subprocess.run(pair.command(in: pair.a, [tool, "whitebeet", "version", "--interface", pair.a.interface,
                                                                  "--module-mac", "\(pair.b.mac)"]), timeout: 30)
        #expect(result.status == 0, "\(result.stdout) \(result.stderr)")
        #expect(result.stdout.contains("firmware V02_01_00"), "\(result.stdout)")
        #expect(emulator.waitFor("host \(pair.a.mac) connected", timeout: 10), "\(emulator.output)")
    }
}

/// `boardctl whitebeet emulate --role ev` (a WHITE-beet-PI whose far side is the scripted charger) in
/// one namespace, and our EV role in-process on the other end of the veth pair: `WhitebeetEVController`
/// driven by evsim's `BenchBatteryModel` over raw Ethernet (whitebeet-hci.md §1). A whole DC session
/// crosses the kernel: configuration, SLAC, session start, charging profile, cable check, precharge,
/// the charge loop until the pack is full, stop. Real time (the emulator runs on the system clock);
/// the test asserts on states and counts, never on wall time.
@Suite("boardctl whitebeet emulate --role ev over a veth pair",
       .enabled(if: VethPair.unavailableReason == nil, "needs root and the ip tool (iproute2): see VethPair.unavailableReason"),
       .required("whitebeet-veth"))
struct WhitebeetEVRoleVethTests {
    @Test func evSessionAgainstTheEmulatedModule() throws {
        let tool = try #require(PackageLayout.product("boardctl"), "boardctl is not built next to the test bundle")
        let pair = try VethPair()
        defer { pair.remove() }
        let emulator = try BackgroundProcess(pair.command(in: pair.b, [tool, "whitebeet", "emulate", "--interface", pair.b.interface,
                                                                       "--role", "ev", "--plug-after", "0.2", "--seconds", "60"]))
        defer { emulator.stop() }
        #expect(emulator.waitFor("emulating a WHITE-beet-PI", timeout: 20), "\(emulator.output)")
        let link = try pair.run(in: pair.a) { try LinuxEthernetLink(interface: pair.a.interface, etherType: HCIEthernet.etherType) }
        var carrier = false
        for _ in 0 ..< 500 where !carrier {
            carrier = try pair.run(in: pair.a) { try link.linkState().carrier }
            if !carrier { usleep(10_000) }
        }
        try #require(carrier, "carrier never came up")
        // A small pack (1 kWh, 60 % → 62 %): a few seconds of charge loop at the charger's current.
        var p = BenchBatteryModel.Parameters()
        p.capacityWattHours = 1_000
        p.initialSoC = 60
        p.bulkSoC = 62
        p.targetSoC = 62
        let pack = BenchBatteryModel(p)
        let host = WhitebeetHostLink(link: link, moduleMAC: pair.b.mac)
        let controller = WhitebeetEVController(host: host, battery: pack)
        let clock = SystemMonotonicClock()
        let end = clock.now() + .seconds(45)
        var index: UInt64 = 0
        var sawCharging = false
        while clock.now() < end, controller.stage != .finished, controller.stage != .failed {
            index += 1
            let now = clock.now()
            host.poll(now)
            controller.tick(TickContext(now: now, index: index, period: .milliseconds(1)))
            if controller.stage == .charging { sawCharging = true }
            usleep(1000)
        }
        print("whitebeet EV role over veth: \(controller.stage), SoC \(pack.soc) %, \(pack.deliveredWattHours) Wh, "
              + "\(controller.chargeLoopUpdates) charge-loop updates, \(host.statistics.sent) commands, \(host.statistics.notifications) notifications")
        #expect(controller.stage == .finished, "stage \(controller.stage), \(controller.failureReason ?? "-"); emulator: \(emulator.output)")
        #expect(controller.firmwareVersion == "V01_00_07")
        #expect(sawCharging)
        #expect(pack.soc >= p.targetSoC || pack.isComplete, "SoC \(pack.soc) %")
        #expect(pack.deliveredWattHours > 10)
        #expect(controller.chargeLoopUpdates > 10)
        #expect(!controller.contactorsClosed)
        #expect(host.statistics.badFrames == 0)
        #expect(emulator.waitFor("charger: finished", timeout: 10), "\(emulator.output)")
    }
}

/// The EVSE role as `chargerd` composes it (host link → `WhitebeetEVSEController` → `PowerPathController`
/// on the simulated plant), in-process on one end of a veth pair, against `boardctl whitebeet emulate
/// --role evse` on the other: a WHITE-beet-EI whose car is evsim's battery model (50 % → 52 % of
/// 1.5 kWh, on the plant's voltage line). A whole session crosses the kernel; the energy the pack
/// took, as the emulator reports it, matches what the charger's meter counted. Real time on a shared
/// machine: the car holds the host's present values between its 100 ms updates (0x63), so the
/// comparison allows 3 %; the 1 % check is the manual-clock one (`WhitebeetBatteryCarTests`).
@Suite("chargerd's WHITE-beet EVSE role against boardctl whitebeet emulate over a veth pair",
       .enabled(if: VethPair.unavailableReason == nil, "needs root and the ip tool (iproute2): see VethPair.unavailableReason"),
       .required("whitebeet-veth"))
struct WhitebeetEVSERoleVethTests {
    @Test func evseSessionChargesTheEmulatedCarsBattery() throws {
        let tool = try #require(PackageLayout.product("boardctl"), "boardctl is not built next to the test bundle")
        let pair = try VethPair()
        defer { pair.remove() }
        let emulator = try BackgroundProcess(pair.command(in: pair.b, [tool, "whitebeet", "emulate", "--interface", pair.b.interface,
                                                                       "--role", "evse", "--plug-after", "0.2", "--soc", "50",
                                                                       "--target-soc", "52", "--seconds", "60"]))
        defer { emulator.stop() }
        #expect(emulator.waitFor("emulating a WHITE-beet-EI", timeout: 20), "\(emulator.output)")
        let link = try pair.run(in: pair.a) { try LinuxEthernetLink(interface: pair.a.interface, etherType: HCIEthernet.etherType) }
        var carrier = false
        for _ in 0 ..< 500 where !carrier {
            carrier = try pair.run(in: pair.a) { try link.linkState().carrier }
            if !carrier { usleep(10_000) }
        }
        try #require(carrier, "carrier never came up")
        let facts = ChargerFacts()
        let plant = SimulatedPowerPlant() // battery at 50 % on the 330–410 V line, as the emulated pack
        let host = WhitebeetHostLink(link: link, moduleMAC: pair.b.mac)
        let evse = WhitebeetEVSEController(facts: facts, host: host)
        let power = PowerPathController(facts: facts, supply: plant.supply, contactors: plant.contactors,
                                        isolationMonitor: plant.isolationMonitor, meter: plant.meter)
        let clock = SystemMonotonicClock()
        let end = clock.now() + .seconds(45)
        var index: UInt64 = 0
        var last = clock.now()
        var meterWattHours = 0.0
        var peakAmps = 0.0
        var sawSession = false
        while clock.now() < end {
            index += 1
            let now = clock.now()
            let context = TickContext(now: now, index: index, period: .milliseconds(1))
            plant.pump(context)
            host.poll(now)
            evse.tick(context)
            power.tick(context)
            // The car's contactors (across the veth, the test plays its side of the plant): closed
            // once it asked to start charging, opened when the current is down after its stop.
            if case .charge = evse.request.step, !plant.vehicleContactorsClosed { plant.closeVehicleContactors() }
            let phase = facts.power.value.phase
            if phase == .stopping || phase == .weldingCheck || phase == .idle, plant.vehicleContactorsClosed,
               abs(plant.meter.measurement.amps) <= 1 {
                plant.openVehicleContactors()
            }
            let m = plant.meter.measurement
            if m.amps > 0 { meterWattHours += m.volts * m.amps * Double((now - last).count) / 3.6e12 }
            peakAmps = max(peakAmps, m.amps)
            last = now
            if evse.stage == .session { sawSession = true }
            if sawSession, evse.stage == .ended, phase == .idle { break }
            usleep(1000)
        }
        print("whitebeet EVSE role over veth: \(evse.stage), meter \(meterWattHours) Wh, peak \(Int(peakAmps)) A, "
              + "\(host.statistics.sent) commands, \(host.statistics.notifications) notifications")
        #expect(evse.stage == .ended, "stage \(evse.stage), power \(facts.power.value.phase), \(evse.abortReason ?? "-"); \(emulator.output)")
        #expect(facts.v2g.value.stopReason == .completed, "\(facts.v2g.value.stopReason)")
        #expect(evse.sessionError == nil)
        #expect(peakAmps > 100)
        #expect(plant.supply.readback.isOff)
        #expect(plant.contactors.status.isOpen)
        #expect(host.statistics.badFrames == 0)
        #expect(emulator.waitFor("car: finished", timeout: 10), "\(emulator.output)")
        #expect(emulator.waitFor("delivered ", timeout: 5), "\(emulator.output)")
        // "battery: SoC 50.00 → 52.00 % (target 52.00 %), delivered 30.12 Wh"
        let line = emulator.output.split(separator: "\n").first { $0.hasPrefix("battery: ") }
        let delivered = line.flatMap { l in l.firstRange(of: "delivered ").flatMap { Double(l[$0.upperBound...].prefix { $0 != " " }) } }
        let battery = try #require(delivered, "\(emulator.output)")
        print("whitebeet EVSE role over veth: \(line ?? "")")
        #expect(battery > 20)
        #expect(abs(meterWattHours - battery) <= 0.03 * battery, "meter \(meterWattHours) Wh vs battery \(battery) Wh")
    }
}

/// `chargerd` itself, as a process, on the `sim-whitebeet-veth` board (its host link a real AF_PACKET
/// socket on one end of a veth pair, `transport: kernel-packet`; the simulated plant behind the power
/// path) against `boardctl whitebeet emulate --role evse` in another namespace: the module and its car
/// are another process, as a real module on a USB Ethernet adapter would be. The car's pack starts at
/// the plant's SoC (the remote car cannot share the plant's battery; it shares its voltage line). A
/// whole session: the firmware logs the session's summary, the energy its meter counted matches what
/// the car's pack took, and SIGTERM ends it with the safe stop confirmed on its feedback. Serialized:
/// each test makes the same process's veth pair.
@Suite("chargerd --board sim-whitebeet-veth against boardctl whitebeet emulate over a veth pair", .serialized,
       .enabled(if: VethPair.unavailableReason == nil, "needs root and the ip tool (iproute2): see VethPair.unavailableReason"),
       .required("whitebeet-veth"))
struct ChargerdWhitebeetVethTests {
    @Test func chargerdChargesTheEmulatedModulesCar() throws {
        try chargesOverVeth(firmware: "gen2")
    }

    /// The same with EVSE firmware generation 1 on both ends: the board's `firmware: gen1` and
    /// `boardctl whitebeet emulate --firmware gen1` (parameter requests with real-time time-outs).
    @Test func chargerdAnswersTheEmulatedGenerationOneModule() throws {
        try chargesOverVeth(firmware: "gen1")
    }

    func chargesOverVeth(firmware generation: String) throws {
        let boardctl = try #require(PackageLayout.product("boardctl"), "boardctl is not built next to the test bundle")
        let chargerd = try #require(PackageLayout.product("chargerd"), "chargerd is not built next to the test bundle")
        let pair = try VethPair()
        defer { pair.remove() }
        let dir = NSTemporaryDirectory() + "ck-wb-veth-\(getpid())"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        // The committed board file, with this pair's interface and the emulator's MAC (it answers at its interface's).
        let board = try String(contentsOfFile: PackageLayout.root() + "/Boards/sim-whitebeet-veth.yaml", encoding: .utf8)
            .replacingOccurrences(of: "interface: veth-wb0", with: "interface: \(pair.a.interface)")
            .replacingOccurrences(of: "peer_mac: 02:00:00:00:0b:01", with: "peer_mac: \(pair.b.mac)\n    firmware: \(generation)")
        try board.write(toFile: dir + "/sim-whitebeet-veth.yaml", atomically: true, encoding: .utf8)

        let soc = Charger.simulatedPlant.battery.initialSoC * 100
        let emulator = try BackgroundProcess(pair.command(in: pair.b, [boardctl, "whitebeet", "emulate", "--interface", pair.b.interface,
                                                                       "--role", "evse", "--firmware", generation, "--plug-after", "0.5",
                                                                       "--soc", String(format: "%.1f", soc),
                                                                       "--target-soc", String(format: "%.1f", soc + 2), "--seconds", "90"]))
        defer { emulator.stop() }
        #expect(emulator.waitFor("emulating a WHITE-beet-EI", timeout: 20), "\(emulator.output)")
        let firmware = try BackgroundProcess(pair.command(in: pair.a, [chargerd, "--board", dir + "/sim-whitebeet-veth.yaml"]),
                                             mergeOutput: true)
        defer { firmware.stop() }
        let ended = firmware.waitFor("session summary", timeout: 75)
        #expect(ended, "no session summary; chargerd said:\n\(firmware.output.suffix(4000))\nthe emulator said:\n\(emulator.output)")
        #expect(firmware.waitFor("power: phase idle", timeout: 10))
        #expect(emulator.waitFor("car: finished", timeout: 10), "\(emulator.output)")
        #expect(emulator.waitFor("delivered ", timeout: 5), "\(emulator.output)")
        firmware.stop(grace: 10)
        let log = firmware.output
        print(log.split(separator: "\n").filter { $0.contains("session summary") || $0.contains("safe stop confirmed") || $0.contains("kernel-packet")
            || $0.contains("whoever answers") }.joined(separator: "\n"))
        #expect(firmware.process.terminationStatus == 0, "chargerd exit \(firmware.process.terminationStatus):\n\(log.suffix(3000))")
        #expect(log.contains("stop_reason=completed"), "\(log.suffix(3000))")
        #expect(log.contains("safe stop confirmed"), "\(log.suffix(3000))")
        #expect(log.contains("power: phase charging") && log.contains("power: phase welding check"))

        // "energy_wh=32.04" (the firmware's meter) against "delivered 32.09 Wh" (the car's pack), within 3 %
        // (real time on a shared machine, as the in-process veth test).
        let meter = log.firstRange(of: "energy_wh=").flatMap { Double(log[$0.upperBound...].prefix { $0 != " " }) }
        let line = emulator.output.split(separator: "\n").first { $0.hasPrefix("battery: ") }
        let battery = line.flatMap { l in l.firstRange(of: "delivered ").flatMap { Double(l[$0.upperBound...].prefix { $0 != " " }) } }
        let firmwareWh = try #require(meter, "\(log.suffix(2000))")
        let packWh = try #require(battery, "\(emulator.output)")
        print("chargerd over veth: meter \(firmwareWh) Wh, the car's pack \(packWh) Wh")
        #expect(packWh > 20)
        #expect(abs(firmwareWh - packWh) <= 0.03 * packWh, "meter \(firmwareWh) Wh vs battery \(packWh) Wh")
    }
}
