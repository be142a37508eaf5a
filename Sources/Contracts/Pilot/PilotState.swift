/// The IEC 61851-1 control-pilot states as the supply equipment detects them (Annex A, Table A.3/A.4),
/// plus `invalid` for a reading that lies in none of the bands (between them, or beyond ±13 V).
public enum PilotState: UInt8, Sendable, Equatable, CaseIterable, BitwiseCopyable, CustomStringConvertible {
    /// 12 V: no vehicle.
    case a
    /// 9 V: vehicle connected, not ready.
    case b
    /// 6 V: vehicle ready, no ventilation needed: it asks for power.
    case c
    /// 3 V: vehicle ready, ventilation required.
    case d
    /// 0 V: CP shorted to PE (or, here, a missing vehicle diode): error.
    case e
    /// −12 V: EVSE not available / error.
    case f
    /// Between the bands or out of range.
    case invalid

    /// Compares without the generic `RawRepresentable` path, so `@_noAllocation` code may use it.
    @inlinable public static func == (a: PilotState, b: PilotState) -> Bool { a.ordinal == b.ordinal }

    /// The case's position (a switch, because the synthesized `rawValue` is not usable where
    /// `@_noAllocation` is checked).
    @inlinable public var ordinal: Int {
        switch self {
        case .a: 0
        case .b: 1
        case .c: 2
        case .d: 3
        case .e: 4
        case .f: 5
        case .invalid: 6
        }
    }

    @inlinable public var vehicleConnected: Bool { ordinal >= 1 && ordinal <= 3 }
    @inlinable public var requestsPower: Bool { ordinal == 2 || ordinal == 3 }
    @inlinable public var isFault: Bool { ordinal >= 4 }

    public var description: String {
        switch self {
        case .a: "A"
        case .b: "B"
        case .c: "C"
        case .d: "D"
        case .e: "E"
        case .f: "F"
        case .invalid: "invalid"
        }
    }
}

/// Why the pilot is not usable, or why power must stop.
public enum PilotFault: UInt8, Sendable, Equatable, BitwiseCopyable, CustomStringConvertible {
    @inlinable public static func == (a: PilotFault, b: PilotFault) -> Bool { a.ordinal == b.ordinal }

    @inlinable public var ordinal: Int {
        switch self {
        case .shortToEarth: 0
        case .unavailable: 1
        case .diodeMissing: 2
        case .invalidVoltage: 3
        case .pilotLost: 4
        case .ventilationRefused: 5
        case .helperLost: 6
        case .linkDown: 7
        case .measurementFailed: 8
        case .outputFailed: 9
        }
    }

    /// State E: CP shorted to PE.
    case shortToEarth
    /// State F: −12 V on the line.
    case unavailable
    /// The negative half-wave does not reach the −12 V band while the vehicle is connected: the
    /// vehicle's diode is missing or shorted (IEC 61851-1 Table A.4, C2/D2 footnote: check it at least
    /// once before closing the supply switch). Only front ends that measure the low plateau can see it.
    case diodeMissing
    /// A reading between the bands or out of range.
    case invalidVoltage
    /// State A (the plug left or CP broke) while energy was flowing.
    case pilotLost
    /// State D while the configuration refuses charging that needs ventilation.
    case ventilationRefused
    /// The ESP32 helper sent no valid line within the liveness timeout.
    case helperLost
    /// The helper's tty reported an error (hang-up, EIO: the USB adapter or UART went away).
    case linkDown
    /// The ADC of the direct board failed (no acknowledge, conversion never finished).
    case measurementFailed
    /// The CP output could not be set (PWM write failed, or the helper never confirmed the command).
    case outputFailed

    public var description: String {
        switch self {
        case .shortToEarth: "state E (CP shorted to PE)"
        case .unavailable: "state F (-12 V)"
        case .diodeMissing: "vehicle diode missing (negative half-wave not at -12 V)"
        case .invalidVoltage: "pilot voltage between the bands"
        case .pilotLost: "pilot lost (state A) during energy transfer"
        case .ventilationRefused: "state D, but charging with ventilation is refused"
        case .helperLost: "CP helper silent beyond its liveness timeout"
        case .linkDown: "CP helper link down (tty error)"
        case .measurementFailed: "CP ADC failed"
        case .outputFailed: "CP output could not be set"
        }
    }
}
