import CRawEthernet
import CShimFakes
import Glibc
import HAL
import SystemPackage
import Testing
import TestSupport

/// How a raw-Ethernet link fails and what `LinuxEthernetLink` makes of it. A missing interface is real;
/// the other failures are injected into one seam call under a real AF_PACKET socket on the loopback
/// interface. No frame is put on `lo`: every send here fails in the fake before reaching the kernel.
extension ShimSeam {
    @Suite("Raw-Ethernet shim: socket failures become typed EthernetErrors naming the interface")
    struct EthernetShimErrorTests {
        static let experimental: UInt16 = 0x88B6     // IEEE local experimental EtherType: never real traffic
        static let canUseRawSockets = Subprocess.isRoot

        @Test("no such interface: ENODEV, kind .absent, with the qca7000 overlay hint")
        func absentInterface() {
            let error = #expect(throws: EthernetError.self) { try LinuxEthernetLink(interface: "nosuch0", etherType: 0x88E1) }
            #expect(error == .open("nosuch0", errno: .operationNotSupportedByDevice))
            #expect(error?.kind == .absent)
            #expect(error?.description == "cannot open a raw socket on nosuch0: No such device — no such interface; for a QCA7000 is the qca7000 overlay loaded (it creates eth1)?")
        }

        @Test("an interface name over 15 bytes is refused before any socket: ENAMETOOLONG")
        func nameTooLong() {
            withSeamFakes { fakes in
                let error = #expect(throws: EthernetError.self) { try LinuxEthernetLink(interface: "interface-name16", etherType: 0x88E1) }
                #expect(error == .open("interface-name16", errno: .fileNameTooLong))
                #expect(error?.kind == .invalidArgument)
                #expect(fakes.calls(CK_OP_SOCKET) == 0)
            }
        }

        @Test("the raw socket refused (EPERM without CAP_NET_RAW): kind .permissionDenied and the hint",
              .enabled(if: canUseRawSockets, "opening AF_PACKET sockets on lo needs root"))
        func socketRefused() {
            withSeamFakes { fakes in
                // The first socket is the helper for the MAC query; the second the AF_PACKET socket.
                fakes.fail(CK_OP_SOCKET, nth: 2, with: .notPermitted)
                let error = #expect(throws: EthernetError.self) { try LinuxEthernetLink(interface: "lo", etherType: Self.experimental) }
                #expect(error == .open("lo", errno: .notPermitted))
                #expect(error?.kind == .permissionDenied)
                #expect(error?.description.hasSuffix("— raw Ethernet needs root or CAP_NET_RAW") == true)
            }
        }

        @Test("bind refused: .open with the errno, and the socket is closed again",
              .enabled(if: canUseRawSockets, "opening AF_PACKET sockets on lo needs root"))
        func bindRefused() {
            withSeamFakes { fakes in
                fakes.fail(CK_OP_BIND, with: .addressNotAvailable)
                #expect(throws: EthernetError.open("lo", errno: .addressNotAvailable)) { try LinuxEthernetLink(interface: "lo", etherType: Self.experimental) }
                #expect(fakes.calls(CK_OP_SOCKET) == fakes.calls(CK_OP_CLOSE), "every socket opened was closed")
            }
        }

        @Test("the MAC query fails: .open with the errno",
              .enabled(if: canUseRawSockets, "opening AF_PACKET sockets on lo needs root"))
        func macQueryFails() {
            withSeamFakes { fakes in
                fakes.fail(CK_OP_IOCTL, with: .ioError)
                #expect(throws: EthernetError.open("lo", errno: .ioError)) { try LinuxEthernetLink(interface: "lo", etherType: Self.experimental) }
            }
        }

