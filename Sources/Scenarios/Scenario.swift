import Contracts
import PowerPlantSim
import CoreTypes
import V2G
import V2GSession

/// One scenario file (`Scenarios/*.yaml`, schema in Scenarios/README.md): the car (what it offers,
/// its battery, its scripted behaviour), plant settings, events during the session, and the outcome
/// a test or `chargerd --scenario` checks. A plain value: loading it allocates, running it does not.
public struct Scenario: Sendable {
    /// The file's name without `.yaml`, and what it plays.
    public var name: String
    public var description: String = ""
    /// What the car offers in supportedAppProtocolReq, highest priority first.
    public var protocols: [V2GProtocol] = [.iso15118_2, .din70121]
    /// The car's battery; nil fields take the `sim` board's compressed pack (see `benchPack`).
    public var battery = BatterySettings()
    /// The car sends SessionStopReq right after this request's answer (v2g-session.md §3 #9).
    public var sessionStopAfter: V2GRequestKind?
    /// Overrides of the simulated plant (a slow supply for a precharge timeout).
    public var plant = PlantSettings()
    /// What happens during the session, in file order.
    public var events: [ScenarioEvent] = []
    /// What must have happened.
    public var expect = ScenarioExpectation()

    public init(name: String) { self.name = name }
}

/// The car's battery in a scenario: every field optional, on top of the sim board's compressed pack.
public struct BatterySettings: Sendable, Equatable {
    public var capacityWattHours: Double?
    public var initialSoC: Double?
    public var targetSoC: Double?
    public var bulkSoC: Double?
    public var maxVolts: Double?
    public var maxAmps: Double?
    public var maxWatts: Double?
    public var chargeVolts: Double?
    public var terminationAmps: Double?
    public var internalResistance: Double?
    public var curve: [BenchBatteryModel.CurvePoint]?
    public var stopAfterCharging: Nanoseconds?
    public var lowTargetFor: Nanoseconds?
    public var lowTargetOffsetVolts: Double?

    public init() {}

    /// Applies the set fields to `pack`.
    public func apply(to pack: inout BenchBatteryModel.Parameters) {
        if let capacityWattHours { pack.capacityWattHours = capacityWattHours }
        if let initialSoC { pack.initialSoC = initialSoC }
        if let targetSoC { pack.targetSoC = targetSoC }
        if let bulkSoC { pack.bulkSoC = bulkSoC }
        if let maxVolts { pack.maxVolts = maxVolts }
        if let maxAmps { pack.maxAmps = maxAmps }
        if let maxWatts { pack.maxWatts = maxWatts }
        if let chargeVolts { pack.chargeVolts = chargeVolts }
        if let terminationAmps { pack.terminationAmps = terminationAmps }
        if let internalResistance { pack.internalResistance = internalResistance }
        if let curve { pack.curve = curve }
        if let stopAfterCharging { pack.stopAfterCharging = stopAfterCharging }
        if let lowTargetFor { pack.lowTargetFor = lowTargetFor }
        if let lowTargetOffsetVolts { pack.lowTargetOffsetVolts = lowTargetOffsetVolts }
    }
}

/// Overrides of the simulated plant's physics.
public struct PlantSettings: Sendable, Equatable {
    /// The supply's voltage slew, V/s.
    public var voltageSlew: Double?
    public init() {}
}

/// When an event fires: at the first tick of a V2G phase (or at the start), plus a delay.
public struct ScenarioEvent: Sendable, Equatable {
    public enum Trigger: Sendable, Equatable {
        /// From the start of the run.
        case start
        /// The first tick the charger's V2G session is in this phase.
        case phase(V2GSessionPhase)
    }

    public enum Action: Sendable, Equatable {
        /// The car unplugs (pilot A), its contactors open, its EVCC stops.
        case unplug
        /// The car's pilot shows a fault (E: the CP line shorted, or F).
        case pilot(PilotFaultState)
        /// A fault of the simulated plant, injected or cleared.
        case plantFault(PlantFault)
        case clearPlantFault(PlantFault)
    }

    public enum PilotFaultState: String, Sendable, Equatable { case e = "E", f = "F" }

    public var trigger: Trigger
    public var after: Nanoseconds
    public var action: Action

    public init(trigger: Trigger, after: Nanoseconds = .zero, action: Action) {
        self.trigger = trigger
        self.after = after
        self.action = action
    }
}

/// The outcome a scenario promises. Unset fields are not checked.
public struct ScenarioExpectation: Sendable, Equatable {
    /// The charger's V2G stop reason (`V2GStopReason`'s descriptions: "completed", "power fault", …).
    public var stopReason: V2GStopReason?
    /// The protocol both agreed on.
    public var negotiated: V2GProtocol?
    /// Phases the charger's session must have reached, and must not have.
    public var reached: [V2GSessionPhase] = []
    public var notReached: [V2GSessionPhase] = []
    /// The power path's first fault (`PowerFault`'s description), or "none".
    public var powerFault: String?
    /// At the end: supply off; output contactors open (false for a welded contactor).
    public var supplyOff: Bool? = true
    public var contactorsOpen: Bool? = true
    /// At the end: the car's contactors open (false for a welded one).
    public var carContactorsOpen: Bool? = true
    /// The car reached its target SoC (true) or stopped below it (false).
    public var targetSoCReached: Bool?
    /// Energy: the charger's meter within this many percent of the battery model's, and at least this
    /// many Wh delivered (0: none needed).
    public var energyTolerancePercent: Double? = 1
    public var minimumEnergyWattHours: Double?
    /// The car unplugged and the charger is ready for the next one (pilot A, power path idle).
    public var readyAgain: Bool? = true

    public init() {}
}
