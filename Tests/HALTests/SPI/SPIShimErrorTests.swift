import CShimFakes
import CSpidev
import Glibc
import HAL
import SystemPackage
import Testing

/// How a spidev node fails, call by call, and what `LinuxSPIDevice` makes of it. The host has no SPI,
/// so a missing node is real; everything else runs on the fakes' loopback device (a /dev/null
/// descriptor whose spidev ioctls answer like a driver) with one ioctl made to fail.
extension ShimSeam {
    @Suite("SPI shim: every failure becomes a typed SPIError naming the node")
    struct SPIShimErrorTests {
        static let node = "/dev/spidev-fake0.0"
        static let qca = SPIConfig(mode: .mode3, bitsPerWord: 8, speedHz: 12_000_000)

        @Test("a node that does not exist: .open(ENOENT), kind .absent, with the config.txt hint")
        func absentNode() {
            let error = #expect(throws: SPIError.self) { try LinuxSPIDevice(path: "/dev/spidev9.9", config: Self.qca) }
            #expect(error == .open("/dev/spidev9.9", errno: .noSuchFileOrDirectory))
            #expect(error?.kind == .absent)
            #expect(error?.description == "cannot open /dev/spidev9.9: No such file or directory — is dtparam=spi=on set?")
        }

        @Test("open refused: EACCES is a permission problem (spi group), EBUSY a busy device",
              arguments: [(Errno.permissionDenied, DeviceErrorKind.permissionDenied, "add the user to the spi group"),
                          (.resourceBusy, .busy, "another program holds the device")])
        func openRefused(_ errno: Errno, _ kind: DeviceErrorKind, _ hint: String) {
            withSeamFakes { fakes in
                fakes.loopbackDevice(Self.node)
                fakes.fail(CK_OP_OPEN, with: errno)
                let error = #expect(throws: SPIError.self) { try LinuxSPIDevice(path: Self.node, config: Self.qca) }
                #expect(error == .open(Self.node, errno: errno))
                #expect(error?.kind == kind)
                #expect(error?.description.hasSuffix(hint) == true)
            }
        }

        /// configure issues three ioctls in order: mode, bits per word, clock.
        @Test("a setting the controller refuses names that setting; the node is closed exactly once",
              arguments: [(UInt32(1), "mode 3"), (2, "8 bits per word"), (3, "12000000 Hz")])
        func configureRefused(_ nthIoctl: UInt32, _ setting: String) {
            withSeamFakes { fakes in
                fakes.loopbackDevice(Self.node)
                fakes.fail(CK_OP_IOCTL, nth: nthIoctl, with: .invalidArgument)
                let error = #expect(throws: SPIError.self) { try LinuxSPIDevice(path: Self.node, config: Self.qca) }
                #expect(error == .configure(Self.node, setting: setting, errno: .invalidArgument))
                #expect(error?.kind == .invalidArgument)
                #expect(error?.description == "cannot set \(setting) on \(Self.node): Invalid argument — the SPI controller cannot do that")
                #expect(fakes.calls(CK_OP_CLOSE) == 1, "init closes the node it opened, and deinit must not close it again")
            }
        }

        @Test("reading the settings back fails per setting, naming which",
              arguments: [(UInt32(1), "mode (read back)"), (2, "bits per word (read back)"), (3, "speed (read back)")])
        func readBackFails(_ nthIoctl: UInt32, _ setting: String) throws {
            try withSeamFakes { fakes in
                fakes.loopbackDevice(Self.node)
                let spi = try LinuxSPIDevice(path: Self.node, config: Self.qca)
                // ck_spi_get_mode falls back to the 8-bit ioctl when the 32-bit one is unknown (ENOTTY/
                // EINVAL); an I/O error is not a reason to fall back.
                fakes.fail(CK_OP_IOCTL, nth: nthIoctl, with: .ioError)
                let error = #expect(throws: SPIError.self) { try spi.readBackConfiguration() }
                #expect(error == .configure(Self.node, setting: setting, errno: .ioError))
                #expect(error?.kind == .io)
            }
        }

