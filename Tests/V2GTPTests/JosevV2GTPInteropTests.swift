import CoreTypes
import Foundation
import Testing
import TestSupport
import V2GTP

/// Josev's V2GTP and SDP classes (Tests/Support/josev/v2gtp-peer.py, in the Josev venv) against
/// ours, both ways: we decode what Josev builds, Josev parses what we build. Runs where the venv
/// exists (`../shared/tools/josev/setup.sh`; CI's `.ci/extra/josev-v2gtp.sh` prepares it and
/// requires this suite with `JOSEV_REQUIRED=1`).
@Suite(.enabled(if: JosevPeer.available || JosevPeer.required,
                "the Josev venv is missing (JOSEV_VENV=\(JosevPeer.venv)): run ../shared/tools/josev/setup.sh"))
struct JosevV2GTPInterop {
    @Test func weDecodeWhatJosevBuilds() throws {
        let lines = try JosevPeer.run(["make"], input: nil)
        #expect(lines.count == 11)
        for item in lines {
            let wire = bytes(item["hex"] as! String)
            switch item["kind"] as! String {
            case "sdp-request":
                let r = try SDPRequest.decode(wire.span.bytes)
                #expect(Int(r.security.rawValue) == item["security"] as! Int)
                #expect(r.transport == .tcp)
            case "sdp-response":
                let r = try SDPResponse.decode(wire.span.bytes)
                #expect(hexString(r.address) == item["address"] as! String)
                #expect(Int(r.port) == item["port"] as! Int)
                #expect(Int(r.security.rawValue) == item["security"] as! Int)
            default:
                let accepted: V2GTPPayloadTypes = (item["protocol"] as! String).contains("15118_20") ? .iso20 : .dinOrISO2
                let payloads = try read(V2GTPReader(accepted: accepted), wire, chunks: [13])
                #expect(payloads.count == 1)
                #expect(payloads.first.map { $0.map { String(format: "%02x", $0) }.joined() } == item["payload"] as? String)
            }
        }
    }

    @Test func josevParsesWhatWeBuild() throws {
        var ours: [[String: Any]] = []
        func add(_ kind: String, _ wire: [UInt8], _ extra: [String: Any] = [:]) {
            ours.append(["kind": kind, "hex": wire.map { String(format: "%02x", $0) }.joined()].merging(extra) { a, _ in a })
        }
        for security in [SDPSecurity.none, .tls] {
            add("sdp-request", try encoded { s throws(V2GTPError) in try SDPRequest(security: security).encode(into: &s) })
        }
        let address = IPv6Address.linkLocal(mac: MACAddress(0x02, 0x00, 0x00, 0x00, 0x5E, 0x01))
        add("sdp-response", try encoded { s throws(V2GTPError) in
            try SDPResponse(address: address, port: 61341).encode(into: &s)
        })
        add("v2gtp", message(0x8001, [0x80, 0x9A, 0x00, 0x11]), ["protocol": "ISO_15118_2"])
        add("v2gtp", message(0x8001, [0x80, 0x9A, 0x00, 0x11]), ["protocol": "DIN_SPEC_70121"])
        add("v2gtp", message(0x8004, [0x80, 0x00]), ["protocol": "ISO_15118_20_DC"])
        let parsed = try JosevPeer.run(["check"], input: ours)
        #expect(parsed.count == ours.count)
        for p in parsed {
            #expect(p["error"] == nil, "Josev refused \(p["hex"] ?? ""): \(p["error"] ?? "")")
            #expect(p["header_valid"] as? Bool == true, "Josev: header invalid in \(p["hex"] ?? "")")
        }
        #expect(parsed[0]["security"] as? Int == 0x10)
        #expect(parsed[1]["security"] as? Int == 0x00)
        #expect(parsed[2]["address"] as? String == hexString(address))
        #expect(parsed[2]["port"] as? Int == 61341)
        #expect(parsed[3]["payload"] as? String == "809a0011")
    }

    /// Josev refuses what we refuse: a bad version and an oversize-looking foreign type.
    @Test func josevAgreesOnBadHeaders() throws {
        let bad: [[String: Any]] = [
            ["kind": "v2gtp", "protocol": "ISO_15118_2", "hex": "02fd800100000001aa"],
            ["kind": "v2gtp", "protocol": "ISO_15118_2", "hex": "01fe800400000001aa"],
        ]
        let parsed = try JosevPeer.run(["check"], input: bad)
        for (p, b) in zip(parsed, bad) {
            #expect(p["error"] != nil || p["header_valid"] as? Bool == false, "Josev accepted \(b["hex"]!)")
            #expect(throws: V2GTPError.self) { _ = try read(V2GTPReader(), bytes(b["hex"] as! String), chunks: [64]) }
        }
    }
}

func hexString(_ a: IPv6Address) -> String { (0..<16).map { String(format: "%02x", a.octet($0)) }.joined() }

enum JosevPeer {
    static var venv: String { ProcessInfo.processInfo.environment["JOSEV_VENV"] ?? "/var/tmp/chargekit-josev-venv" }
    static var python: String { venv + "/bin/python" }
    static var available: Bool { FileManager.default.isExecutableFile(atPath: python) }
    /// CI sets JOSEV_REQUIRED=1: then a missing venv fails the suite instead of skipping it.
    static var required: Bool { ProcessInfo.processInfo.environment["JOSEV_REQUIRED"] == "1" }
    static var script: String {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<2 { url.deleteLastPathComponent() }
        return url.path + "/Support/josev/v2gtp-peer.py"
    }

    static func run(_ arguments: [String], input: [[String: Any]]?) throws -> [[String: Any]] {
        try #require(available, "the Josev venv \(venv) is missing")
        let stdin = try input.map { items in
            try items.map { String(decoding: try JSONSerialization.data(withJSONObject: $0), as: UTF8.self) }.joined(separator: "\n") + "\n"
        }
        let inputFile = NSTemporaryDirectory() + "v2gtp-josev-\(getpid())-\(UInt32.random(in: 0...UInt32.max)).jsonl"
        defer { try? FileManager.default.removeItem(atPath: inputFile) }
        var command = [python, script] + arguments
        if let stdin {
            try stdin.write(toFile: inputFile, atomically: true, encoding: .utf8)
            command = ["/bin/sh", "-c", "\"$0\" \"$1\" \"$2\" < \"$3\"", python, script, arguments[0], inputFile]
        }
        let out = try Subprocess.run(command, timeout: 120)
        try #require(out.status == 0, "v2gtp-peer.py: \(out.stderr)")
        return try out.stdout.split(separator: "\n").map {
            try #require(try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])
        }
    }
}
