import AdvanticsCAN
import AdvanticsEmulator
import Boards
import ChargerAssembly
import ControlLoop
import CoreTypes
import Foundation
import Testing
import TestSupport

/// `Boards/sim-advantics-pev.yaml` composed: the PEV role with its battery model and the simulated
/// inlet, the scripted EVCC on the CAN twin, stepped in 1 ms ticks of the manual clock in the
/// composition's order; and the board file's PEV keys validated.
@Suite struct SimAdvanticsPEVBoardTests {
    /// Steps the composition in 1 ms ticks of a manual clock, in its order (sources pumped, then the
    /// controllers ticked), until `done` or `ticks` ticks; the ticks taken.
    static func step(_ charger: Charger, atMost ticks: UInt64, until done: () -> Bool) -> UInt64 {
        let clock = ManualClock()
        var index: UInt64 = 0
        while !done(), index < ticks {
            clock.advance(by: .milliseconds(1))
            index += 1
            let context = TickContext(now: clock.now(), index: index, period: .milliseconds(1))
            for s in charger.sources { s.pump(context) }
            for c in charger.controllers { c.tick(context) }
        }
        return index
    }

    @Test func composedBoardPlaysWholeSessions() throws {
        let board = try BoardLoader.load(path: PackageLayout.root() + "/Boards/sim-advantics-pev.yaml")
        let charger = try Charger.open(board)
        print(charger.notes.joined(separator: "\n"))
        let assembly = try #require(charger.advanticsPEV)
        let evcc = try #require(assembly.evcc)
        let battery = try #require(assembly.battery)
        #expect(charger.controllers.map(\.name) == ["simulated pev inlet", "advantics-evcc", "advantics-pev"])
        let soc = battery.soc
        let index = Self.step(charger, atMost: 60_000) { evcc.sessionsCompleted >= 2 }
        print("sim-advantics-pev: \(evcc.sessionsCompleted) sessions in \(index) ticks, SoC \(soc) → \(battery.soc) %")
        #expect(evcc.sessionsCompleted == 2 && evcc.sessionsAborted == 0)
        #expect(battery.soc > soc)
        #expect(assembly.pev?.fault == nil)
    }

    static let header = """
        board: t
        description: a PEV bench
        vehicle_link: advantics-pev
        simulated: true
        devices:
          evcc:
            kind: can
            role: advantics-pev-can
            interface: can0

        """

    @Test func pevScalingIsABoardSetting() throws {
        let early = try BoardLoader.load(text: Self.header + "    pev_scaling: v2-early\n", file: "Boards/t.yaml")
        guard case .can(let spec) = early.devices[0].spec else { Issue.record("not CAN"); return }
        #expect(spec.pevScaling == .exampleDatabase)
        let plain = try BoardLoader.load(text: Self.header, file: "Boards/t.yaml")
        guard case .can(let d) = plain.devices[0].spec else { Issue.record("not CAN"); return }
        #expect(d.pevScaling == nil)  // the composition uses the documented default, DB v2.5
    }

    /// `pev_bidirectional: true` composes a pack that discharges and a role that offers it (D5), in one
    /// process with the scripted EVCC on the twin; the key is refused off the PEV role and when not a bool.
    @Test func bidirectionalVehicleIsABoardSetting() throws {
        let board = try BoardLoader.load(text: Self.header + "    pev_bidirectional: true\n", file: "Boards/t.yaml")
        guard case .can(let spec) = board.devices[0].spec else { Issue.record("not CAN"); return }
        #expect(spec.pevBidirectional)
        let charger = try Charger.open(board)
        let assembly = try #require(charger.advanticsPEV)
        #expect(assembly.battery == nil && assembly.bidirectional != nil)
        #expect(assembly.pev?.configuration.bidirectional == true)
        #expect(charger.notes.contains { $0.contains("bidirectional battery model") })
        for (text, message) in [(Self.header + "    pev_bidirectional: maybe\n", "devices.evcc.pev_bidirectional"),
                                (Self.header.replacingOccurrences(of: "advantics-pev-can", with: "advantics-can")
                                    .replacingOccurrences(of: "advantics-pev\n", with: "advantics\n")
                                    + "    extended_ids: true\n    pev_bidirectional: true\n",
                                 "pev_bidirectional: only applies to role advantics-pev-can")] {
            do {
                _ = try BoardLoader.load(text: text, file: "Boards/t.yaml")
                Issue.record("accepted: \(text)")
            } catch {
                #expect("\(error)".contains(message), "\(error)")
            }
        }
    }