        @Test("mode read-back falls back to the 8-bit ioctl on kernels without SPI_IOC_RD_MODE32")
        func modeReadBackFallback() throws {
            try withSeamFakes { fakes in
                fakes.loopbackDevice(Self.node)
                let fd = ck_spi_open(Self.node)
                try #require(fd >= 0)
                defer { ck_spi_close(fd) }
                #expect(ck_spi_set_mode(fd, CK_SPI_MODE_3) == 0)
                let before = fakes.calls(CK_OP_IOCTL)
                fakes.fail(CK_OP_IOCTL, with: .inappropriateIOCTLForDevice)
                var mode: UInt32 = 0
                #expect(ck_spi_get_mode(fd, &mode) == 0)
                #expect(mode == CK_SPI_MODE_3)
                #expect(fakes.calls(CK_OP_IOCTL) == before + 2)
                #expect(fakes.lastIoctl == Ioctl.spiReadMode)
            }
        }

        @Test("transfer failures: EIO is .io, ENODEV (node vanished) .disconnected, EMSGSIZE explains bufsiz",
              arguments: [(Errno.ioError, DeviceErrorKind.io, nil),
                          (.operationNotSupportedByDevice, .disconnected, nil),
                          (.messageTooLong, .invalidArgument, "message above spidev's bufsiz (4096 by default)")])
        func transferFails(_ errno: Errno, _ kind: DeviceErrorKind, _ hint: String?) throws {
            try withSeamFakes { fakes in
                fakes.loopbackDevice(Self.node)
                let spi = try LinuxSPIDevice(path: Self.node, config: Self.qca)
                fakes.fail(CK_OP_IOCTL, with: errno)
                let error = #expect(throws: SPIError.self) { _ = try spi.exchange([0xAA, 0x55]) }
                #expect(error == .transfer(Self.node, errno: errno))
                #expect(error?.kind == kind)
                if let hint { #expect(error?.description.hasSuffix(hint) == true) }
            }
        }

        @Test("the shim refuses malformed messages before the kernel sees them")
        func shimRefusesMalformedMessages() throws {
            try withSeamFakes { fakes in
                fakes.loopbackDevice(Self.node)
                let fd = ck_spi_open(Self.node)
                try #require(fd >= 0)
                defer { ck_spi_close(fd) }
                let before = fakes.calls(CK_OP_IOCTL)
                var seg = ck_spi_segment()
                #expect(ck_spi_transfer(fd, &seg, 1) == -EINVAL, "a zero-length segment")
                seg.len = 1
                #expect(ck_spi_transfer(fd, &seg, 0) == -EINVAL, "no segments")
                #expect(ck_spi_transfer(fd, &seg, CK_SPI_MAX_SEGMENTS + 1) == -EINVAL, "more than 16 segments")
                #expect(ck_spi_transfer(fd, nil, 1) == -EINVAL)
                #expect(ck_spi_set_max_speed(fd, 0) == -EINVAL, "a clock of 0 Hz")
                #expect(ck_spi_get_mode(fd, nil) == -EINVAL)
                #expect(ck_spi_get_bits_per_word(fd, nil) == -EINVAL)
                #expect(ck_spi_get_max_speed(fd, nil) == -EINVAL)
                #expect(fakes.calls(CK_OP_IOCTL) == before, "none of these reached the kernel")
            }
        }

        @Test("a failing close still releases the device: later calls report .closed, kind .disconnected")
        func closeFailureStillReleases() throws {
            try withSeamFakes { fakes in
                fakes.loopbackDevice(Self.node)
                let spi = try LinuxSPIDevice(path: Self.node, config: Self.qca)
                fakes.fail(CK_OP_CLOSE, with: .ioError)
                spi.close()
                let error = #expect(throws: SPIError.self) { _ = try spi.exchange([1]) }
                #expect(error == .closed(Self.node))
                #expect(error?.kind == .disconnected)
                #expect(throws: SPIError.closed(Self.node)) { try spi.configure(Self.qca) }
                #expect(throws: SPIError.closed(Self.node)) { try spi.readBackConfiguration() }
                spi.close()
                #expect(fakes.calls(CK_OP_CLOSE) == 1, "closing twice closes once")
            }
        }
    }
}
