/// A battery that can also give energy back (vehicle-to-grid): what a bidirectional car tells the
/// charger beyond `EVBatteryModel` — its discharge limit, the lowest SoC it may be discharged to, the
/// window it prefers to be cycled in and when it leaves (ISO 15118-20 BPT: EVMaximumDischargeCurrent,
/// EVMinimumEnergyRequest, EVMinimum/MaximumV2XEnergyRequest, DepartureTime; ADVANTICS PEV v2
/// `DC_Status1.Max_Discharge_Current`, 0x614–0x616, advantics-can.md §2.5, §2.7 D5).
///
/// `deliver(amps:volts:for:)` takes a negative current as energy leaving the battery.
/// Contract as `EVBatteryModel`: cheap, never blocks, never allocates.
public protocol EVBidirectionalBattery: EVBatteryModel {
    /// The largest current the pack may give back now, A (0 at or below `minimumSoC`).
    var dischargeAmpsLimit: Double { get }
    /// Never discharged below this SoC, %.
    var minimumSoC: Double { get }
    /// The SoC window the car prefers to be cycled in, %.
    var v2xMinimumSoC: Double { get }
    var v2xMaximumSoC: Double { get }
    /// Seconds from now until the car intends to leave (0: not known).
    var secondsToDeparture: Double { get }
    /// Energy into and out of the pack (open-circuit voltage × current × time), Wh, both positive.
    var chargedWattHours: Double { get }
    var dischargedWattHours: Double { get }
}
