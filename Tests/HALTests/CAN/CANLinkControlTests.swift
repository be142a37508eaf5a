@preconcurrency import CSocketCAN
import CShimFakes
import Glibc
import HAL
import SystemPackage
import Testing

/// What the fake libsocketcan answers next (the backend entries cannot capture).
private struct FakeLibsocketcan {
    var state: Int32 = Int32(CK_CAN_STATE_ERROR_ACTIVE)
    var stateResult: Int32 = 0
    var bitrateResult: Int32 = 0
    var countersResult: Int32 = 0
    var result: Int32 = 0          // restart, set_bitrate, set_restart_ms, start, stop
    var lastInterface = ""
    var lastBitrate: UInt32 = 0
}

nonisolated(unsafe) private var fake = FakeLibsocketcan()

/// CAN link control (`LinuxCANLink`, which `LinuxCANBus` delegates to) through libsocketcan. A fake
/// library behind `ck_socketcan_backend` plays a controller in any state and fails any call; the real
/// library is asked only read-only questions here (this host has no CAN interface, and a bitrate change
/// would take a link down).
extension ShimSeam {
    @Suite("CAN link control: libsocketcan results become CANLinkStatus or typed CANErrors")
    struct CANLinkControlTests {
        private func withFakeLibsocketcan<R>(_ body: () throws -> R) rethrows -> R {
            fake = FakeLibsocketcan()
            return try LibraryBackends.withSocketCAN({ b in
                b.get_state = { name, state in
                    fake.lastInterface = String(cString: name!)
                    if fake.stateResult < 0 { return fake.stateResult }
                    state?.pointee = fake.state
                    return 0
                }
                b.get_bitrate = { _, bitrate, sample in
                    if fake.bitrateResult < 0 { return fake.bitrateResult }
                    bitrate?.pointee = 500_000
                    sample?.pointee = 875
                    return 0
                }
                b.get_error_counters = { _, tx, rx in
                    if fake.countersResult < 0 { return fake.countersResult }
                    tx?.pointee = 128
                    rx?.pointee = 3
                    return 0
                }
                b.set_bitrate = { name, bitrate in
                    fake.lastInterface = String(cString: name!)
                    fake.lastBitrate = bitrate
                    return fake.result
                }
                b.set_restart_ms = { _, _ in fake.result }
                b.restart = { _ in fake.result }
                b.start = { _ in fake.result }
                b.stop = { _ in fake.result }
            }, body)
        }

        @Test("a controller that reports everything: state, bitrate, sample point, error counters")
        func fullStatus() throws {
            try withFakeLibsocketcan { () throws in
                fake.state = Int32(CK_CAN_STATE_ERROR_PASSIVE)
                let status = try LinuxCANLink(interface: "can0").status()
                #expect(status == CANLinkStatus(state: .errorPassive, bitrate: 500_000, samplePoint: 875, transmitErrors: 128, receiveErrors: 3))
                #expect(fake.lastInterface == "can0")
            }
        }

        @Test("every libsocketcan state maps to a CANBusState",
              arguments: [(CK_CAN_STATE_ERROR_ACTIVE, CANBusState.errorActive), (CK_CAN_STATE_ERROR_WARNING, .errorWarning),
                          (CK_CAN_STATE_ERROR_PASSIVE, .errorPassive), (CK_CAN_STATE_BUS_OFF, .busOff),
                          (CK_CAN_STATE_STOPPED, .stopped), (CK_CAN_STATE_SLEEPING, .sleeping)])
        func states(_ raw: Int32, _ state: CANBusState) throws {
            try withFakeLibsocketcan { () throws in
                fake.state = raw
                #expect(try LinuxCANLink(interface: "can0").status().state == state)
            }
        }

        @Test("a driver without bitrate or counters leaves those fields nil")
        func partialStatus() throws {
            try withFakeLibsocketcan { () throws in
                fake.bitrateResult = -EOPNOTSUPP
                fake.countersResult = -EOPNOTSUPP
                #expect(try LinuxCANLink(interface: "can0").status() == CANLinkStatus(state: .errorActive))
            }
        }

        @Test("an interface without CAN link data (vcan) answers all-nil instead of failing")
        func vcanStatus() throws {
            try withFakeLibsocketcan { () throws in
                fake.stateResult = -EOPNOTSUPP
                #expect(try LinuxCANLink(interface: "vcan0").status() == CANLinkStatus())
            }
        }

        @Test("a missing interface: .link(ENODEV), kind .absent, naming operation and interface")
        func missingInterface() {
            withFakeLibsocketcan {
                fake.stateResult = -ENODEV
                let error = #expect(throws: CANError.self) { _ = try LinuxCANLink(interface: "can7").status() }
                #expect(error == .link("can7", operation: "read the state", errno: .operationNotSupportedByDevice))
                #expect(error?.kind == .absent)
                #expect(error?.description == "cannot read the state of can7: No such device — no such CAN interface")
            }
        }

        @Test("restart refused: not bus-off (EINVAL) or automatic restart on (EBUSY), each explained",
              arguments: [(Errno.invalidArgument, DeviceErrorKind.invalidArgument, "only a bus-off controller can be restarted"),
                          (.resourceBusy, .busy, "automatic restart (restart-ms) is on: the kernel restarts it")])
        func restartRefused(_ errno: Errno, _ kind: DeviceErrorKind, _ hint: String) {
            withFakeLibsocketcan {
                fake.result = -errno.rawValue
                let error = #expect(throws: CANError.self) { try LinuxCANLink(interface: "can0").restart() }
                #expect(error == .link("can0", operation: "restart", errno: errno))
                #expect(error?.kind == kind)
                #expect(error?.description == "cannot restart of can0: \(errno.description) — \(hint)")
            }
        }

