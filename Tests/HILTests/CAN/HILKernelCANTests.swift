@preconcurrency import CSocketCAN
import Glibc
import HAL
import SystemPackage
import Testing
import TestSupport

/// Two `LinuxCANBus` sockets as a `CANBusHarness`: both on vcan0, or can0 → can1 over the VM's
/// emulated SJA1000 bus. Waits are polls on the sockets.
struct LinuxCANHarness: CANBusHarness {
    let a: LinuxCANBus
    let b: LinuxCANBus
    var sender: any CANBus { a }
    var receiver: any CANBus { b }

    init(_ sender: String, _ receiver: String) throws {
        a = try LinuxCANBus(interface: sender)
        b = try LinuxCANBus(interface: receiver)
    }

    func waitForFrame(on bus: any CANBus) -> Bool { Readiness.readable(bus.pollDescriptor!) }
    func staysQuiet(_ bus: any CANBus) -> Bool { Readiness.staysQuiet(bus.pollDescriptor!, for: .milliseconds(300)) }
}

/// SocketCAN and libsocketcan on a real kernel (HIL VM): vcan0/vcan1, and can0 ⇄ can1, two emulated
/// SJA1000 controllers on one QEMU CAN bus at 500 kbit/s with restart-ms 100. Serialized: the bitrate
/// test takes can0 down and up.
@Suite("HILKernel CAN: SocketCAN and libsocketcan on vcan and emulated SJA1000", .serialized, HIL.onlyInVM, .required("hil-kernel"))
struct HILKernelCANTests {
    // MARK: the shared CANBus contract on the kernel

    @Test("contract on vcan0 (two sockets): idle, order, filters, refusals, own frames")
    func contractOnVCAN() throws {
        try CANBusContract.idleBusReceivesNothing(LinuxCANHarness("vcan0", "vcan0"))
        try CANBusContract.framesArriveInOrder(LinuxCANHarness("vcan0", "vcan0"))
        try CANBusContract.exactFilterPassesOnlyItsFrame(LinuxCANHarness("vcan0", "vcan0"))
        try CANBusContract.maskFilterAndReset(LinuxCANHarness("vcan0", "vcan0"))
        try CANBusContract.impossibleFramesAreRefused(LinuxCANHarness("vcan0", "vcan0"))
        try CANBusContract.senderDoesNotHearItself(LinuxCANHarness("vcan0", "vcan0"))
    }

    @Test("contract over the emulated bus, can0 → can1: order (standard and extended ids) and filters")
    func contractOnEmulatedBus() throws {
        try CANBusContract.framesArriveInOrder(LinuxCANHarness("can0", "can1"))
        try CANBusContract.exactFilterPassesOnlyItsFrame(LinuxCANHarness("can0", "can1"))
        try CANBusContract.maskFilterAndReset(LinuxCANHarness("can0", "can1"))
        try CANBusContract.senderDoesNotHearItself(LinuxCANHarness("can0", "can1"))
    }

    @Test("CAN FD on vcan0 (MTU 72): a 20-byte frame arrives as FD on a socket opened for FD")
    func canFD() throws {
        let a = try LinuxCANBus(interface: "vcan0", options: .init(canFD: true))
        let b = try LinuxCANBus(interface: "vcan0", options: .init(canFD: true))
        var frame = CANFrame(id: 0x123, length: 20)
        frame.isFD = true
        for i in 0..<20 { frame.data[i] = UInt8(i) }
        #expect(try a.send(frame))
        try #require(Readiness.readable(b.pollDescriptor!))
        #expect(try b.receive() == frame)
    }

    // MARK: error frames

    @Test("the error-frame mask: a socket with error frames on gets the controller's error frame, one without does not")
    func errorFrameMask() throws {
        let watching = try LinuxCANBus(interface: "vcan1", options: .init(errorFrames: true))
        let ignoring = try LinuxCANBus(interface: "vcan1", options: .init(errorFrames: false))
        // Play the controller: a raw CAN_ERR_FLAG frame on vcan1 reaches exactly the sockets whose
        // error mask has that class (LinuxCANBus refuses to send one; the shim does not).
        let injector = ck_can_open("vcan1", 0)
        try #require(injector >= 0)
        defer { ck_can_close(injector) }
        var raw = ck_can_frame()
        raw.id = CK_CAN_ERR_FLAG | CK_CAN_ERR_BUSOFF
        raw.len = 8
        #expect(ck_can_send(injector, &raw) == 1)
        try #require(Readiness.readable(watching.pollDescriptor!))
        let frame = try #require(try watching.receive())
        #expect(frame.isError)
        #expect(CANErrorClass(rawValue: frame.id).contains(.busOff))
        #expect(Readiness.staysQuiet(ignoring.pollDescriptor!, for: .milliseconds(300)))
        #expect(try ignoring.receive() == nil)
    }

    // MARK: libsocketcan on the SJA1000 links