        @Test("send failures: EIO .io; a full queue (ENOBUFS) is false; EMSGSIZE .invalidArgument; ENETDOWN .linkDown",
              .enabled(if: canUseRawSockets, "opening AF_PACKET sockets on lo needs root"))
        func sendFailures() throws {
            let link = try LinuxEthernetLink(interface: "lo", etherType: Self.experimental)
            let frame = TestFrame.make(to: .broadcast, from: .zero, etherType: Self.experimental, payload: [1, 2, 3])
            try withSeamFakes { fakes throws in
                fakes.fail(CK_OP_SENDTO, with: .ioError)
                let io = #expect(throws: EthernetError.self) { _ = try link.send(frame) }
                #expect(io == .send("lo", errno: .ioError))
                #expect(io?.kind == .io)
                fakes.fail(CK_OP_SENDTO, with: .noBufferSpace)
                #expect(try link.send(frame) == false)
                fakes.fail(CK_OP_SENDTO, with: .messageTooLong)
                #expect(#expect(throws: EthernetError.self) { _ = try link.send(frame) }?.kind == .invalidArgument)
                fakes.fail(CK_OP_SENDTO, with: .networkDown)
                let down = #expect(throws: EthernetError.self) { _ = try link.send(frame) }
                #expect(down?.kind == .linkDown)
                #expect(down?.description == "cannot send on lo: Network is down — the interface is down")
            }
        }

        @Test("frames the HAL refuses before the kernel: shorter than a header, longer than 1518",
              .enabled(if: canUseRawSockets, "opening AF_PACKET sockets on lo needs root"))
        func refusedFrames() throws {
            let link = try LinuxEthernetLink(interface: "lo", etherType: Self.experimental)
            withSeamFakes { fakes in
                let short = #expect(throws: EthernetError.self) { _ = try link.send([UInt8](repeating: 0, count: 13)) }
                #expect(short == .frameTooShort("lo", length: 13))
                #expect(short?.kind == .invalidArgument)
                let long = #expect(throws: EthernetError.self) { _ = try link.send([UInt8](repeating: 0, count: 1519)) }
                #expect(long == .frameTooLong("lo", length: 1519))
                #expect(long?.description == "lo: frame of 1519 bytes exceeds 1518")
                #expect(fakes.calls(CK_OP_SENDTO) == 0)
            }
        }

        @Test("the interface deleted under the socket (send gets ENXIO): .disconnected, and it stays so without asking the kernel",
              .enabled(if: canUseRawSockets, "opening AF_PACKET sockets on lo needs root"))
        func vanishedOnSend() throws {
            let link = try LinuxEthernetLink(interface: "lo", etherType: Self.experimental)
            let frame = TestFrame.make(to: .broadcast, from: .zero, etherType: Self.experimental, payload: [1])
            withSeamFakes { fakes in
                fakes.fail(CK_OP_SENDTO, with: .noSuchAddressOrDevice)
                let error = #expect(throws: EthernetError.self) { _ = try link.send(frame) }
                #expect(error?.kind == .disconnected)
                #expect(error?.description == "cannot send on lo: No such device or address — the interface was deleted while open")
                #expect(#expect(throws: EthernetError.self) { _ = try link.send(frame) }?.kind == .disconnected)
                #expect(#expect(throws: EthernetError.self) { _ = try link.receiveFrame() }?.kind == .disconnected)
                #expect(#expect(throws: EthernetError.self) { _ = try link.linkState() }?.kind == .disconnected)
                #expect(fakes.calls(CK_OP_SENDTO) == 1 && fakes.calls(CK_OP_RECVFROM) == 0 && fakes.calls(CK_OP_IOCTL) == 0)
            }
        }

        @Test("ENETDOWN on receive: the socket itself is asked whether its interface still exists",
              .enabled(if: canUseRawSockets, "opening AF_PACKET sockets on lo needs root"))
        func downOrDeletedOnReceive() throws {
            let link = try LinuxEthernetLink(interface: "lo", etherType: Self.experimental)
            withSeamFakes { fakes in
                // lo is still there: a link that went down (and may come back).
                fakes.fail(CK_OP_RECVFROM, with: .networkDown)
                let down = #expect(throws: EthernetError.self) { _ = try link.receiveFrame() }
                #expect(down == .receive("lo", errno: .networkDown))
                #expect(down?.kind == .linkDown)
                // The presence check (SIOCGIFNAME on the socket) says it is gone: deleted for good.
                fakes.fail(CK_OP_RECVFROM, with: .networkDown)
                fakes.fail(CK_OP_IOCTL, with: .operationNotSupportedByDevice)
                let gone = #expect(throws: EthernetError.self) { _ = try link.receiveFrame() }
                #expect(gone == .receive("lo", errno: .operationNotSupportedByDevice))
                #expect(gone?.kind == .disconnected)
                #expect(#expect(throws: EthernetError.self) { _ = try link.receiveFrame() }?.kind == .disconnected)
            }
        }

