import AdvanticsEmulator
import Boards
import ChargerAssembly
import Contracts
import ControlLoop
import CoreTypes
import HAL
import SimBoard
import Testing
import TestSupport

/// The HIL bench board (`Tests/HILTests/Boards/hil-advantics.yaml`: real devices, `simulated_power_plant`)
/// composed over simulated twins on the host, stepped with the manual clock: the power path drives the
/// board's GPIO contactor coils (the plant's poles follow), the auxiliary contacts are played from the
/// coils, the scripted SECC sits on the far end of the CAN twin. A safe stop while charging releases
/// both coils in the same tick (issue 19 item 4; the same board runs as a process in the HIL VM).
@Suite struct BenchAdvanticsBoardTests {
    static let file = PackageLayout.root() + "/Tests/HILTests/Boards/hil-advantics.yaml"

    @Test func benchBoardDrivesItsGPIOContactorsAndStopsSafe() throws {
        let board = try BoardLoader.load(path: Self.file)
        #expect(!board.simulated && board.simulatedPowerPlant)
        let factory = SimulatedDeviceFactory()
        let devices = try BoardDevices.open(board, factory: factory)
        let charger = try Charger.compose(devices, factory: factory)
        print(charger.notes.joined(separator: "\n"))
        #expect(charger.controllers.map(\.name) == ["simulated vehicle contactors", "advantics-evse", "power-path"])
        #expect(charger.sources.map(\.name).contains("contactors"))
        let plant = try #require(charger.advantics?.plant)

        func twin(_ name: String) throws -> SimulatedGPIOLine.Backend {
            guard case .gpio(let l)? = factory.twins[name], let line = l as? SimulatedGPIOLine else {
                throw BenchBoardError.noTwin(name)
            }
            return line.backend
        }
        let plus = try twin("contactor_plus"), minus = try twin("contactor_minus")
        let plusAux = try twin("contactor_plus_aux"), minusAux = try twin("contactor_minus_aux")
        guard case .can(let bus)? = factory.twins["advantics"], let can = bus as? SimulatedCANBus else { throw BenchBoardError.noTwin("advantics") }
        let peer = SimulatedCANBus(interface: "secc")
        SimulatedCANBus.connect(can, peer)
        let secc = ScriptedSECC(bus: peer)
        secc.batteryVolts = { plant.batteryVolts }

        let clock = ManualClock()
        var index: UInt64 = 0
        var phases: [PowerPhase] = []
        var coilsClosedWhileCharging = false
        func tick() {
            clock.advance(by: .milliseconds(1))
            index += 1
            let context = TickContext(now: clock.now(), index: index, period: .milliseconds(1))
            plusAux.drive(plus.level)      // the auxiliary contacts follow their coils
            minusAux.drive(minus.level)
            secc.tick(context)
            for s in charger.sources { s.pump(context) }
            for c in charger.controllers { c.tick(context) }
            let phase = charger.facts.power.value.phase
            if phases.last != phase { phases.append(phase) }
            if phase == .charging, plus.level, minus.level { coilsClosedWhileCharging = true }
        }
        while secc.sessionsCompleted < 1, index < 60_000 { tick() }
        print("bench board: session 1 in \(index) ticks, phases \(phases)")
        #expect(secc.sessionsCompleted == 1)
        #expect(phases == [.idle, .cableCheck, .precharge, .charging, .stopping, .weldingCheck, .idle])
        #expect(coilsClosedWhileCharging)
        #expect(!plus.level && !minus.level)

        // The next session, stopped as a SIGTERM stops the loop: every controller's safe stop, in order.
        while charger.facts.power.value.phase != .charging || !(plus.level && minus.level), index < 120_000 { tick() }
        try #require(charger.facts.power.value.phase == .charging && plus.level && minus.level)
        let reports = charger.controllers.map { $0.safeStop(.signal(15)) }
        print(reports.map { "\($0)" }.joined(separator: "\n"))
        #expect(!plus.level && !minus.level, "both coils released by the safe stop itself, within the same tick")
        #expect(!plant.vehicleContactorsClosed)
    }
}

enum BenchBoardError: Error { case noTwin(String) }