        @Test("a bitrate change on vcan: EOPNOTSUPP, kind .unsupported, and why")
        func bitrateOnVCAN() {
            withFakeLibsocketcan {
                fake.result = -EOPNOTSUPP
                let error = #expect(throws: CANError.self) { try LinuxCANLink(interface: "vcan0").setBitrate(250_000) }
                #expect(error == .link("vcan0", operation: "set the bitrate", errno: .notSupported))
                #expect(error?.kind == .unsupported)
                #expect(error?.description == "cannot set the bitrate of vcan0: Operation not supported — it carries no CAN link data (virtual CAN has no bitrate, state or error counters)")
                #expect(fake.lastBitrate == 250_000)
            }
        }

        @Test("start, stop, restart-ms and bitrate without CAP_NET_ADMIN: EPERM, kind .permissionDenied")
        func withoutPrivilege() {
            withFakeLibsocketcan {
                fake.result = -EPERM
                let link = LinuxCANLink(interface: "can0")
                #expect(throws: CANError.link("can0", operation: "start", errno: .notPermitted)) { try link.start() }
                #expect(throws: CANError.link("can0", operation: "stop", errno: .notPermitted)) { try link.stop() }
                #expect(throws: CANError.link("can0", operation: "set restart-ms", errno: .notPermitted)) { try link.setRestartDelay(milliseconds: 100) }
                let error = #expect(throws: CANError.self) { try link.setBitrate(500_000) }
                #expect(error?.kind == .permissionDenied)
            }
        }

        @Test("LinuxCANBus's link calls are LinuxCANLink's")
        func busDelegates() throws {
            let pair = SocketPairCANBus(interface: "can1")
            try withFakeLibsocketcan { () throws in
                #expect(try pair.bus.linkStatus().state == .errorActive)
                #expect(fake.lastInterface == "can1")
                try pair.bus.setBitrate(125_000)
                #expect(fake.lastBitrate == 125_000)
                fake.result = -EINVAL
                #expect(throws: CANError.link("can1", operation: "restart", errno: .invalidArgument)) { try pair.bus.restart() }
            }
        }

        // MARK: the real library, read-only

        @Test("no such interface is ENODEV, answered by one rtnetlink query before libsocketcan is asked")
        func realMissingInterface() {
            withSeamFakes { fakes in
                var state: Int32 = 0
                #expect(ck_can_get_state("nosuchcan0", &state) == -ENODEV)
                #expect(fakes.calls(CK_OP_SOCKET) == 1 && fakes.calls(CK_OP_SENDTO) == 1 && fakes.calls(CK_OP_RECVFROM) == 1)
                #expect(throws: CANError.link("nosuchcan0", operation: "read the state", errno: .operationNotSupportedByDevice)) {
                    _ = try LinuxCANLink(interface: "nosuchcan0").status()
                }
            }
        }

        @Test("an interface that is not CAN (lo) has no CAN link data: EOPNOTSUPP, all-nil status, nothing printed")
        func realNonCANInterface() throws {
            var state: Int32 = 0
            #expect(ck_can_get_state("lo", &state) == -EOPNOTSUPP)
            var bitrate: UInt32 = 0
            var sample: UInt32 = 0
            #expect(ck_can_get_bitrate("lo", &bitrate, &sample) == -EOPNOTSUPP)
            #expect(try LinuxCANLink(interface: "lo").status() == CANLinkStatus())
        }

        @Test("a failing rtnetlink query is reported with its errno")
        func netlinkFailure() {
            withSeamFakes { fakes in
                var state: Int32 = 0
                fakes.fail(CK_OP_SOCKET, with: .tooManyOpenFiles)
                #expect(ck_can_get_state("can0", &state) == -EMFILE)
                fakes.fail(CK_OP_RECVFROM, with: .ioError)
                #expect(throws: CANError.link("lo", operation: "read the state", errno: .ioError)) { _ = try LinuxCANLink(interface: "lo").status() }
                #expect(fakes.calls(CK_OP_SOCKET) == fakes.calls(CK_OP_CLOSE) + 1, "every netlink socket that opened was closed")
            }
        }

        @Test("the C entry points check names and pointers before any library call")
        func shimArgumentChecks() {
            var state: Int32 = 0
            var bitrate: UInt32 = 0
            var tx: UInt16 = 0
            #expect(ck_can_get_state(nil, &state) == -EINVAL)
            #expect(ck_can_get_state("", &state) == -EINVAL)
            #expect(ck_can_get_state("can-interface-16", &state) == -ENAMETOOLONG)
            #expect(ck_can_get_state("can0", nil) == -EINVAL)
            #expect(ck_can_get_bitrate("can0", &bitrate, nil) == -EINVAL)
            #expect(ck_can_set_bitrate("can0", 0) == -EINVAL)
            #expect(ck_can_get_error_counters("can0", &tx, nil) == -EINVAL)
            #expect(ck_can_restart("") == -EINVAL)
            #expect(ck_can_start(nil) == -EINVAL)
            #expect(ck_can_stop("can-interface-16") == -ENAMETOOLONG)
            #expect(ck_can_set_restart_ms(nil, 0) == -EINVAL)
        }
    }
}
