import CoreTypes

/// A battery simple enough to reason about in a test, real enough to drive a session: the
/// open-circuit voltage rises linearly with SoC, an internal resistance adds I·R to what the car
/// asks for, the current is constant (limited by the maximum current and power) up to the bulk SoC
/// and then tapers linearly to a floor at the target SoC, where the car says ChargingComplete.
/// The SoC integrates the delivered current over time (energy = open-circuit voltage × current ×
/// time; the I²R loss heats the pack and does not charge it).
///
/// Used by the vehicle simulator, `boardctl v2g --role evcc` and the tests. Allocation-free.
public final class LinearBatteryModel: EVBatteryModel {
    /// The pack, as a charger engineer would describe it on a datasheet.
    public struct Parameters: Sendable, Equatable {
        /// Usable energy, Wh.
        public var capacityWattHours: Double = 60_000
        /// Open-circuit voltage at 0 % and 100 % SoC (a 96s NMC pack: ~330 V to ~403 V).
        public var emptyVolts: Double = 330
        public var fullVolts: Double = 410
        /// Internal resistance, Ω.
        public var internalResistance: Double = 0.05
        /// Limits the car announces (EVMaximumVoltageLimit, ...CurrentLimit, ...PowerLimit).
        public var maxVolts: Double = 450
        public var maxAmps: Double = 150
        public var maxWatts: Double = 60_000
        /// SoC at the start of the session, where the taper begins (BulkSOC) and where charging
        /// ends (FullSOC), in %.
        public var initialSoC: Double = 50
        public var bulkSoC: Double = 80
        public var targetSoC: Double = 90
        /// The current at the end of the taper, A.
        public var taperFloorAmps: Double = 5

        public init() {}
    }

    public let parameters: Parameters
    public private(set) var soc: Double
    /// Energy the EVSE delivered at its terminals (present voltage × current), Wh.
    public private(set) var deliveredWattHours: Double = 0
    /// Energy stored in the pack (open-circuit voltage × current), Wh.
    public private(set) var storedWattHours: Double = 0

    public init(_ parameters: Parameters = Parameters()) {
        self.parameters = parameters
        soc = min(max(parameters.initialSoC, 0), 100)
    }

    public var maxVolts: Double { parameters.maxVolts }
    public var maxAmps: Double { parameters.maxAmps }
    public var maxWatts: Double { parameters.maxWatts }
    public var capacityWattHours: Double { parameters.capacityWattHours }
    public var targetSoC: Double { parameters.targetSoC }
    public var bulkSoC: Double { parameters.bulkSoC }
    public var energyRequestWattHours: Double { max(0, (parameters.targetSoC - soc) / 100 * parameters.capacityWattHours) }

    /// Open-circuit voltage at the present SoC.
    public var terminalVolts: Double { openCircuitVolts(soc: soc) }

    /// The open-circuit voltage curve (linear between `emptyVolts` and `fullVolts`).
    @inlinable public func openCircuitVolts(soc: Double) -> Double {
        parameters.emptyVolts + (parameters.fullVolts - parameters.emptyVolts) * soc / 100
    }

    /// The current the pack takes at `soc`: constant to the bulk SoC, then a linear taper to the
    /// floor at the target, 0 once there.
    public func chargeAmps(soc: Double) -> Double {
        let p = parameters
        guard soc < p.targetSoC else { return 0 }
        let constant = min(p.maxAmps, p.maxWatts / max(openCircuitVolts(soc: soc), 1))
        guard soc > p.bulkSoC, p.targetSoC > p.bulkSoC else { return constant }
        let left = (p.targetSoC - soc) / (p.targetSoC - p.bulkSoC)
        return p.taperFloorAmps + (max(constant, p.taperFloorAmps) - p.taperFloorAmps) * left
    }

    public func demand() -> EVChargeDemand {
        let p = parameters
        let ocv = terminalVolts
        let amps = chargeAmps(soc: soc)
        let volts = min(p.maxVolts, ocv + amps * p.internalResistance)
        let watts = max(ocv * amps, 1)
        let toFull = energyRequestWattHours / watts * 3600
        let toBulk = max(0, (p.bulkSoC - soc) / 100 * p.capacityWattHours) / watts * 3600
        return EVChargeDemand(targetVolts: volts, targetAmps: amps, maxVolts: p.maxVolts, maxAmps: p.maxAmps,
                              maxWatts: p.maxWatts, soc: soc, bulkComplete: soc >= p.bulkSoC,
                              complete: soc >= p.targetSoC, secondsToFull: min(toFull, 172_800),
                              secondsToBulk: min(toBulk, 172_800))
    }

    /// Back at `initialSoC` (`MeteredEVBattery.arriveAgain`).
    public func arriveAgain() { soc = min(max(parameters.initialSoC, 0), 100) }

    public func deliver(amps: Double, volts: Double, for duration: Nanoseconds) {
        guard duration.count > 0, amps > 0 else { return }
        let hours = Double(duration.count) / 3.6e12
        let stored = terminalVolts * amps * hours
        deliveredWattHours += volts * amps * hours
        storedWattHours += stored
        soc = min(100, soc + stored / parameters.capacityWattHours * 100)
    }
}
