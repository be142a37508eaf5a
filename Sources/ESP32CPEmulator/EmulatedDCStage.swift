import HAL

/// The DC side of firmware revisions R3/R4 (esp32-cp-uart.md §11) for the emulator: the DC state
/// machine IDLE → SOFTSTART_V → SOFTSTART_I → RUNNING → SOFTSTOP_I → SOFTSTOP_V → IDLE (plus E_STOP
/// and FAULT) stepped every 100 ms with the voltage and current ramps, the limits (v_min…v_max,
/// i_max, power-derived current P/V), the gating (power only in CP C/D with the contactor's aux
/// closed and no E-stop, unless `ignore_cp`), the contactor with its aux contact, and a small plant
/// behind it: the module output (an ideal source at the ramped voltage, current-limited), the
/// output's bleeder when the modules are off, and the vehicle's battery behind its own contactors.
///
/// Fault hooks: `moduleFault` (the modules trip: FAULT, output off), `contactorFault` (does not close,
/// or welded), `pressEmergencyStop()` (the helper's E-stop input).
public final class EmulatedDCStage {
    /// The firmware's enum order (it prints the integer).
    public enum State: Int, Sendable { case idle = 0, softStartV, softStartI, running, softStopI, softStopV, eStop, fault }
    public enum ContactorFault: Sendable { case none, doesNotClose, welded }

    // Configuration (`dc.cfg`), firmware defaults.
    public var voltsMin = 200.0, voltsMax = 1000.0, powerMaxWatts = 30_000.0, ampsHardMax = 200.0
    public var rampVoltsPerSecond = 50.0, rampAmpsPerSecond = 20.0
    /// R4 default: true (the bench override).
    public var ignoreControlPilot = true
    public var moduleAddress = 1
    /// Modules that answer on the CAN bus (0: no CAN, the DC calls do nothing).
    public var moduleCount = 1

    // Host intent and the ramped commands.
    public private(set) var enabled = false
    public private(set) var state = State.idle
    public private(set) var voltsTarget = 0.0, ampsTarget = 0.0
    public private(set) var voltsSet = 0.0, ampsSet = 0.0

    // Contactor.
    public private(set) var contactorCommanded = false
    public var contactorFault = ContactorFault.none
    /// The aux contact (and the contacts themselves) closed.
    public var contactorClosed: Bool {
        switch contactorFault {
        case .none: contactorCommanded
        case .doesNotClose: false
        case .welded: true
        }
    }
    public private(set) var emergencyStopLatched = false
    /// `sys.set_mode hw`: the contactor GPIO is driven, and the firmware opens it itself at the end of
    /// a soft stop and on an emergency stop. In "sim" (the boot default) it only echoes commands.
    public var hardwareMode = false

    // Plant.
    public var moduleFault = false
    /// The vehicle's battery behind its contactors (the test closes them after precharge).
    public var batteryConnected = false
    public var batteryVolts = 380.0
    public var batteryOhms = 0.05
    /// The output's discharge time constant with the modules off (bleeder resistor and capacitance).
    public var bleedTimeConstant = 0.2
    public private(set) var outputVolts = 0.0
    public private(set) var outputAmps = 0.0
    /// What the firmware's ramp saw last (for tests).
    public private(set) var rampTicks = 0

    public init() {}

    var modulesOn: Bool {
        switch state {
        case .softStartV, .softStartI, .running, .softStopI, .softStopV: !moduleFault && moduleCount > 0
        case .idle, .eStop, .fault: false
        }
    }

    // MARK: - Calls

    /// `dc.enable {on}`: closes the contactor first when its aux is open.
    public func enable(_ on: Bool) {
        if on, !contactorClosed { contactorCommanded = true }
        enabled = on
    }

    /// `dc.set {v,i}`: clamped to the configured limits. Power (`p_w`/`p_kw`) optional.
    public func set(volts: Double?, amps: Double?, powerWatts: Double?) {
        if let volts { voltsTarget = clamp(volts, voltsMin, voltsMax) }
        if let amps { ampsTarget = clamp(amps, 0, ampsHardMax) }
        if let p = powerWatts, p > 0 { powerMaxWatts = clamp(p, 1000, 100_000) }
    }

    /// `dc.estop`: everything off at once, the contactor opened.
    public func emergencyStop() {
        state = .eStop
        enabled = false
        voltsTarget = 0
        ampsTarget = 0
        voltsSet = 0
        ampsSet = 0
        if hardwareMode { contactorCommanded = false }
    }

