import CShimSeam
import Glibc
import SystemPackage

/// A PWM channel through the kernel's sysfs interface (/sys/class/pwm/pwmchipN/pwmM). Every access is
/// a plain open-write-close of one attribute through the shim seam (no ioctl), so tests can point
/// `root` at a directory of ordinary files, or fail the Nth write with the seam's fakes.
///
/// Attribute paths are built once in `init`; a write formats the number into a stack buffer, so
/// changing the duty cycle does not allocate.
public final class SysfsPWMChannel: PWMChannel {
    public let label: String
    public let chipPath: String
    public let channel: UInt32
    private let periodPath: String
    private let dutyPath: String
    private let enablePath: String
    public private(set) var period = Nanoseconds.zero
    public private(set) var dutyCycle = Nanoseconds.zero
    public private(set) var isEnabled = false

    /// Exports channel `channel` of `pwmchip<chip>` under `root` when it is not exported yet.
    public init(chip: Int, channel: UInt32, root: String = "/sys/class/pwm") throws(PWMError) {
        chipPath = "\(root)/pwmchip\(chip)"
        self.channel = channel
        label = "pwmchip\(chip)/pwm\(channel)"
        let channelPath = "\(chipPath)/pwm\(channel)"
        periodPath = channelPath + "/period"
        dutyPath = channelPath + "/duty_cycle"
        enablePath = channelPath + "/enable"
        if !Self.exists(periodPath) {
            let r = Self.write(Int64(channel), to: chipPath + "/export")
            // EBUSY: someone exported it between our check and the write.
            if r < 0, r != -EBUSY {
                throw .export(chipPath, channel: channel, errno: Errno(rawValue: -r))
            }
            guard Self.exists(periodPath) else {
                throw .export(chipPath, channel: channel, errno: .noSuchFileOrDirectory)
            }
        }
    }

    public func configure(period newPeriod: Nanoseconds, dutyCycle newDuty: Nanoseconds, enabled: Bool) throws(PWMError) {
        guard newPeriod.count > 0, newDuty.count >= 0, newDuty <= newPeriod else {
            throw .dutyBeyondPeriod(label, duty: newDuty, period: newPeriod)
        }
        // The kernel checks duty <= period on every write: shrink the duty first when the old duty
        // would not fit the new period, otherwise grow the period first.
        if dutyCycle > newPeriod {
            try store(newDuty.count, dutyPath)
            dutyCycle = newDuty
            try store(newPeriod.count, periodPath)
            period = newPeriod
        } else {
            try store(newPeriod.count, periodPath)
            period = newPeriod
            try store(newDuty.count, dutyPath)
            dutyCycle = newDuty
        }
        try setEnabled(enabled)
    }

    public func setDutyCycle(_ newDuty: Nanoseconds) throws(PWMError) {
        guard newDuty.count >= 0, newDuty <= period else { throw .dutyBeyondPeriod(label, duty: newDuty, period: period) }
        guard newDuty != dutyCycle else { return }
        try store(newDuty.count, dutyPath)
        dutyCycle = newDuty
    }

    public func setEnabled(_ enabled: Bool) throws(PWMError) {
        try store(enabled ? 1 : 0, enablePath)
        isEnabled = enabled
    }

    private func store(_ value: Int64, _ path: String) throws(PWMError) {
        let r = Self.write(value, to: path)
        if r < 0 { throw .write(path, errno: Errno(rawValue: -r)) }
    }

    private static func exists(_ path: String) -> Bool {
        let fd = path.withCString { ck_sys_open($0, O_RDONLY, 0) }
        guard fd >= 0 else { return false }
        _ = ck_sys_close(fd)
        return true
    }

    /// Writes `value` as decimal text followed by a newline (what `echo` writes). Returns 0 or -errno.
    private static func write(_ value: Int64, to path: String) -> Int32 {
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 24) { buffer -> Int32 in
            var digits = 0
            var v = value.magnitude
            repeat {
                buffer[22 - digits] = UInt8(ascii: "0") + UInt8(v % 10)
                v /= 10
                digits += 1
            } while v > 0
            var start = 23 - digits
            if value < 0 {
                start -= 1
                buffer[start] = UInt8(ascii: "-")
            }
            buffer[23] = UInt8(ascii: "\n")
            let length = 24 - start
            let fd = path.withCString { ck_sys_open($0, O_WRONLY | O_TRUNC, 0) }
            guard fd >= 0 else { return fd }
            let n = ck_sys_write(fd, buffer.baseAddress! + start, length)
            _ = ck_sys_close(fd)
            if n < 0 { return Int32(n) }
            return n == length ? 0 : -EIO
        }
    }
}
