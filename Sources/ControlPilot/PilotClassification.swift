import Contracts
import CPHelperProtocol

/// The voltage bands of the IEC 61851-1 control-pilot states, as data: one closed range per state
/// in millivolts on the CP line (referred to PE), plus the band the negative half-wave must reach
/// while the vehicle's diode is in place. A reading in no band is `invalid`.
///
/// Source of the default (`iec61851`): the nominal levels of IEC 61851-1 Annex A (A 12 V, B 9 V,
/// C 6 V, D 3 V, E 0 V, F −12 V) with the ±1 V detection windows of the EVSE-side table (2017
/// edition, Table A.4). The primary text was not available here; the windows were checked against
/// secondary sources only (test equipment and open firmware quoting the table), so a board file may
/// replace the whole table. Readings between windows (e.g. 10.0…11.0 V) are deliberately `invalid`
/// rather than rounded to a neighbour: a pilot there is broken, not "nearly B".
public struct PilotBandTable: Sendable, Equatable {
    public var a: ClosedRange<Int32>
    public var b: ClosedRange<Int32>
    public var c: ClosedRange<Int32>
    public var d: ClosedRange<Int32>
    public var e: ClosedRange<Int32>
    public var f: ClosedRange<Int32>
    /// Where the negative plateau lies when the vehicle's diode is present (−12 V ± 1 V).
    public var diodePresentLowPlateau: ClosedRange<Int32>

    public init(a: ClosedRange<Int32>, b: ClosedRange<Int32>, c: ClosedRange<Int32>, d: ClosedRange<Int32>,
                e: ClosedRange<Int32>, f: ClosedRange<Int32>, diodePresentLowPlateau: ClosedRange<Int32>) {
        self.a = a
        self.b = b
        self.c = c
        self.d = d
        self.e = e
        self.f = f
        self.diodePresentLowPlateau = diodePresentLowPlateau
    }

    /// IEC 61851-1 Annex A nominal levels with ±1 V windows (see the type's documentation).
    public static let iec61851 = PilotBandTable(
        a: 11_000...13_000, b: 8_000...10_000, c: 5_000...7_000, d: 2_000...4_000,
        e: -1_000...1_000, f: -13_000...(-11_000), diodePresentLowPlateau: -13_000...(-11_000))

    /// The state whose band holds the high plateau `millivolts`.
    @_noAllocation @_noLocks
    public func state(forHighPlateau millivolts: Int32) -> PilotState {
        if a.contains(millivolts) { return .a }
        if b.contains(millivolts) { return .b }
        if c.contains(millivolts) { return .c }
        if d.contains(millivolts) { return .d }
        if e.contains(millivolts) { return .e }
        if f.contains(millivolts) { return .f }
        return .invalid
    }
}

/// The ESP32 helper's own bands (esp32-cp-uart.md §7.6): mV at its ADC pin after the board's
/// divider, contiguous, with the thresholds the firmware reports in `thresh` (defaults 2400/2000/
/// 1700/1450/1250). These are NOT IEC line volts; the mapping between the two is board-specific and
/// not in the sources (§12). Used only to cross-check the firmware's letter, never to override it.
public struct HelperPinBands: Sendable, Equatable {
    public var thresholds: HelperThresholds

    public init(_ thresholds: HelperThresholds = .referenceDefaults) { self.thresholds = thresholds }

    /// Plain band lookup without the firmware's hysteresis.
    @_noAllocation @_noLocks
    public func state(forPinMillivolts mv: Int32) -> PilotState {
        if mv >= thresholds.t12 { return .a }
        if mv >= thresholds.t9 { return .b }
        if mv >= thresholds.t6 { return .c }
        if mv >= thresholds.t3 { return .d }
        if mv >= thresholds.t0 { return .e }
        return .f
    }
}

/// What one sample means.
public struct PilotObservation: Sendable, Equatable, BitwiseCopyable {
    public var state: PilotState
    /// Set for E, F, invalid and a missing diode.
    public var fault: PilotFault?
    /// Helper samples: whether the mV falls in the band of the letter by the firmware's own
    /// thresholds (without its hysteresis). Disagreement near an edge is normal; it is counted for
    /// diagnosis only. nil for line samples.
    public var pinBandAgrees: Bool?

    public init(state: PilotState, fault: PilotFault?, pinBandAgrees: Bool? = nil) {
        self.state = state
        self.fault = fault
        self.pinBandAgrees = pinBandAgrees
    }
}

/// The one place where readings become states. Which thresholds apply depends on where the reading
/// comes from:
/// - line samples (direct board) → `lineBands` (IEC 61851-1 Annex A, CP-line millivolts), plus the
///   diode check on the low plateau;
/// - helper samples → the helper's letter (its firmware classifies with its own pin thresholds,
///   hysteresis and burst confirmation, §7.6); the pin mV is checked against `HelperPinBands` built
///   from the thresholds the helper reported, for diagnosis. The helper measures no low plateau, so
///   no diode check is possible on that board (§7.6, §12).
public struct PilotClassifier: Sendable, Equatable {
    public var lineBands: PilotBandTable

    public init(lineBands: PilotBandTable = .iec61851) { self.lineBands = lineBands }

    @_noAllocation @_noLocks
    public func classify(_ sample: PilotSample) -> PilotObservation {
        switch sample {
        case .line(let high, let low, _):
            let state = lineBands.state(forHighPlateau: high)
            switch state {
            case .e: return PilotObservation(state: .e, fault: .shortToEarth)
            case .f: return PilotObservation(state: .f, fault: .unavailable)
            case .invalid: return PilotObservation(state: .invalid, fault: .invalidVoltage)
            case .b, .c, .d:
                if let low, !lineBands.diodePresentLowPlateau.contains(low) {
                    return PilotObservation(state: .e, fault: .diodeMissing)
                }
                return PilotObservation(state: state, fault: nil)
            case .a: return PilotObservation(state: .a, fault: nil)
            }
        case .helper(let letter, let mv, _, let thresholds, _):
            let state: PilotState = switch letter {
            case .a: .a
            case .b: .b
            case .c: .c
            case .d: .d
            case .e: .e
            case .f: .f
            }
            let agrees = index(HelperPinBands(thresholds).state(forPinMillivolts: mv)) == index(state)
            let fault: PilotFault? = switch letter {
            case .e: .shortToEarth
            case .f: .unavailable
            default: nil
            }
            return PilotObservation(state: state, fault: fault, pinBandAgrees: agrees)
        }
    }
}

/// Case position by a switch in this file (`@_noAllocation` code may only call bodies it can see,
/// and a debug build compiles files separately).
@inline(__always)
private func index(_ s: PilotState) -> Int {
    switch s {
    case .a: 0
    case .b: 1
    case .c: 2
    case .d: 3
    case .e: 4
    case .f: 5
    case .invalid: 6
    }
}
