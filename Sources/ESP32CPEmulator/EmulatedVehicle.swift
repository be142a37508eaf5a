/// The vehicle (and the cable) the emulated helper measures: which IEC 61851 state it presents.
public enum EmulatedPilotState: String, Sendable, CaseIterable {
    case a = "A", b = "B", c = "C", d = "D", e = "E", f = "F"
}

/// Plateau mV at the helper's ADC pin per state. The defaults sit inside the reference firmware's
/// bands (esp32-cp-uart.md §7.6: 2400/2000/1700/1450/1250 mV) near the plateaus a later revision's
/// comments report for a real board (§6: A ≈ 2620, B ≈ 2260, C ≈ 1900 mV).
public struct EmulatedPlateaus: Sendable, Equatable {
    public var a: Int32 = 2620
    public var b: Int32 = 2260
    public var c: Int32 = 1880
    public var d: Int32 = 1575
    public var e: Int32 = 1350
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