    /// The E-stop input.
    public func pressEmergencyStop() {
        emergencyStopLatched = true
        emergencyStop()
    }

    /// `dc.estop.clear`: releases the latched input (the firmware stays in E_STOP until reset).
    public func clearEmergencyStop() { emergencyStopLatched = false }

    /// `contactor.set {on}`.
    public func setContactor(_ on: Bool) {
        contactorCommanded = on
        if !on, enabled { enabled = false }
    }

    /// Back to the boot state (reset, or a test's fresh start).
    public func reboot() {
        enabled = false
        state = .idle
        voltsTarget = 0
        ampsTarget = 0
        voltsSet = 0
        ampsSet = 0
        contactorCommanded = false
        emergencyStopLatched = false
        hardwareMode = false
        ignoreControlPilot = true
        rampVoltsPerSecond = 50
        rampAmpsPerSecond = 20
    }

    // MARK: - Time

    /// The firmware's 100 ms ramp tick; `pilot` is its debounced CP letter.
    public func rampTick(pilot: EmulatedPilotState) {
        rampTicks += 1
        if moduleFault, state != .eStop { state = .fault }
        if state == .fault { return }
        let ready = ((pilot == .c || pilot == .d) && contactorClosed && !emergencyStopLatched) || ignoreControlPilot
        if !ready {
            if state != .eStop { state = .idle }
            return
        }
        if enabled {
            if state == .idle { state = .softStartV }
        } else if state == .running || state == .softStartV || state == .softStartI {
            state = .softStopI
        }
        let dv = rampVoltsPerSecond * 0.1
        let di = rampAmpsPerSecond * 0.1
        switch state {
        case .softStartV:
            let target = clamp(voltsTarget, voltsMin, voltsMax)
            voltsSet = toward(voltsSet, target, dv)
            ampsSet = toward(ampsSet, 0, di)
            if abs(voltsSet - target) < 1 { state = .softStartI }
        case .softStartI:
            let target = min(clamp(ampsTarget, 0, ampsHardMax), allowedAmps())
            ampsSet = toward(ampsSet, target, di)
            if abs(ampsSet - target) < 0.5 { state = .running }
        case .running:
            let target = min(clamp(ampsTarget, 0, ampsHardMax), allowedAmps())
            voltsSet = toward(voltsSet, clamp(voltsTarget, voltsMin, voltsMax), dv)
            ampsSet = toward(ampsSet, target, di)
        case .softStopI:
            ampsSet = toward(ampsSet, 0, di)
            if ampsSet <= 0.1 { state = .softStopV }
        case .softStopV:
            voltsSet = toward(voltsSet, voltsMin, dv)
            if abs(voltsSet - voltsMin) < 1 {
                state = .idle
                if hardwareMode { contactorCommanded = false }
            }
        case .idle, .eStop, .fault:
            break
        }
    }

    /// The plant over `seconds`.
    public func physics(seconds dt: Double) {
        let connected = contactorClosed && batteryConnected
        if modulesOn {
            let limit = max(0, min(ampsSet, powerMaxWatts / max(voltsSet, 1)))
            if connected {
                let demand = (voltsSet - batteryVolts) / batteryOhms
                if demand <= 0 {
                    outputVolts = batteryVolts
                    outputAmps = 0
                } else if demand > limit {
                    outputAmps = limit
                    outputVolts = batteryVolts + limit * batteryOhms
                } else {
                    outputAmps = demand
                    outputVolts = voltsSet
                }
            } else {
                outputVolts = voltsSet
                outputAmps = 0
            }
        } else {
            outputAmps = 0
            if connected {
                outputVolts = batteryVolts
            } else {
                outputVolts -= outputVolts * min(1, dt / bleedTimeConstant)
                if outputVolts < 0.05 { outputVolts = 0 }
            }
        }
    }

    /// The power-derived current limit at the present output voltage.
    private func allowedAmps() -> Double {
        let v = clamp(outputVolts > 0 ? outputVolts : voltsSet, voltsMin, voltsMax)
        return clamp(powerMaxWatts / max(v, 1), 0, ampsHardMax)
    }
}

private func clamp(_ x: Double, _ lo: Double, _ hi: Double) -> Double { x < lo ? lo : (x > hi ? hi : x) }

private func toward(_ value: Double, _ target: Double, _ step: Double) -> Double {
    value < target ? min(target, value + step) : value > target ? max(target, value - step) : value
}
