@preconcurrency import CSocketCAN
import CShimFakes
import Glibc
@testable import HAL
import SystemPackage
import Testing

/// How a CAN socket fails and what `LinuxCANBus` makes of it. This kernel has no SocketCAN at all,
/// which is itself the first case; the rest fails one seam call under a bus adopted over a socketpair.
extension ShimSeam {
    @Suite("CAN shim: socket failures become typed CANErrors naming the interface")
    struct CANShimErrorTests {
        @Test("a kernel without SocketCAN: EAFNOSUPPORT, kind .unsupported, and it says so")
        func noSocketCAN() {
            let error = #expect(throws: CANError.self) { try LinuxCANBus(interface: "can0") }
            #expect(error == .open("can0", errno: .addressFamilyNotSupported))
            #expect(error?.kind == .unsupported)
            #expect(error?.description == "cannot open CAN interface can0: Address family not supported by protocol — this kernel has no SocketCAN support")
        }

        @Test("interface names the shim refuses before any socket: empty (EINVAL), over 15 bytes (ENAMETOOLONG)",
              arguments: [("", Errno.invalidArgument), ("can-interface-16", .fileNameTooLong)])
        func badNames(_ name: String, _ errno: Errno) {
            withSeamFakes { fakes in
                let error = #expect(throws: CANError.self) { try LinuxCANBus(interface: name) }
                #expect(error == .open(name, errno: errno))
                #expect(error?.kind == .invalidArgument)
                #expect(fakes.calls(CK_OP_SOCKET) == 0)
            }
        }

