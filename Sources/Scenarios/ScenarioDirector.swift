import Contracts
import ControlLoop
import CoreTypes
import PowerPlantSim
import SimBoard

/// Plays a scenario's events on the `sim` composition — plant faults into the simulated plant, the
/// car's unplug and pilot faults into the simulated car — and notes what a verdict needs: the V2G
/// phases the charger's session reached and the power path's first fault. Registered after the
/// simulated vehicle. Fixed-size state: nothing allocates in a tick (the events array is read and its
/// elements updated in place).
public final class ScenarioDirector: TickController {
    public let name = "scenario"
    let facts: ChargerFacts
    let plant: SimulatedPowerPlant
    let car: SimulatedEVCharging
    private var events: [ScenarioEvent]
    /// When each event's trigger was seen (nil: not yet) and whether it fired.
    private var armedAt: [MonotonicInstant?]
    private var fired: [Bool]
    private var start: MonotonicInstant?
    /// One bit per `V2GSessionPhase.rawValue` the charger's session was in.
    public private(set) var reachedPhases: UInt64 = 0
    /// The power path's first failed outcome.
    public private(set) var firstPowerFault: PowerFault?
    /// Events fired so far.
    public private(set) var firedCount = 0
    /// The car unplugged (or gave up) and the charger is ready for the next one: pilot A, power path
    /// idle, no SLAC match.
    public private(set) var readyAgain = false
    /// The run is over: ready again, or `settleTime` after the car left without the charger getting
    /// ready (a fault the power path holds). `onFinished` is called once then (chargerd stops its loop).
    public private(set) var finished = false
    public var settleTime: Nanoseconds = .seconds(3)
    public var onFinished: (() -> Void)?
    private var carLeftAt: MonotonicInstant?

    public init(scenario: Scenario, facts: ChargerFacts, plant: SimulatedPowerPlant, car: SimulatedEVCharging) {
        self.facts = facts
        self.plant = plant
        self.car = car
        events = scenario.events
        armedAt = Array(repeating: nil, count: scenario.events.count)
        fired = Array(repeating: false, count: scenario.events.count)
    }

    public func reached(_ phase: V2GSessionPhase) -> Bool { reachedPhases & (1 << UInt64(phase.rawValue)) != 0 }

    public func tick(_ context: TickContext) {
        let now = context.now
        if start == nil { start = now }
        let phase = facts.v2g.value.phase
        reachedPhases |= 1 << UInt64(phase.rawValue)
        if firstPowerFault == nil, let fault = facts.power.value.outcome.fault { firstPowerFault = fault }
        for i in events.indices where !fired[i] {
            if armedAt[i] == nil {
                switch events[i].trigger {
                case .start: armedAt[i] = start
                case .phase(let p): if phase == p { armedAt[i] = now }
                }
            }
            guard let armed = armedAt[i], now - armed >= events[i].after else { continue }
            fired[i] = true
            firedCount += 1
            perform(events[i].action, now)
        }
        followTheEnd(now)
    }

    private func followTheEnd(_ now: MonotonicInstant) {
        guard !finished else { return }
        if carLeftAt == nil {
            switch car.phase {
            case .unplugged, .failed: carLeftAt = now
            default: return
            }
        }
        if facts.pilot.value.state == .a, facts.power.value.phase == .idle, facts.plcLink.value.matchedEV == nil {
            readyAgain = true
        }
        if readyAgain || now - carLeftAt! >= settleTime {
            finished = true
            onFinished?()
        }
    }

    private func perform(_ action: ScenarioEvent.Action, _ now: MonotonicInstant) {
        switch action {
        case .unplug: car.unplug(at: now)
        case .pilot(let state): car.pilotFault = state == .e ? .e : .f
        case .plantFault(let f): plant.inject(f)
        case .clearPlantFault(let f): plant.clear(f)
        }
    }

    public func safeStop(_ reason: StopReason) -> SafeStopReport { SafeStopReport(name, []) }
}
