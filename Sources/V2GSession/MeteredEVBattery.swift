/// A battery model that also counts the energy the EVSE delivered at its terminals (the EVSE's present
/// voltage × current, over the time the car's contactors were closed): what a test holds the
/// charger's own meter against (issue 18: within 1 %).
public protocol MeteredEVBattery: EVBatteryModel {
    /// Delivered at the terminals, Wh.
    var deliveredWattHours: Double { get }
    /// The same car arrives for another session (the bench's replug of the `sim` car): its SoC is back
    /// where it first arrived, as if it had been driven in between; the delivered energy keeps counting.
    func arriveAgain()
}

extension LinearBatteryModel: MeteredEVBattery {}
extension BenchBatteryModel: MeteredEVBattery {}