        @Test("socket refused: EPERM needs CAP_NET_RAW; EMFILE is out of descriptors",
              arguments: [(Errno.notPermitted, DeviceErrorKind.permissionDenied, "raw CAN sockets need CAP_NET_RAW" as String?),
                          (.tooManyOpenFiles, .other, nil)])
        func socketRefused(_ errno: Errno, _ kind: DeviceErrorKind, _ hint: String?) {
            withSeamFakes { fakes in
                fakes.fail(CK_OP_SOCKET, with: errno)
                let error = #expect(throws: CANError.self) { try LinuxCANBus(interface: "can0") }
                #expect(error == .open("can0", errno: errno))
                #expect(error?.kind == kind)
                if let hint { #expect(error?.description.hasSuffix(hint) == true) }
            }
        }

        @Test("send failures: EIO is .send(EIO); a full queue (ENOBUFS/EAGAIN) is just false; ENXIO (gone) .disconnected")
        func sendFailures() throws {
            let pair = SocketPairCANBus()
            let frame = CANFrame(id: 0x123, bytes: [1])
            try withSeamFakes { fakes throws in
                fakes.fail(CK_OP_SENDTO, with: .ioError)
                let error = #expect(throws: CANError.self) { _ = try pair.bus.send(frame) }
                #expect(error == .send("vcan0", errno: .ioError))
                #expect(error?.kind == .io)
                fakes.fail(CK_OP_SENDTO, with: .noBufferSpace)
                #expect(try pair.bus.send(frame) == false, "the transmit queue is full: try next tick")
                fakes.fail(CK_OP_SENDTO, with: .resourceTemporarilyUnavailable)
                #expect(try pair.bus.send(frame) == false)
                fakes.fail(CK_OP_SENDTO, with: .noSuchAddressOrDevice)
                #expect(#expect(throws: CANError.self) { _ = try pair.bus.send(frame) }?.kind == .disconnected)
            }
        }

        @Test("ENETDOWN on send is bus-off when the controller says so, else a link that is down")
        func sendOnDownLink() throws {
            let pair = SocketPairCANBus()
            let frame = CANFrame(id: 0x123, bytes: [1])
            try withSeamFakes { fakes throws in
                try LibraryBackends.withSocketCAN({ b in
                    b.get_state = { _, state in
                        state?.pointee = Int32(CK_CAN_STATE_BUS_OFF)
                        return 0
                    }
                }) { () throws in
                    fakes.fail(CK_OP_SENDTO, with: .networkDown)
                    let error = #expect(throws: CANError.self) { _ = try pair.bus.send(frame) }
                    #expect(error == .busOff("vcan0"))
                    #expect(error?.kind == .busOff)
                    #expect(error?.description == "vcan0 is bus-off: the controller stopped transmitting after too many errors")
                }
                try LibraryBackends.withSocketCAN({ b in
                    b.get_state = { _, state in
                        state?.pointee = Int32(CK_CAN_STATE_STOPPED)
                        return 0
                    }
                }) { () throws in
                    fakes.fail(CK_OP_SENDTO, with: .networkDown)
                    let error = #expect(throws: CANError.self) { _ = try pair.bus.send(frame) }
                    #expect(error == .send("vcan0", errno: .networkDown))
                    #expect(error?.kind == .linkDown)
                    #expect(error?.description == "cannot send on vcan0: Network is down — the interface is down")
                }
            }
        }

        @Test("receive failures: ENODEV (interface deleted) is .disconnected, EIO .io; EAGAIN is nil")
        func receiveFailures() throws {
            let pair = SocketPairCANBus()
            try withSeamFakes { fakes throws in
                fakes.fail(CK_OP_RECVFROM, with: .operationNotSupportedByDevice)
                let gone = #expect(throws: CANError.self) { _ = try pair.bus.receive() }
                #expect(gone == .receive("vcan0", errno: .operationNotSupportedByDevice))
                #expect(gone?.kind == .disconnected)
                fakes.fail(CK_OP_RECVFROM, with: .ioError)
                #expect(#expect(throws: CANError.self) { _ = try pair.bus.receive() }?.kind == .io)
                fakes.fail(CK_OP_RECVFROM, with: .resourceTemporarilyUnavailable)
                #expect(try pair.bus.receive() == nil)
            }
        }

        @Test("a truncated frame is never passed on: a short read is EPROTO")
        func shortRead() throws {
            let pair = SocketPairCANBus()
            pair.deliver(RawCAN.classic(id: 0x123, data: [1, 2, 3]))
            try #require(Readiness.readable(pair.bus.pollDescriptor!))
            withSeamFakes { fakes in
                fakes.shortReads(max: 8)
                let error = #expect(throws: CANError.self) { _ = try pair.bus.receive() }
                #expect(error == .receive("vcan0", errno: .protocolError))
            }
        }

        @Test("interrupted sends and receives are retried in the seam")
        func interrupted() throws {
            let pair = SocketPairCANBus()
            try withSeamFakes { fakes throws in
                fakes.interrupt(CK_OP_SENDTO, times: 2)
                #expect(try pair.bus.send(CANFrame(id: 0x321, bytes: [7])))
                #expect(fakes.calls(CK_OP_SENDTO) == 3)
                pair.deliver(RawCAN.classic(id: 0x7FF, data: [1]))
                try #require(Readiness.readable(pair.bus.pollDescriptor!))
                fakes.interrupt(CK_OP_RECVFROM, times: 2)
                #expect(try pair.bus.receive()?.id == 0x7FF)
                #expect(fakes.calls(CK_OP_RECVFROM) == 3)
            }
        }

        @Test("filters that cannot be set: .configure with the errno")
        func filterFailure() throws {
            let pair = SocketPairCANBus()
            withSeamFakes { fakes in
                fakes.fail(CK_OP_SETSOCKOPT, with: .ioError)
                let error = #expect(throws: CANError.self) { try pair.bus.setFilters([.exact(0x123, extended: false)]) }
                #expect(error == .configure("vcan0", errno: .ioError))
                #expect(error?.description == "cannot configure vcan0: Input/output error")
            }
        }

        @Test("the C entry points check their arguments without a syscall")
        func shimArgumentChecks() {
            withSeamFakes { fakes in
                var frame = ck_can_frame()
                frame.len = 9
                #expect(ck_can_send(3, &frame) == -EINVAL, "9 bytes in a classic frame")
                frame.flags = UInt8(CK_CAN_FRAME_FD)
                frame.len = 65
                #expect(ck_can_send(3, &frame) == -EINVAL, "65 bytes in an FD frame")
                #expect(ck_can_send(3, nil) == -EINVAL)
                #expect(ck_can_receive(3, nil) == -EINVAL)
                #expect(ck_can_set_filters(3, nil, 1) == -EINVAL)
                #expect(ck_can_set_filters(3, nil, 513) == -EINVAL)
                #expect(fakes.calls(CK_OP_SENDTO) + fakes.calls(CK_OP_RECVFROM) + fakes.calls(CK_OP_SETSOCKOPT) == 0)
            }
        }
    }
}
