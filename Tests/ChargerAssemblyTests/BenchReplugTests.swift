import Contracts
import ControlLoop
import CoreTypes
import HAL
import SimBoard
import Testing
import V2GSession

/// The sim car's side of `POST /api/bench/start` on a manual clock: it replugs only once its session
/// is over, stays unplugged (pilot A) for `replugPause` so the charger lets the last car go, then
/// plugs in with its pack as on arrival and waits for SLAC as after the first plug-in.
@Suite struct BenchReplugTests {
    static func context(_ ms: Int64, _ i: UInt64) -> TickContext {
        TickContext(now: MonotonicInstant(nanoseconds: ms * 1_000_000), index: i, period: .milliseconds(1))
    }

    static func car(_ network: SimulatedIPNetwork, _ battery: LinearBatteryModel) throws -> SimulatedEVCharging {
        try SimulatedEVCharging(ip: network.attach("ev0", mac: MACAddress(0x02, 0, 0, 0, 0, 0x0B)), plant: nil, helper: nil,
                                battery: battery)
    }

    @Test func replugsOnlyAfterTheSessionAndAfterAPause() throws {
        let network = SimulatedIPNetwork()
        let battery = LinearBatteryModel()
        let car = try Self.car(network, battery)
        car.tick(Self.context(1, 0), matched: false)
        #expect(car.phase == .waitingForSLAC)
        // Plugged in, waiting for SLAC: its session is running, the replug is refused.
        #expect(!car.replug(at: MonotonicInstant(nanoseconds: 2_000_000)))
        #expect(car.replugsRefused == 1 && car.plugInAt == nil)

        // A session charged it; the car leaves.
        battery.deliver(amps: 100, volts: 400, for: .seconds(600))
        let charged = battery.soc
        #expect(charged > battery.parameters.initialSoC)
        car.unplug(at: MonotonicInstant(nanoseconds: 3_000_000))
        #expect(car.phase == .unplugged)
        #expect(car.replug(at: MonotonicInstant(nanoseconds: 10_000_000)))
        #expect(!car.replug(at: MonotonicInstant(nanoseconds: 11_000_000)), "one replug at a time")
        #expect(car.replugsRefused == 2)
        let plugIn = try #require(car.plugInAt)
        #expect(plugIn == MonotonicInstant(nanoseconds: 10_000_000) + SimulatedEVCharging.replugPause)

        // Unplugged until the pause is over, then plugged in (B) and waiting for SLAC again.
        car.tick(Self.context(10 + 999, 1), matched: false)
        #expect(car.phase == .unplugged && car.replugs == 0)
        #expect(battery.soc == charged, "still the car that left")
        car.tick(Self.context(10 + 1000, 2), matched: false)
        #expect(car.phase == .waitingForSLAC)
        #expect(battery.soc == battery.parameters.initialSoC, "it arrives as it first did")
        #expect(car.replugs == 1 && car.plugInAt == nil && car.unpluggedAt == nil)
        // With SLAC matched it looks for the charger again (SDP), as after the first plug-in.
        car.tick(Self.context(10 + 1001, 3), matched: true)
        #expect(car.phase == .discovering)
    }
}
