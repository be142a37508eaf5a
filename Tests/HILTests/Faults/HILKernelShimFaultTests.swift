import CShimFakes
import Glibc
import HAL
import SystemPackage
import Testing
import TestSupport

/// The seam fakes on a kernel that has the devices: failures injected into one call of an otherwise
/// real open, on paths the host cannot reach (this host has no AF_CAN sockets to fail). Serialized:
/// the fakes are process-wide.
@Suite("HILKernel shim faults: injected failures under real SocketCAN sockets", .serialized, HIL.onlyInVM, .required("hil-kernel"))
struct HILKernelShimFaultTests {
    @Test("the error mask cannot be set: .configure with the errno, and the socket is closed exactly once")
    func errorMaskFails() {
        withSeamFakes { fakes in
            fakes.fail(CK_OP_SETSOCKOPT, with: .ioError)
            let error = #expect(throws: CANError.self) { try LinuxCANBus(interface: "vcan0") }
            #expect(error == .configure("vcan0", errno: .ioError))
            // init closes the socket; deinit, which runs after a throwing init, must not close again.
            #expect(fakes.calls(CK_OP_CLOSE) == 1)
        }
    }

    @Test("bind refused: .open with the errno, socket closed once")
    func bindFails() {
        withSeamFakes { fakes in
            fakes.fail(CK_OP_BIND, with: .addressNotAvailable)
            #expect(throws: CANError.open("vcan0", errno: .addressNotAvailable)) { try LinuxCANBus(interface: "vcan0") }
            #expect(fakes.calls(CK_OP_CLOSE) == 1)
        }
    }

    @Test("FD or receive-own options that cannot be set: .open with the errno")
    func optionFails() {
        withSeamFakes { fakes in
            fakes.fail(CK_OP_SETSOCKOPT, with: .protocolNotAvailable)
            let error = #expect(throws: CANError.self) { try LinuxCANBus(interface: "vcan0", options: .init(canFD: true)) }
            #expect(error == .open("vcan0", errno: .protocolNotAvailable))
            #expect(error?.kind == .unsupported)
        }
    }

    @Test("interrupted socket calls during open are retried in the seam")
    func interruptedOpen() throws {
        try withSeamFakes { fakes throws in
            fakes.interrupt(CK_OP_SOCKET, times: 1)
            fakes.interrupt(CK_OP_BIND, times: 2)
            let bus = try LinuxCANBus(interface: "vcan0")
            #expect(fakes.calls(CK_OP_SOCKET) == 2 && fakes.calls(CK_OP_BIND) == 3)
            bus.close()
        }
    }
}
