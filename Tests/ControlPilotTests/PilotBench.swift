import Contracts
import Drivers
import SimBoard
import ChargerAssembly
import ControlLoop
import ControlPilot
import HAL
import Runtime

/// A charger's control pilot in one deterministic tick loop (ManualClock, 1 ms): its front end as the
/// loop's I/O source, the controller, and every event with the tick it appeared in. The benches of
/// the two front ends (the helper over a pty, the direct board on twins) add their far side.
class PilotBench {
    let pilot: ControlPilot
    let clock = ManualClock()
    let loop: TickLoop
    private(set) var tick = 0
    /// Every event with the tick it appeared in.
    private(set) var events: [(tick: Int, event: PilotEvent)] = []
    /// How many ticks `run(until:)` waits by default.
    let defaultLimit: Int

    init(source: any IOSource, pilot: ControlPilot, defaultLimit: Int) {
        self.pilot = pilot
        self.defaultLimit = defaultLimit
        loop = TickLoop(period: .milliseconds(1), clock: clock, waiter: SimulatedWaiter(clock: clock))
        loop.addSource(source)
        loop.addController(pilot)
    }

    /// The far side's half of a tick, before the charger's (nothing by default).
    func stepFarSide() {}

    /// The charger's half of a tick.
    func runCycle() {
        loop.runCycle()
        tick += 1
        while let e = pilot.events.pop() { events.append((tick, e)) }
    }

    func step(_ n: Int = 1) {
        for _ in 0..<n {
            stepFarSide()
            runCycle()
        }
    }

    /// Steps until `event` appears (or `limit` ticks pass); returns its tick.
    @discardableResult
    func run(until event: PilotEvent, limit: Int? = nil) -> Int? {
        let start = events.count
        for _ in 0..<(limit ?? defaultLimit) {
            step()
            if let hit = events[start...].first(where: { $0.event == event }) { return hit.tick }
        }
        return nil
    }

    func eventsSince(_ tick: Int) -> [PilotEvent] { events.filter { $0.tick > tick }.map(\.event) }
}
