import Contracts
import CoreTypes

/// The simulated plant's physics: a supply with slew rates, a current limit and output capacitance; a
/// cable with its capacitance and the inlet's bleeder; contactors with closing and opening times; an
/// IMD with its measuring interval and self-test time; a battery behind the car's contactors. Values
/// are plausible for a 1000 V / 200 A charger, not any product's data.
public struct PlantParameters: Sendable {
    public var supply = DCSupplyCapabilities(maxVolts: 1000, minVolts: 50, maxAmps: 200, maxWatts: 150_000)
    /// How fast the supply's voltage reference moves (V/s).
    public var voltageSlew: Double = 1000
    /// How fast the supply's output current moves (A/s), up and down.
    public var currentSlew: Double = 1000
    /// The voltage loop's time constant (s).
    public var regulationTimeConstant: Double = 0.02
    /// The supply's output capacitance (F) and its active discharge while off (Ω).
    public var outputCapacitance: Double = 0.001
    public var dischargeResistance: Double = 500
    /// Below this output current the supply reports `off` after a switch-off (A).
    public var offCurrent: Double = 0.5
    /// The cable and inlet: capacitance (F) and bleeder (Ω).
    public var cableCapacitance: Double = 5e-6
    public var inletBleeder: Double = 100_000
    /// Isolation resistance of the healthy plant, and after `isolationDrops` (Ω).
    public var isolationOhms: Double = 2_000_000
    public var faultyIsolationOhms: Double = 40_000
    /// IMD: a reading every `imdInterval`; the self-test takes `imdSelfTestTime` (real Bender IMDs need
    /// seconds; v2g-session.md §2 line 36).
    public var imdInterval: Nanoseconds = .milliseconds(100)
    public var imdSelfTestTime: Nanoseconds = .seconds(2)
    /// Contactor closing and opening times, and the driver's timeouts.
    public var contactorCloseTime: Nanoseconds = .milliseconds(30)
    public var contactorOpenTime: Nanoseconds = .milliseconds(20)
    public var contactorCloseTimeout: Nanoseconds = .milliseconds(250)
    public var contactorOpenTimeout: Nanoseconds = .milliseconds(250)
    /// A runaway regulator (`overshoot`) settles this much above its setpoints.
    public var overshootFactor: Double = 1.2
    public var battery = BatteryParameters()

    public init() {}
}

/// The car's traction battery: open-circuit voltage linear in state of charge, internal resistance.
public struct BatteryParameters: Sendable {
    public var emptyVolts: Double = 330
    public var fullVolts: Double = 410
    public var capacityAmpHours: Double = 160
    public var internalResistance: Double = 0.05
    public var initialSoC: Double = 0.5
    /// The EV's limits as it announces them.
    public var maxVolts: Double = 450
    public var maxAmps: Double = 150

    public init() {}

    @inlinable public func openCircuitVolts(soc: Double) -> Double { emptyVolts + (fullVolts - emptyVolts) * soc }
}
