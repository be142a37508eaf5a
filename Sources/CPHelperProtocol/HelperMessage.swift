/// The CP state letter the helper's firmware reports (its own debounced classification, §7.6).
public enum HelperPilotLetter: UInt8, Sendable, Equatable, CaseIterable, BitwiseCopyable, CustomStringConvertible {
    case a = 0x41, b, c, d, e, f
    public var description: String { String(UnicodeScalar(rawValue)) }
}

/// The helper's PWM policy (§7.2, §7.3).
public enum HelperMode: UInt8, Sendable, Equatable, BitwiseCopyable, CustomStringConvertible {
    /// DC auto: the firmware drives 5 % while a vehicle is present, 100 % otherwise.
    case dc
    /// The host's `set_pwm`/`enable_pwm` decide the output.
    case manual
    public var description: String { self == .dc ? "dc" : "manual" }
}

/// `pwm` object of a status frame (§4.1).
public struct HelperPWMReport: Sendable, Equatable {
    /// The manual-mode enable flag (not the live output).
    public var enabled: Bool
    /// The manual-mode duty setting, percent.
    public var duty: Int16
    public var frequency: Int32
    /// Effective duty on the pin, percent (absent in firmware before `pwm.out` was added).
    public var out: Int16?

    public init(enabled: Bool, duty: Int16, frequency: Int32, out: Int16?) {
        self.enabled = enabled
        self.duty = duty
        self.frequency = frequency
        self.out = out
    }
}

/// The firmware's classification thresholds in mV at its ADC pin (`thresh`, §4.1 and §7.6). These are
/// the helper's own numbers, not IEC 61851 line volts.
public struct HelperThresholds: Sendable, Equatable, BitwiseCopyable {
    public var t12: Int32, t9: Int32, t6: Int32, t3: Int32, t0: Int32
    public var hysteresis: Int32, hysteresisAB: Int32

    public init(t12: Int32, t9: Int32, t6: Int32, t3: Int32, t0: Int32, hysteresis: Int32, hysteresisAB: Int32) {
        self.t12 = t12
        self.t9 = t9
        self.t6 = t6
        self.t3 = t3
        self.t0 = t0
        self.hysteresis = hysteresis
        self.hysteresisAB = hysteresisAB
    }

    /// The reference revision's defaults (esp32-cp-uart.md §7.6: 2400/2000/1700/1450/1250, 150, 100).
    public static let referenceDefaults = HelperThresholds(t12: 2400, t9: 2000, t6: 1700, t3: 1450, t0: 1250,
                                                           hysteresis: 150, hysteresisAB: 100)
}

/// One periodic or solicited `status` frame (§4.1).
public struct HelperStatus: Sendable, Equatable {
    /// Plateau estimate of the latest 20 ms burst, mV at the ADC pin (what the firmware classifies).
    public var cpMillivolts: Int32
    /// Mean of the two largest of the last 6 bursts (telemetry in the reference revision); equals
    /// `cpMillivolts` when the frame does not carry it.
    public var cpMillivoltsRobust: Int32
    public var state: HelperPilotLetter
    /// nil when the frame has no `mode` (later revisions always send it).
    public var mode: HelperMode?
    public var pwm: HelperPWMReport?
    public var thresholds: HelperThresholds?
    /// The DC supply (`dc` object, firmware R4 §11); nil in frames of earlier revisions.
    public var dc: HelperDCRecord?

    public init(cpMillivolts: Int32, cpMillivoltsRobust: Int32, state: HelperPilotLetter, mode: HelperMode?,
                pwm: HelperPWMReport?, thresholds: HelperThresholds?, dc: HelperDCRecord? = nil) {
        self.dc = dc
        self.cpMillivolts = cpMillivolts
        self.cpMillivoltsRobust = cpMillivoltsRobust
        self.state = state
        self.mode = mode
        self.pwm = pwm
        self.thresholds = thresholds
    }
}

/// The `msg` of an `error` reply (§4.2).
public enum HelperErrorCode: UInt8, Sendable, Equatable, BitwiseCopyable {
    case badJSON, missingCommand, unknownCommand, badMode, modeDCAuto, calibrationFailed, other
}

/// Which command an `ok` acknowledges (§4.2).
public enum HelperAcknowledged: UInt8, Sendable, Equatable {
    /// `{"type":"ok"}` without `cmd`: `cp.auto_cal` succeeded.
    case autoCalibration
    case restartSLACHint, reset
    /// A `cmd` this host does not know.
    case other
}