    /// D6 and D7 as board and composition settings: `pev_scheduled_control: voltage` reaches the role's
    /// configuration, and a `PEVPausePlan` has the vehicle pause a second into charging and resume a
    /// second later, in one process with the scripted EVCC on the twin; the session then ends clean.
    @Test func scheduledControlAndPausePlan() throws {
        let board = try BoardLoader.load(text: Self.header
                                         + "    pev_scheduled_control: voltage\n", file: "Boards/t.yaml")
        guard case .can(let spec) = board.devices[0].spec else { Issue.record("not CAN"); return }
        #expect(spec.pevScheduledControl == .voltage)
        var options = Charger.Options()
        options.pevPause = PEVPausePlan(after: .seconds(1), pausedFor: .seconds(1))
        let charger = try Charger.open(board, options: options)
        let assembly = try #require(charger.advanticsPEV)
        let evcc = try #require(assembly.evcc)
        #expect(assembly.pev?.configuration.scheduledVoltageControl == true && assembly.pev?.scheduledVoltageControl == true)
        #expect(charger.controllers.map(\.name) == ["simulated pev inlet", "advantics-evcc", "advantics-pev", "pev-pause-plan"])
        let index = Self.step(charger, atMost: 60_000) { evcc.sessionsCompleted >= 1 }
        #expect(evcc.sessionsCompleted == 1 && evcc.sessionsAborted == 0, "\(index) ticks")
        #expect(evcc.pauses == 1 && evcc.resumes == 1 && assembly.pev?.pauses == 1 && assembly.pev?.resumes == 1)
        do {
            _ = try BoardLoader.load(text: Self.header + "    pev_scheduled_control: power\n", file: "Boards/t.yaml")
            Issue.record("pev_scheduled_control: power accepted")
        } catch {
            #expect("\(error)".contains("devices.evcc.pev_scheduled_control"), "\(error)")
        }
    }

    @Test func badPEVKeysAreReported() {
        for (extra, message) in [("    pev_scaling: 2A\n", "devices.evcc.pev_scaling: expected v2.5 (default), v2-early"),
                                 ("    extended_ids: true\n", "the ADVANTICS generic PEV interface v2 uses 11-bit identifiers")] {
            do {
                _ = try BoardLoader.load(text: Self.header + extra, file: "Boards/t.yaml")
                Issue.record("\(extra) accepted")
            } catch {
                #expect("\(error)".contains(message), "\(error)")
            }
        }
        let wrongRole = Self.header.replacingOccurrences(of: "advantics-pev-can", with: "advantics-can")
            .replacingOccurrences(of: "advantics-pev\n", with: "advantics\n") + "    extended_ids: true\n    pev_scaling: v2.5\n"
        do {
            _ = try BoardLoader.load(text: wrongRole, file: "Boards/t.yaml")
            Issue.record("pev_scaling accepted on advantics-can")
        } catch {
            #expect("\(error)".contains("pev_scaling: only applies to role advantics-pev-can"), "\(error)")
        }
        let missing = Self.header.replacingOccurrences(of: "advantics-pev-can", with: "auxiliary")
        do {
            _ = try BoardLoader.load(text: missing, file: "Boards/t.yaml")
            Issue.record("advantics-pev without its device accepted")
        } catch {
            #expect("\(error)".contains("vehicle_link: advantics-pev needs a device with role advantics-pev-can"), "\(error)")
        }
    }
}
