import Contracts
import CoreTypes

/// One session's report (issue 18 item 4): the summary, every phase with its start and end, and the
/// trace (setpoints and measurements, decimated) — as JSON for tools, and as an SVG plot of voltage,
/// current and SoC over time with the phase boundaries marked, the picture a bench engineer wants.
/// Built after the session from a `SessionTrace` snapshot; allocates freely (never on the tick).
public struct SessionReport: Sendable {
    public var station: String
    public var evseID: String
    /// 1 for the first session since start.
    public var number: Int
    public var summary: ChargingSessionSummary
    public var samples: [SessionSample]
    public var phases: [SessionPhaseMark]
    /// Time between kept samples.
    public var sampleInterval: Nanoseconds

    public init(station: String, evseID: String, number: Int, summary: ChargingSessionSummary,
                samples: [SessionSample], phases: [SessionPhaseMark], sampleInterval: Nanoseconds) {
        self.station = station
        self.evseID = evseID
        self.number = number
        self.summary = summary
        self.samples = samples
        self.phases = phases
        self.sampleInterval = sampleInterval
    }

    /// Session time zero: the first phase change (or the summary's start).
    var origin: MonotonicInstant { phases.first?.at ?? summary.startedAt }

    func seconds(_ t: MonotonicInstant) -> Double { Double((t - origin).count) / 1e9 }

    /// The file name stem: `session-0001`.
    public var fileStem: String {
        let n = String(number)
        return "session-" + String(repeating: "0", count: max(0, 4 - n.count)) + n
    }

    /// Phases with their start and end (the next phase's start; the last ends at the session's end).
    public var phaseSpans: [(phase: V2GSessionPhase, start: Double, end: Double)] {
        let end = summary.endedAt > origin ? seconds(summary.endedAt) : (phases.last.map { seconds($0.at) } ?? 0)
        return phases.enumerated().map { i, mark in
            (mark.phase, seconds(mark.at), i + 1 < phases.count ? seconds(phases[i + 1].at) : end)
        }
    }

    // MARK: JSON

    public func json() -> String {
        var out = "{\n"
        out += "  \"station\": \(quoted(station)),\n  \"evse_id\": \(quoted(evseID)),\n  \"session\": \(number),\n"
        out += "  \"protocol\": \(summary.negotiated.map { quoted($0.josevName) } ?? "null"),\n"
        out += "  \"stop_reason\": \(quoted(summary.stopReason.description)),\n"
        out += "  \"power_fault\": \(summary.powerFault.map { quoted($0.description) } ?? "null"),\n"
        out += "  \"out_of_service\": \(summary.outOfService.map { quoted($0.description) } ?? "null"),\n"
        out += "  \"duration_s\": \(num(Double(summary.duration.count) / 1e9)),\n"
        out += "  \"energy_wh\": \(num(summary.energyWattHours)),\n  \"peak_watts\": \(num(summary.peakWatts)),\n"
        out += "  \"requests\": \(summary.requests),\n  \"current_demands\": \(summary.currentDemands),\n"
        out += "  \"final_soc\": \(summary.finalSoC.map { String($0) } ?? "null"),\n"
        out += "  \"sample_interval_s\": \(num(Double(sampleInterval.count) / 1e9)),\n"
        out += "  \"phases\": [\n"
        let spans = phaseSpans
        for (i, span) in spans.enumerated() {
            out += "    {\"phase\": \(quoted(span.phase.description)), \"start_s\": \(num(span.start)), \"end_s\": \(num(span.end))}"
            out += i + 1 < spans.count ? ",\n" : "\n"
        }
        out += "  ],\n  \"samples\": [\n"
        for (i, s) in samples.enumerated() {
            out += "    {\"t_s\": \(num(seconds(s.at))), \"setpoint_volts\": \(num(s.setpointVolts)), \"setpoint_amps\": \(num(s.setpointAmps)), "
                + "\"volts\": \(num(s.volts)), \"amps\": \(num(s.amps)), \"soc\": \(s.soc < 0 ? "null" : num(s.soc))}"
            out += i + 1 < samples.count ? ",\n" : "\n"
        }
        out += "  ]\n}\n"
        return out
    }

    // MARK: SVG

