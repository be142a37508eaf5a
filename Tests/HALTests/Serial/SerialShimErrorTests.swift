import CSerial
import CShimFakes
import Glibc
import HAL
import SystemPackage
import Testing

/// How a tty fails, call by call, and what `LinuxSerialPort` makes of it. Absent and non-tty nodes are
/// real; the rest fails one seam call of a real pseudo-terminal, or of the fakes' UART stand-in.
extension ShimSeam {
    @Suite("Serial shim: every failure becomes a typed SerialError naming the port")
    struct SerialShimErrorTests {
        static let esp32 = SerialConfig(baud: 115_200)

        @Test("a tty that does not exist: .open(ENOENT), kind .absent, with the enable_uart hint")
        func absentPort() {
            let error = #expect(throws: SerialError.self) { try LinuxSerialPort(path: "/dev/ttyCK-nope", config: Self.esp32) }
            #expect(error == .open("/dev/ttyCK-nope", errno: .noSuchFileOrDirectory))
            #expect(error?.kind == .absent)
            #expect(error?.description == "cannot open /dev/ttyCK-nope: No such file or directory — is enable_uart=1 set (on-board UART) or the USB adapter plugged in?")
        }

        @Test("a path that is not a terminal: ENOTTY, kind .unsupported")
        func notATerminal() {
            let error = #expect(throws: SerialError.self) { try LinuxSerialPort(path: "/dev/null", config: Self.esp32) }
            #expect(error == .open("/dev/null", errno: .inappropriateIOCTLForDevice))
            #expect(error?.kind == .unsupported)
        }

        @Test("no permission: EACCES, kind .permissionDenied, and the dialout hint")
        func permissionDenied() throws {
            let pty = try PseudoTerminal()
            withSeamFakes { fakes in
                fakes.fail(CK_OP_OPEN, with: .permissionDenied)
                let error = #expect(throws: SerialError.self) { try LinuxSerialPort(path: pty.devicePath, config: Self.esp32) }
                #expect(error?.kind == .permissionDenied)
                #expect(error?.description == "cannot open \(pty.devicePath): Permission denied — add the user to the dialout group")
            }
        }

        @Test("held exclusively by another program (TIOCEXCL): EBUSY, kind .busy")
        func busy() throws {
            let pty = try PseudoTerminal()
            withSeamFakes { fakes in
                fakes.fail(CK_OP_OPEN, with: .resourceBusy)
                let error = #expect(throws: SerialError.self) { try LinuxSerialPort(path: pty.devicePath, config: Self.esp32) }
                #expect(error == .open(pty.devicePath, errno: .resourceBusy))
                #expect(error?.kind == .busy)
                #expect(error?.description.hasSuffix("— another program holds the port") == true)
            }
        }

        @Test("open checks it got a terminal (tcgetattr): a failure there closes the node once")
        func openCheckFails() throws {
            let pty = try PseudoTerminal()
            withSeamFakes { fakes in
                fakes.fail(CK_OP_TCGETATTR, with: .ioError)
                #expect(throws: SerialError.open(pty.devicePath, errno: .ioError)) { try LinuxSerialPort(path: pty.devicePath, config: Self.esp32) }
                #expect(fakes.calls(CK_OP_CLOSE) == 1)
            }
        }

        @Test("applying the settings fails: .configure(EIO), and the descriptor is closed exactly once")
        func configureFailsInInit() throws {
            let pty = try PseudoTerminal()
            withSeamFakes { fakes in
                fakes.fail(CK_OP_TCSETATTR, with: .ioError)
                let error = #expect(throws: SerialError.self) { try LinuxSerialPort(path: pty.devicePath, config: Self.esp32) }
                #expect(error == .configure(pty.devicePath, errno: .ioError))
                #expect(error?.kind == .io)
                // init closes what it opened; deinit, which runs after a throwing init, must not close
                // the same number again (it may already belong to another thread's new descriptor).
                #expect(fakes.calls(CK_OP_CLOSE) == 1)
            }
        }

