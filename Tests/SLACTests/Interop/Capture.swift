import Foundation
import HAL
import HomePlugAV
import TestSupport

/// A dumpcap capture of HomePlug frames in a namespace, read back as (time, bytes) records, decoded
/// by tshark's HomePlug AV dissector and by our codec.
final class Capture {
    let path: String
    private let process: BackgroundProcess

    init?(in namespaces: VethPair, on end: VethPair.End, name: String) throws {
        path = FileManager.default.temporaryDirectory.appendingPathComponent("ck-slac-\(name)-\(getpid()).pcap").path
        try? FileManager.default.removeItem(atPath: path)
        let args = ["timeout", "60", "dumpcap", "-q", "-P", "-i", end.interface, "-f", "ether proto 0x88e1", "-w", path]
        process = try BackgroundProcess(namespaces.command(in: end, args), log: path + ".log")
        guard process.waitFor("Capturing on", timeout: 10) else {
            print("interop: dumpcap did not start: \(process.output)")
            process.stop()
            return nil
        }
    }

    /// Stops the capture (dumpcap flushes on SIGTERM) and returns the frames.
    func finish() -> [CapturedFrame] {
        usleep(200_000)
        process.stop()
        return PcapFile.read(path)
    }
}

struct CapturedFrame {
    var number: Int
    /// Seconds since the epoch.
    var time: Double
    var bytes: [UInt8]
    var frame: HomePlugFrame? {
        bytes.withUnsafeBytes { try? HomePlugFrame.parse(RawSpan(_unsafeBytes: $0)) }
    }
    var source: MACAddress { MACAddress(rawValue: bytes.prefix(12).suffix(6).reduce(0) { $0 << 8 | UInt64($1) }) }
    var mmType: MMType? { bytes.count >= 17 ? MMType(rawValue: UInt16(bytes[15]) | UInt16(bytes[16]) << 8) : nil }
}

/// Classic libpcap files (dumpcap -P): 24-byte header, 16-byte record headers.
enum PcapFile {
    static func read(_ path: String) -> [CapturedFrame] {
        guard let data = FileManager.default.contents(atPath: path), data.count >= 24 else { return [] }
        let b = [UInt8](data)
        func u32(_ o: Int) -> UInt32 { UInt32(b[o]) | UInt32(b[o + 1]) << 8 | UInt32(b[o + 2]) << 16 | UInt32(b[o + 3]) << 24 }
        let magic = u32(0)
        let nanos = magic == 0xA1B2_3C4D
        guard magic == 0xA1B2_C3D4 || nanos else { return [] }
        var out: [CapturedFrame] = []
        var o = 24
        while o + 16 <= b.count {
            let sec = Double(u32(o)), frac = Double(u32(o + 4)), len = Int(u32(o + 8))
            guard o + 16 + len <= b.count else { break }
            out.append(CapturedFrame(number: out.count + 1, time: sec + frac / (nanos ? 1e9 : 1e6), bytes: Array(b[(o + 16)..<(o + 16 + len)])))
            o += 16 + len
        }
        return out
    }
}

/// tshark's view of our frames: no malformed packet, no warning, and the fields it prints equal the
/// fields we encoded (compared after normalising hex/decimal).
enum TsharkCheck {
    static let fields = [
        "frame.number", "_ws.malformed", "_ws.expert.severity", "homeplug_av.mmhdr.mmver", "homeplug_av.mmhdr.mmtype",
        "homeplug_av.mmhdr.mmtype.qualcomm",
        "homeplug_av.gp.cm_slac_parm.apptype", "homeplug_av.gp.cm_slac_parm.sectype", "homeplug_av.gp.cm_slac_parm.runid",
        "homeplug_av.gp.cm_slac_parm.sound_target", "homeplug_av.gp.cm_slac_parm.sound_count",
        "homeplug_av.gp.cm_slac_parm.time_out", "homeplug_av.gp.cm_slac_parm.resptype",
        "homeplug_av.gp.cm_slac_parm.forwarding_sta",
        "homeplug_av.gp.cm_start_atten_char.sounds_count", "homeplug_av.gp.cm_start_atten_char.time_out",
        "homeplug_av.gp.cm_start_atten_char.resptype", "homeplug_av.gp.cm_start_atten_char.sound_forwarding_sta",
        "homeplug_av.gp.cm_start_atten_char.runid",
        "homeplug_av.gp.cm_mnbc_sound.countdown", "homeplug_av.gp.cm_mnbc_sound.runid",
        "homeplug_av.gp.cm_atten_profile_ind.pev_mac", "homeplug_av.gp.cm_atten_profile_ind.groups_count",
        "homeplug_av.gp.cm_atten_profile_ind.aag",
        "homeplug_av.gp.cm_atten_char.source_mac", "homeplug_av.gp.cm_atten_char.runid",
        "homeplug_av.gp.cm_atten_char.sounds_count", "homeplug_av.gp.cm_atten_char.groups_count",
        "homeplug_av.gp.cm_atten_char.aag", "homeplug_av.gp.cm_atten_char.result",
        "homeplug_av.gp.cm_slac_match.length", "homeplug_av.gp.cm_slac_match.pev_mac",
        "homeplug_av.gp.cm_slac_match.evse_mac", "homeplug_av.gp.cm_slac_match.runid",
        "homeplug_av.gp.cm_slac_match.nid", "homeplug_av.gp.cm_slac_match.nmk",
        "homeplug_av.cm_set_key_cnf.result", "homeplug_av.cm_set_key_req.nw_key",
        "homeplug_av.gp.cm_validate.signaltype", "homeplug_av.gp.cm_validate.timer", "homeplug_av.gp.cm_validate.result",
        "homeplug_av.gp.cm_validate.togglenum", "homeplug_av.rs_dev_cnf.status",
    ]

