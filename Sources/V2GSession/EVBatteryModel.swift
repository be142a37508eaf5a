import CoreTypes

/// What the car's battery management asks of the charger at one moment: the target voltage and
/// current of PreChargeReq/CurrentDemandReq (DIN 70121 §9.4.2, ISO 15118-2 §8.4.5), its limits and
/// whether it is done. Fixed size, built every round without allocation.
@frozen
public struct EVChargeDemand: Sendable, Equatable, BitwiseCopyable {
    /// EVTargetVoltage.
    public var targetVolts: Double
    /// EVTargetCurrent (0 when the battery is full or must not take current).
    public var targetAmps: Double
    /// EVMaximumVoltageLimit, EVMaximumCurrentLimit, EVMaximumPowerLimit.
    public var maxVolts: Double
    public var maxAmps: Double
    public var maxWatts: Double
    /// EVRESSSOC, 0–100 %.
    public var soc: Double
    /// BulkChargingComplete: past the bulk SoC (the taper has begun).
    public var bulkComplete: Bool
    /// ChargingComplete: the target SoC is reached; the car ends the charge loop.
    public var complete: Bool
    /// RemainingTimeToFullSoC / RemainingTimeToBulkSoC in seconds at the present demand.
    public var secondsToFull: Double
    public var secondsToBulk: Double

    public init(targetVolts: Double = 0, targetAmps: Double = 0, maxVolts: Double = 0, maxAmps: Double = 0,
                maxWatts: Double = 0, soc: Double = 0, bulkComplete: Bool = false, complete: Bool = false,
                secondsToFull: Double = 0, secondsToBulk: Double = 0) {
        self.targetVolts = targetVolts
        self.targetAmps = targetAmps
        self.maxVolts = maxVolts
        self.maxAmps = maxAmps
        self.maxWatts = maxWatts
        self.soc = soc
        self.bulkComplete = bulkComplete
        self.complete = complete
        self.secondsToFull = secondsToFull
        self.secondsToBulk = secondsToBulk
    }
}

/// The hook that drives the EVCC: a battery (or a script, or a real BMS on a bench) says what it
/// wants, and learns what it got. The EVCC asks `demand()` for every PreChargeReq and
/// CurrentDemandReq and tells `deliver` the current the EVSE reported, for the time it flowed, while
/// the car's contactors are closed.
///
/// Contract: both calls are cheap, never block and never allocate (the EVCC calls them in its tick).
/// A class so the EVCC holds it without copying and a test can read it after the session.
public protocol EVBatteryModel: AnyObject {
    /// State of charge, 0–100 %.
    var soc: Double { get }
    /// The voltage behind the car's contactors now (open-circuit voltage at this SoC): what
    /// precharge must match before the car closes its contactors.
    var terminalVolts: Double { get }
    /// The battery's limits, sent in ChargeParameterDiscoveryReq (EVMaximum*Limit) and every
    /// CurrentDemandReq.
    var maxVolts: Double { get }
    var maxAmps: Double { get }
    var maxWatts: Double { get }
    /// Usable capacity and what is still missing to the target SoC, in Wh (ISO 15118-2
    /// EVEnergyCapacity / EVEnergyRequest).
    var capacityWattHours: Double { get }
    var energyRequestWattHours: Double { get }
    /// FullSOC and BulkSOC in ChargeParameterDiscoveryReq, 0–100 %.
    var targetSoC: Double { get }
    var bulkSoC: Double { get }
    /// What to ask for now.
    func demand() -> EVChargeDemand
    /// `amps` flowed into the battery at `volts` (the EVSE's present values) for `duration`.
    func deliver(amps: Double, volts: Double, for duration: Nanoseconds)
}