        @Test("a termios2 rate the driver refuses (TCSETS2 fails): .configure with that errno")
        func customRateRefused() throws {
            let pty = try PseudoTerminal()
            let port = try LinuxSerialPort(path: pty.devicePath, config: Self.esp32)
            withSeamFakes { fakes in
                fakes.fail(CK_OP_IOCTL, with: .ioError)      // the only ioctl here is TCGETS2
                #expect(throws: SerialError.configure(pty.devicePath, errno: .ioError)) { try port.configure(SerialConfig(baud: 250_000)) }
            }
        }

        @Test("configurations the shim refuses without asking the driver: .unsupportedConfiguration",
              arguments: [SerialConfig(baud: 49), SerialConfig(baud: 4_000_001), SerialConfig(baud: 9_600, dataBits: 9),
                          SerialConfig(baud: 9_600, dataBits: 4), SerialConfig(baud: 9_600, stopBits: 3)])
        func refusedConfigurations(_ config: SerialConfig) throws {
            let pty = try PseudoTerminal()
            let port = try LinuxSerialPort(path: pty.devicePath, config: Self.esp32)
            withSeamFakes { fakes in
                let error = #expect(throws: SerialError.self) { try port.configure(config) }
                #expect(error == .unsupportedConfiguration(pty.devicePath, config))
                #expect(error?.kind == .invalidArgument)
                #expect(fakes.calls(CK_OP_TCSETATTR) == 0, "nothing was applied")
            }
        }

        @Test("reading the settings back fails: .configure with that errno")
        func readBackFails() throws {
            let pty = try PseudoTerminal()
            let port = try LinuxSerialPort(path: pty.devicePath, config: SerialConfig(baud: 250_000))
            withSeamFakes { fakes in
                fakes.fail(CK_OP_TCGETATTR, with: .ioError)
                #expect(throws: SerialError.configure(pty.devicePath, errno: .ioError)) { _ = try port.configuration() }
                fakes.fail(CK_OP_IOCTL, with: .ioError)      // the termios2 read of a BOTHER rate
                #expect(throws: SerialError.configure(pty.devicePath, errno: .ioError)) { _ = try port.configuration() }
            }
        }

        @Test("a read that fails with EIO (USB adapter unplugged mid-read): .read(EIO), kind .disconnected")
        func readFails() throws {
            let pty = try PseudoTerminal()
            let port = try LinuxSerialPort(path: pty.devicePath, config: Self.esp32)
            withSeamFakes { fakes in
                fakes.fail(CK_OP_READ, with: .ioError)
                let error = #expect(throws: SerialError.self) { _ = try port.readBytes() }
                #expect(error == .read(pty.devicePath, errno: .ioError))
                #expect(error?.kind == .disconnected)
                #expect(error?.description == "cannot read from \(pty.devicePath): Input/output error — did the device go away?")
            }
        }

        @Test("EAGAIN is not an error: read and write return 0 (nothing waiting / output queue full)")
        func wouldBlockIsZero() throws {
            let pty = try PseudoTerminal()
            let port = try LinuxSerialPort(path: pty.devicePath, config: Self.esp32)
            try withSeamFakes { fakes throws in
                fakes.fail(CK_OP_READ, with: .resourceTemporarilyUnavailable)
                #expect(try port.readBytes() == [])
                fakes.fail(CK_OP_WRITE, with: .resourceTemporarilyUnavailable)
                #expect(try port.writeBytes([1, 2, 3]) == 0)
            }
        }

        @Test("a write that fails with EIO is a hang-up; any other errno is .write with it",
              arguments: [(Errno.ioError, SerialError.hangUp("")), (.noSpace, .write("", errno: .noSpace))])
        func writeFails(_ errno: Errno, _ expected: SerialError) throws {
            let pty = try PseudoTerminal()
            let port = try LinuxSerialPort(path: pty.devicePath, config: Self.esp32)
            withSeamFakes { fakes in
                fakes.fail(CK_OP_WRITE, with: errno)
                let error = #expect(throws: SerialError.self) { _ = try port.writeBytes([0x55]) }
                let named: SerialError = switch expected {
                case .hangUp: .hangUp(pty.devicePath)
                default: .write(pty.devicePath, errno: errno)
                }
                #expect(error == named)
            }
        }

