import Foundation
import Testing
import TestSupport

/// `boardctl v2g` both ways over a veth pair between two network namespaces the test makes and
/// deletes: our SECC (simulated power plant) in one, our EVCC (simulated battery) in the other, real
/// SDP multicast, real TCP, a whole session each for DIN 70121 and ISO 15118-2; both exit 0.
@Suite("boardctl v2g: our SECC and our EVCC across a veth pair, whole sessions",
       .enabled(if: VethPair.unavailableReason == nil, "needs root and the ip tool (iproute2): see VethPair.unavailableReason"))
struct BoardctlV2GVethTests {
    @Test(arguments: ["din", "ISO_15118_2"])
    func wholeSession(_ protocolName: String) throws {
        let boardctl = try #require(PackageLayout.product("boardctl"), "boardctl is not built next to the test bundle")
        let pair = try VethPair()
        defer { pair.remove() }
        let secc = try BackgroundProcess(pair.command(in: pair.a, [boardctl, "v2g", "--role", "secc", "--interface", pair.a.interface,
                                                                  "--protocol", protocolName, "--seconds", "60", "--linger", "1"]))
        defer { secc.stop() }
        #expect(secc.waitFor("listening", timeout: 20), "the SECC did not come up:\n\(secc.output)")
        let ev = try BackgroundProcess(pair.command(in: pair.b, [boardctl, "v2g", "--role", "evcc", "--interface", pair.b.interface,
                                                                "--protocol", protocolName, "--seconds", "60", "--linger", "1"]))
        defer { ev.stop() }
        let evStatus = ev.wait(timeout: 90)
        let seccStatus = secc.wait(timeout: 30)
        print("--- SECC\n\(secc.output)\n--- EVCC\n\(ev.output)")
        #expect(evStatus == 0)
        #expect(seccStatus == 0)
        #expect(ev.output.contains("RESULT: complete session"))
        #expect(secc.output.contains("RESULT: complete session"))
        for name in ["SessionSetup", "CableCheck", "PreCharge", "PowerDelivery(start)", "CurrentDemand", "WeldingDetection", "SessionStop"] {
            #expect(secc.output.contains(name), "SECC log lacks \(name)")
            #expect(ev.output.contains(name), "EVCC log lacks \(name)")
        }
        #expect(secc.output.contains("power-path: supply off"), "the power path is safe at the end")
        #expect(secc.output.contains("power path after the session: idle"), "the power path stopped by itself after SessionStop")
        #expect(secc.output.contains("POWER PATH: off"))
    }
}
