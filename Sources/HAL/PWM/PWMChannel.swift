import SystemPackage

/// One hardware PWM output: the control-pilot generator of the direct Pi CP board (the Pi's PWM0 on
/// GPIO18 through the ±12 V driver stage), exposed by the kernel under /sys/class/pwm.
///
/// Contract (Linux and simulated alike): times are nanoseconds; a duty cycle longer than the period is
/// refused (`PWMError.dutyBeyondPeriod`) before anything is written, so the output never glitches
/// through an order the kernel rejects; `setDutyCycle` and `setEnabled` do not allocate.
public protocol PWMChannel: AnyObject {
    /// "pwmchip0/pwm0": how errors and tools name the channel.
    var label: String { get }
    /// The period last written (zero before `configure`).
    var period: Nanoseconds { get }
    /// The duty cycle last written.
    var dutyCycle: Nanoseconds { get }
    var isEnabled: Bool { get }
    /// Sets period and duty cycle (in the order the kernel accepts) and the enable state.
    func configure(period: Nanoseconds, dutyCycle: Nanoseconds, enabled: Bool) throws(PWMError)
    /// Changes only the duty cycle (0 … period).
    func setDutyCycle(_ dutyCycle: Nanoseconds) throws(PWMError)
    func setEnabled(_ enabled: Bool) throws(PWMError)
}

/// Why a PWM call failed, naming the chip and channel.
public enum PWMError: DeviceError, Equatable {
    /// The chip directory does not exist or the channel cannot be exported.
    case export(String, channel: UInt32, errno: Errno)
    /// Writing an attribute ("…/pwm0/duty_cycle") failed.
    case write(String, errno: Errno)
    /// A duty cycle longer than the period, or a period that is not positive.
    case dutyBeyondPeriod(String, duty: Nanoseconds, period: Nanoseconds)

    public var kind: DeviceErrorKind {
        switch self {
        case .export(_, _, let e), .write(_, let e):
            return e == .operationNotSupportedByDevice ? .disconnected : DeviceErrorKind(errno: e)
        case .dutyBeyondPeriod: return .invalidArgument
        }
    }

    public var description: String {
        switch self {
        case let .export(chip, channel, e):
            let hint = e == .noSuchFileOrDirectory
                ? "is dtoverlay=pwm (GPIO18 = PWM0) set in config.txt?" : nil
            return FailureText.render("export channel \(channel) of", chip, e, hint: hint)
        case let .write(attribute, e):
            return FailureText.render("write", attribute, e,
                                      hint: e == .invalidArgument ? "the kernel refused the value (duty longer than period?)" : nil)
        case let .dutyBeyondPeriod(label, duty, period):
            return "\(label): duty cycle \(duty) does not fit a period of \(period)"
        }
    }
}
