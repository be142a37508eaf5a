import Boards
import Foundation
import Testing

/// The station config (`chargerd --config`, issue 18 item 1): the documented example loads, every
/// key is checked, and problems come back all at once as `file:line:column: key: message`.
@Suite("Station config")
struct StationConfigTests {
    func issues(_ yaml: String, file: String = "station.yaml") -> [String] {
        do {
            _ = try StationConfigLoader.load(text: yaml, file: file)
            return []
        } catch {
            return error.issues.map(\.description)
        }
    }

    @Test func theDocumentedExampleLoads() throws {
        let config = try StationConfigLoader.load(path: Repo.root + "/Config/station.example.yaml")
        #expect(config.station == "example-station")
        #expect(config.evseID == "DE*CKT*E0001")
        #expect(config.dinEVSEID == [0x49, 0xA8, 0x9A, 0x63, 0x60])
        #expect(config.maxVolts == 500 && config.minVolts == 50 && config.maxAmps == 200 && config.maxWatts == 100_000)
        #expect(config.protocols == ["iso2", "din"])
        #expect(config.priority == .vehicle)
        #expect(config.authorization == .free)
        #expect(config.logFormat == .text)
        #expect(config.reportDirectory == nil)
    }

    @Test func everyKeyIsRead() throws {
        let config = try StationConfigLoader.load(text: """
            station: bay-3
            evse_id: "NL*ABC*E42"
            limits:
              max_volts: 920.5
              max_amps: 125
              max_watts: 50_000
            protocols: [din]
            protocol_priority: charger
            authorization:
              mode: external
              timeout_s: 20
            log:
              format: json
            report_dir: /tmp/reports
            state_dir: /tmp/state
            """, file: "s.yaml")
        #expect(config.station == "bay-3" && config.evseID == "NL*ABC*E42")
        #expect(config.maxVolts == 920.5 && config.maxAmps == 125 && config.maxWatts == 50_000 && config.minVolts == 50)
        #expect(config.protocols == ["din"] && config.priority == .charger)
        #expect(config.authorization == .external && config.authorizationTimeout == 20)
        #expect(config.logFormat == .json && config.reportDirectory == "/tmp/reports")
        #expect(config.stateDirectory == "/tmp/state")
    }

    @Test func everyProblemIsReportedWithItsPosition() {
        let found = issues("""
            station: bay-3
            evse_id: "this EVSE ID has spaces"
            limits:
              max_volts: lots
              max_amp: 10
            protocols: [iso2, iso20, iso2]
            authorization:
              mode: maybe
            log:
              format: xml
            colour: blue
            """)
        #expect(found == [
            "station.yaml:2:10: evse_id: expected at most 37 ASCII characters without spaces (ISO 15118-2 EVSEID, e.g. DE*CKT*E0001), got \"this EVSE ID has spaces\"",
            "station.yaml:4:14: limits.max_volts: expected a number 50…1500, got \"lots\"",
            "station.yaml:5:3: limits.max_amp: unknown key (did you mean \"max_amps\"?)",
            "station.yaml:6:19: protocols[1]: expected din or iso2, got \"iso20\" (did you mean iso2?)",
            "station.yaml:6:26: protocols[2]: iso2 is listed twice",
            "station.yaml:8:9: authorization.mode: expected free, external or deny, got \"maybe\"",
            "station.yaml:10:11: log.format: expected text or json, got \"xml\"",
            "station.yaml:11:1: colour: unknown key (allowed: station, evse_id, din_evse_id, limits, protocols, protocol_priority, authorization, log, report_dir, state_dir)",
        ], "\(found.joined(separator: "\n"))")
    }

    @Test func theStationKeyIsRequiredAndMalformedYAMLIsPlaced() {
        #expect(issues("evse_id: X\n") == ["station.yaml:1:1: station: missing required key (a string naming the station; it marks the file as a station config)"])
        let malformed = issues("station: a\nlimits: [1, 2\n")
        #expect(malformed.count == 1 && malformed[0].hasPrefix("station.yaml:") && malformed[0].contains("malformed YAML"), "\(malformed)")
        #expect(issues("station: a\nlimits:\n  min_volts: 600\n") == ["station.yaml:3:3: limits: min_volts (600.0) must be below max_volts (500.0)"])
    }

    /// `boardctl validate` takes a station config as readily as a board file.
    @Test func validateAcceptsTheExample() {
        let result = BoardTool.validate([Repo.root + "/Config/station.example.yaml", "sim"], locator: Repo.locator)
        #expect(result.exitCode == 0, "\(result.errors)")
        #expect(result.output.contains("station.example.yaml: ok (station example-station, EVSE ID DE*CKT*E0001, authorization free)"))
        #expect(result.output.contains("sim.yaml: ok (board sim"))
    }
}
