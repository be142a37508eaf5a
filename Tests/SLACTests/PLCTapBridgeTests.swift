import Buffers
import ControlLoop
import Drivers
import Foundation
import HAL
import SimBoard
import Testing
import TestSupport

/// The user-space QCA7000 board's IP path (issue 14, item 2): frames from the power line reach the
/// kernel through a TAP, and the kernel's answers go back out over the driver — while HomePlug
/// frames stay with SLAC. Proven with the kernel's own IPv6: a Neighbor Solicitation for the TAP's
/// link-local address, sent from the far end of the simulated power line, is answered by the kernel
/// with a Neighbor Advertisement that comes back out of the chip model.
@Suite(.serialized, .enabled(if: VethPair.unavailableReason == nil, "\(VethPair.unavailableReason ?? "")"))
struct PLCTapBridgeTests {
    static let hostMAC = MACAddress(0x02, 0x00, 0x00, 0x00, 0x5E, 0x01)
    static let neighbourMAC = MACAddress(0x02, 0x00, 0x00, 0x00, 0x0E, 0x01)

    @Test func kernelAnswersANeighbourSolicitationOverThePowerLine() throws {
        let pair = try VethPair()
        defer { pair.remove() }
        // No duplicate-address detection in this namespace: the TAP's address is usable at once.
        _ = try Subprocess.check(pair.command(in: pair.a, ["sysctl", "-qw", "net.ipv6.conf.default.accept_dad=0"]))
        let tap = try pair.run(in: pair.a) { try LinuxTapLink(name: "cktap0", mac: Self.hostMAC) }
        defer { tap.close() }

        let clock = ManualClock()
        let chip = SimulatedQCA7000(clock: clock)
        let driver = QCA7000Driver(spi: chip.device, interruptLine: chip.interruptLine, macAddress: Self.hostMAC)
        let splitter = PLCFrameSplitter(plc: driver, tap: tap)
        var index: UInt64 = 0
        func tick() {
            clock.advance(by: .milliseconds(1))
            let context = TickContext(now: clock.now(), index: index, period: .milliseconds(1))
            driver.pump(context)
            splitter.pump(context)
            index += 1
        }
        for _ in 0..<200 where driver.state != .ready { tick() }
        try #require(driver.state == .ready, "the QCA7000 driver did not synchronise with the chip model")

        // From the wire: a HomePlug frame (stays with SLAC) and an NS for the TAP's address.
        var homePlug = [UInt8](repeating: 0, count: 60)
        homePlug.replaceSubrange(0..<6, with: Self.hostMAC.octets)
        homePlug.replaceSubrange(6..<12, with: Self.neighbourMAC.octets)
        homePlug[12] = 0x88
        homePlug[13] = 0xE1
        let deliveredHomePlug = chip.deliver(homePlug.span.bytes)
        #expect(deliveredHomePlug)
        let target = IPv6Address.linkLocal(mac: Self.hostMAC)
        let ns = NeighbourDiscovery.solicitation(from: Self.neighbourMAC, for: target)

        // The kernel answers in real time, once the TAP's address is configured (asynchronously after
        // it came up): ask every 100 ms until its advertisement comes out of the chip.
        var advertisement: [UInt8]?
        var asked = 0
        var lastAsk = Date.distantPast
        let deadline = Date().addingTimeInterval(10)
        while advertisement == nil, Date() < deadline {
            if Date().timeIntervalSince(lastAsk) > 0.1 {
                let delivered = chip.deliver(ns.span.bytes)
                if delivered { asked += 1 }
                lastAsk = Date()
            }
            tick()
            let q = chip.transmitted
            while !q.isEmpty {
                let frame = q.front.withUnsafeBytes { Array($0) }
                q.dropFront()
                if NeighbourDiscovery.isAdvertisement(frame, for: target, to: Self.neighbourMAC) { advertisement = frame }
            }
            usleep(1_000)
        }
        #expect(advertisement != nil, "no Neighbor Advertisement from the kernel after \(asked) solicitations; splitter \(splitter.counters)")
        print("TAP bridge: the kernel answered after \(asked) solicitation(s); splitter \(splitter.counters)")
        #expect(splitter.received.count == 1, "the HomePlug frame went to SLAC")
        #expect(splitter.counters.toSLAC == 1)
        #expect(splitter.counters.toKernel >= 1)
        #expect(splitter.counters.fromKernel >= 1)
    }
}

extension MACAddress {
    var octets: [UInt8] { (0..<6).map { self[$0] } }
}

/// Just enough ICMPv6 neighbour discovery (RFC 4861) for the test: an NS with a source link-layer
/// address option, and recognising the NA that answers it.
enum NeighbourDiscovery {
    static func solicitation(from mac: MACAddress, for target: IPv6Address) -> [UInt8] {
        let source = IPv6Address.linkLocal(mac: mac)
        // Solicited-node multicast ff02::1:ffXX:XXXX and its MAC 33:33:ff:XX:XX:XX.
        let solicited = IPv6Address(high: 0xFF02_0000_0000_0000, low: 0x0000_0001_FF00_0000 | (target.low & 0xFF_FFFF))
        let dstMAC: [UInt8] = [0x33, 0x33, 0xFF, target.octet(13), target.octet(14), target.octet(15)]
        var icmp: [UInt8] = [135, 0, 0, 0, 0, 0, 0, 0] + (0..<16).map { target.octet($0) }
        icmp += [1, 1] + mac.octets // source link-layer address option
        let sum = checksum(source: source, destination: solicited, icmp)
        icmp[2] = UInt8(sum >> 8)
        icmp[3] = UInt8(sum & 0xFF)
        var ip: [UInt8] = [0x60, 0, 0, 0, UInt8(icmp.count >> 8), UInt8(icmp.count & 0xFF), 58, 255]
        ip += (0..<16).map { source.octet($0) } + (0..<16).map { solicited.octet($0) }
        return dstMAC + mac.octets + [0x86, 0xDD] + ip + icmp
    }

    static func isAdvertisement(_ frame: [UInt8], for target: IPv6Address, to mac: MACAddress) -> Bool {
        guard frame.count >= 14 + 40 + 24, frame[12] == 0x86, frame[13] == 0xDD, frame[14 + 6] == 58 else { return false }
        let icmp = Array(frame[(14 + 40)...])
        guard icmp[0] == 136 else { return false }
        return Array(icmp[8..<24]) == (0..<16).map { target.octet($0) } && Array(frame[0..<6]) == mac.octets
    }

    static func checksum(source: IPv6Address, destination: IPv6Address, _ icmp: [UInt8]) -> UInt16 {
        var bytes = (0..<16).map { source.octet($0) } + (0..<16).map { destination.octet($0) }
        bytes += [0, 0, UInt8(icmp.count >> 8), UInt8(icmp.count & 0xFF), 0, 0, 0, 58] + icmp
        if bytes.count % 2 == 1 { bytes.append(0) }
        var sum: UInt32 = 0
        for i in stride(from: 0, to: bytes.count, by: 2) { sum += UInt32(bytes[i]) << 8 | UInt32(bytes[i + 1]) }
        while sum > 0xFFFF { sum = (sum & 0xFFFF) + (sum >> 16) }
        return ~UInt16(sum)
    }
}