    @Test("can0 reports ERROR-ACTIVE, 500 kbit/s with a sample point, and error counters")
    func linkStatus() throws {
        let status = try LinuxCANLink(interface: "can0").status()
        #expect(status.state == .errorActive)
        #expect(status.bitrate == 500_000)
        #expect((status.samplePoint ?? 0) > 0)
        #expect(status.transmitErrors != nil && status.receiveErrors != nil)
    }

    @Test("the bitrate set to 250 kbit/s reads back, frames still flow, and 500 kbit/s is restored")
    func setBitrate() throws {
        let can0 = LinuxCANLink(interface: "can0")
        try can0.setBitrate(250_000)
        defer { try? can0.setBitrate(500_000) }
        #expect(try can0.status().bitrate == 250_000)
        #expect(try can0.status().state == .errorActive, "stopped and started again")
        // QEMU's bus ignores bit timing, so can1 at 500k still hears can0 at 250k (README: no bus physics).
        try CANBusContract.framesArriveInOrder(LinuxCANHarness("can0", "can1"))
        try can0.setBitrate(500_000)
        #expect(try can0.status().bitrate == 500_000)
    }

    @Test("restart while error-active: .link(restart, EINVAL), kind .invalidArgument, with the explanation")
    func restartWhenNotBusOff() throws {
        let bus = try LinuxCANBus(interface: "can0")
        let error = #expect(throws: CANError.self) { try bus.restart() }
        #expect(error == .link("can0", operation: "restart", errno: .invalidArgument))
        #expect(error?.kind == .invalidArgument)
        #expect(error?.description == "cannot restart of can0: Invalid argument — only a bus-off controller can be restarted")
    }

    // MARK: what vcan cannot tell

    @Test("linkStatus on vcan0: no state, bitrate or counters (vcan has no CAN link data), and no error")
    func vcanLinkStatus() throws {
        let bus = try LinuxCANBus(interface: "vcan0")
        #expect(try bus.linkStatus() == CANLinkStatus())
    }

    @Test("a bitrate for vcan0 is refused with EOPNOTSUPP before its link is touched")
    func vcanBitrate() throws {
        let harness = try LinuxCANHarness("vcan0", "vcan0")
        let error = #expect(throws: CANError.self) { try harness.a.setBitrate(250_000) }
        #expect(error == .link("vcan0", operation: "set the bitrate", errno: .notSupported))
        #expect(error?.kind == .unsupported)
        try CANBusContract.framesArriveInOrder(harness)
    }

    @Test("a missing interface: .open(ENODEV) with the overlay hint; its link status .absent")
    func missingInterface() throws {
        let error = #expect(throws: CANError.self) { try LinuxCANBus(interface: "can9") }
        #expect(error == .open("can9", errno: .operationNotSupportedByDevice))
        #expect(error?.kind == .absent)
        #expect(#expect(throws: CANError.self) { _ = try LinuxCANLink(interface: "can9").status() }?.kind == .absent)
    }

    // MARK: a link going down, and going away

    @Test("a vcan taken down: each open socket hears it once (receive: ENETDOWN), sends fail with .linkDown; up again, frames flow")
    func linkDown() throws {
        try HIL.ip("link", "add", "ckdown0", "type", "vcan")
        defer { try? HIL.ip("link", "del", "ckdown0") }
        try HIL.ip("link", "set", "ckdown0", "up")
        let harness = try LinuxCANHarness("ckdown0", "ckdown0")
        try HIL.ip("link", "set", "ckdown0", "down")
        // The kernel tells every open socket, once: its poll wakes and its next receive is ENETDOWN.
        for bus in [harness.a, harness.b] {
            #expect(Readiness.readable(bus.pollDescriptor!, within: .seconds(2)))
            let told = #expect(throws: CANError.self) { _ = try bus.receive() }
            #expect(told == .receive("ckdown0", errno: .networkDown))
            #expect(told?.kind == .linkDown)
            #expect(try bus.receive() == nil, "reported once, not forever")
        }
        let error = #expect(throws: CANError.self) { _ = try harness.a.send(CANFrame(id: 1, bytes: [1])) }
        #expect(error == .send("ckdown0", errno: .networkDown))
        #expect(error?.kind == .linkDown)
        try HIL.ip("link", "set", "ckdown0", "up")
        try CANBusContract.framesArriveInOrder(harness)
    }

    @Test("the interface deleted while open: poll wakes, receive and send are kind .disconnected")
    func interfaceDeleted() throws {
        try HIL.ip("link", "add", "ckgone0", "type", "vcan")
        try HIL.ip("link", "set", "ckgone0", "up")
        let bus = try LinuxCANBus(interface: "ckgone0")
        try HIL.ip("link", "del", "ckgone0")
        #expect(Readiness.readable(bus.pollDescriptor!, within: .seconds(2)), "the socket error wakes a poll")
        let receive = #expect(throws: CANError.self) { _ = try bus.receive() }
        #expect(receive?.kind == .disconnected)
        let send = #expect(throws: CANError.self) { _ = try bus.send(CANFrame(id: 1, bytes: [1])) }
        #expect(send?.kind == .disconnected)
    }
}
