import CoreTypes
import Glibc
import HAL
import Testing
import TestSupport
import WhitebeetEmulator
import WhitebeetHCI
import WhitebeetHost

/// The host link and the module emulator on the two ends of a real veth pair (raw AF_PACKET sockets,
/// EtherType 0x6003, in network namespaces made for the test): the frames cross the kernel as they
/// would to a module on `eth1`. Protocol time is the bench's manual clock.
@Suite("WHITE-beet HCI over a veth pair",
       .enabled(if: VethPair.unavailableReason == nil, "needs root and the ip tool (iproute2): see VethPair.unavailableReason"),
       .required("whitebeet-veth"))
struct WhitebeetVethTests {
    @Test func scriptedSessionOverRawEthernet() throws {
        let pair = try VethPair()
        defer { pair.remove() }
        let hostLink = try pair.run(in: pair.a) { try LinuxEthernetLink(interface: pair.a.interface, etherType: HCIEthernet.etherType) }
        let moduleLink = try pair.run(in: pair.b) { try LinuxEthernetLink(interface: pair.b.interface, etherType: HCIEthernet.etherType) }
        // A veth forwards nothing until its carrier is up.
        var carrier = false
        for _ in 0 ..< 500 where !carrier {
            carrier = try pair.run(in: pair.a) { try hostLink.linkState().carrier }
            if !carrier { usleep(10_000) }
        }
        try #require(carrier, "carrier never came up")
        let bench = WhitebeetBench(hostLink: hostLink, moduleLink: moduleLink)
        #expect(bench.exchange(.getFirmwareVersion, limit: .seconds(10))
            == .answered(HCIResponse(module: 0x10, sub: 0x41, requestID: 1, body: .firmwareVersion("V02_01_00"))))
        #expect(WhitebeetEmulatorTests.runSession(bench, answerChargeLoop: true))
        #expect(bench.module.car.phase == .finished)
        #expect(bench.module.statistics.ignoredFrames == 0)
        print("whitebeet over veth: \(bench.host.statistics.sent) commands, \(bench.host.statistics.notifications) notifications")
    }
}

/// `boardctl whitebeet emulate` on one end of a veth pair and `boardctl whitebeet version` on the
/// other, as a maker runs them (each in its own network namespace).
@Suite("boardctl whitebeet over a veth pair",
       .enabled(if: VethPair.unavailableReason == nil, "needs root and the ip tool (iproute2): see VethPair.unavailableReason"),
       .required("whitebeet-veth"))
struct BoardctlWhitebeetVethTests {
    @Test func versionFromTheEmulator() throws {
        let tool = try #require(PackageLayout.product("boardctl"), "boardctl is not built next to the test bundle")
        let pair = try VethPair()
        defer { pair.remove() }
        let emulator = try BackgroundProcess(pair.command(in: pair.b, [tool, "whitebeet", "emulate", "--interface", pair.b.interface,
                                                                       "--seconds", "30"]))
        defer { emulator.stop() }
        #expect(emulator.waitFor("emulating a WHITE-beet-EI", timeout: 20), "\(emulator.output)")
        let result = try Subprocess.run(pair.command(in: pair.a, [tool, "whitebeet", "version", "--interface", pair.a.interface,
                                                                  "--module-mac", "\(pair.b.mac)"]), timeout: 30)
        #expect(result.status == 0, "\(result.stdout) \(result.stderr)")
        #expect(result.stdout.contains("firmware V02_01_00"), "\(result.stdout)")
        #expect(emulator.waitFor("host \(pair.a.mac) connected", timeout: 10), "\(emulator.output)")
    }
}
