import AdvanticsCAN
import AdvanticsEmulator
import Foundation
import HAL
import Testing
import TestSupport

extension CantoolsCrossCheckTests {
    /// Every distinct frame our PEV role put on the bus in a whole DC session (with a user stop and an
    /// emergency) and an AC session, decoded by cantools from the vendor's v2.5 KCD and DBC: the same
    /// values as ours, and cantools re-encodes them to our bytes.
    @Test func pevRoleFramesInCantools() throws {
        var frames: [CANFrame] = []
        var script = EVCCScript()
        script.stop = .vehicle
        let dc = PEVRig(script: script)
        try #require(dc.run(30_000) { $0.charging })
        dc.pev.requestStop()
        try #require(dc.run(30_000) { $0.evcc.sessionsCompleted == 1 })
        try #require(dc.run(30_000) { $0.charging })
        dc.pev.requestEmergencyStop()
        dc.run(500) { _ in false }
        frames += dc.sent
        let ac = PEVRig(script: .ac)
        try #require(ac.run(30_000) { $0.evcc.sessionsCompleted == 1 })
        frames += ac.sent
        var seen = Set<String>()
        let unique = frames.filter { seen.insert("\($0.id)#\(Cantools.hex($0.payload))").inserted }
        let codec = AdvanticsCANCodec()
        var lines: [String] = []
        var cases: [(name: String, bytes: [UInt8], values: [String: Double])] = []
        for f in unique {
            let frame = AdvanticsFrame(id: f.id, extended: f.isExtended, bytes: f.payload)
            var v = SignalValues()
            let ref = try #require(try codec.decode(frame, into: &v))
            let m = codec.layout(ref)
            var named: [String: Double] = [:]
            for (i, s) in m.signals.enumerated() { named[s.name.description] = v[i] }
            cases.append((m.name.description, f.payload, named))
            lines.append("{\"name\": \"\(m.name)\", \"id\": \(f.id), \"data\": \"\(Cantools.hex(f.payload))\", \"values\": \(Cantools.json(named))}")
        }
        let names = Set(cases.map(\.name))
        print("PEV role: \(frames.count) frames sent, \(unique.count) distinct, messages \(names.sorted())")
        #expect(names == ["EV_Information", "AC_Status", "DC_Status1", "DC_Status2", "EV_Status"])
        for db in ["Advantics_Generic_PEV_protocol_v2.5.kcd", "Advantics_Generic_PEV_protocol_v2.5.dbc"] {
            let input = Cantools.temporary("pev-in.jsonl"), output = Cantools.temporary("pev-out.jsonl")
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
            print("cantools (\(db)): \(compared) distinct frames of our PEV role identical")
            #expect(compared == cases.count)
        }
    }
}
