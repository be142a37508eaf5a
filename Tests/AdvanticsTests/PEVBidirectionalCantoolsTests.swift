import AdvanticsCAN
import AdvanticsEmulator
import Foundation
import HAL
import Testing
import TestSupport

extension CantoolsCrossCheckTests {
    /// The distinct frames of `frames` decoded by cantools from the vendor's v2.5 KCD and DBC: the
    /// values we meant, and cantools re-encodes them to our bytes. Returns the message names seen.
    func pevFramesMatchCantools(_ frames: [CANFrame], _ label: String) throws -> Set<String> {
        var seen = Set<String>()
        let unique = frames.filter { seen.insert("\($0.id)#\(Cantools.hex($0.payload))").inserted }
        let codec = AdvanticsCANCodec()
        var lines: [String] = []
        var cases: [(name: String, bytes: [UInt8], values: [String: Double])] = []
        for f in unique {
            var v = SignalValues()
            let ref = try #require(try codec.decode(AdvanticsFrame(id: f.id, extended: f.isExtended, bytes: f.payload), into: &v))
            let m = codec.layout(ref)
            var named: [String: Double] = [:]
            for (i, s) in m.signals.enumerated() { named[s.name.description] = v[i] }
            cases.append((m.name.description, f.payload, named))
            lines.append("{\"name\": \"\(m.name)\", \"id\": \(f.id), \"data\": \"\(Cantools.hex(f.payload))\", \"values\": \(Cantools.json(named))}")
        }
        for db in ["Advantics_Generic_PEV_protocol_v2.5.kcd", "Advantics_Generic_PEV_protocol_v2.5.dbc"] {
            let input = Cantools.temporary("\(label)-in.jsonl"), output = Cantools.temporary("\(label)-out.jsonl")
            defer { try? FileManager.default.removeItem(atPath: input); try? FileManager.default.removeItem(atPath: output) }
            try (lines.joined(separator: "\n") + "\n").write(toFile: input, atomically: true, encoding: .utf8)
            try Subprocess.check([Cantools.python, Cantools.script, "check", Cantools.data + "/" + db, input, output], timeout: 300)
            let answers = try String(contentsOfFile: output, encoding: .utf8).split(separator: "\n")
            try #require(answers.count == cases.count)
            var compared = 0
            for (c, line) in zip(cases, answers) {
                let obj = try JSONSerialization.jsonObject(with: Data(line.utf8)) as! [String: Any]
                guard obj["skip"] == nil else {
                    Issue.record("\(db): \(c.name) skipped: \(obj["skip"]!)")
                    continue
                }
                let decoded = obj["decoded"] as! [String: Double]
                for (name, value) in c.values where !Cantools.close(value, decoded[name] ?? .nan) {
                    Issue.record("\(db): \(c.name).\(name): we sent \(value), cantools decodes \(decoded[name] ?? .nan) from \(c.bytes)")
                }
                #expect(Cantools.bytes(obj["encoded"] as! String) == c.bytes, "\(db): \(c.name) \(c.values)")
                compared += 1
            }
            print("cantools (\(db)): \(compared) distinct \(label) frames of our PEV role identical")
            #expect(compared == cases.count)
        }
        return Set(cases.map(\.name))
    }

    /// D5–D7: every distinct frame our PEV role sent in an ISO 15118-20 bidirectional session (charge,
    /// discharge with a negative present current and our discharge limit, the energy requests, the V2X
    /// window, the departure time), with voltage control selected and switched off (D6), a pause and a
    /// resume (D7) and an emergency mid-discharge, decoded identically by cantools.
    @Test func pevBidirectionalPauseAndScheduledFramesInCantools() throws {
        var script = AdvanticsPEVBidirectionalTests.script()
        script.dischargeAfter = .milliseconds(500)
        var configuration = PEVRig.bidirectionalConfiguration
        configuration.scheduledVoltageControl = true
        let rig = PEVRig(script: script, configuration: configuration, bidirectional: PEVRig.bidirectionalPack())
        try #require(rig.run(30_000) { $0.discharging })
        rig.pev.scheduledControl(voltage: false)
        try #require(rig.pev.requestPause())
        try #require(rig.run(3_000) { $0.evcc.stage == .chargePause && !$0.inlet.conducting })
        try #require(rig.pev.requestResume())
        try #require(rig.run(10_000) { $0.discharging })
        rig.pev.requestEmergencyStop()
        rig.run(500) { _ in false }
        let names = try pevFramesMatchCantools(rig.sent, "pev-d5-d7")
        let statuses = Set(rig.sent.filter { $0.id == 0x618 }.map { $0.data[0] })
        let negative = rig.sent.contains { $0.id == 0x612 && Int16(bitPattern: UInt16($0.data[2]) | UInt16($0.data[3]) << 8) < 0 }
        print("PEV D5–D7: \(rig.sent.count) frames, messages \(names.sorted()), EV_Status values \(statuses.sorted())")
        #expect(names == ["EV_Information", "AC_Status", "DC_Status1", "DC_Status2", "EV_Status", "EV_Energy_Request",
                          "EV_V2X_Energy_Request", "EV_Extra_BPT_Information"])
        #expect(statuses == [0, 2, 4, 8])  // voltage control, then pause, resume, each cleared when answered
        #expect(negative)
    }
}
