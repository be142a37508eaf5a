import Glibc
import HAL
import SystemPackage
import Testing

/// The serial shim over a real pseudo-terminal: `PseudoTerminal.devicePath` is what the program opens
/// as its UART (here with `LinuxSerialPort`, exactly as on the Pi), `farEnd` plays the device (the ESP32
/// control-pilot helper). Every wait is a bounded poll on the descriptor the HAL exposes.
@Suite("Serial over a pseudo-terminal: termios, raw bytes, bursts, flush, hang-up")
struct SerialPseudoTerminalTests {
    /// A pty pair plus the program's own port on its device end.
    struct Link {
        let pty: PseudoTerminal
        let program: LinuxSerialPort
        var device: LinuxSerialPort { pty.farEnd }

        init(_ config: SerialConfig = SerialConfig()) throws {
            pty = try PseudoTerminal()
            program = try LinuxSerialPort(path: pty.devicePath, config: config)
        }
    }

    // MARK: speed and framing

    @Test("standard rates configure and read back through the Bnnn constants",
          arguments: [UInt32(9_600), 19_200, 57_600, 115_200, 230_400, 460_800, 921_600, 1_000_000, 3_000_000])
    func standardRates(_ baud: UInt32) throws {
        let link = try Link(SerialConfig(baud: baud))
        #expect(try link.program.configuration().baud == baud)
    }

    @Test("4 000 000 baud, the shim's maximum, has a Bnnn constant too")
    func maximumRate() throws {
        let link = try Link(SerialConfig(baud: SerialConfig.maximumBaud))
        #expect(try link.program.configuration().baud == 4_000_000)
    }

    @Test("rates without a Bnnn constant go through termios2 (BOTHER) and read back exactly",
          arguments: [UInt32(250_000), 100_000, 31_250, 1_234_567])
    func nonStandardRates(_ baud: UInt32) throws {
        let link = try Link(SerialConfig(baud: baud))
        #expect(try link.program.configuration().baud == baud)
    }

    @Test("going back from a termios2 rate to a standard one leaves no split input speed")
    func backFromCustomRate() throws {
        let link = try Link(SerialConfig(baud: 250_000))
        try link.program.configure(SerialConfig(baud: 115_200))
        #expect(try link.program.configuration().baud == 115_200)
        var t = termios()
        #expect(tcgetattr(link.program.pollDescriptor!, &t) == 0)
        // CIBAUD = 0 means "input speed = output speed"; BOTHER left there would keep 250000 for input.
        #expect(t.c_cflag & tcflag_t(CIBAUD) == 0)
    }

    @Test("8-bit framings without parity read back as configured", arguments: ["8N1", "8N2"])
    func framings(_ framing: String) throws {
        let config = try #require(SerialConfig(baud: 115_200, framing: framing))
        let link = try Link(config)
        #expect(try link.program.configuration() == config)
    }

    /// A pty driver forces CS8 and clears PARENB whatever is asked (so does the Pi's mini UART for
    /// parity). The shim reads the framing back and refuses rather than run silently at 8N; the port
    /// keeps its previous settings. `SerialUARTFramingTests` shows these framings on a driver that
    /// keeps them.
    @Test("a framing the pty driver does not keep is refused, and the previous framing stays",
          arguments: ["7E2", "8O1", "8E1", "5N2", "6E1", "7N1"])
    func framingsAPtyCannotCarry(_ framing: String) throws {
        let link = try Link(SerialConfig(baud: 57_600, framing: "8N2")!)
        let wanted = try #require(SerialConfig(baud: 115_200, framing: framing))
        let error = #expect(throws: SerialError.self) { try link.program.configure(wanted) }
        #expect(error == .unsupportedConfiguration(link.pty.devicePath, wanted))
        #expect(error?.kind == .invalidArgument)
        #expect(try link.program.configuration() == SerialConfig(baud: 57_600, framing: "8N2"))
    }

    @Test("hardware flow control (RTS/CTS) reads back")
    func flowControl() throws {
        let link = try Link(SerialConfig(baud: 115_200, hardwareFlowControl: true))
        #expect(try link.program.configuration().hardwareFlowControl)
    }

    @Test("a pty has one termios for both ends: the device end sees what the program configured")
    func sharedTermios() throws {
        let link = try Link(SerialConfig(baud: 250_000, stopBits: 2))
        #expect(try link.device.configuration() == link.program.configuration())
    }

    // MARK: bytes

    @Test("a non-blocking read returns 0 bytes when nothing is waiting, on both ends")
    func emptyReadReturnsZero() throws {
        let link = try Link()
        #expect(try link.program.readBytes() == [])
        #expect(try link.device.readBytes() == [])
    }

    @Test("every byte value passes untouched in both directions: raw mode, no CR/LF, XON/XOFF or ^C handling")
    func binaryTransparency() throws {
        let link = try Link()
        let garbage: [UInt8] = Array(0...255) + [0x0D, 0x0A, 0x0A, 0x0D, 0x03, 0x04, 0x11, 0x13, 0x1A, 0x7F, 0xFF, 0x00]
        #expect(try link.device.writeBytes(garbage) == garbage.count)
        #expect(try receive(garbage.count, from: link.program) == garbage)
        #expect(try link.program.writeBytes(garbage) == garbage.count)
        #expect(try receive(garbage.count, from: link.device) == garbage)
    }

