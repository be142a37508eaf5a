import ControlLoop
import CoreTypes
import HAL
import MallocCounting
import Testing
import V2GSession
import WhitebeetEV
import WhitebeetEmulator
import WhitebeetHCI
import WhitebeetHost

/// The EV role end to end under the manual clock: WhitebeetEVController (driven by a
/// LinearBatteryModel, or `evsim`'s BenchBatteryModel) ⇄ host link ⇄ Ethernet or SPI twins ⇄ the module emulator as a
/// WHITE-beet-PI whose far side is a scripted charger (`ScriptedChargerSession`).
final class WhitebeetEVBench {
    let clock = ManualClock()
    let module: WhitebeetModuleEmulator
    let host: WhitebeetHostLink
    let controller: WhitebeetEVController
    let battery: any MeteredEVBattery
    var tick: UInt64 = 0

    /// A small pack (1 kWh, 60 % → 70 %) so a session takes seconds of simulated time.
    static var pack: LinearBatteryModel.Parameters {
        var p = LinearBatteryModel.Parameters()
        p.capacityWattHours = 1_000
        p.initialSoC = 60
        p.bulkSoC = 65
        p.targetSoC = 70
        p.maxAmps = 150
        p.maxWatts = 60_000
        return p
    }

    init(overSPI: Bool, battery: (any MeteredEVBattery)? = nil) {
        let charger = ScriptedChargerSession()
        if overSPI {
            let port = WhitebeetModuleEmulator.SPIPort(
                device: SimulatedSPIDevice(path: "/dev/spidev0.0", config: SPIConfig(mode: .mode0, speedHz: 12_000_000)),
                chipSelect: SimulatedGPIOLine(GPIOLineConfig(chip: "gpiochip0", line: .offset(24), direction: .output(initial: true))),
                rxReady: SimulatedGPIOLine(GPIOLineConfig(chip: "gpiochip0", line: .offset(22), direction: .input)),
                txPending: SimulatedGPIOLine(GPIOLineConfig(chip: "gpiochip0", line: .offset(27), direction: .input)))
            host = WhitebeetHostLink(transport: WhitebeetSPITransport(spi: port.device, chipSelect: port.chipSelect, rxReady: port.rxReady,
                                                                      txPending: port.txPending))
            module = WhitebeetModuleEmulator(spi: port, charger: charger)
        } else {
            let hostEnd = SimulatedEthernetLink(interface: "eth1", macAddress: MACAddress(2, 0, 0, 0, 0, 1), etherType: HCIEthernet.etherType)
            let moduleEnd = SimulatedEthernetLink(interface: "wb0", macAddress: MACAddress(0x00, 0x01, 0x01, 0x63, 0x77, 0x34),
                                                  etherType: HCIEthernet.etherType)
            SimulatedEthernetLink.connect(hostEnd, moduleEnd)
            host = WhitebeetHostLink(link: hostEnd, moduleMAC: moduleEnd.macAddress)
            module = WhitebeetModuleEmulator(link: moduleEnd, moduleMAC: moduleEnd.macAddress, charger: charger)
        }
        let battery = battery ?? LinearBatteryModel(Self.pack)
        self.battery = battery
        controller = WhitebeetEVController(host: host, battery: battery)
    }

    /// One 1 ms tick: module, host link, EV controller.
    func step() {
        clock.advance(by: .milliseconds(1))
        tick += 1
        let context = TickContext(now: clock.now(), index: tick, period: .milliseconds(1))
        module.tick(context.now)
        host.poll(context.now)
        controller.tick(context)
    }

    func run(seconds: Int64, until done: () -> Bool) -> Bool {
        for _ in 0 ..< seconds * 1000 {
            step()
            if done() { return true }
        }
        return false
    }
}