    /// Three panels over one time axis — voltage (measured, and the setpoint dashed), current (same)
    /// and SoC — with a dashed vertical line and a label at each phase boundary.
    public func svg() -> String {
        let width = 960.0, left = 70.0, right = 20.0, top = 60.0, panelHeight = 150.0, gap = 30.0
        let plotWidth = width - left - right
        let height = top + 3 * panelHeight + 2 * gap + 50
        let spans = phaseSpans
        let tEnd = max(spans.last?.end ?? 0, samples.last.map { seconds($0.at) } ?? 0, 0.001)
        func x(_ t: Double) -> Double { left + plotWidth * t / tEnd }

        var out = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
        out += "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(Int(width))\" height=\"\(Int(height))\" viewBox=\"0 0 \(Int(width)) \(Int(height))\" font-family=\"sans-serif\" font-size=\"11\">\n"
        out += "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n"
        let title = "\(station) · session \(number) · \(summary.negotiated?.josevName ?? "no protocol") · "
            + "\(num1(summary.energyWattHours)) Wh · stop: \(summary.stopReason)"
            + (summary.powerFault.map { " (\($0))" } ?? "")
            + (summary.outOfService != nil ? " · OUT OF SERVICE" : "")
        out += "<text x=\"\(Int(left))\" y=\"20\" font-size=\"14\" font-weight=\"bold\">\(escaped(title))</text>\n"

        struct Series { let id: String; let label: String; let unit: String; let color: String; let value: (SessionSample) -> Double; let setpoint: ((SessionSample) -> Double)? }
        let series = [
            Series(id: "voltage", label: "Voltage", unit: "V", color: "#1f77b4", value: { $0.volts }, setpoint: { $0.setpointVolts }),
            Series(id: "current", label: "Current", unit: "A", color: "#d62728", value: { $0.amps }, setpoint: { $0.setpointAmps }),
            Series(id: "soc", label: "SoC", unit: "%", color: "#2ca02c", value: { $0.soc }, setpoint: nil),
        ]
        for (index, s) in series.enumerated() {
            let y0 = top + Double(index) * (panelHeight + gap)
            var maxValue = s.id == "soc" ? 100.0 : 1.0
            for sample in samples {
                maxValue = max(maxValue, s.value(sample), s.setpoint?(sample) ?? 0)
            }
            maxValue = niceCeiling(maxValue)
            func y(_ v: Double) -> Double { y0 + panelHeight - panelHeight * min(max(v, 0), maxValue) / maxValue }
            out += "<g id=\"panel-\(s.id)\">\n"
            out += "<rect x=\"\(f(left))\" y=\"\(f(y0))\" width=\"\(f(plotWidth))\" height=\"\(f(panelHeight))\" fill=\"none\" stroke=\"#888\"/>\n"
            for k in 0...4 {
                let v = maxValue * Double(k) / 4
                out += "<line x1=\"\(f(left - 4))\" y1=\"\(f(y(v)))\" x2=\"\(f(left))\" y2=\"\(f(y(v)))\" stroke=\"#888\"/>"
                out += "<text x=\"\(f(left - 6))\" y=\"\(f(y(v) + 4))\" text-anchor=\"end\">\(num1(v))</text>\n"
            }
            out += "<text x=\"14\" y=\"\(f(y0 + panelHeight / 2))\" transform=\"rotate(-90 14 \(f(y0 + panelHeight / 2)))\" text-anchor=\"middle\" fill=\"\(s.color)\">\(s.label) (\(s.unit))</text>\n"
            if let setpoint = s.setpoint {
                out += "<polyline id=\"\(s.id)-setpoint\" fill=\"none\" stroke=\"\(s.color)\" stroke-opacity=\"0.5\" stroke-dasharray=\"4 3\" points=\""
                out += points(samples.map { (x(seconds($0.at)), y(setpoint($0))) })
                out += "\"/>\n"
            }
            out += "<polyline id=\"\(s.id)\" fill=\"none\" stroke=\"\(s.color)\" stroke-width=\"1.5\" points=\""
            out += points(samples.filter { s.value($0) >= 0 }.map { (x(seconds($0.at)), y(s.value($0))) })
            out += "\"/>\n</g>\n"
        }
        // Phase boundaries across all three panels, each line tagged with its phase. Boundaries
        // closer than 60 px (the handshake and set-up messages take milliseconds) share one label,
        // "first … last"; labels alternate between two rows so neighbours do not overlap.
        let bottom = top + 3 * panelHeight + 2 * gap
        out += "<g id=\"phases\">\n"
        var groups: [[Int]] = []
        for i in spans.indices {
            if let last = groups.last?.last, x(spans[i].start) - x(spans[last].start) < 60 { groups[groups.count - 1].append(i) } else { groups.append([i]) }
        }
        for (g, members) in groups.enumerated() {
            for i in members {
                let px = x(spans[i].start)
                out += "<line data-phase=\"\(escaped(spans[i].phase.description))\" x1=\"\(f(px))\" y1=\"\(f(top - 12))\" x2=\"\(f(px))\" y2=\"\(f(bottom))\" stroke=\"#999\" stroke-dasharray=\"2 3\"/>\n"
            }
            let first = spans[members[0]].phase.description
            let label = members.count == 1 ? first : "\(first) … \(spans[members[members.count - 1]].phase.description)"
            let px = x(spans[members[0]].start)
            let anchor = px > left + plotWidth - 150 ? "end" : "start"
            out += "<text x=\"\(f(anchor == "end" ? px - 2 : px + 2))\" y=\"\(f(top - 16 - Double(g % 2) * 12))\" font-size=\"9\" fill=\"#555\" text-anchor=\"\(anchor)\">\(escaped(label))</text>\n"
        }
        out += "</g>\n"
        // The time axis.
        let step = niceStep(tEnd / 10)
        var t = 0.0
        while t <= tEnd + 1e-9 {
            out += "<line x1=\"\(f(x(t)))\" y1=\"\(f(bottom))\" x2=\"\(f(x(t)))\" y2=\"\(f(bottom + 4))\" stroke=\"#888\"/>"
            out += "<text x=\"\(f(x(t)))\" y=\"\(f(bottom + 16))\" text-anchor=\"middle\">\(num1(t))</text>\n"
            t += step
        }
        out += "<text x=\"\(f(left + plotWidth / 2))\" y=\"\(f(bottom + 34))\" text-anchor=\"middle\">time since the session began (s); dashed: setpoint</text>\n"
        out += "</svg>\n"
        return out
    }
}

