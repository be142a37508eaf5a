import Buffers

/// A subset of the classification thresholds to replace (`cp.set_thresholds`, §3): nil = unchanged.
public struct HelperThresholdUpdate: Sendable, Equatable {
    public var t12: Int32?, t9: Int32?, t6: Int32?, t3: Int32?, t0: Int32?
    public var hysteresis: Int32?, hysteresisAB: Int32?

    public init(t12: Int32? = nil, t9: Int32? = nil, t6: Int32? = nil, t3: Int32? = nil, t0: Int32? = nil,
                hysteresis: Int32? = nil, hysteresisAB: Int32? = nil) {
        self.t12 = t12
        self.t9 = t9
        self.t6 = t6
        self.t3 = t3
        self.t0 = t0
        self.hysteresis = hysteresis
        self.hysteresisAB = hysteresisAB
    }
}

/// Every host → helper line (esp32-cp-uart.md §3, and the two JSON-RPC requests §8 that `boardctl
/// probe` uses). Encoded as compact JSON plus `\n`, like the reference host client.
public enum HelperCommand: Sendable, Equatable {
    case ping
    case getStatus
    case setMode(HelperMode)
    /// Manual mode only (`error mode_dc_auto` otherwise). duty 0…100 %; nil leaves it as it is.
    case setPWM(duty: Int?, enable: Bool?)
    case enablePWM(Bool)
    /// 500…5000 Hz (the firmware clamps to that range; so does the encoder).
    case setFrequency(hertz: Int)
    case setThresholds(HelperThresholdUpdate)
    case autoCalibrate
    case scan
    /// Steady +12 V for 50…2000 ms, then back to DC mode (§7.8). The firmware is deaf and silent
    /// meanwhile.
    case restartSLACHint(milliseconds: Int)
    /// Replies, waits 50 ms, reboots.
    case reset
    /// JSON-RPC `sys.info` (firmware name and protocol version).
    case systemInfo(id: Int)
    /// JSON-RPC `sys.ping`.
    case systemPing(id: Int)

    /// Upper bound of one encoded command, newline included.
    public static let maximumEncodedLength = 160

    /// Firmware clamps (§3), applied before encoding so the line says what the helper will do.
    public static let dutyRange = 0...100
    public static let frequencyRange = 500...5000
    public static let slacHintRange = 50...2000

    /// Appends the command line to `queue`. Writes nothing and returns false when fewer than
    /// `maximumEncodedLength` bytes are free.
    @discardableResult
    public func encode(into queue: ByteQueue) -> Bool {
        guard queue.freeCount >= Self.maximumEncodedLength else { return false }
        let w = LineWriter(queue: queue)
        switch self {
        case .ping: w.raw("{\"cmd\":\"ping\"}")
        case .getStatus: w.raw("{\"cmd\":\"get_status\"}")
        case .setMode(let mode):
            w.raw(mode == .dc ? "{\"cmd\":\"set_mode\",\"mode\":\"dc\"}" : "{\"cmd\":\"set_mode\",\"mode\":\"manual\"}")
        case .setPWM(let duty, let enable):
            w.raw("{\"cmd\":\"set_pwm\"")
            if let duty {
                w.raw(",\"duty\":")
                w.integer(Int64(duty.clamped(to: Self.dutyRange)))
            }
            if let enable {
                w.raw(",\"enable\":")
                w.boolean(enable)
            }
            w.raw("}")
        case .enablePWM(let on):
            w.raw("{\"cmd\":\"enable_pwm\",\"enable\":")
            w.boolean(on)
            w.raw("}")
        case .setFrequency(let hz):
            w.raw("{\"cmd\":\"set_freq\",\"hz\":")
            w.integer(Int64(hz.clamped(to: Self.frequencyRange)))
            w.raw("}")
        case .setThresholds(let t):
            w.raw("{\"cmd\":\"cp.set_thresholds\"")
            w.member(",\"t12\":", t.t12)
            w.member(",\"t9\":", t.t9)
            w.member(",\"t6\":", t.t6)
            w.member(",\"t3\":", t.t3)
            w.member(",\"t0\":", t.t0)
            w.member(",\"hys\":", t.hysteresis)
            w.member(",\"hys_ab\":", t.hysteresisAB)
            w.raw("}")
        case .autoCalibrate: w.raw("{\"cmd\":\"cp.auto_cal\"}")
        case .scan: w.raw("{\"cmd\":\"cp.scan\"}")
        case .restartSLACHint(let ms):
            w.raw("{\"cmd\":\"restart_slac_hint\",\"ms\":")
            w.integer(Int64(ms.clamped(to: Self.slacHintRange)))
            w.raw("}")
        case .reset: w.raw("{\"cmd\":\"reset\"}")
        case .systemInfo(let id):
            w.raw("{\"type\":\"req\",\"id\":")
            w.integer(Int64(id))
            w.raw(",\"method\":\"sys.info\"}")
        case .systemPing(let id):
            w.raw("{\"type\":\"req\",\"id\":")
            w.integer(Int64(id))
            w.raw(",\"method\":\"sys.ping\"}")
        }
        queue.push(0x0A)
        return true
    }
}

/// Writes ASCII into a queue that has been checked for room.
struct LineWriter {
    let queue: ByteQueue

    func raw(_ s: StaticString) {
        var i = 0
        let p = s.utf8Start
        while i < s.utf8CodeUnitCount {
            queue.push(p[i])
            i += 1
        }
    }

    func boolean(_ b: Bool) { b ? raw("true") : raw("false") }

    func integer(_ value: Int64) {
        if value < 0 { queue.push(0x2D) }
        var magnitude = value.magnitude
        var divisor: UInt64 = 1
        while magnitude / divisor >= 10 { divisor *= 10 }
        while divisor > 0 {
            queue.push(UInt8(0x30 + magnitude / divisor))
            magnitude %= divisor
            divisor /= 10
        }
    }

    func member(_ prefix: StaticString, _ value: Int32?) {
        guard let value else { return }
        raw(prefix)
        integer(Int64(max(0, value)))
    }
}

extension Int {
    fileprivate func clamped(to range: ClosedRange<Int>) -> Int { Swift.min(Swift.max(self, range.lowerBound), range.upperBound) }
}
