/// A Prometheus text exposition (format 0.0.4) written one metric at a time: each call states the
/// metric once — name, help, value(s) — and writes its `# HELP`, `# TYPE` and sample lines, so a
/// family's name cannot differ between its header and its samples. Counter names are given with
/// their `_total` (the format's convention), histograms without their `_bucket`/`_sum`/`_count`.
public struct PrometheusText {
    public private(set) var text = ""

    public init() {}

    /// One sample: its label set (`outcome="completed"`, empty for none) and its value as written.
    public typealias Sample = (labels: String, value: String)

    /// A counter with one unlabelled sample.
    public mutating func counter(_ name: String, _ help: String, _ value: UInt64) {
        counter(name, help, [("", "\(value)")])
    }

    /// A counter whose value is a measured quantity (energy): written as `number` writes it.
    public mutating func counter(_ name: String, _ help: String, _ value: Double) {
        counter(name, help, [("", Self.number(value))])
    }

    /// A counter with one sample per label set.
    public mutating func counter(_ name: String, _ help: String, _ samples: [Sample]) {
        family(name, "counter", help, samples)
    }

    /// A gauge with one unlabelled sample.
    public mutating func gauge(_ name: String, _ help: String, _ value: Double) {
        gauge(name, help, Self.number(value))
    }

    /// A gauge whose value is already text (`NaN` for a value the car did not send).
    public mutating func gauge(_ name: String, _ help: String, _ value: String) {
        family(name, "gauge", help, [("", value)])
    }

    /// A histogram from its per-bucket (not cumulative) counts and upper bounds; the last count is the
    /// one above the last bound. Written as the format asks: cumulative `_bucket` lines in increasing
    /// `le`, ending with `le="+Inf"` (equal to `_count`), then `_sum` and `_count`.
    public mutating func histogram(_ name: String, _ help: String, bounds: [Double], counts: [UInt64], sum: Double,
                                   count: UInt64) {
        var samples: [(String, String, String)] = []
        var cumulative: UInt64 = 0
        for (i, n) in counts.enumerated() {
            cumulative &+= n
            let le = i < bounds.count ? "\(bounds[i])" : "+Inf"
            samples.append((name + "_bucket", "le=\"\(le)\"", "\(cumulative)"))
        }
        samples.append((name + "_sum", "", Self.number(sum)))
        samples.append((name + "_count", "", "\(count)"))
        header(name, "histogram", help)
        for (n, labels, value) in samples { line(n, labels, value) }
    }

    /// A float as the format writes it: `+Inf`, `-Inf`, `NaN` or Swift's shortest round-trip form.
    public static func number(_ x: Double) -> String { x.isFinite ? "\(x)" : (x > 0 ? "+Inf" : (x < 0 ? "-Inf" : "NaN")) }

    private mutating func family(_ name: String, _ type: String, _ help: String, _ samples: [Sample]) {
        header(name, type, help)
        for s in samples { line(name, s.labels, s.value) }
    }

    private mutating func header(_ name: String, _ type: String, _ help: String) {
        text += "# HELP \(name) \(help)\n# TYPE \(name) \(type)\n"
    }

    private mutating func line(_ name: String, _ labels: String, _ value: String) {
        text += labels.isEmpty ? "\(name) \(value)\n" : "\(name){\(labels)} \(value)\n"
    }
}
