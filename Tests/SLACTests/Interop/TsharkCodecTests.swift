import Foundation
import HAL
import HomePlugAV
import Testing
import TestSupport

/// Every message our codec can send, written to a capture file and decoded by tshark's HomePlug AV
/// dissector: no malformed packet, no warning, and the fields it prints equal what we encoded. The
/// veth tests cover the frames that cross the wire in a session; this covers the rest (CM_SET_KEY,
/// CM_VALIDATE, the vendor messages).
@Suite(.enabled(if: Subprocess.which("tshark") != nil, "needs tshark on PATH (.ci/setup installs it)"), .required("tshark"))
struct TsharkDecodesEveryMessage {
    @Test func everyMessageTypeDecodesCleanly() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("ck-slac-codec-\(getpid()).pcap").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        var file: [UInt8] = [0xD4, 0xC3, 0xB2, 0xA1, 2, 0, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xFF, 0xFF, 0, 0, 1, 0, 0, 0]
        var frames: [CapturedFrame] = []
        for (i, f) in allFrames.enumerated() {
            let b = try encode(f)
            let n = UInt32(b.count)
            let record: [UInt32] = [UInt32(i), 0, n, n]
            for v in record { file += [UInt8(v & 0xFF), UInt8(v >> 8 & 0xFF), UInt8(v >> 16 & 0xFF), UInt8(v >> 24)] }
            file += b
            frames.append(CapturedFrame(number: i + 1, time: Double(i), bytes: b))
        }
        try Data(file).write(to: URL(fileURLWithPath: path))
        let ours: Set<MACAddress> = Set(allFrames.map(\.source))
        let report = TsharkCheck.check(path, frames: frames, ours: ours)
        print("tshark (every message type): \(report.checkedFrames) frames, \(report.checkedFields) fields, \(report.problems.count) problems")
        #expect(report.checkedFrames == allFrames.count)
        #expect(report.problems.isEmpty, "\(report.problems)")
        // And tshark names each type as we do.
        let names = try Subprocess.run(["tshark", "-r", path, "-T", "fields", "-E", "occurrence=f", "-e", "homeplug_av.mmhdr.mmtype",
                                        "-e", "homeplug_av.mmhdr.mmtype.qualcomm"], mergeOutput: true, timeout: 30).stdout
            .split(separator: "\n").compactMap { line in line.split(separator: "\t").lazy.compactMap { TsharkCheck.number(String($0)) }.first }
        #expect(names == allFrames.map { Int($0.message.mmType.rawValue) })
    }
}