        @Test("flush and bytesAvailable failures carry their errno")
        func flushAndAvailableFail() throws {
            let pty = try PseudoTerminal()
            let port = try LinuxSerialPort(path: pty.devicePath, config: Self.esp32)
            withSeamFakes { fakes in
                fakes.fail(CK_OP_TCFLUSH, with: .ioError)
                let error = #expect(throws: SerialError.self) { try port.flush(.both) }
                #expect(error == .flush(pty.devicePath, errno: .ioError))
                #expect(error?.kind == .io)
                fakes.fail(CK_OP_IOCTL, with: .ioError)
                #expect(throws: SerialError.read(pty.devicePath, errno: .ioError)) { _ = try port.bytesAvailable() }
            }
        }

        @Test("reads and writes interrupted by signals are retried in the seam, invisibly to the port")
        func interruptedTransfers() throws {
            let pty = try PseudoTerminal()
            let port = try LinuxSerialPort(path: pty.devicePath, config: Self.esp32)
            _ = try pty.farEnd.writeBytes([1, 2, 3])
            try #require(Readiness.readable(port.pollDescriptor!))
            try withSeamFakes { fakes throws in
                fakes.interrupt(CK_OP_READ, times: 3)
                #expect(try port.readBytes() == [1, 2, 3])
                #expect(fakes.calls(CK_OP_READ) == 4)
                fakes.interrupt(CK_OP_WRITE, times: 2)
                #expect(try port.writeBytes([4, 5]) == 2)
                #expect(fakes.calls(CK_OP_WRITE) == 3)
            }
        }

        @Test("no pseudo-terminal available (EMFILE, ENOSPC…): PseudoTerminal throws .open(\"/dev/ptmx\")")
        func openptyFails() {
            withSeamFakes { fakes in
                fakes.fail(CK_OP_OPENPTY, with: .tooManyOpenFiles)
                let error = #expect(throws: SerialError.self) { _ = try PseudoTerminal() }
                #expect(error == .open("/dev/ptmx", errno: .tooManyOpenFiles))
                #expect(fakes.calls(CK_OP_CLOSE) == 0, "nothing was opened")
            }
        }

        @Test("a pty whose ends cannot be made raw is closed again, both ends, and reported")
        func openptyCannotConfigure() {
            withSeamFakes { fakes in
                fakes.fail(CK_OP_TCSETATTR, with: .ioError)
                #expect(throws: SerialError.open("/dev/ptmx", errno: .ioError)) { _ = try PseudoTerminal() }
                #expect(fakes.calls(CK_OP_CLOSE) == 2)
            }
        }

        @Test("the C entry points refuse null buffers and bad queue selectors without a syscall")
        func shimArgumentChecks() throws {
            let pty = try PseudoTerminal()
            let port = try LinuxSerialPort(path: pty.devicePath, config: Self.esp32)
            let fd = port.pollDescriptor!
            withSeamFakes { fakes in
                #expect(ck_serial_read(fd, nil, 4) == -Int(EINVAL))
                #expect(ck_serial_write(fd, nil, 4) == -Int(EINVAL))
                #expect(ck_serial_read(fd, nil, 0) == 0)
                #expect(ck_serial_flush(fd, 7) == -EINVAL)
                #expect(ck_serial_bytes_available(fd, nil) == -EINVAL)
                #expect(ck_serial_configure(fd, nil) == -EINVAL)
                #expect(ck_serial_get_config(fd, nil) == -EINVAL)
                #expect(ck_serial_openpty(nil, nil, nil, 0) == -EINVAL)
                #expect(fakes.calls(CK_OP_READ) + fakes.calls(CK_OP_WRITE) + fakes.calls(CK_OP_IOCTL) + fakes.calls(CK_OP_TCFLUSH) == 0)
            }
        }
    }
}
