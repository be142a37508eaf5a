import Buffers
import Glibc
import HAL
import SystemPackage
import Testing
import TestSupport

/// AF_PACKET (CRawEthernet) through `LinuxEthernetLink` on a veth pair inside the VM (veth autoloads).
/// The VM is throwaway, so the pair lives in its root namespace.
@Suite("HILKernel Ethernet: AF_PACKET on a veth pair", .serialized, HIL.onlyInVM, .required("hil-kernel"))
struct HILKernelEthernetTests {
    struct Pair {
        let a: LinuxEthernetLink
        let b: LinuxEthernetLink
        let names: (String, String)

        init(_ n: Int) throws {
            names = ("hilv\(n)a", "hilv\(n)b")
            try HIL.ip("link", "add", names.0, "address", "02:48:49:4c:00:0a", "type", "veth", "peer", "name", names.1, "address", "02:48:49:4c:00:0b")
            try HIL.ip("link", "set", names.0, "up")
            try HIL.ip("link", "set", names.1, "up")
            a = try LinuxEthernetLink(interface: names.0, etherType: 0x88E1)
            b = try LinuxEthernetLink(interface: names.1, etherType: 0x88E1)
            let (a, b) = (a, b)
            // The veth forwards once the link-watch worker has marked the carrier (and activated its queue).
            try #require(try Readiness.eventually { try a.linkState().carrier && b.linkState().carrier })
        }

        func remove() { try? HIL.ip("link", "del", names.0) }
    }

    static func frame(_ to: MACAddress, _ from: MACAddress, _ payload: [UInt8]) -> [UInt8] {
        (0..<6).map { to[$0] } + (0..<6).map { from[$0] } + [0x88, 0xE1] + payload
    }

    static func send(_ link: LinuxEthernetLink, _ frame: [UInt8]) throws -> Bool {
        try frame.withUnsafeBytes { try link.send(RawSpan(_unsafeBytes: $0)) }
    }

    static func receive(_ link: LinuxEthernetLink) throws -> [UInt8]? {
        guard Readiness.readable(link.pollDescriptor!) else { return nil }
        let buffer = FrameBuffer(capacity: 1600)
        guard try link.receive(into: buffer) else { return nil }
        return Array(buffer.unsafeBytes)
    }

    @Test("EtherType 0x88E1 frames cross both ways byte-exact; a short one arrives padded to 60; MACs read back")
    func sendReceive() throws {
        let pair = try Pair(1)
        defer { pair.remove() }
        #expect(pair.a.macAddress == MACAddress("02:48:49:4c:00:0a"))
        let big = Self.frame(pair.b.macAddress, pair.a.macAddress, (0..<1500).map { UInt8(truncatingIfNeeded: $0 * 7) })
        #expect(try Self.send(pair.a, big))
        #expect(try Self.receive(pair.b) == big)
        let short = Self.frame(pair.a.macAddress, pair.b.macAddress, [1, 2, 3])
        #expect(try Self.send(pair.b, short))
        #expect(try Self.receive(pair.a) == short + [UInt8](repeating: 0, count: 60 - short.count))
    }

    @Test("the interface deleted while open: kind .disconnected, no hang")
    func deleted() throws {
        let pair = try Pair(2)
        pair.remove()
        #expect(Readiness.readable(pair.a.pollDescriptor!, within: .seconds(2)))
        let buffer = FrameBuffer(capacity: 1600)
        #expect(#expect(throws: EthernetError.self) { _ = try pair.a.receive(into: buffer) }?.kind == .disconnected)
        #expect(#expect(throws: EthernetError.self) { _ = try pair.a.linkState() }?.kind == .disconnected)
    }
}
