import Buffers
import Glibc
import HAL
import SystemPackage
import Testing
import TestSupport

/// The raw-Ethernet shim for real: a veth pair between two network namespaces created for each test,
/// `LinuxEthernetLink` on each end (sockets made inside their namespace), SLAC's EtherType 0x88E1.
/// Receives wait on the link's `pollDescriptor`; only netdev state, which the kernel applies from its
/// link-watch worker and exposes through no descriptor, is re-checked with a bounded `eventually`.
@Suite("Raw Ethernet over a veth pair in network namespaces",
       .enabled(if: VethPair.unavailableReason == nil, "needs root and the ip tool (iproute2): see VethPair.unavailableReason"))
struct EthernetVethTests {
    static let slac: UInt16 = 0x88E1

    /// A veth pair with a link open on each end, carrier up.
    struct Wire {
        let pair: VethPair
        let a: LinuxEthernetLink
        let b: LinuxEthernetLink

        init(etherType: UInt16 = EthernetVethTests.slac) throws {
            pair = try VethPair()
            do {
                let pair = pair
                a = try pair.run(in: pair.a) { try LinuxEthernetLink(interface: pair.a.interface, etherType: etherType) }
                b = try pair.run(in: pair.b) { try LinuxEthernetLink(interface: pair.b.interface, etherType: etherType) }
                // A veth forwards nothing until the link-watch worker has activated its queue, which it
                // does as it marks the carrier (IFF_RUNNING).
                try #require(try carrier(of: pair.a, a) && carrier(of: pair.b, b), "carrier never came up")
            } catch {
                pair.remove()
                throw error
            }
        }

        func state(of end: VethPair.End, _ link: LinuxEthernetLink) throws -> EthernetLinkState {
            try pair.run(in: end) { try link.linkState() }
        }

        func carrier(of end: VethPair.End, _ link: LinuxEthernetLink, is wanted: Bool = true) throws -> Bool {
            try Readiness.eventually { try state(of: end, link).carrier == wanted }
        }
    }

    /// The next frame on `link`, waiting up to 5 s.
    static func next(_ link: LinuxEthernetLink, capacity: Int = 1600) throws -> [UInt8]? {
        guard Readiness.readable(link.pollDescriptor!) else { return nil }
        return try link.receiveFrame(capacity: capacity)
    }

    @Test("each link reads its interface's MAC; both ends are up with carrier")
    func macAndState() throws {
        let wire = try Wire()
        defer { wire.pair.remove() }
        #expect(wire.a.macAddress == wire.pair.a.mac)
        #expect(wire.b.macAddress == wire.pair.b.mac)
        let state = try wire.state(of: wire.pair.a, wire.a)
        #expect(state == EthernetLinkState(up: true, carrier: true, mtu: 1500))
    }

