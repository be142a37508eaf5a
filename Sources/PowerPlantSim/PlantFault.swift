/// What can be injected into the simulated plant (issue 13, item 2).
public enum PlantFault: String, Sendable, CaseIterable, CustomStringConvertible {
    /// The isolation resistance falls below the CCS threshold (`faultyIsolationOhms`).
    case isolationDrops = "isolation-drops"
    /// The supply trips: output current to zero at once, fault reported.
    case supplyTrips = "supply-trips"
    /// The supply's regulator runs away: it settles `overshootFactor` above its setpoints and ignores
    /// a switch-off (holding its last export setpoint).
    case overshoot
    /// A pole of the output contactors welds: it stays closed (or closes again) whatever the coil does.
    case contactorWelds = "contactor-welds"
    /// A pole does not close, or drops out if it was closed.
    case contactorDoesNotClose = "contactor-does-not-close"
    /// The output measurement stops updating.
    case readingStops = "reading-stops"
    /// The IMD stops producing readings.
    case imdStops = "imd-stops"
    /// The IMD's self-test fails.
    case imdSelfTestFails = "imd-self-test-fails"
    /// The car's contactor welds: the battery stays on the inlet after the car opens.
    case vehicleContactorWelds = "vehicle-contactor-welds"

    public var description: String { rawValue }
}
