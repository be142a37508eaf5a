import HAL
import SystemPackage
import Testing

/// The faults a `SimulatedCANBus` can play (bus-off and restart, a stopped link, silence, send errors,
/// a vanished interface) and what each yields: the typed errors and kinds `LinuxCANBus` reports.
@Suite("CAN twin faults: bus-off and restart, link down, silence, send errors, vanished interface")
struct CANTwinFaultTests {
    let bus = SimulatedCANBus(interface: "can0")
    let peer = SimulatedCANBus(interface: "can1")
    init() { SimulatedCANBus.connect(bus, peer) }

    @Test("bus-off: an error frame with the bus-off class arrives (whatever the filters), the state says so, sends fail with .busOff")
    func busOff() throws {
        try bus.setFilters([.exact(0x100, extended: false)])
        bus.backend.goBusOff()
        let errorFrame = try #require(try bus.receive())
        #expect(errorFrame.isError)
        #expect(CANErrorClass(rawValue: errorFrame.id).contains(.busOff))
        let status = try bus.linkStatus()
        #expect(status.state == .busOff)
        #expect(status.transmitErrors == 256)
        let error = #expect(throws: CANError.self) { _ = try bus.send(CANFrame(id: 0x100, bytes: [1])) }
        #expect(error == .busOff("can0"))
        #expect(error?.kind == .busOff)
    }

    @Test("restart after bus-off: error-active again, counters cleared, a 'restarted' error frame, sends work")
    func restart() throws {
        bus.backend.goBusOff()
        _ = try bus.receive()
        try bus.restart()
        let note = try #require(try bus.receive())
        #expect(note.isError && CANErrorClass(rawValue: note.id).contains(.restarted))
        #expect(try bus.linkStatus().state == .errorActive)
        #expect(try bus.linkStatus().transmitErrors == 0)
        #expect(try bus.send(CANFrame(id: 0x100, bytes: [1])))
        #expect(try peer.receive() == CANFrame(id: 0x100, bytes: [1]))
    }

    @Test("restart when not bus-off: .link(restart, EINVAL), kind .invalidArgument, as the Linux shim answers")
    func restartWhenActive() {
        let error = #expect(throws: CANError.self) { try bus.restart() }
        #expect(error == .link("can0", operation: "restart", errno: .invalidArgument))
        #expect(error?.kind == .invalidArgument)
        #expect(error?.description == "cannot restart of can0: Invalid argument — only a bus-off controller can be restarted")
    }

    @Test("a stopped link: sends fail with ENETDOWN, kind .linkDown")
    func stopped() {
        bus.backend.state = .stopped
        let error = #expect(throws: CANError.self) { _ = try bus.send(CANFrame(id: 1, length: 0)) }
        #expect(error == .send("can0", errno: .networkDown))
        #expect(error?.kind == .linkDown)
    }

    @Test("silenced (no node acknowledges): sends succeed and go nowhere")
    func silenced() throws {
        bus.backend.silenced = true
        #expect(try bus.send(CANFrame(id: 0x55, bytes: [1])))
        #expect(try peer.receive() == nil)
        #expect(bus.backend.transmitted.isEmpty)
    }

    @Test("send errors: a full queue (ENOBUFS) is false as on Linux; EIO is .send(EIO), kind .io; once each")
    func sendErrors() throws {
        bus.backend.failNextSend = .noBufferSpace
        #expect(try bus.send(CANFrame(id: 1, length: 0)) == false)
        bus.backend.failNextSend = .ioError
        let error = #expect(throws: CANError.self) { _ = try bus.send(CANFrame(id: 1, length: 0)) }
        #expect(error == .send("can0", errno: .ioError))
        #expect(error?.kind == .io)
        #expect(try bus.send(CANFrame(id: 1, length: 0)))
    }

    @Test("a vanished interface: send and receive are kind .disconnected; link queries .absent (no such interface)")
    func vanished() {
        bus.backend.vanished = true
        #expect(#expect(throws: CANError.self) { _ = try bus.send(CANFrame(id: 1, length: 0)) }?.kind == .disconnected)
        #expect(#expect(throws: CANError.self) { _ = try bus.receive() }?.kind == .disconnected)
        let status = #expect(throws: CANError.self) { _ = try bus.linkStatus() }
        #expect(status == .link("can0", operation: "read the state", errno: .operationNotSupportedByDevice))
        #expect(status?.kind == .absent)
        #expect(#expect(throws: CANError.self) { try bus.setFilters([]) }?.kind == .absent)
    }

    @Test("bitrates outside 1 bit/s … 1 Mbit/s are refused: .link(set the bitrate, EINVAL)")
    func bitrate() throws {
        try bus.setBitrate(250_000)
        #expect(try bus.linkStatus().bitrate == 250_000)
        #expect(throws: CANError.link("can0", operation: "set the bitrate", errno: .invalidArgument)) { try bus.setBitrate(0) }
        #expect(throws: CANError.link("can0", operation: "set the bitrate", errno: .invalidArgument)) { try bus.setBitrate(2_000_000) }
    }

    @Test("injected frames from an absent node pass the filters like real ones")
    func injected() throws {
        try bus.setFilters([.exact(0x18FF_50E5, extended: true)])
        bus.backend.inject(CANFrame(id: 0x7FF, bytes: [1]))
        bus.backend.inject(CANFrame(id: 0x18FF_50E5, extended: true, bytes: [2]))
        #expect(try bus.receive() == CANFrame(id: 0x18FF_50E5, extended: true, bytes: [2]))
        #expect(try bus.receive() == nil)
    }
}