    struct Report {
        var checkedFrames = 0
        var checkedFields = 0
        var problems: [String] = []
    }

    /// Checks every captured frame whose source is in `ours`.
    static func check(_ capture: String, frames: [CapturedFrame], ours: Set<MACAddress>) -> Report {
        var args = ["tshark", "-r", capture, "-T", "fields", "-E", "separator=\t", "-E", "occurrence=a", "-E", "aggregator=,"]
        for f in fields { args += ["-e", f] }
        let r = (try? Subprocess.run(args, mergeOutput: true, timeout: 60)).map { (status: $0.status, output: $0.stdout) }
            ?? (status: 127, output: "tshark not found")
        var rows: [Int: [String: String]] = [:]
        for line in r.output.split(separator: "\n", omittingEmptySubsequences: true) {
            let cols = line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
            guard cols.count == fields.count, let n = Int(cols[0]) else { continue }
            rows[n] = Dictionary(uniqueKeysWithValues: zip(fields, cols))
        }
        var report = Report()
        for f in frames where ours.contains(f.source) {
            guard let frame = f.frame else {
                report.problems.append("frame \(f.number): our codec cannot parse our own frame")
                continue
            }
            guard let row = rows[f.number] else {
                report.problems.append("frame \(f.number): tshark printed nothing (\(r.output.prefix(200)))")
                continue
            }
            report.checkedFrames += 1
            if !(row["_ws.malformed"] ?? "").isEmpty { report.problems.append("frame \(f.number) \(frame.message.mmType): malformed") }
            for s in (row["_ws.expert.severity"] ?? "").split(separator: ",") {
                // 0x00600000 warning, 0x00800000 error (Wireshark's PI_WARN / PI_ERROR).
                if let v = number(String(s)), v >= 0x0060_0000 { report.problems.append("frame \(f.number): expert severity \(s)") }
            }
            for (field, value) in expected(frame) {
                report.checkedFields += 1
                let got = row[field] ?? ""
                if normalise(got) != normalise(value) {
                    report.problems.append("frame \(f.number) \(frame.message.mmType): \(field) = \(got), we sent \(value)")
                }
            }
        }
        return report
    }

    static func number(_ s: String) -> Int? {
        s.hasPrefix("0x") ? Int(s.dropFirst(2), radix: 16) : Int(s)
    }

    /// Numbers (0x.. or decimal) compare by value; byte strings (MACs, RunID, NID with colons, the NMK
    /// without) compare as lowercase hex without separators; lists element by element.
    static func normalise(_ s: String) -> String {
        let lower = s.lowercased()
        if lower.contains(",") { return lower.split(separator: ",").map { normalise(String($0)) }.joined(separator: ",") }
        if lower.contains(":") || lower.count > 10 { return lower.replacingOccurrences(of: ":", with: "") }
        if let n = number(lower) { return String(n) }
        return lower
    }

    private static func mac(_ m: MACAddress) -> String { m.description }
    /// "aa:bb:…" as tshark prints RunIDs and NIDs.
    private static func bytesHex(_ v: UInt64, _ n: Int) -> String {
        (0..<n).map { i in String(format: "%02x", UInt8(truncatingIfNeeded: v >> UInt64(8 * (n - 1 - i)))) }.joined(separator: ":")
    }
    private static func list(_ g: AttenuationGroups) -> String { (0..<g.count).map { String(g[$0]) }.joined(separator: ",") }

