import ArgumentParser
import ChargerAssembly
import Contracts
import ControlLoop
import CoreTypes
import Glibc
import HAL
import Runtime
import Scenarios
import SimBoard
import V2GSession

/// `evsim`: the CCS vehicle side for a bench — SDP, one TCP connection, our EVCC (DIN 70121 or
/// ISO 15118-2 DC) and a `BenchBatteryModel` — on a network interface, against our `chargerd`, Josev's
/// SECC (`run-pair.sh` with `EVCC_CMD`) or any charger behind a modem. The car is the `sim` board's
/// (`SimulatedEVCharging`), on a Linux interface instead of the simulated network; a scenario file
/// gives its battery, protocols and scripted behaviour (its plant section and events belong to the
/// `sim` board and are not played here).
@main
struct Evsim: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "evsim",
        abstract: "CCS vehicle simulator: our EVCC and a battery model on a network interface.",
        discussion: """
            Finds the charger by SDP on --interface, opens V2G over TCP and charges the battery model to its \
            target (or plays the scenario's car). Prints each phase, a line a second (voltage, current, SoC, \
            energy) and one RESULT line. Exit 0 when the session reached the charge loop and ended with \
            SessionStop (or, with --scenario, with the scenario's expected stop reason), 1 otherwise. \
            SLAC and the pilot (CP HAL, ESP32 helper) on a real modem: planned; run it where the link is up \
            (a veth end, a modem's netdev after SLAC).
            """
    )

    @Option(name: .long, help: "The interface towards the charger (IPv6 link-local).")
    var interface: String

    @Option(name: .long, help: "Scenario file (Scenarios/*.yaml): the car's battery, protocols and behaviour.")
    var scenario: String?

    @Option(name: .long, help: "Protocols to offer: din, iso2 or both, or Josev's names DIN_SPEC_70121, ISO_15118_2 (default: the scenario's, else both).")
    var `protocol`: String?

    @Option(name: .long, help: "Give up after this many seconds.")
    var seconds: Double = 120

    @Flag(name: .customLong("simulated-evse"),
          help: "The charger is a simulation that does not follow the car's targets (Josev's SECC): leave PreCharge after 6 rounds and the loop after 10.")
    var simulatedEVSE = false

    @Option(name: .customLong("current-demand-timeout"), help: "CurrentDemandRes timeout in ms (standard: 250).")
    var currentDemandTimeoutMs: Int64?

    func validate() throws {
        if let p = `protocol`, !["din", "iso2", "both", "DIN_SPEC_70121", "ISO_15118_2"].contains(p) {
            throw ValidationError("--protocol must be din, iso2, both, DIN_SPEC_70121 or ISO_15118_2")
        }
        guard seconds > 0 else { throw ValidationError("--seconds must be positive") }
    }

    func run() throws {
        var plan = Scenario(name: "default")
        if let scenario {
            do throws(ScenarioFileError) { plan = try ScenarioLoader.load(path: scenario) } catch {
                print(error.description)
                throw ExitCode(2)
            }
            if !plan.events.isEmpty || plan.plant.voltageSlew != nil {
                print("NOTE: \(plan.name): its plant section and events are for the sim board (chargerd --scenario); evsim plays the car only")
            }
        }
        switch `protocol` {
        case "din", "DIN_SPEC_70121": plan.protocols = [.din70121]
        case "iso2", "ISO_15118_2": plan.protocols = [.iso15118_2]
        case "both": plan.protocols = [.iso15118_2, .din70121]
        default: break
        }
        var base = EVCCConfiguration()
        if simulatedEVSE { base.quirks = .simulatedEVSE }
        if let ms = currentDemandTimeoutMs { base.timers.currentDemand = .milliseconds(ms) }
        let evcc = plan.evcc(base)
        let pack = plan.pack(on: Charger.simulatedPlant)

        let link = try LinuxIPInterface(name: interface)
        let address = try Self.waitForAddress(link)
        let loop = try TickLoop.production()
        let car = try SimulatedEVCharging(ip: link, plant: nil, helper: nil, battery: BenchBatteryModel(pack), configuration: evcc)
        let driver = EVSimDriver(car: car, loop: loop, limit: .seconds(Int64(seconds)))
        for s in car.sources { loop.addSource(s) }
        loop.addController(driver)
        print("evsim on \(interface) [\(address)]: protocols \(evcc.protocols.map(\.josevName).joined(separator: ", ")), "
              + "battery \(Int(pack.capacityWattHours)) Wh \(Int(pack.initialSoC)) → \(Int(pack.targetSoC)) %, "
              + "max \(Int(pack.maxAmps)) A, CV \(pack.chargeVolts) V" + (scenario == nil ? "" : ", scenario \(plan.name)"))
        fflush(nil)
        let reason = loop.run()
        for report in loop.safeStopReports where !report.actions.isEmpty { print("safe stop: \(report)") }
        let s = car.evcc.session
        let summary = "\(s.negotiated?.josevName ?? "no protocol"), stop reason \(s.stopReason), \(s.currentDemands) CurrentDemand, "
            + "SoC \(Int(car.battery.soc * 10) / 10) %, delivered \(Int(car.battery.deliveredWattHours * 10) / 10) Wh (loop: \(reason))"
        let wanted = scenario == nil ? V2GStopReason.completed : (plan.expect.stopReason ?? .completed)
        let charged = s.currentDemands > 0 || plan.expect.notReached.contains(.charging)
        if s.stopReason == wanted, charged, s.stopReason != .completed || s.phase == .ended {
            print("RESULT: complete session: \(summary)")
        } else {
            print("RESULT: failed: \(summary)")
            throw ExitCode(1)
        }
    }

    /// The interface's link-local address; up to 5 s while duplicate address detection runs.
    static func waitForAddress(_ link: LinuxIPInterface) throws -> IPv6Address {
        var tries = 0
        while true {
            do throws(SocketError) {
                return try link.linkLocalAddress()
            } catch {
                tries += 1
                if tries >= 50 { throw error }
                usleep(100_000)
            }
        }
    }
}
