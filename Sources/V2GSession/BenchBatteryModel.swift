import CoreTypes

/// A traction battery as a bench engineer describes it, for `evsim` and the scenario files: usable
/// capacity, an open-circuit-voltage curve over SoC (a table, linear in between), internal
/// resistance, the car's limits, and a CC/CV charge: the BMS asks for the most current its limits
/// allow (maximum current, maximum power) until the voltage at its terminals (OCV + I·R) would pass
/// the charge voltage limit, then for the current that holds it there — the taper falls out of the
/// curve as the OCV rises. It says ChargingComplete at the target SoC, or when the CV current has
/// fallen to the termination current.
///
/// Two bench behaviours of real BMSs (v2g-session.md §3 #9) are parameters, so a scenario can play
/// them: a stop a set time into the charge loop (VW ID.4: 1.5 s into the ramp; a driver pressing
/// stop), and a target voltage below the battery's for the first seconds of the loop (Škoda Enyaq,
/// EVerest's `hack_skoda_enyaq`).
///
/// The SoC integrates the delivered current at the open-circuit voltage (the I²R loss heats the pack).
/// Allocation-free after `init` (the curve is read, never grown).
public final class BenchBatteryModel: EVBatteryModel {
    /// One point of the open-circuit-voltage curve.
    public struct CurvePoint: Sendable, Equatable {
        public var soc: Double
        public var volts: Double
        public init(soc: Double, volts: Double) {
            self.soc = soc
            self.volts = volts
        }
    }

    public struct Parameters: Sendable, Equatable {
        /// Usable energy, Wh.
        public var capacityWattHours: Double = 60_000
        /// OCV over SoC (% → V), ascending in SoC; at least one point. Default: a 96s NMC pack.
        public var curve: [CurvePoint] = [
            .init(soc: 0, volts: 300), .init(soc: 10, volts: 340), .init(soc: 20, volts: 352), .init(soc: 40, volts: 364),
            .init(soc: 60, volts: 376), .init(soc: 80, volts: 390), .init(soc: 100, volts: 403),
        ]
        /// Internal resistance, Ω.
        public var internalResistance: Double = 0.05
        /// EVMaximumVoltageLimit, EVMaximumCurrentLimit, EVMaximumPowerLimit.
        public var maxVolts: Double = 450
        public var maxAmps: Double = 150
        public var maxWatts: Double = 60_000
        /// The CV phase's terminal voltage (4.2 V per cell × 96 by default).
        public var chargeVolts: Double = 403.2
        /// The car ends the loop once the CV current has fallen below this, A.
        public var terminationAmps: Double = 5
        /// SoC at the start of the session and where charging ends, %.
        public var initialSoC: Double = 50
        public var targetSoC: Double = 90
        /// BulkSOC (ChargeParameterDiscoveryReq), %.
        public var bulkSoC: Double = 80
        /// The car stops this long after its contactors closed for the charge loop (nil: it charges to the target).
        public var stopAfterCharging: Nanoseconds? = nil
        /// For this long after the first CurrentDemand the car asks for its battery's voltage plus
        /// `lowTargetOffsetVolts` (negative: below the battery), then as usual.
        public var lowTargetFor: Nanoseconds = .zero
        public var lowTargetOffsetVolts: Double = 0

        public init() {}

        /// A two-point (linear) curve from `emptyVolts` at 0 % to `fullVolts` at 100 %.
        public mutating func linearCurve(emptyVolts: Double, fullVolts: Double) {
            curve = [.init(soc: 0, volts: emptyVolts), .init(soc: 100, volts: fullVolts)]
        }
    }

    public let parameters: Parameters
    public private(set) var soc: Double
    /// Energy the EVSE delivered at its terminals (present voltage × current), Wh.
    public private(set) var deliveredWattHours: Double = 0
    /// Energy stored in the pack (open-circuit voltage × current), Wh.
    public private(set) var storedWattHours: Double = 0
    /// How long the car's contactors have been closed (the clock of the stop and low-target quirks).
    public private(set) var chargingFor: Nanoseconds = .zero
    private var charging = false
    private let points: [CurvePoint]

    public init(_ parameters: Parameters = Parameters()) {
        self.parameters = parameters
        points = parameters.curve.isEmpty ? [CurvePoint(soc: 0, volts: 0)] : parameters.curve
        soc = min(max(parameters.initialSoC, 0), 100)
    }