    @Test("a burst far larger than the pty buffer arrives complete and in order through partial writes")
    func burstWithPartialWrites() throws {
        let link = try Link(SerialConfig(baud: 4_000_000))
        let data = patternBytes(count: 256 * 1024)
        var sent = 0
        var received: [UInt8] = []
        var shortWrites = 0
        var rounds = 0
        while received.count < data.count {
            rounds += 1
            try #require(rounds < 100_000, "no progress")
            if sent < data.count {
                let chunk = Array(data[sent..<min(sent + 65_536, data.count)])
                let n = try link.program.writeBytes(chunk)
                if n < chunk.count { shortWrites += 1 }
                sent += n
            }
            try #require(Readiness.readable(link.device.pollDescriptor!), "the device end got nothing within 5 s")
            received += try link.device.readBytes(max: 65_536)
        }
        #expect(sent == data.count)
        #expect(received == data)
        #expect(shortWrites > 0, "the pty must have pushed back: a 64 KiB write cannot fit its buffer")
    }

    @Test("bytesAvailable counts what is waiting without taking it")
    func bytesAvailable() throws {
        let link = try Link()
        #expect(try link.program.bytesAvailable() == 0)
        _ = try link.device.writeBytes(Array("{\"cp\":\"B\"}\n".utf8))
        try #require(Readiness.readable(link.program.pollDescriptor!))
        #expect(try link.program.bytesAvailable() == 11)
        #expect(try link.program.readBytes().count == 11)
    }

    @Test("flushing input discards what arrived; flushing output or both succeeds")
    func flush() throws {
        let link = try Link()
        _ = try link.device.writeBytes(Array("stale".utf8))
        try #require(Readiness.readable(link.program.pollDescriptor!))
        try link.program.flush(.input)
        #expect(try link.program.bytesAvailable() == 0)
        #expect(try link.program.readBytes() == [])
        try link.program.flush(.output)
        try link.program.flush(.both)
        _ = try link.device.writeBytes(Array("fresh".utf8))
        #expect(try receive(5, from: link.program) == Array("fresh".utf8))
    }

    // MARK: hang-up

    @Test("the device end closing is a hang-up for the program: read and write throw, kind .disconnected")
    func deviceEndHangsUp() throws {
        let link = try Link()
        link.device.close()
        // poll reports the hang-up (POLLHUP) at once: a tick loop wakes instead of waiting forever.
        #expect(Readiness.readable(link.program.pollDescriptor!, within: .seconds(1)))
        let readError = #expect(throws: SerialError.self) { _ = try link.program.readBytes() }
        #expect(readError == .hangUp(link.pty.devicePath))
        #expect(readError?.kind == .disconnected)
        #expect(readError?.description == "\(link.pty.devicePath): the other end hung up")
        let writeError = #expect(throws: SerialError.self) { _ = try link.program.writeBytes([1]) }
        #expect(writeError == .hangUp(link.pty.devicePath))
    }

    @Test("the program closing (and the pty releasing its device end) reads as EIO at the device end, kind .disconnected")
    func programHangsUp() throws {
        let link = try Link()
        _ = try link.program.writeBytes([0x42])
        link.program.close()
        link.pty.releaseDeviceEnd()
        link.pty.releaseDeviceEnd()   // idempotent
        try #require(Readiness.readable(link.device.pollDescriptor!))
        #expect(try link.device.readBytes() == [0x42], "what was sent before the close still arrives")
        let error = #expect(throws: SerialError.self) { _ = try link.device.readBytes() }
        #expect(error == .read(link.device.path, errno: .ioError))
        #expect(error?.kind == .disconnected)
        #expect(error?.description.hasSuffix("— did the device go away?") == true)
    }

    @Test("a closed port reports .closed, kind .disconnected")
    func closedPort() throws {
        let link = try Link()
        link.program.close()
        let error = #expect(throws: SerialError.self) { _ = try link.program.readBytes() }
        #expect(error == .closed(link.pty.devicePath))
        #expect(error?.kind == .disconnected)
        #expect(link.program.pollDescriptor == nil)
        #expect(throws: SerialError.closed(link.pty.devicePath)) { try link.program.flush(.both) }
        #expect(throws: SerialError.closed(link.pty.devicePath)) { _ = try link.program.configuration() }
    }

    /// Reads until `count` bytes arrived, waiting on the port's descriptor (5 s per wait).
    private func receive(_ count: Int, from port: LinuxSerialPort) throws -> [UInt8] {
        var out: [UInt8] = []
        while out.count < count {
            try #require(Readiness.readable(port.pollDescriptor!), "only \(out.count) of \(count) bytes arrived")
            out += try port.readBytes(max: count - out.count)
        }
        return out
    }
}
