import CoreTypes

/// Every limit the power path enforces, in one place. Each constant cites its line in
/// `../shared/specs/v2g-session.md` (§2, IEC 61851-23 as open implementations quote it) or
/// `advantics-can.md`; **[unverified]** marks a number no retrievable source confirmed — it stays
/// configurable and is named as such, never passed off as the standard's value.
public struct PowerPathConfiguration: Sendable {
    // MARK: Cable check

    /// Current limit while the test voltage is applied: 2 A (v2g-session.md line 34,
    /// EvseManager `CABLECHECK_CURRENT_LIMIT`).
    public var cableCheckCurrentLimit: Double = 2
    /// Isolation below this is a fault: 100 kΩ for CCS, 125 kΩ for MCS (line 35).
    public var isolationFaultThresholdOhms: Double = 100_000
    /// The output counts as at the test voltage from 90 % of it (advantics-can.md line 592).
    public var cableCheckVoltageReachedFraction: Double = 0.9
    /// Time to reach the test voltage: a supply must reach its set voltage within 6 s (line 48).
    public var cableCheckVoltageRiseLimit: Nanoseconds = .seconds(6)
    /// IMD self-test: mandatory in every cable check; 30 s timeout as in EVerest (line 36).
    public var imdSelfTestTimeout: Nanoseconds = .seconds(30)
    /// How long the isolation must stay above the threshold before the cable check passes. Our choice
    /// (ADVANTICS asks for 10 consecutive good readings, advantics-can.md line 594); configurable.
    public var isolationConfirmation: Nanoseconds = .seconds(1)
    /// Below this the output is safe to touch: 60 V (`CABLECHECK_SAFE_VOLTAGE`, line 37); also the
    /// welding check's decay threshold.
    public var safeVoltage: Double = 60
    /// **[our choice]** How long the cable check waits, our contactors open, for a charged inlet to decay
    /// below `safeVoltage` before it closes them: a cable left charged by the last session bleeds down in
    /// well under a second, the car's battery (its contactors closed) does not and fails `voltageOnInlet`.
    public var inletDecayWait: Nanoseconds = .milliseconds(1500)
    /// Some printings require the output below `safeVoltage` before the cable check ends (line 37);
    /// EVerest makes it an option, so do we.
    public var cableCheckWaitBelowSafeVoltage = true
    /// **[unverified]** Time to lower the output below `safeVoltage` after the test. No source gives a
    /// number (the 2.5 s of the short-circuit test, line 38, is a different test).
    public var cableCheckDischargeLimit: Nanoseconds = .seconds(5)
    /// The whole cable check: the SECC's CableCheck loop limit, 38 s (line 20).
    public var cableCheckTimeLimit: Nanoseconds = .seconds(38)

    // MARK: Precharge

    /// Precharge current ≤ 2 A (line 42, CC.6.1/CC.6.2 as quoted).
    public var prechargeCurrentLimit: Double = 2
    /// **[unverified]** Precharge is done within ±20 V of the target: the ADVANTICS EVCC default (line 43;
    /// pyPLC uses 10 V). The standard's own tolerance is unverified.
    public var prechargeTolerance: Double = 20
    /// The SECC's PreCharge limit, 5 s (line 21, Table 111 as quoted by two open implementations).
    public var prechargeTimeLimit: Nanoseconds = .seconds(5)

    // MARK: Charge loop

    /// Current ramp: IEC requires at least 20 A/s of ramp capability; EVerest's default 25 A/s (line 44).
    public var currentRampAmpsPerSecond: Double = 25
    /// Output above the EV's maximum voltage for this long is an emergency shutdown: 400 ms
    /// (CC.6.2, line 40).
    public var overVoltageDuration: Nanoseconds = .milliseconds(400)
    /// **[unverified]** Output current above the limit in force (plus the measurement accuracy and
    /// `overCurrentMargin`) for this long is an emergency shutdown; 400 ms by analogy with line 40.
    public var overCurrentDuration: Nanoseconds = .milliseconds(400)
    /// **[unverified]** Extra current allowed above the setpoint before over-current counts (our choice).
    public var overCurrentMargin: Double = 2
    /// Measurement accuracy: ±10 V (line 45); added to the cable-check voltage limit.
    public var voltageAccuracy: Double = 10
    /// Measurement accuracy: ±1.5 % or ±0.5 A, whichever is larger (line 45).
    public var currentAccuracyFraction: Double = 0.015
    public var currentAccuracyMinimum: Double = 0.5

    // MARK: Stop and welding check

    /// Contactors open only once the current is below 1 A (CCS; advantics-can.md lines 635–636).
    public var contactorSafeCurrent: Double = 1
    /// **[unverified]** How long the supply may take to bring the current to a safe level after it is
    /// switched off (line 49: no retrievable source gives the CC.3.4 decay time). Also bounds an output
    /// the supply keeps while commanded off.
    public var currentDecayLimit: Nanoseconds = .seconds(1)
    /// Contactors open, the inlet voltage must fall below `safeVoltage` within 2 s (line 46,
    /// WeldingDetectionReq timeout).
    public var weldingCheckTimeLimit: Nanoseconds = .seconds(2)

    /// How long isolation must stay below the threshold before it is a fault. 0 (at once) by default;
    /// a site whose IMD shows transient low readings at the start of charge may allow a grace period
    /// (v2g-session.md §3 row 4, EVerest#2498). Our choice, configurable.
    public var isolationFaultConfirmation: Nanoseconds = .zero

    // MARK: Readings

    /// The output measurement is stale after 500 ms: V/I are published at ≥ 1 Hz, 4 Hz recommended
    /// (line 48); two missed 4 Hz samples. A shorter bound suits a meter read every tick.
    public var measurementStaleAfter: Nanoseconds = .milliseconds(500)
    /// The IMD's reading is stale after 12 s: Bender IMDs need ~10 s per trustworthy reading (line 36).
    public var isolationStaleAfter: Nanoseconds = .seconds(12)

    public init() {}
}
