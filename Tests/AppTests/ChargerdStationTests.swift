import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import Testing
import TestSupport

/// `chargerd` with a station config, JSON logs and session reports (issue 18 items 1 and 4), and the
/// exit statuses systemd reads: 0 orderly, 1 failure, 2 usage or configuration error.
@Suite(.serialized) struct ChargerdStationTests {
    static func temporaryDirectory() throws -> String {
        let dir = NSTemporaryDirectory() + "chargerd-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        return dir
    }

    @Test func aBadStationConfigExitsTwoNamingEveryProblem() throws {
        let dir = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let file = dir + "/station.yaml"
        try "station: bay\nlimits:\n  max_volts: high\nauthorization:\n  mode: sometimes\n".write(toFile: file, atomically: true, encoding: .utf8)
        let result = try runProduct("chargerd", ["--board", "sim", "--config", file, "--seconds", "1"])
        #expect(result.status == 2, "\(result.stderr)")
        #expect(result.stderr.contains("\(file):3:14: limits.max_volts: expected a number 50…1500, got \"high\""), "\(result.stderr)")
        #expect(result.stderr.contains("\(file):5:9: authorization.mode: expected free, external or deny, got \"sometimes\""), "\(result.stderr)")
        #expect(result.stderr.contains("2 problems; not started"))
    }

    @Test func aUsageErrorExitsTwo() throws {
        let result = try runProduct("chargerd", ["--board", "sim", "--tick-us", "5"])
        #expect(result.status == 2, "\(result.stderr)")
        #expect(result.stderr.contains("--tick-us must be in 100…1000000"))
        let missing = try runProduct("chargerd", [])
        #expect(missing.status == 2, "\(missing.stderr)")
    }