@Suite struct WhitebeetEVSessionTests {
    /// A whole DC session from the car's side, over each transport: configuration, the charger's 5 %
    /// seen, SLAC, session start, charging profile, cable check in state C, precharge to the
    /// battery's voltage, the charge loop until the battery model says complete, stop, session stopped.
    @Test(arguments: [false, true])
    func dcSessionDrivenByTheBatteryModel(overSPI: Bool) {
        let bench = WhitebeetEVBench(overSPI: overSPI)
        #expect(bench.run(seconds: 5) { bench.controller.stage == .waitingForCharger }, "stage \(bench.controller.stage)")
        #expect(bench.controller.firmwareVersion == "V01_00_07")
        #expect(bench.module.pilotMode == .ev)
        bench.module.plugIn()
        let done = bench.run(seconds: 120) { bench.controller.stage == .finished || bench.controller.stage == .failed }
        #expect(done && bench.controller.stage == .finished,
                "stage \(bench.controller.stage), charger \(bench.module.charger.phase), \(bench.controller.failureReason ?? "-")")
        #expect(bench.module.charger.phase == .finished)
        #expect(bench.battery.soc >= bench.battery.targetSoC)
        #expect(bench.battery.deliveredWattHours > 90)
        #expect(bench.controller.chargeLoopUpdates > 10)
        #expect(bench.module.charger.chargeLoopUpdates > 10)
        #expect(bench.module.charger.chargingProfile?.scheduleTupleID == 1)
        #expect(!bench.controller.contactorsClosed)
        #expect(bench.module.resistor == .stateB)
        print("whitebeet EV session over \(overSPI ? "SPI" : "Ethernet"): finished at \(bench.tick) ms, SoC \(bench.battery.soc) %, "
              + "\(bench.battery.deliveredWattHours) Wh, \(bench.controller.chargeLoopUpdates) charge-loop updates, \(bench.host.statistics.sent) commands")
    }

    /// The same session with `evsim`'s battery (issue 17's proof: the car is evsim's battery model): a
    /// small pack on its OCV curve with internal resistance and a CC/CV taper, 60 % → 70 %.
    @Test(arguments: [false, true])
    func dcSessionDrivenByEvsimsBenchBattery(overSPI: Bool) {
        var p = BenchBatteryModel.Parameters()
        p.capacityWattHours = 1_000
        p.initialSoC = 60
        p.bulkSoC = 65
        p.targetSoC = 70
        let pack = BenchBatteryModel(p)
        let bench = WhitebeetEVBench(overSPI: overSPI, battery: pack)
        bench.module.plugIn()
        let done = bench.run(seconds: 120) { bench.controller.stage == .finished || bench.controller.stage == .failed }
        #expect(done && bench.controller.stage == .finished,
                "stage \(bench.controller.stage), charger \(bench.module.charger.phase), \(bench.controller.failureReason ?? "-")")
        #expect(pack.soc >= p.targetSoC || pack.isComplete, "SoC \(pack.soc) %")
        #expect(pack.deliveredWattHours > 50)
        #expect(bench.controller.chargeLoopUpdates > 10)
        #expect(!bench.controller.contactorsClosed)
        print("whitebeet EV session with evsim's battery over \(overSPI ? "SPI" : "Ethernet"): finished at \(bench.tick) ms, "
              + "SoC \(pack.soc) %, \(pack.deliveredWattHours) Wh delivered")
    }

    /// The charge loop's steady state on the car's side (controller, host link, emulator, battery
    /// model): no allocation in a tick.
    @Test func chargeLoopAllocatesNothing() {
        let bench = WhitebeetEVBench(overSPI: false)
        bench.module.plugIn()
        #expect(bench.run(seconds: 60) { bench.controller.stage == .charging && bench.controller.presentAmps > 50 })
        for _ in 0 ..< 200 { bench.step() }
        let mallocs = MallocCounter.count { for _ in 0 ..< 1000 { bench.step() } }
        print("whitebeet EV charge loop: \(mallocs) mallocs over 1000 ticks (controller, host link, emulator, battery)")
        #expect(mallocs == 0)
        #expect(bench.controller.stage == .charging)
    }

    /// The module answers "busy" to commands during configuration and again in the charge loop: the
    /// host link retries (bounded), and the session still completes.
    @Test(arguments: [false, true])
    func busyAnswersAreRetried(overSPI: Bool) {
        let bench = WhitebeetEVBench(overSPI: overSPI)
        bench.module.faults.busyAnswers = 3
        bench.module.plugIn()
        #expect(bench.run(seconds: 60) { bench.controller.stage == .charging })
        bench.module.faults.busyAnswers = 2
        let done = bench.run(seconds: 120) { bench.controller.stage == .finished || bench.controller.stage == .failed }
        #expect(done && bench.controller.stage == .finished, "stage \(bench.controller.stage), \(bench.controller.failureReason ?? "-")")
        #expect(bench.host.statistics.busyRetries == 5)
        #expect(bench.module.statistics.busyAnswers == 5)
    }

    /// The module restarts mid-charge: the car opens its contactors at once, stops taking energy,
    /// notes why, and configures the module again for the next session.
    @Test(arguments: [false, true])
    func moduleResetMidChargeOpensTheCarsContactors(overSPI: Bool) {
        let bench = WhitebeetEVBench(overSPI: overSPI)
        bench.module.plugIn()
        #expect(bench.run(seconds: 60) { bench.controller.stage == .charging && bench.controller.presentAmps > 50 })
        bench.module.reset()
        #expect(bench.run(seconds: 2) { !bench.controller.contactorsClosed })
        let soc = bench.battery.soc
        #expect(bench.controller.failureReason == "the module restarted")
        #expect(bench.run(seconds: 10) { bench.controller.stage == .waitingForCharger })
        #expect(bench.battery.soc == soc, "no energy after the reset")
    }
}
