/// PhysicalValue ⇄ Double for the EVCC's requests and the SECC's answers (DIN 70121 §9.5.2.4,
/// ISO 15118-2 §8.5.2.7: Value is an xs:short, Multiplier a power of ten from -3 to 3).
enum EVCCPhysicalValue {
    /// The finest multiplier whose value still fits in an Int16: 401.25 V → (4013, -1).
    /// Non-finite input encodes as 0.
    @inline(__always)
    static func encode(_ x: Double) -> (value: Int16, multiplier: Int8) {
        guard x.isFinite else { return (0, 0) }
        var multiplier: Int8 = -3
        var scaled = x * 1000
        while multiplier < 3 {
            if scaled.rounded() <= 32767, scaled.rounded() >= -32768 { break }
            scaled /= 10
            multiplier += 1
        }
        let clamped = min(max(scaled.rounded(), -32768), 32767)
        return (Int16(clamped), multiplier)
    }

    /// Value × 10^Multiplier (multipliers outside -3…3 are taken as they come).
    @inline(__always)
    static func decode(value: Int16, multiplier: Int8) -> Double {
        var x = Double(value)
        var m = multiplier
        while m > 0 {
            x *= 10
            m -= 1
        }
        while m < 0 {
            x /= 10
            m += 1
        }
        return x
    }
}