    /// Back at `initialSoC`, the quirks' clock reset (`MeteredEVBattery.arriveAgain`).
    public func arriveAgain() {
        soc = min(max(parameters.initialSoC, 0), 100)
        charging = false
        chargingFor = .zero
    }

    public var maxVolts: Double { parameters.maxVolts }
    public var maxAmps: Double { parameters.maxAmps }
    public var maxWatts: Double { parameters.maxWatts }
    public var capacityWattHours: Double { parameters.capacityWattHours }
    public var targetSoC: Double { parameters.targetSoC }
    public var bulkSoC: Double { parameters.bulkSoC }
    public var energyRequestWattHours: Double { max(0, (parameters.targetSoC - soc) / 100 * parameters.capacityWattHours) }
    public var terminalVolts: Double { openCircuitVolts(soc: soc) }

    /// The OCV curve, linear between its points and flat beyond its ends.
    public func openCircuitVolts(soc: Double) -> Double {
        let first = points[0]
        if soc <= first.soc { return first.volts }
        var previous = first
        for i in 1..<points.count {
            let p = points[i]
            if soc <= p.soc {
                let span = p.soc - previous.soc
                return span > 0 ? previous.volts + (p.volts - previous.volts) * (soc - previous.soc) / span : p.volts
            }
            previous = p
        }
        return previous.volts
    }

    /// The CC/CV current at `soc`: the maximum current and power limits, and what keeps OCV + I·R at
    /// the charge voltage; 0 from the target SoC on.
    public func chargeAmps(soc: Double) -> Double {
        let p = parameters
        guard soc < p.targetSoC else { return 0 }
        let ocv = openCircuitVolts(soc: soc)
        let constant = min(p.maxAmps, p.maxWatts / max(ocv, 1))
        let cv = p.internalResistance > 0 ? (p.chargeVolts - ocv) / p.internalResistance : constant
        return max(0, min(constant, cv))
    }

    /// In the CV phase: the charge voltage limits the current, not the car's maximum.
    public func inConstantVoltage(soc: Double) -> Bool {
        let p = parameters
        let ocv = openCircuitVolts(soc: soc)
        return chargeAmps(soc: soc) < min(p.maxAmps, p.maxWatts / max(ocv, 1))
    }

    /// The car is done: the target SoC, the CV current at the termination current, or its scripted stop.
    public var isComplete: Bool {
        let p = parameters
        if soc >= p.targetSoC { return true }
        if let stop = p.stopAfterCharging, charging, chargingFor >= stop { return true }
        return inConstantVoltage(soc: soc) && chargeAmps(soc: soc) <= p.terminationAmps
    }

    public func demand() -> EVChargeDemand {
        let p = parameters
        let ocv = terminalVolts
        let complete = isComplete
        let amps = complete ? 0 : chargeAmps(soc: soc)
        var volts = min(p.maxVolts, min(p.chargeVolts, ocv + amps * p.internalResistance))
        if p.lowTargetFor > .zero, chargingFor < p.lowTargetFor { volts = max(0, ocv + p.lowTargetOffsetVolts) }
        let watts = max(ocv * amps, 1)
        let toFull = energyRequestWattHours / watts * 3600
        let toBulk = max(0, (p.bulkSoC - soc) / 100 * p.capacityWattHours) / watts * 3600
        return EVChargeDemand(targetVolts: volts, targetAmps: amps, maxVolts: p.maxVolts, maxAmps: p.maxAmps,
                              maxWatts: p.maxWatts, soc: soc, bulkComplete: soc >= p.bulkSoC || inConstantVoltage(soc: soc),
                              complete: complete, secondsToFull: min(toFull, 172_800), secondsToBulk: min(toBulk, 172_800))
    }

    public func deliver(amps: Double, volts: Double, for duration: Nanoseconds) {
        guard duration.count > 0 else { return }
        // The EVCC delivers from the moment the car's contactors close (PowerDelivery(start)).
        if charging { chargingFor = chargingFor + duration }
        charging = true
        guard amps > 0 else { return }
        let hours = Double(duration.count) / 3.6e12
        let stored = terminalVolts * amps * hours
        deliveredWattHours += volts * amps * hours
        storedWattHours += stored
        soc = min(100, soc + stored / parameters.capacityWattHours * 100)
    }
}
