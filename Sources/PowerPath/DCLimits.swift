/// The IEC 61851-23 formulas of v2g-session.md §2, as pure functions.
public enum DCLimits {
    /// Cable-check test voltage, Formula CC.1 (CC.4.1.2; line 33): EV max ≤ 500 V → min(EV max + 50 V,
    /// 500 V, EVSE max); else min(1.1 × EV max, EVSE max).
    @_noAllocation @_noLocks
    public static func cableCheckVolts(evMaxVolts: Double, supplyMaxVolts: Double) -> Double {
        if evMaxVolts <= 500 {
            return least(least(evMaxVolts + 50, 500), supplyMaxVolts)
        }
        return least(1.1 * evMaxVolts, supplyMaxVolts)
    }

    /// The emergency over-voltage threshold of Table 103 (6.3.1.106.2; line 39), keyed on the
    /// negotiated maximum min(EV max, supply max): ≤ 500 V → 550 V; ≤ 750 → 825; ≤ 850 → 935;
    /// ≤ 1000 → 1100; above → 1375 (61851-23-3 draft).
    @_noAllocation @_noLocks
    public static func emergencyOverVoltage(negotiatedMaxVolts v: Double) -> Double {
        if v <= 500 { return 550 }
        if v <= 750 { return 825 }
        if v <= 850 { return 935 }
        if v <= 1000 { return 1100 }
        return 1375
    }

    /// Current measurement accuracy at `amps`: ±1.5 % or ±0.5 A, whichever is larger (line 45).
    @_noAllocation @_noLocks
    public static func currentAccuracy(_ amps: Double, fraction: Double, minimum: Double) -> Double {
        let relative = (amps < 0 ? -amps : amps) * fraction
        return relative > minimum ? relative : minimum
    }
}

@inline(__always)
func least(_ a: Double, _ b: Double) -> Double { a < b ? a : b }
