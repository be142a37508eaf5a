import CShimFakes
import Glibc
import HAL
import SystemPackage
import Testing
import TestSupport

/// How opening a TAP fails and what `LinuxTapLink` makes of it: every failure injected into one seam
/// call, named with the interface, with nothing left open.
extension ShimSeam {
    @Suite("TAP shim: failures become typed EthernetErrors naming the interface")
    struct TapShimErrorTests {
        static let mac = MACAddress(0x02, 0, 0, 0, 0x5E, 0x01)

        @Test("no /dev/net/tun (CONFIG_TUN off): .open with ENOENT, nothing else tried")
        func noTunDevice() {
            withSeamFakes { fakes in
                fakes.fail(CK_OP_OPEN, nth: 1, with: .noSuchFileOrDirectory)
                let error = #expect(throws: EthernetError.self) { try LinuxTapLink(name: "cktap7", mac: Self.mac) }
                #expect(error == .open("cktap7", errno: .noSuchFileOrDirectory))
                #expect(fakes.calls(CK_OP_IOCTL) == 0)
            }
        }

        @Test("TUNSETIFF refused (no CAP_NET_ADMIN): .open with EPERM, kind .permissionDenied, descriptor closed")
        func notPermitted() {
            withSeamFakes { fakes in
                fakes.fail(CK_OP_IOCTL, nth: 1, with: .notPermitted)
                let error = #expect(throws: EthernetError.self) { try LinuxTapLink(name: "cktap7", mac: Self.mac) }
                #expect(error == .open("cktap7", errno: .notPermitted))
                #expect(error?.kind == .permissionDenied)
                #expect(fakes.calls(CK_OP_CLOSE) == 1)
            }
        }

        @Test("a name over 15 bytes is refused before the device is opened")
        func nameTooLong() {
            withSeamFakes { fakes in
                let error = #expect(throws: EthernetError.self) { try LinuxTapLink(name: "tap-name-of-16ch", mac: Self.mac) }
                #expect(error == .open("tap-name-of-16ch", errno: .fileNameTooLong))
                #expect(fakes.calls(CK_OP_OPEN) == 0)
            }
        }
    }
}
