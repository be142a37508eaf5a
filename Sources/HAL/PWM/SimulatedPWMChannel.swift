import SystemPackage

/// The simulated twin of a PWM channel: remembers what the host wrote (the backend plays the CP
/// driver stage and the vehicle, which look at `backend.dutyFraction`) and injects faults.
public final class SimulatedPWMChannel: PWMChannel {
    public let label: String
    public let backend: Backend
    public private(set) var period = Nanoseconds.zero
    public private(set) var dutyCycle = Nanoseconds.zero
    public private(set) var isEnabled = false

    public final class Backend {
        /// Writes the host made (every attribute write counts, as on sysfs).
        public internal(set) var writeCount = 0
        /// The next write fails with this errno (then clears).
        public var failNext: Errno?
        /// The chip went away: every write fails with ENODEV until cleared.
        public var vanished = false
        public internal(set) var period = Nanoseconds.zero
        public internal(set) var dutyCycle = Nanoseconds.zero
        public internal(set) var enabled = false

        /// Duty in per mille of what the pin does now (1000 = steady high, 0 = steady low or off).
        public var dutyPermille: Int {
            guard enabled, period.count > 0 else { return 0 }
            return Int(dutyCycle.count * 1000 / period.count)
        }
    }

    public init(label: String = "sim-pwmchip0/pwm0") {
        self.label = label
        backend = Backend()
    }

    private func write() throws(PWMError) {
        if backend.vanished { throw .write(label, errno: .operationNotSupportedByDevice) }
        if let e = backend.failNext {
            backend.failNext = nil
            throw .write(label, errno: e)
        }
        backend.writeCount += 1
    }

    public func configure(period newPeriod: Nanoseconds, dutyCycle newDuty: Nanoseconds, enabled: Bool) throws(PWMError) {
        guard newPeriod.count > 0, newDuty.count >= 0, newDuty <= newPeriod else {
            throw .dutyBeyondPeriod(label, duty: newDuty, period: newPeriod)
        }
        try write()
        period = newPeriod
        backend.period = newPeriod
        try write()
        dutyCycle = newDuty
        backend.dutyCycle = newDuty
        try setEnabled(enabled)
    }

    public func setDutyCycle(_ newDuty: Nanoseconds) throws(PWMError) {
        guard newDuty.count >= 0, newDuty <= period else { throw .dutyBeyondPeriod(label, duty: newDuty, period: period) }
        guard newDuty != dutyCycle else { return }
        try write()
        dutyCycle = newDuty
        backend.dutyCycle = newDuty
    }

    public func setEnabled(_ enabled: Bool) throws(PWMError) {
        try write()
        isEnabled = enabled
        backend.enabled = enabled
    }
}
