/// The EXP physical value (whitebeet-hci.md §3.7): a signed 16-bit mantissa and a signed 8-bit
/// decimal exponent, value = mantissa × 10^exponent, unit implied by the field (V, A, W, Wh, s).
///
/// Encoding rules (ours, correcting the reference encoder, §20.3):
/// - an integer moves trailing decimal zeros into the exponent, at most 3, like FreeV2G does, so
///   400 → (4, 2), 25 000 → (25, 3), 16 → (16, 0): byte-exact with the reference vectors;
/// - a mantissa never leaves −32 768…32 767 (FreeV2G writes it unsigned and can overflow): a larger
///   value takes further exponent steps, rounding half away from zero;
/// - a fraction uses the smallest exponent ≥ −3 (the module aborts below −3, §3.7 [obs]) whose
///   rounded mantissa fits, then drops trailing zeros: 0.5 → (5, −1), 3.14159 → (3142, −3).
public struct PhysicalValue: Hashable, Sendable, BitwiseCopyable, CustomStringConvertible {
    public var mantissa: Int16
    public var exponent: Int8

    @inlinable
    public init(mantissa: Int16, exponent: Int8) {
        self.mantissa = mantissa
        self.exponent = exponent
    }

    public static let zero = PhysicalValue(mantissa: 0, exponent: 0)

    /// An integer, normalised as described above. Nil only beyond ±32 767 × 10^127.
    public init?(_ value: Int) {
        var m = value
        var e = 0
        while m != 0, m % 10 == 0, e < 3 {
            m /= 10
            e += 1
        }
        while m > Int(Int16.max) || m < Int(Int16.min) {
            m = Self.divideRounding(m)
            e += 1
        }
        guard e <= Int(Int8.max) else { return nil }
        mantissa = Int16(m)
        exponent = Int8(e)
    }

    /// Any finite value; integral values take the integer rule. Nil when not finite or too large.
    public init?(_ value: Double) {
        guard value.isFinite else { return nil }
        if value == value.rounded(), abs(value) < 9.0e15 {
            self.init(Int(value))
            return
        }
        guard let (m, e) = Self.fraction(value) else { return nil }
        self.init(mantissa: m, exponent: e)
    }

    /// The smallest exponent ≥ −3 whose rounded mantissa fits, trailing zeros dropped.
    static func fraction(_ value: Double) -> (Int16, Int8)? {
        var e = -3
        while e <= Int(Int8.max) {
            let scaled = (value * power(-e)).rounded(.toNearestOrAwayFromZero)
            if scaled >= Double(Int16.min), scaled <= Double(Int16.max) {
                var m = Int(scaled)
                if m == 0 { e = 0 }
                while m != 0, m % 10 == 0, e < 0 {
                    m /= 10
                    e += 1
                }
                return (Int16(m), Int8(e))
            }
            e += 1
        }
        return nil
    }

    /// Like `init?(_: Double)`, as a typed error for encoders.
    public static func encoding(_ value: Double) throws(HCIError) -> PhysicalValue {
        guard let v = PhysicalValue(value) else { throw .valueOutOfRange(value) }
        return v
    }

    public var value: Double { Double(mantissa) * Self.power(Int(exponent)) }

    /// The value in thousandths (mV, mA, mW…), saturating; exact for exponents ≥ −3.
    public var milli: Int64 {
        var v = Int64(mantissa) * 1000
        var e = Int(exponent)
        while e > 0 {
            let (r, o) = v.multipliedReportingOverflow(by: 10)
            if o { return mantissa < 0 ? .min : .max }
            v = r
            e -= 1
        }
        while e < 0 {
            v /= 10
            e += 1
        }
        return v
    }

    public var description: String {
        exponent == 0 ? "\(mantissa)" : "\(mantissa)e\(exponent)"
    }

    static func divideRounding(_ m: Int) -> Int {
        let q = m / 10, r = m % 10
        if r >= 5 { return q + 1 }
        if r <= -5 { return q - 1 }
        return q
    }

    @usableFromInline
    static func power(_ e: Int) -> Double {
        var p = 1.0
        if e >= 0 { for _ in 0 ..< e { p *= 10 } } else { for _ in 0 ..< -e { p /= 10 } }
        return p
    }
}