    /// The whole sim session with the documented example config, JSON logs and a report directory:
    /// every stderr line is one JSON object with the five fields, the summary is one of them with its
    /// values as metadata, and the report's JSON and SVG are there and readable.
    @Test func theSimSessionWithJSONLogsWritesItsReport() throws {
        let dir = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let config = dir + "/station.yaml"
        let example = try String(contentsOfFile: PackageLayout.root() + "/Config/station.example.yaml", encoding: .utf8)
        try example.replacingOccurrences(of: "format: text", with: "format: json")
            .replacingOccurrences(of: "example-station", with: "test-bay")
            .write(toFile: config, atomically: true, encoding: .utf8)
        let reports = dir + "/reports"
        let result = try runProduct("chargerd", ["--board", "sim", "--config", config, "--report", reports, "--seconds", "100"], timeout: 150)
        #expect(result.status == 0, "stdout: \(result.stdout)\nstderr: \(result.stderr)")

        var summary: [String: Any]?
        var messages: [String] = []
        for line in result.stderr.split(separator: "\n") {
            let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
            #expect(object != nil, "not one JSON object: \(line)")
            guard let object else { continue }
            for key in ["time", "level", "label", "message", "metadata"] { #expect(object[key] != nil, "\(key) missing: \(line)") }
            let message = object["message"] as? String ?? ""
            messages.append(message)
            if message == "session summary" { summary = object["metadata"] as? [String: Any] }
        }
        #expect(messages.contains { $0.hasPrefix("station test-bay: EVSE ID DE*CKT*E0001") }, "\(messages)")
        #expect(messages.contains { $0.hasPrefix("safe stop confirmed: power path safe") }, "\(messages)")
        let s = try #require(summary, "no session summary line")
        #expect(s["protocol"] as? String == "ISO_15118_2")
        #expect(s["stop_reason"] as? String == "completed")
        for key in ["duration_s", "energy_wh", "peak_kw", "requests", "current_demands"] { #expect(s[key] != nil, "\(key)") }

        let jsonData = try Data(contentsOf: URL(fileURLWithPath: reports + "/session-0001.json"))
        let report = try #require(try JSONSerialization.jsonObject(with: jsonData) as? [String: Any])
        #expect(report["station"] as? String == "test-bay")
        #expect(report["stop_reason"] as? String == "completed")
        let phases = try #require(report["phases"] as? [[String: Any]]).compactMap { $0["phase"] as? String }
        for phase in ["supportedAppProtocol", "CableCheck", "PreCharge", "CurrentDemand", "WeldingDetection", "ended"] {
            #expect(phases.contains(phase), "\(phase) in \(phases)")
        }
        let samples = try #require(report["samples"] as? [[String: Any]])
        #expect(samples.count >= 1024 && samples.count <= 2048, "\(samples.count) samples (a 2048-sample buffer, decimated 2:1 when full)")
        let peakAmps = samples.compactMap { $0["amps"] as? Double }.max() ?? 0
        #expect(peakAmps > 20, "the current of the charge loop is in the trace")

        let svgText = try String(contentsOfFile: reports + "/session-0001.svg", encoding: .utf8)
        let svg = SVGSeries(svgText)
        #expect(svg.wellFormed, "\(svg.error ?? "")")
        #expect(svg.polylineIDs.isSuperset(of: ["voltage", "current", "soc"]), "\(svg.polylineIDs)")
        if let png = Self.renderPNG(reports + "/session-0001.svg") { print("session report rendered: \(png)") }
    }

    /// SIGTERM mid-charge (what systemd sends): the safe stop, then the wait for the power path's
    /// feedback — supply off and contactors open *confirmed* before the exit (0).
    @Test func sigtermMidChargeIsConfirmedSafeBeforeExit() throws {
        let result = try runProduct("chargerd", ["--board", "sim"], timeout: 60) { p in
            let deadline = Date().addingTimeInterval(20)
            while Date() < deadline, p.isRunning, !blocksStopSignals(p.processIdentifier) { usleep(50_000) }
            usleep(8_000_000)
            kill(p.processIdentifier, SIGTERM)
        }
        #expect(result.status == 0, "stderr: \(result.stderr)")
        #expect(result.stderr.contains("stopped (SIGTERM)"))
        #expect(result.stderr.contains("safe stop confirmed: power path safe, confirmed after "), "\(result.stderr)")
    }

    /// The soak option on a small count: sessions back to back, one `soak:` line with the counts.
    @Test func twoSessionsBackToBack() throws {
        let result = try runProduct("chargerd", ["--board", "sim", "--sessions", "2"], timeout: 240)
        #expect(result.status == 0, "stdout: \(result.stdout)\nstderr: \(result.stderr)")
        let line = try #require(result.stdout.split(separator: "\n").first { $0.hasPrefix("soak: ") })
        print(line)
        #expect(line.contains("soak: 2 sessions in ") && line.contains(", 0 failed, 0 safe stops unconfirmed"), "\(line)")
        #expect(result.stderr.components(separatedBy: "session summary").count - 1 == 2)
    }

    /// rsvg-convert, when installed, turns the SVG into a PNG next to it (to look at).
    static func renderPNG(_ svg: String) -> String? {
        let png = svg.replacingOccurrences(of: ".svg", with: ".png")
        for dir in ["/usr/bin", "/usr/local/bin"] where FileManager.default.isExecutableFile(atPath: dir + "/rsvg-convert") {
            let out = try? Subprocess.run([dir + "/rsvg-convert", "-o", png, svg], directory: "/", timeout: 30)
            return out?.status == 0 ? png : nil
        }
        return nil
    }
}

/// The polylines of an SVG document, and whether it parses as XML.
final class SVGSeries: NSObject, XMLParserDelegate {
    var wellFormed = false
    var error: String?
    var polylineIDs = Set<String>()

    init(_ svg: String) {
        super.init()
        let parser = XMLParser(data: Data(svg.utf8))
        parser.delegate = self
        wellFormed = parser.parse()
        if !wellFormed { error = parser.parserError.map { "\($0)" } }
    }

    func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?,
                attributes: [String: String] = [:]) {
        if name == "polyline", let id = attributes["id"] { polylineIDs.insert(id) }
    }
}
