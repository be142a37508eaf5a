import Buffers
import HAL
import Testing
import TestSupport

/// Two connected Ethernet links under test and how to wait on them.
protocol EthernetHarness {
    var a: any EthernetLink { get }
    var b: any EthernetLink { get }
    /// The next frame on `link` within a bounded wait, or nil.
    func next(_ link: any EthernetLink, capacity: Int) throws -> [UInt8]?
    /// Proves (bounded) that nothing arrives on `link`.
    func quiet(_ link: any EthernetLink) -> Bool
    func state(_ link: any EthernetLink) throws -> EthernetLinkState
    func tearDown()
}

private final class VethHarness: EthernetHarness {
    let wire: EthernetVethTests.Wire
    init() throws { wire = try EthernetVethTests.Wire() }
    var a: any EthernetLink { wire.a }
    var b: any EthernetLink { wire.b }
    func next(_ link: any EthernetLink, capacity: Int) throws -> [UInt8]? {
        guard Readiness.readable(link.pollDescriptor!) else { return nil }
        return try link.receiveFrame(capacity: capacity)
    }
    func quiet(_ link: any EthernetLink) -> Bool { Readiness.staysQuiet(link.pollDescriptor!) }
    func state(_ link: any EthernetLink) throws -> EthernetLinkState {
        link === wire.a ? try wire.state(of: wire.pair.a, wire.a) : try wire.state(of: wire.pair.b, wire.b)
    }
    func tearDown() { wire.pair.remove() }
}

private final class TwinEthernetHarness: EthernetHarness {
    let twinA = SimulatedEthernetLink(interface: "sim0", macAddress: MACAddress(0x02, 0, 0, 0, 0, 0x0A), etherType: 0x88E1)
    let twinB = SimulatedEthernetLink(interface: "sim1", macAddress: MACAddress(0x02, 0, 0, 0, 0, 0x0B), etherType: 0x88E1)
    init() { SimulatedEthernetLink.connect(twinA, twinB) }
    var a: any EthernetLink { twinA }
    var b: any EthernetLink { twinB }
    func next(_ link: any EthernetLink, capacity: Int) throws -> [UInt8]? { try link.receiveFrame(capacity: capacity) }
    func quiet(_ link: any EthernetLink) -> Bool { (try? link.receiveFrame()) == .some(nil) }
    func state(_ link: any EthernetLink) throws -> EthernetLinkState { try link.linkState() }
    func tearDown() {}
}

enum EthernetImplementation: String, CaseIterable, Sendable, CustomTestStringConvertible {
    case linuxVeth = "LinuxEthernetLink on a veth pair"
    case simulated = "SimulatedEthernetLink pair"
    var testDescription: String { rawValue }

    /// Runs `contract` on a fresh pair; the Linux run is skipped, with the reason printed, where the
    /// host cannot make namespaces.
    func run(_ contract: (any EthernetHarness) throws -> Void) throws {
        let harness: any EthernetHarness
        switch self {
        case .linuxVeth:
            if let reason = VethPair.unavailableReason {
                print("skipped \(rawValue): \(reason)")
                return
            }
            harness = try VethHarness()
        case .simulated:
            harness = TwinEthernetHarness()
        }
        defer { harness.tearDown() }
        try contract(harness)
    }
}

/// The `EthernetLink` contract (what SLAC may rely on), on a real veth pair and on twins.
@Suite("EthernetLink contract: Linux (veth) and simulated behave alike")
struct EthernetLinkConformance {
    @Test("nothing waiting is nil; the link is up with carrier", arguments: EthernetImplementation.allCases)
    func idle(_ impl: EthernetImplementation) throws {
        try impl.run { h throws in
            #expect(try h.b.receiveFrame() == nil)
            let s = try h.state(h.a)
            #expect(s.up && s.carrier && s.mtu == 1500)
        }
    }

    @Test("frames cross byte-exact both ways", arguments: EthernetImplementation.allCases)
    func bothWays(_ impl: EthernetImplementation) throws {
        try impl.run { h throws in
            let ab = TestFrame.make(to: h.b.macAddress, from: h.a.macAddress, payload: patternBytes(count: 1500))
            #expect(try h.a.send(ab))
            #expect(try h.next(h.b, capacity: 1600) == ab)
            let ba = TestFrame.make(to: h.a.macAddress, from: h.b.macAddress, payload: patternBytes(count: 46, seed: 3))
            #expect(try h.b.send(ba))
            #expect(try h.next(h.a, capacity: 1600) == ba)
        }
    }

    @Test("short frames arrive padded to 60 bytes", arguments: EthernetImplementation.allCases)
    func padding(_ impl: EthernetImplementation) throws {
        try impl.run { h throws in
            let short = TestFrame.make(to: h.b.macAddress, from: h.a.macAddress, payload: [1, 2])
            #expect(try h.a.send(short))
            #expect(try h.next(h.b, capacity: 1600) == short + [UInt8](repeating: 0, count: 60 - short.count))
        }
    }

    @Test("only the link's EtherType is received", arguments: EthernetImplementation.allCases)
    func etherType(_ impl: EthernetImplementation) throws {
        try impl.run { h throws in
            let other = TestFrame.make(to: h.b.macAddress, from: h.a.macAddress, etherType: 0x6003, payload: patternBytes(count: 46))
            let slac = TestFrame.make(to: h.b.macAddress, from: h.a.macAddress, payload: patternBytes(count: 46, seed: 5))
            #expect(try h.a.send(other))
            #expect(try h.a.send(slac))
            #expect(try h.next(h.b, capacity: 1600) == slac)
            #expect(h.quiet(h.b))
        }
    }

    @Test("frames too short or too long to send are refused", arguments: EthernetImplementation.allCases)
    func refused(_ impl: EthernetImplementation) throws {
        try impl.run { h throws in
            #expect(throws: EthernetError.frameTooShort(h.a.interface, length: 13)) { _ = try h.a.send([UInt8](repeating: 0, count: 13)) }
            #expect(throws: EthernetError.frameTooLong(h.a.interface, length: 1519)) { _ = try h.a.send([UInt8](repeating: 0, count: 1519)) }
            #expect(h.quiet(h.b))
        }
    }

    @Test("a frame longer than the receive buffer: .frameTooLong with its length, dropped, next one fine", arguments: EthernetImplementation.allCases)
    func smallBuffer(_ impl: EthernetImplementation) throws {
        try impl.run { h throws in
            let big = TestFrame.make(to: h.b.macAddress, from: h.a.macAddress, payload: patternBytes(count: 186))
            let small = TestFrame.make(to: h.b.macAddress, from: h.a.macAddress, payload: patternBytes(count: 46))
            #expect(try h.a.send(big))
            #expect(try h.a.send(small))
            let error = #expect(throws: EthernetError.self) { _ = try h.next(h.b, capacity: 100) }
            #expect(error == .frameTooLong(h.b.interface, length: 200))
            #expect(error?.kind == .invalidArgument)
            #expect(try h.next(h.b, capacity: 100) == small)
        }
    }
}