        @Test("receive EIO, and interrupted receives retried in the seam",
              .enabled(if: canUseRawSockets, "opening AF_PACKET sockets on lo needs root"))
        func receiveFailures() throws {
            let link = try LinuxEthernetLink(interface: "lo", etherType: Self.experimental)
            try withSeamFakes { fakes throws in
                fakes.fail(CK_OP_RECVFROM, with: .ioError)
                #expect(#expect(throws: EthernetError.self) { _ = try link.receiveFrame() }?.kind == .io)
                fakes.interrupt(CK_OP_RECVFROM, times: 2)
                #expect(try link.receiveFrame() == nil, "nothing waiting (EAGAIN) after two EINTRs")
                #expect(fakes.calls(CK_OP_RECVFROM) == 4)
            }
        }

        @Test("link state, promiscuous mode and multicast membership failures: .query with the errno",
              .enabled(if: canUseRawSockets, "opening AF_PACKET sockets on lo needs root"))
        func queryFailures() throws {
            let link = try LinuxEthernetLink(interface: "lo", etherType: Self.experimental)
            let state = try link.linkState()
            #expect(state.up && state.carrier)
            withSeamFakes { fakes in
                fakes.fail(CK_OP_IOCTL, with: .ioError)
                #expect(throws: EthernetError.query("lo", errno: .ioError)) { _ = try link.linkState() }
                fakes.fail(CK_OP_SETSOCKOPT, with: .ioError)
                #expect(throws: EthernetError.query("lo", errno: .ioError)) { try link.setPromiscuous(true) }
                fakes.fail(CK_OP_SETSOCKOPT, with: .noBufferSpace)
                #expect(throws: EthernetError.query("lo", errno: .noBufferSpace)) { try link.joinMulticast(MACAddress(0x01, 0x00, 0x5E, 0, 0, 1)) }
            }
        }

        @Test("a closed link reports .closed, kind .disconnected",
              .enabled(if: canUseRawSockets, "opening AF_PACKET sockets on lo needs root"))
        func closedLink() throws {
            let link = try LinuxEthernetLink(interface: "lo", etherType: Self.experimental)
            link.close()
            #expect(link.pollDescriptor == nil)
            let error = #expect(throws: EthernetError.self) { _ = try link.receiveFrame() }
            #expect(error == .closed("lo"))
            #expect(error?.kind == .disconnected)
            #expect(throws: EthernetError.closed("lo")) { _ = try link.send([UInt8](repeating: 0, count: 60)) }
            #expect(throws: EthernetError.closed("lo")) { try link.setPromiscuous(true) }
            #expect(throws: EthernetError.closed("lo")) { try link.joinMulticast(.broadcast) }
        }

        @Test("the C entry points check their arguments without a syscall")
        func shimArgumentChecks() {
            withSeamFakes { fakes in
                var index: Int32 = 0
                var byte: UInt8 = 0
                var link = ck_eth_link()
                #expect(ck_eth_open("lo", 0x88E1, nil) == -EINVAL)
                #expect(ck_eth_open(nil, 0x88E1, &index) == -EINVAL)
                #expect(ck_eth_send(3, 1, nil, 60) == -Int(EINVAL))
                #expect(ck_eth_send(3, 1, &byte, 13) == -Int(EINVAL), "shorter than a header")
                #expect(ck_eth_send(3, 1, &byte, 1519) == -Int(EMSGSIZE))
                #expect(ck_eth_receive(3, nil, 10) == -Int(EINVAL))
                #expect(ck_eth_receive(3, &byte, 0) == -Int(EINVAL))
                #expect(ck_eth_get_mac("lo", nil) == -EINVAL)
                #expect(ck_eth_get_link("lo", nil) == -EINVAL)
                #expect(ck_eth_get_link("", &link) == -EINVAL)
                #expect(ck_eth_add_multicast(3, 1, nil) == -EINVAL)
                #expect(ck_eth_interface_present(3, 0) == -EINVAL)
                #expect(fakes.calls(CK_OP_SOCKET) + fakes.calls(CK_OP_SENDTO) + fakes.calls(CK_OP_RECVFROM) + fakes.calls(CK_OP_IOCTL) == 0)
            }
        }
    }
}