/// A short string from the helper (a firmware name) held inline, without the heap.
public struct FixedText: Sendable, Equatable, CustomStringConvertible {
    public static let capacity = 48
    @usableFromInline var storage: InlineArray<48, UInt8>
    @usableFromInline var _count: Int
    public var count: Int { _count }

    public init() {
        storage = InlineArray(repeating: 0)
        _count = 0
    }

    public init(_ text: String) {
        self.init()
        for b in text.utf8 { append(b) }
    }

    /// Appends a byte; bytes beyond the capacity are dropped.
    @inlinable
    public mutating func append(_ byte: UInt8) {
        guard _count < Self.capacity else { return }
        storage[_count] = byte
        _count += 1
    }

    public subscript(i: Int) -> UInt8 { storage[i] }

    public var description: String {
        var bytes: [UInt8] = []
        for i in 0..<count { bytes.append(storage[i]) }
        return String(decoding: bytes, as: UTF8.self)
    }

    public static func == (a: FixedText, b: FixedText) -> Bool {
        guard a.count == b.count else { return false }
        for i in 0..<a.count where a.storage[i] != b.storage[i] { return false }
        return true
    }
}

/// The `result` of a JSON-RPC reply from the peripheral family (§8): what `sys.info`/`sys.ping` say.
public struct HelperRPCResult: Sendable, Equatable {
    /// `fw` ("esp-cp-periph/0.2.0"), empty when absent.
    public var firmware: FixedText
    /// `proto`, -1 when absent.
    public var protocolVersion: Int32
    /// `mode` ("sim"/"hw"), empty when absent.
    public var mode: FixedText
    /// `capabilities` of `sys.info` (R3/R4 list "dc").
    public var capabilities = HelperCapabilities()
    /// `ok` of R3/R4 results; nil when absent.
    public var ok: Bool?
    /// The DC supply's state (`dc.status`, `dc.enable`: present when the result has `state`).
    public var dc: HelperDCRecord?
    /// `dc.set`'s accepted targets (`v_target`, `i_target`).
    public var voltsTarget: Double?
    public var ampsTarget: Double?
    /// `mods` of `dc.status` (R4) or `dc.discover` (R3); `count` of `dc.discover`.
    public var modules: HelperDCModuleList?
    public var moduleCount: Int32?
    /// `contactor.set`/`contactor.check` (present when the result has `aux_ok`).
    public var contactor: HelperContactorReport?

    public init(firmware: FixedText = FixedText(), protocolVersion: Int32 = -1, mode: FixedText = FixedText()) {
        self.firmware = firmware
        self.protocolVersion = protocolVersion
        self.mode = mode
    }
}

/// Everything the helper sends on the UART (§4, §8).
public enum HelperMessage: Sendable, Equatable {
    case status(HelperStatus)
    /// `{"type":"pong"}` (or the bare string "pong", which the reference client also accepts).
    case pong
    case ok(HelperAcknowledged)
    case error(HelperErrorCode)
    /// `cp.scan`: mV on GPIO 1…10 (index 0 = GPIO 1; -1 where absent).
    case scan(InlineArray<10, Int32>)
    /// A JSON-RPC `res` (id -1 when it was not a number).
    case rpcResult(id: Int64, HelperRPCResult)
    case rpcError(id: Int64, code: Int32)
    /// A JSON-RPC `evt` (meter/temperature streams, failsafe): recognised and ignored by the CP side.
    case rpcEvent
    /// `evt:contactor.change` (R4, §11): the contactor was switched; what its aux contact says.
    case contactorChange(HelperContactorReport)

    public static func == (a: HelperMessage, b: HelperMessage) -> Bool {
        switch (a, b) {
        case (.status(let x), .status(let y)): return x == y
        case (.pong, .pong), (.rpcEvent, .rpcEvent): return true
        case (.ok(let x), .ok(let y)): return x == y
        case (.error(let x), .error(let y)): return x == y
        case (.scan(let x), .scan(let y)):
            for i in 0..<10 where x[i] != y[i] { return false }
            return true
        case (.rpcResult(let i, let x), .rpcResult(let j, let y)): return i == j && x == y
        case (.rpcError(let i, let x), .rpcError(let j, let y)): return i == j && x == y
        case (.contactorChange(let x), .contactorChange(let y)): return x == y
        default: return false
        }
    }
}
