import HAL
import SystemPackage
import Testing

/// The faults a `SimulatedEthernetLink` can play (carrier loss, a link taken down, send and receive
/// errors, a vanished interface) and what each yields.
@Suite("Ethernet twin faults: carrier loss, link down, errors, vanished interface")
struct EthernetTwinFaultTests {
    let a = SimulatedEthernetLink(interface: "eth1", macAddress: MACAddress(0x02, 0, 0, 0, 0, 1), etherType: 0x88E1)
    let b = SimulatedEthernetLink(interface: "evse0", macAddress: MACAddress(0x02, 0, 0, 0, 0, 2), etherType: 0x88E1)
    init() { SimulatedEthernetLink.connect(a, b) }

    var frame: [UInt8] { TestFrame.make(to: b.macAddress, from: a.macAddress, payload: patternBytes(count: 46)) }

    @Test("carrier loss (modem lost sync, cable pulled): the link stays up without carrier, frames vanish, send still succeeds")
    func carrierLoss() throws {
        a.backend.carrier = false
        #expect(try a.linkState() == EthernetLinkState(up: true, carrier: false, mtu: 1500))
        #expect(try a.send(frame))
        #expect(try b.receiveFrame() == nil)
        a.backend.carrier = true
        #expect(try a.send(frame))
        #expect(try b.receiveFrame() == frame)
    }

    @Test("our link administratively down: send is .send(ENETDOWN), kind .linkDown, with the hint")
    func linkDown() {
        a.backend.up = false
        let error = #expect(throws: EthernetError.self) { _ = try a.send(frame) }
        #expect(error == .send("eth1", errno: .networkDown))
        #expect(error?.kind == .linkDown)
        #expect(error?.description == "cannot send on eth1: Network is down — the interface is down")
    }

    @Test("the peer down: our frames are lost, no error")
    func peerDown() throws {
        b.backend.up = false
        #expect(try a.send(frame))
        b.backend.up = true
        #expect(try b.receiveFrame() == nil)
    }

    @Test("send and receive errors once each: EIO .io; a full queue (ENOBUFS) is false")
    func transferErrors() throws {
        a.backend.failNextSend = .ioError
        #expect(#expect(throws: EthernetError.self) { _ = try a.send(frame) }?.kind == .io)
        a.backend.failNextSend = .noBufferSpace
        #expect(try a.send(frame) == false)
        #expect(try a.send(frame))
        b.backend.failNextReceive = .ioError
        #expect(throws: EthernetError.receive("evse0", errno: .ioError)) { _ = try b.receiveFrame() }
        #expect(try b.receiveFrame() == frame)
    }

    @Test("a vanished interface: send, receive and link state are all kind .disconnected")
    func vanished() {
        a.backend.vanished = true
        #expect(#expect(throws: EthernetError.self) { _ = try a.send(frame) }?.kind == .disconnected)
        #expect(#expect(throws: EthernetError.self) { _ = try a.receiveFrame() }?.kind == .disconnected)
        let state = #expect(throws: EthernetError.self) { _ = try a.linkState() }
        #expect(state == .query("eth1", errno: .operationNotSupportedByDevice))
        #expect(state?.kind == .disconnected)
    }

    @Test("an oversized frame injected from the wire: .frameTooLong with its real length, then the queue goes on")
    func oversizedInjected() throws {
        let jumbo = [UInt8](repeating: 0xAB, count: 2000)
        _ = jumbo.withUnsafeBytes { b.backend.inject(RawSpan(_unsafeBytes: $0)) }
        #expect(try a.send(frame))
        #expect(throws: EthernetError.frameTooLong("evse0", length: 2000)) { _ = try b.receiveFrame(capacity: 1518) }
        #expect(try b.receiveFrame() == frame)
    }
}