    @Test("frames cross byte-exact and in order, both ways")
    func framesBothWays() throws {
        let wire = try Wire()
        defer { wire.pair.remove() }
        let frames = (0..<10).map { i in
            TestFrame.make(to: wire.b.macAddress, from: wire.a.macAddress, payload: patternBytes(count: 46 + i * 100, seed: UInt32(i + 1)))
        }
        for f in frames { #expect(try wire.a.send(f)) }
        for f in frames { #expect(try Self.next(wire.b) == f) }
        let back = TestFrame.make(to: wire.a.macAddress, from: wire.b.macAddress, payload: Array(0...255))
        #expect(try wire.b.send(back))
        #expect(try Self.next(wire.a) == back)
        #expect(try wire.a.receiveFrame() == nil, "nothing else waiting")
    }

    @Test("a short frame is zero-padded to the 60-byte Ethernet minimum")
    func padding() throws {
        let wire = try Wire()
        defer { wire.pair.remove() }
        let short = TestFrame.make(to: wire.b.macAddress, from: wire.a.macAddress, payload: [0xC0, 0xFF, 0xEE])
        #expect(short.count == 17)
        #expect(try wire.a.send(short))
        let received = try #require(try Self.next(wire.b))
        #expect(received.count == 60)
        #expect(Array(received.prefix(17)) == short)
        #expect(received.dropFirst(17).allSatisfy { $0 == 0 })
    }

    @Test("a link receives only its EtherType")
    func etherTypeFilter() throws {
        let wire = try Wire()
        defer { wire.pair.remove() }
        let ipv4 = TestFrame.make(to: wire.b.macAddress, from: wire.a.macAddress, etherType: 0x0800, payload: patternBytes(count: 46))
        let slac = TestFrame.make(to: wire.b.macAddress, from: wire.a.macAddress, payload: patternBytes(count: 46, seed: 9))
        #expect(try wire.a.send(ipv4))
        #expect(try wire.a.send(slac))
        // The veth keeps order: had the IPv4 frame been delivered, it would be first.
        #expect(try Self.next(wire.b) == slac)
        #expect(Readiness.staysQuiet(wire.b.pollDescriptor!))
    }

    @Test("size limits: 1514 bytes (MTU 1500) crosses; 1518 untagged exceeds the MTU (EMSGSIZE); 1519 is refused by the HAL")
    func sizeLimits() throws {
        let wire = try Wire()
        defer { wire.pair.remove() }
        let full = TestFrame.make(to: wire.b.macAddress, from: wire.a.macAddress, payload: patternBytes(count: 1500))
        #expect(try wire.a.send(full))
        #expect(try Self.next(wire.b) == full)

        let vlanSized = TestFrame.make(to: wire.b.macAddress, from: wire.a.macAddress, payload: patternBytes(count: 1504))
        let kernel = #expect(throws: EthernetError.self) { _ = try wire.a.send(vlanSized) }
        #expect(kernel == .send(wire.pair.a.interface, errno: .messageTooLong))
        #expect(kernel?.kind == .invalidArgument)

        let tooLong = [UInt8](repeating: 0, count: 1519)
        #expect(throws: EthernetError.frameTooLong(wire.pair.a.interface, length: 1519)) { _ = try wire.a.send(tooLong) }
    }

    @Test("a frame longer than the receive buffer is dropped and reported, never truncated; the next one is fine")
    func receiveBufferTooSmall() throws {
        let wire = try Wire()
        defer { wire.pair.remove() }
        let big = TestFrame.make(to: wire.b.macAddress, from: wire.a.macAddress, payload: patternBytes(count: 186))
        let small = TestFrame.make(to: wire.b.macAddress, from: wire.a.macAddress, payload: patternBytes(count: 46))
        #expect(try wire.a.send(big))
        #expect(try wire.a.send(small))
        try #require(Readiness.readable(wire.b.pollDescriptor!))
        let error = #expect(throws: EthernetError.self) { _ = try wire.b.receiveFrame(capacity: 100) }
        #expect(error == .frameTooLong(wire.pair.b.interface, length: 200))
        #expect(error?.description == "\(wire.pair.b.interface): frame of 200 bytes did not fit the receive buffer and was dropped")
        #expect(try Self.next(wire.b, capacity: 100) == small)
    }

    @Test("the peer going down takes the carrier away (up, no carrier); it comes back with the peer")
    func carrierFollowsPeer() throws {
        let wire = try Wire()
        defer { wire.pair.remove() }
        try wire.pair.setUp(wire.pair.b, false)
        #expect(try wire.carrier(of: wire.pair.a, wire.a, is: false))
        #expect(try wire.state(of: wire.pair.a, wire.a).up)
        #expect(try wire.state(of: wire.pair.b, wire.b).up == false)
        // Frames sent without carrier are dropped by the kernel; send itself still succeeds.
        #expect(try wire.a.send(TestFrame.make(to: .broadcast, from: wire.a.macAddress, payload: [1])))
        try wire.pair.setUp(wire.pair.b, true)
        #expect(try wire.carrier(of: wire.pair.a, wire.a))
    }

    @Test("our own interface going down is reported once as ENETDOWN (kind .linkDown); after it is up again frames flow")
    func linkDownAndUp() throws {
        let wire = try Wire()
        defer { wire.pair.remove() }
        try wire.pair.setUp(wire.pair.a, false)
        #expect(Readiness.readable(wire.a.pollDescriptor!, within: .seconds(2)), "poll reports the socket error at once")
        let error = #expect(throws: EthernetError.self) { _ = try wire.a.receiveFrame() }
        #expect(error == .receive(wire.pair.a.interface, errno: .networkDown))
        #expect(error?.kind == .linkDown)
        let down = #expect(throws: EthernetError.self) { _ = try wire.a.send(TestFrame.make(to: .broadcast, from: .zero, payload: [1])) }
        #expect(down?.kind == .linkDown)
        try wire.pair.setUp(wire.pair.a, true)
        #expect(try wire.carrier(of: wire.pair.a, wire.a))
        let hello = TestFrame.make(to: wire.a.macAddress, from: wire.b.macAddress, payload: patternBytes(count: 46))
        #expect(try wire.b.send(hello))
        #expect(try Self.next(wire.a) == hello)
    }

    @Test("the interface deleted while open: poll wakes, every call is kind .disconnected, nothing hangs")
    func interfaceDeleted() throws {
        let wire = try Wire()
        defer { wire.pair.remove() }
        try wire.pair.deleteInterface(wire.pair.b)        // a veth pair dies together: a goes too
        #expect(Readiness.readable(wire.a.pollDescriptor!, within: .seconds(2)))
        let error = #expect(throws: EthernetError.self) { _ = try wire.a.receiveFrame() }
        #expect(error == .receive(wire.pair.a.interface, errno: .operationNotSupportedByDevice))
        #expect(error?.kind == .disconnected)
        #expect(error?.description == "cannot receive on \(wire.pair.a.interface): No such device — the interface was deleted while open")
        #expect(#expect(throws: EthernetError.self) { _ = try wire.a.receiveFrame() }?.kind == .disconnected)
        #expect(#expect(throws: EthernetError.self) { _ = try wire.a.send(TestFrame.make(to: .broadcast, from: .zero, payload: [1])) }?.kind == .disconnected)
        let gone = #expect(throws: EthernetError.self) { _ = try wire.state(of: wire.pair.a, wire.a) }
        #expect(gone?.kind == .disconnected)
        #expect(#expect(throws: EthernetError.self) { _ = try wire.b.send(TestFrame.make(to: .broadcast, from: .zero, payload: [1])) }?.kind == .disconnected)
    }

    @Test("promiscuous mode and a multicast membership can be set on a live link")
    func promiscuousAndMulticast() throws {
        let wire = try Wire()
        defer { wire.pair.remove() }
        try wire.b.setPromiscuous(true)
        try wire.b.joinMulticast(MACAddress(0x01, 0x00, 0x5E, 0x00, 0x00, 0x01))
        let multicast = TestFrame.make(to: MACAddress(0x01, 0x00, 0x5E, 0x00, 0x00, 0x01), from: wire.a.macAddress, payload: patternBytes(count: 46))
        #expect(try wire.a.send(multicast))
        #expect(try Self.next(wire.b) == multicast)
        try wire.b.setPromiscuous(false)
    }
}
