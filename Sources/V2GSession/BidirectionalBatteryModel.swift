import CoreTypes

/// `LinearBatteryModel`'s pack that also discharges: the same open-circuit curve and charge taper
/// (the curve is borrowed from a `LinearBatteryModel` with the same parameters), plus a constant
/// discharge limit down to the minimum SoC. The SoC integrates the current both ways and the energy
/// is counted separately in and out, so a bidirectional session shows what went where.
/// Allocation-free.
public final class BidirectionalBatteryModel: EVBidirectionalBattery {
    public struct Parameters: Sendable, Equatable {
        /// The pack as `LinearBatteryModel` describes it (charge side).
        public var pack = LinearBatteryModel.Parameters()
        /// The largest discharge current and power the pack gives back.
        public var maxDischargeAmps: Double = 100
        public var maxDischargeWatts: Double = 40_000
        /// Floor of the discharge and the preferred cycling window, %.
        public var minimumSoC: Double = 20
        public var v2xMinimumSoC: Double = 40
        public var v2xMaximumSoC: Double = 80
        /// Departure time announced at the start, s (0: not known); counts down as time passes.
        public var departureSeconds: Double = 0

        public init() {}
    }

    public let parameters: Parameters
    private let curve: LinearBatteryModel
    public private(set) var soc: Double
    public private(set) var chargedWattHours: Double = 0
    public private(set) var dischargedWattHours: Double = 0
    /// Energy at the EVSE's terminals, into the car (positive) and out of it (negative), Wh.
    public private(set) var deliveredWattHours: Double = 0
    private var elapsedSeconds: Double = 0

    public init(_ parameters: Parameters = Parameters()) {
        self.parameters = parameters
        curve = LinearBatteryModel(parameters.pack)
        soc = min(max(parameters.pack.initialSoC, 0), 100)
    }

    public var maxVolts: Double { parameters.pack.maxVolts }
    public var maxAmps: Double { parameters.pack.maxAmps }
    public var maxWatts: Double { parameters.pack.maxWatts }
    public var capacityWattHours: Double { parameters.pack.capacityWattHours }
    public var targetSoC: Double { parameters.pack.targetSoC }
    public var bulkSoC: Double { parameters.pack.bulkSoC }
    public var minimumSoC: Double { parameters.minimumSoC }
    public var v2xMinimumSoC: Double { parameters.v2xMinimumSoC }
    public var v2xMaximumSoC: Double { parameters.v2xMaximumSoC }
    public var energyRequestWattHours: Double { max(0, (targetSoC - soc) / 100 * capacityWattHours) }
    public var terminalVolts: Double { curve.openCircuitVolts(soc: soc) }
    public var secondsToDeparture: Double {
        parameters.departureSeconds > 0 ? max(0, parameters.departureSeconds - elapsedSeconds) : 0
    }

    public var dischargeAmpsLimit: Double {
        guard soc > parameters.minimumSoC else { return 0 }
        return min(parameters.maxDischargeAmps, parameters.maxDischargeWatts / max(terminalVolts, 1))
    }

    public func demand() -> EVChargeDemand {
        let p = parameters.pack
        let ocv = terminalVolts
        let amps = curve.chargeAmps(soc: soc)
        let watts = max(ocv * amps, 1)
        let toBulk = max(0, (p.bulkSoC - soc) / 100 * p.capacityWattHours) / watts * 3600
        return EVChargeDemand(targetVolts: min(p.maxVolts, ocv + amps * p.internalResistance), targetAmps: amps,
                              maxVolts: p.maxVolts, maxAmps: p.maxAmps, maxWatts: p.maxWatts, soc: soc,
                              bulkComplete: soc >= p.bulkSoC, complete: soc >= p.targetSoC,
                              secondsToFull: min(energyRequestWattHours / watts * 3600, 172_800),
                              secondsToBulk: min(toBulk, 172_800))
    }

    /// `amps` > 0 charges the pack, < 0 discharges it (at the open-circuit voltage; the I²R loss heats
    /// the pack either way).
    public func deliver(amps: Double, volts: Double, for duration: Nanoseconds) {
        guard duration.count > 0 else { return }
        let seconds = Double(duration.count) / 1e9
        elapsedSeconds += seconds
        guard amps != 0 else { return }
        let hours = seconds / 3600
        let stored = terminalVolts * amps * hours
        deliveredWattHours += volts * amps * hours
        if stored > 0 { chargedWattHours += stored } else { dischargedWattHours -= stored }
        soc = min(100, max(0, soc + stored / capacityWattHours * 100))
    }
}