    /// The tshark fields and what we put in them.
    static func expected(_ f: HomePlugFrame) -> [(String, String)] {
        let p = "homeplug_av.gp."
        let type = f.message.mmType
        var e: [(String, String)] = [(type.isVendorSpecific ? "homeplug_av.mmhdr.mmtype.qualcomm" : "homeplug_av.mmhdr.mmtype",
                                      String(type.rawValue)),
                                      ("homeplug_av.mmhdr.mmver", f.message.mmType.isVendorSpecific ? "0" : "1")]
        switch f.message {
        case .slacParmRequest(let m):
            e += [(p + "cm_slac_parm.apptype", "\(m.applicationType)"), (p + "cm_slac_parm.sectype", "\(m.securityType)"),
                  (p + "cm_slac_parm.runid", bytesHex(m.runID.rawValue, 8))]
        case .slacParmConfirm(let m):
            e += [(p + "cm_slac_parm.sound_target", mac(m.soundTarget)), (p + "cm_slac_parm.sound_count", "\(m.numberOfSounds)"),
                  (p + "cm_slac_parm.time_out", "\(m.timeOut)"), (p + "cm_slac_parm.resptype", "\(m.responseType)"),
                  (p + "cm_slac_parm.forwarding_sta", mac(m.forwardingStation)), (p + "cm_slac_parm.runid", bytesHex(m.runID.rawValue, 8))]
        case .startAttenCharIndication(let m):
            e += [(p + "cm_start_atten_char.sounds_count", "\(m.numberOfSounds)"), (p + "cm_start_atten_char.time_out", "\(m.timeOut)"),
                  (p + "cm_start_atten_char.resptype", "\(m.responseType)"),
                  (p + "cm_start_atten_char.sound_forwarding_sta", mac(m.forwardingStation)),
                  (p + "cm_start_atten_char.runid", bytesHex(m.runID.rawValue, 8))]
        case .mnbcSoundIndication(let m):
            e += [(p + "cm_mnbc_sound.countdown", "\(m.count)"), (p + "cm_mnbc_sound.runid", bytesHex(m.runID.rawValue, 8))]
        case .attenProfileIndication(let m):
            e += [(p + "cm_atten_profile_ind.pev_mac", mac(m.pevMAC)), (p + "cm_atten_profile_ind.groups_count", "\(m.groups.count)"),
                  (p + "cm_atten_profile_ind.aag", list(m.groups))]
        case .attenCharIndication(let m):
            e += [(p + "cm_atten_char.source_mac", mac(m.sourceAddress)), (p + "cm_atten_char.runid", bytesHex(m.runID.rawValue, 8)),
                  (p + "cm_atten_char.sounds_count", "\(m.numberOfSounds)"), (p + "cm_atten_char.groups_count", "\(m.groups.count)"),
                  (p + "cm_atten_char.aag", list(m.groups))]
        case .attenCharResponse(let m):
            e += [(p + "cm_atten_char.source_mac", mac(m.sourceAddress)), (p + "cm_atten_char.runid", bytesHex(m.runID.rawValue, 8)),
                  (p + "cm_atten_char.result", "\(m.result)")]
        case .slacMatchRequest(let m):
            e += [(p + "cm_slac_match.length", "\(m.mvfLength)"), (p + "cm_slac_match.pev_mac", mac(m.pevMAC)),
                  (p + "cm_slac_match.evse_mac", mac(m.evseMAC)), (p + "cm_slac_match.runid", bytesHex(m.runID.rawValue, 8))]
        case .slacMatchConfirm(let m):
            e += [(p + "cm_slac_match.length", "\(m.mvfLength)"), (p + "cm_slac_match.pev_mac", mac(m.pevMAC)),
                  (p + "cm_slac_match.evse_mac", mac(m.evseMAC)), (p + "cm_slac_match.runid", bytesHex(m.runID.rawValue, 8)),
                  (p + "cm_slac_match.nid", bytesHex(m.nid.rawValue, 7)), (p + "cm_slac_match.nmk", m.nmk.secretHex)]
        case .setKeyConfirm(let m):
            e += [("homeplug_av.cm_set_key_cnf.result", "\(m.result)")]
        case .setKeyRequest(let m):
            e += [("homeplug_av.cm_set_key_req.nw_key", m.nmk.secretHex)]
        case .validateRequest(let m):
            e += [(p + "cm_validate.signaltype", "\(m.signalType)"), (p + "cm_validate.timer", "\(m.timer)"),
                  (p + "cm_validate.result", "\(m.result)")]
        case .validateConfirm(let m):
            e += [(p + "cm_validate.signaltype", "\(m.signalType)"), (p + "cm_validate.togglenum", "\(m.toggleCount)"),
                  (p + "cm_validate.result", "\(m.result.rawValue)")]
        case .resetDeviceConfirm(let m):
            e += [("homeplug_av.rs_dev_cnf.status", "\(m.status)")]
        default:
            break
        }
        return e
    }
}

/// Answer latencies read off a capture: request → answer, per pair of message types.
enum Latency {
    /// Milliseconds from the last `request` (from `requester`) before each `answer` (from `answerer`).
    static func answers(_ frames: [CapturedFrame], request: MMType, answer: MMType,
                        requester: MACAddress, answerer: MACAddress) -> [Double] {
        var out: [Double] = []
        var lastRequest: Double?
        for f in frames {
            if f.mmType == request, f.source == requester { lastRequest = f.time }
            if f.mmType == answer, f.source == answerer, let t = lastRequest {
                out.append((f.time - t) * 1000)
                lastRequest = nil
            }
        }
        return out
    }

    static func format(_ v: [Double]) -> String {
        v.isEmpty ? "—" : v.map { String(format: "%.3f", $0) }.joined(separator: ", ") + " ms"
    }
}
