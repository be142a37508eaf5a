/// The vehicle (and the cable) the emulated helper measures: which IEC 61851 state it presents.
public enum EmulatedPilotState: String, Sendable, CaseIterable {
    case a = "A", b = "B", c = "C", d = "D", e = "E", f = "F"
}

/// Plateau mV at the helper's ADC pin per state, chosen so that the reference firmware's classifier
/// (esp32-cp-uart.md §7.6: thresholds 2400/2000/1700/1450/1250 mV, hysteresis 150) reaches every
/// state: A above the "A blip" guard (t12 + hys + 150 = 2700 mV; the reference `cp.auto_cal` expects
/// ≈ 3000 mV in A, §6), B as reported for a real board (§6: ≈ 2260 mV), C, D and E below the
/// downward hysteresis edges (1850, 1550, 1300 mV), F below t0 − hys (1100 mV). With 150 mV of
/// hysteresis on 250 mV wide bands, E → D needs ≥ 1600 mV, which the D plateau does not reach: like
/// the firmware, the emulator leaves E only towards a higher state (B or A).
public struct EmulatedPlateaus: Sendable, Equatable {
    public var a: Int32 = 2900
    public var b: Int32 = 2260
    public var c: Int32 = 1800
    public var d: Int32 = 1500
    public var e: Int32 = 1280
    public var f: Int32 = 900

    public init() {}

    public func millivolts(_ s: EmulatedPilotState) -> Int32 {
        switch s {
        case .a: a
        case .b: b
        case .c: c
        case .d: d
        case .e: e
        case .f: f
        }
    }
}
