import CoreTypes

/// The vehicle side's settings on the ADVANTICS generic PEV interface v2 (advantics-can.md §2.3,
/// §2.5, §2.7). The firmware-release resolutions are not here but in the codec's `PEVScaling`
/// (board file `pev_scaling`, default DB v2.5).
public struct AdvanticsPEVConfiguration: Sendable {
    /// `EV_Information`, `DC_Status1`, `DC_Status2` (and `AC_Status`) every 100 ms, always (§2.2,
    /// the VCU obligations of §2.7).
    public var statusPeriod: Nanoseconds = .milliseconds(100)
    /// No `DC_Control` for 1 s → treat as an emergency: open the DC contactors (§2.3, §2.4 0x602).
    public var dcControlTimeout: Nanoseconds = .seconds(1)
    /// How many consecutive frames carry a stop edge (`Normal_End_of_Charge`, `Emergency_Stop`) at 1
    /// before it returns to 0: the controller acts on the 0→1 change (§2.5); two frames survive one
    /// lost frame.
    public var edgeFrames = 2
    /// The contactors close only with the inlet within this of the battery (the controller's own
    /// precharge rule, §2.7 D2: |Inlet − Battery| ≤ 20 V): a closing command against a mismatch is refused.
    public var closeToleranceVolts: Double = 20
    /// `Energy_Capacity` sent in `EV_Information`; 0 → the battery model's capacity.
    public var capacityKWh: Double = 0
    /// Send the ISO 15118-20 `EV_Energy_Request` every 100 ms (from the battery model's SoC window).
    public var sendsEnergyRequest = false
    /// `[vehicle] is_bidirectional` with ISO 15118-20 Dynamic mode (§2.7 D5): `DC_Status1` carries the
    /// battery's charge and discharge limits (the charger chooses direction and setpoint within them),
    /// the energy requests allow a discharge to the battery's minimum SoC, and the V2X window and the
    /// departure time go out every 100 ms. Needs an `EVBidirectionalBattery`; ignored otherwise.
    public var bidirectional = false
    /// ISO 15118-20 Scheduled mode (§2.7 D6, `EV_Status.ISO15118_Part20_Scheduled_Mode_Control`): the
    /// controller sends the charger our target voltage (true) or our current request (false, the
    /// controller's default) in each loop message. Changeable at any time with `scheduledControl(voltage:)`.
    public var scheduledVoltageControl = false
    /// A discharge current more than this above what we allow (`Max_Discharge_Current`, 0 when not
    /// bidirectional) for longer than `dischargeExcessFor` is a fault: the contactors open. The
    /// charger follows a lowered limit within its ramp; a charger that keeps draining the pack does not.
    public var dischargeExcessAmps: Double = 10
    public var dischargeExcessFor: Nanoseconds = .milliseconds(500)
    /// AC: the on-board charger's largest draw (the battery model's maximum current if 0).
    public var acMaxAmps: Double = 32

    public init() {}
}