private func points(_ xy: [(Double, Double)]) -> String {
    xy.map { "\(f($0.0)),\(f($0.1))" }.joined(separator: " ")
}

/// Two decimals, no exponent (SVG coordinates).
private func f(_ x: Double) -> String { fixed3(x, 2) }
private func num1(_ x: Double) -> String { fixed3(x, 1) }
/// A JSON number with three decimals (non-finite values as null).
private func num(_ x: Double) -> String { x.isFinite ? fixed3(x, 3) : "null" }

private func fixed3(_ x: Double, _ digits: Int) -> String {
    guard x.isFinite else { return "0" }
    var scale = 1.0
    for _ in 0..<digits { scale *= 10 }
    let t = Int64((abs(x) * scale).rounded())
    let whole = t / Int64(scale)
    let frac = String(t % Int64(scale))
    let sign = x < 0 && t != 0 ? "-" : ""
    return "\(sign)\(whole)." + String(repeating: "0", count: digits - frac.count) + frac
}

private func niceCeiling(_ x: Double) -> Double {
    let s = niceStep(x / 4)
    return (x / s).rounded(.up) * s
}

/// 1, 2 or 5 times a power of ten, at least `x`.
private func niceStep(_ x: Double) -> Double {
    guard x > 0, x.isFinite else { return 1 }
    var p = 1.0
    while p > x { p /= 10 }
    while p * 10 <= x { p *= 10 }
    for m in [1.0, 2.0, 5.0, 10.0] where p * m >= x { return p * m }
    return p * 10
}

private func quoted(_ s: String) -> String {
    var out = "\""
    for u in s.unicodeScalars {
        switch u {
        case "\"": out += "\\\""
        case "\\": out += "\\\\"
        case "\n": out += "\\n"
        case "\r": out += "\\r"
        case "\t": out += "\\t"
        default:
            if u.value < 0x20 {
                let h = String(u.value, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - h.count) + h
            } else {
                out.unicodeScalars.append(u)
            }
        }
    }
    return out + "\""
}

private func escaped(_ s: String) -> String {
    var out = ""
    for c in s {
        switch c {
        case "&": out += "&amp;"
        case "<": out += "&lt;"
        case ">": out += "&gt;"
        case "\"": out += "&quot;"
        default: out.append(c)
        }
    }
    return out
}
