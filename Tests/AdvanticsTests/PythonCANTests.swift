import Foundation
import HAL
import MallocCounting
import Testing
import TestSupport

/// Where the python-can peer lives and whether it can run here.
enum PythonCAN {
    static let root = PackageLayout.root()
    static let peer = root + "/Tests/Support/python-can/peer.py"
    static let venv = ProcessInfo.processInfo.environment["PYTHON_CAN_VENV"] ?? "/var/tmp/chargekit-pycan-venv"
    static var python: String { venv + "/bin/python" }

    static let venvMissing: String? = FileManager.default.isExecutableFile(atPath: python)
        ? nil : "the python-can venv at \(venv) (Tests/Support/python-can/ensure-venv.sh, run by .ci/setup)"

    /// Why the bus tests cannot run here (they need a network namespace: multicast stays in it), or nil.
    static let busUnavailable: String? = {
        let reason = venvMissing ?? VethPair.unavailableReason
        if let reason { print("python-can udp_multicast tests: skipped, needs \(reason)") }
        return reason
    }()

    static let packUnavailable: String? = {
        if let venvMissing { print("python-can record comparison: skipped, needs \(venvMissing)") }
        return venvMissing
    }()

    /// A namespace pair whose `a` end is the only multicast interface of its namespace, so python-can
    /// (which joins where the kernel routes the group) and our bus (which names the interface) meet
    /// there. Waits for the link-local address to leave duplicate address detection.
    static func namespace() throws -> VethPair {
        let pair = try VethPair()
        for _ in 0..<50 {
            let text = (try? Subprocess.check(["ip", "-n", pair.a.namespace, "-6", "addr", "show", "dev", pair.a.interface])) ?? ""
            if text.contains("fe80"), !text.contains("tentative") { break }
            usleep(100_000)
        }
        return pair
    }

    /// The peer's text for a frame: `ID#DATA flags dlc`.
    static func text(_ f: CANFrame) -> String {
        let flags = (f.isExtended ? "x" : "") + (f.isRemote ? "r" : "") + (f.isFD ? "f" : "")
        return "\(String(f.id, radix: 16, uppercase: true))#\(f.payload.map { String(format: "%02X", $0) }.joined()) \(flags.isEmpty ? "-" : flags) \(f.length)"
    }

    static let frames: [CANFrame] = {
        var remote = CANFrame(id: 0x7FF, extended: false, length: 0)
        remote.isRemote = true
        return [
            CANFrame(id: 0x123, bytes: [1, 2, 3]),
            CANFrame(id: 0x0C01_0200, extended: true, bytes: [0xDE, 0xAD, 0xBE, 0xEF, 0, 1, 2, 3]),
            CANFrame(id: 0x1FFF_FFFF, extended: true, bytes: []),
            CANFrame(id: 0, bytes: [0xFF]),
            remote,
        ]
    }()
}

/// Our `UDPMulticastCANBus` against python-can's `udp_multicast` interface (python-can 4.6.1 with
/// msgpack), both ways, inside a network namespace made for the test (the group never reaches the
/// host's interfaces), and our records byte for byte against python-can's packer.
@Suite(.serialized, .required("python-can"))
struct PythonCANTests {
    @Test(.enabled(if: PythonCAN.packUnavailable == nil, "needs the python-can venv (reason printed)"))
    func recordsEqualPythonCANBytes() throws {
        let texts = ["123#010203", "0C010200#DEADBEEF00010203", "1FFFFFFF#", "000#FF", "7FF#R"]
        let out = try Subprocess.check([PythonCAN.python, PythonCAN.peer, "pack"] + texts)
        let theirs = out.split(separator: "\n").map(String.init)
        try #require(theirs.count == PythonCAN.frames.count, "peer said: \(out)")
        for (f, hex) in zip(PythonCAN.frames, theirs) {
            let ours = CANMessagePackRecordTests.encode(f).map { String(format: "%02x", $0) }.joined()
            #expect(ours == hex, "\(f): ours \(ours), python-can \(hex)")
        }
    }

