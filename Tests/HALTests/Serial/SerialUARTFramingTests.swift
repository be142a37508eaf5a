import CShimFakes
import HAL
import Testing

/// Framings a pty cannot carry (it forces 8 data bits without parity), on a stand-in whose "driver"
/// keeps every termios bit as a real UART such as the Pi's PL011 does: the fakes' loopback device. This
/// proves the shim's encoding and decoding of data bits, parity, stop bits, flow control and termios2
/// rates, bit for bit.
extension ShimSeam {
    @Suite("Serial framing on a UART-like driver that keeps every setting")
    struct SerialUARTFramingTests {
        static let node = "/dev/ttyCK-uart0"

        @Test("framings round-trip exactly", arguments: ["8N1", "7E2", "8O1", "8E1", "7O1", "5N2", "6E1"])
        func framings(_ framing: String) throws {
            let config = try #require(SerialConfig(baud: 115_200, framing: framing))
            try withSeamFakes { fakes in
                fakes.loopbackDevice(Self.node)
                let port = try LinuxSerialPort(path: Self.node, config: config)
                #expect(try port.configuration() == config)
            }
        }

        @Test("speeds round-trip through both paths: Bnnn constants and termios2", arguments: [UInt32(50), 9_600, 250_000, 4_000_000])
        func speeds(_ baud: UInt32) throws {
            try withSeamFakes { fakes in
                fakes.loopbackDevice(Self.node)
                let port = try LinuxSerialPort(path: Self.node, config: SerialConfig(baud: baud, framing: "7E2")!)
                #expect(try port.configuration() == SerialConfig(baud: baud, framing: "7E2")!)
            }
        }

        @Test("RTS/CTS flow control with parity round-trips")
        func flowControl() throws {
            let config = SerialConfig(baud: 921_600, dataBits: 8, parity: .odd, stopBits: 2, hardwareFlowControl: true)
            try withSeamFakes { fakes in
                fakes.loopbackDevice(Self.node)
                let port = try LinuxSerialPort(path: Self.node, config: config)
                #expect(try port.configuration() == config)
            }
        }
    }
}
