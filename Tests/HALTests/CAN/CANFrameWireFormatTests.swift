import Glibc
@testable import HAL
import Testing

/// What `LinuxCANBus` puts into and takes out of a CAN_RAW socket, byte for byte: identifiers and their
/// EFF/RTR/ERR flag bits, lengths, CAN FD flags. A socketpair stands in for the socket (no SocketCAN on
/// this host); the kernel-backed twin of these checks runs on vcan0 in the HIL VM.
@Suite("CAN frames on the wire: struct can_frame / canfd_frame encoding")
struct CANFrameWireFormatTests {
    @Test("a standard frame: 11-bit id, no flags, 16-byte struct can_frame")
    func standardFrame() throws {
        let pair = SocketPairCANBus()
        #expect(try pair.bus.send(CANFrame(id: 0x123, bytes: [0xDE, 0xAD, 0xBE, 0xEF])))
        let raw = try #require(pair.sent())
        #expect(raw.count == 16)
        #expect(RawCAN.decode(raw) == .init(id: 0x123, len: 4, flags: 0, data: [0xDE, 0xAD, 0xBE, 0xEF]))
    }

    @Test("an extended frame carries CAN_EFF_FLAG; a remote request CAN_RTR_FLAG")
    func extendedAndRemote() throws {
        let pair = SocketPairCANBus()
        #expect(try pair.bus.send(CANFrame(id: 0x18FF_50E5, extended: true, bytes: [1, 2, 3, 4, 5, 6, 7, 8])))
        #expect(RawCAN.decode(try #require(pair.sent())).id == 0x18FF_50E5 | RawCAN.eff)
        var remote = CANFrame(id: 0x7DF, length: 0)
        remote.isRemote = true
        #expect(try pair.bus.send(remote))
        #expect(RawCAN.decode(try #require(pair.sent())).id == 0x7DF | RawCAN.rtr)
    }

    @Test("a CAN FD frame is a 72-byte struct canfd_frame (only on a bus opened for FD)")
    func fdFrame() throws {
        let pair = SocketPairCANBus(canFD: true)
        var frame = CANFrame(id: 0x100, length: 64)
        frame.isFD = true
        for i in 0..<64 { frame.data[i] = UInt8(i) }
        #expect(try pair.bus.send(frame))
        let raw = try #require(pair.sent())
        #expect(raw.count == 72)
        #expect(RawCAN.decode(raw).data == Array(0..<64))
    }

    @Test("received classic, extended, remote, FD and error frames decode into CANFrame fields")
    func receiveDecoding() throws {
        let pair = SocketPairCANBus(canFD: true)
        #expect(try pair.bus.receive() == nil, "nothing waiting is nil, not an error")
        pair.deliver(RawCAN.classic(id: 0x7E8, data: [0x02, 0x41, 0x0C]))
        pair.deliver(RawCAN.classic(id: 0x18DA_F110 | RawCAN.eff, data: [9]))
        pair.deliver(RawCAN.classic(id: 0x123 | RawCAN.rtr, data: []))
        pair.deliver(RawCAN.fd(id: 0x200, flags: 0x01, data: Array(repeating: 0xA5, count: 12)))
        pair.deliver(RawCAN.classic(id: RawCAN.err | 0x40, data: [0, 0, 0, 0, 0, 0, 0, 0]))   // CAN_ERR_BUSOFF

        let classic = try #require(try pair.bus.receive())
        #expect(classic == CANFrame(id: 0x7E8, bytes: [0x02, 0x41, 0x0C]))
        let extended = try #require(try pair.bus.receive())
        #expect(extended.isExtended && extended.id == 0x18DA_F110 && extended.payload == [9])
        let remote = try #require(try pair.bus.receive())
        #expect(remote.isRemote && remote.id == 0x123)
        let fd = try #require(try pair.bus.receive())
        #expect(fd.isFD && fd.length == 12 && fd.id == 0x200)
        let error = try #require(try pair.bus.receive())
        #expect(error.isError)
        #expect(CANErrorClass(rawValue: error.id).contains(.busOff))
        #expect(try pair.bus.receive() == nil)
    }

    @Test("frames the bus cannot carry are refused before the socket: .invalidFrame, kind .invalidArgument",
          arguments: [CANFrame(id: 0x800, length: 1),                          // 12 bits in a standard id
                      CANFrame(id: 0x2000_0000, extended: true, length: 1),    // 30 bits in an extended id
                      CANFrame(id: 0x10, length: 9)])                          // 9 bytes classic
    func refusedFrames(_ frame: CANFrame) throws {
        let pair = SocketPairCANBus()
        let error = #expect(throws: CANError.self) { _ = try pair.bus.send(frame) }
        #expect(error == .invalidFrame("vcan0", frame))
        #expect(error?.kind == .invalidArgument)
        #expect(Readiness.staysQuiet(pair.peer), "nothing reached the socket")
    }

    @Test("error frames and FD frames on a classic bus are refused too")
    func refusedKinds() throws {
        let pair = SocketPairCANBus()
        var errorFrame = CANFrame(id: 0x40, length: 8)
        errorFrame.isError = true
        #expect(throws: CANError.invalidFrame("vcan0", errorFrame)) { _ = try pair.bus.send(errorFrame) }
        var fdFrame = CANFrame(id: 0x40, length: 12)
        fdFrame.isFD = true
        #expect(throws: CANError.invalidFrame("vcan0", fdFrame)) { _ = try pair.bus.send(fdFrame) }
    }

    @Test("a closed bus reports .closed, kind .disconnected")
    func closedBus() throws {
        let pair = SocketPairCANBus()
        pair.bus.close()
        let error = #expect(throws: CANError.self) { _ = try pair.bus.receive() }
        #expect(error == .closed("vcan0"))
        #expect(error?.kind == .disconnected)
        #expect(throws: CANError.closed("vcan0")) { _ = try pair.bus.send(CANFrame(id: 1, length: 0)) }
        #expect(throws: CANError.closed("vcan0")) { try pair.bus.setFilters([]) }
        #expect(pair.bus.pollDescriptor == nil)
    }
}