    @Test(.enabled(if: PythonCAN.busUnavailable == nil, "needs root, iproute2 and the python-can venv (reason printed)"))
    func ourFramesReachPythonCAN() throws {
        let pair = try PythonCAN.namespace()
        defer { pair.remove() }
        let ready = NSTemporaryDirectory() + "ck-pycan-ready-\(getpid())"
        unlink(ready)
        let receiver = try BackgroundProcess(pair.command(in: pair.a, [PythonCAN.python, PythonCAN.peer, "receive",
                                                                        "\(PythonCAN.frames.count)", "10", ready]),
                                             mergeOutput: false)
        defer { receiver.stop() }
        let bus = try pair.run(in: pair.a) { try UDPMulticastCANBus(interface: pair.a.interface) }
        var waited = 0
        while access(ready, F_OK) != 0, waited < 200 { usleep(50_000); waited += 1 }
        try #require(access(ready, F_OK) == 0, "python-can did not join: \(receiver.errorOutput)")
        usleep(100_000)
        for f in PythonCAN.frames { #expect(try bus.send(f)) }
        let status = receiver.wait(timeout: 15)
        #expect(status == 0, "python-can: \(receiver.errorOutput)")
        let got = receiver.output.split(separator: "\n").map(String.init)
        #expect(got == PythonCAN.frames.map(PythonCAN.text))
    }

    @Test(.enabled(if: PythonCAN.busUnavailable == nil, "needs root, iproute2 and the python-can venv (reason printed)"))
    func pythonCANFramesReachUs() throws {
        let pair = try PythonCAN.namespace()
        defer { pair.remove() }
        let bus = try pair.run(in: pair.a) { try UDPMulticastCANBus(interface: pair.a.interface) }
        let texts = ["123#010203", "0C010200#DEADBEEF00010203", "1FFFFFFF#", "000#FF", "7FF#R"]
        try Subprocess.check(pair.command(in: pair.a, [PythonCAN.python, PythonCAN.peer, "send"] + texts), timeout: 20)
        var got: [CANFrame] = []
        for _ in 0..<100 where got.count < texts.count {
            while let f = try bus.receive() { got.append(f) }
            usleep(20_000)
        }
        #expect(got == PythonCAN.frames, "got \(got)")
        #expect(bus.malformedRecords == 0)
        // Our own frames loop back from the kernel and are dropped, as a CAN controller would.
        #expect(try bus.send(CANFrame(id: 0x42, bytes: [1])))
        usleep(100_000)
        #expect(try bus.receive() == nil)
        #expect(bus.ownFramesDropped == 1)
    }

    /// The steady state of the bus: 1000 frames sent by one of our buses and received by another on
    /// the same group, with no heap allocation on either side (the tick's CAN traffic, issue 16).
    @Test(.enabled(if: VethPair.unavailableReason == nil, "needs root and iproute2 for a network namespace"))
    func sendAndReceiveDoNotAllocate() throws {
        let pair = try PythonCAN.namespace()
        defer { pair.remove() }
        let (a, b) = try pair.run(in: pair.a) {
            (try UDPMulticastCANBus(interface: pair.a.interface), try UDPMulticastCANBus(interface: pair.a.interface))
        }
        let frame = CANFrame(id: 0x0106_3000, extended: true, bytes: [1, 2, 3, 4, 5, 6, 7, 8])
        _ = try a.send(frame)
        usleep(50_000)
        while try b.receive() != nil {}
        var sent = 0, received = 0
        var failure: CANError?
        let mallocs = MallocCounter.count {
            do throws(CANError) {
                for _ in 0..<10 {
                    for _ in 0..<100 where try a.send(frame) { sent += 1 }
                    usleep(20_000)
                    while let f = try b.receive() { if f == frame { received += 1 } }
                }
            } catch { failure = error }
        }
        print("UDPMulticastCANBus: \(sent) frames sent, \(received) received, mallocs \(mallocs)")
        #expect(failure == nil)
        #expect(sent == 1_000 && received == 1_000)
        #expect(mallocs == 0)
        #expect(b.malformedRecords == 0 && a.malformedRecords == 0)
    }
}
