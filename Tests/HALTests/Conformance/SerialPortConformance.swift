import Buffers
import HAL
import SystemPackage
import Testing

/// A serial port under test and the device at its far end.
protocol SerialHarness {
    var port: any SerialPort { get }
    func configure(_ config: SerialConfig) throws
    /// The device sends `bytes` (all of them, waiting as needed).
    func deviceSends(_ bytes: [UInt8]) throws
    /// What the device received, waiting (bounded) for `count` bytes.
    func deviceReceives(count: Int) throws -> [UInt8]
    /// Waits (bounded) until the port has input waiting.
    func waitForInput() -> Bool
    /// The device goes away (far end closed, USB adapter pulled).
    func unplug()
}

/// The implementations the serial contract runs against.
enum SerialImplementation: String, CaseIterable, Sendable, CustomTestStringConvertible {
    case linuxPseudoTerminal = "LinuxSerialPort on a pseudo-terminal"
    case simulated = "SimulatedSerialPort"
    var testDescription: String { rawValue }

    func make(_ config: SerialConfig = SerialConfig()) throws -> any SerialHarness {
        switch self {
        case .linuxPseudoTerminal: try PseudoTerminalHarness(config)
        case .simulated: TwinSerialHarness(config)
        }
    }
}

private final class PseudoTerminalHarness: SerialHarness {
    let pty: PseudoTerminal
    let program: LinuxSerialPort
    var port: any SerialPort { program }

    init(_ config: SerialConfig) throws {
        pty = try PseudoTerminal()
        program = try LinuxSerialPort(path: pty.devicePath, config: config)
    }

    func configure(_ config: SerialConfig) throws { try program.configure(config) }

    func deviceSends(_ bytes: [UInt8]) throws {
        var sent = 0
        while sent < bytes.count {
            try #require(Readiness.writable(pty.farEnd.pollDescriptor!))
            sent += try pty.farEnd.writeBytes(Array(bytes[sent...]))
        }
    }

    func deviceReceives(count: Int) throws -> [UInt8] {
        var out: [UInt8] = []
        while out.count < count {
            try #require(Readiness.readable(pty.farEnd.pollDescriptor!), "the device got \(out.count) of \(count) bytes")
            out += try pty.farEnd.readBytes(max: count - out.count)
        }
        return out
    }

    func waitForInput() -> Bool { Readiness.readable(program.pollDescriptor!) }
    func unplug() { pty.farEnd.close() }
}

private final class TwinSerialHarness: SerialHarness {
    let twin: SimulatedSerialPort
    var port: any SerialPort { twin }

    init(_ config: SerialConfig) { twin = SimulatedSerialPort(path: "/dev/ttySIM0", config: config) }

    func configure(_ config: SerialConfig) throws { try twin.configure(config) }
    func deviceSends(_ bytes: [UInt8]) throws {
        #expect(bytes.withUnsafeBytes { twin.backend.send(RawSpan(_unsafeBytes: $0)) } == bytes.count)
    }
    func deviceReceives(count: Int) throws -> [UInt8] { twin.backend.receiveAll() }
    func waitForInput() -> Bool { !twin.backend.toHost.isEmpty }
    func unplug() { twin.backend.hangUp() }
}

/// The `SerialPort` contract, run against the Linux port on a real pty and against the twin: what a
/// driver (the ESP32 control-pilot link) may rely on from either.
@Suite("SerialPort contract: Linux (pty) and simulated behave alike")
struct SerialPortConformance {
    @Test("reading with nothing waiting returns 0 bytes at once", arguments: SerialImplementation.allCases)
    func idleRead(_ impl: SerialImplementation) throws {
        let h = try impl.make()
        #expect(try h.port.readBytes() == [])
    }

    @Test("bytes from the device arrive exactly, every value", arguments: SerialImplementation.allCases)
    func deviceToHost(_ impl: SerialImplementation) throws {
        let h = try impl.make()
        let bytes = Array(UInt8.min...UInt8.max) + Array("{\"cp\":\"C\",\"duty\":53}\r\n".utf8)
        try h.deviceSends(bytes)
        var got: [UInt8] = []
        while got.count < bytes.count {
            try #require(h.waitForInput(), "\(got.count) of \(bytes.count) bytes arrived")
            got += try h.port.readBytes()
        }
        #expect(got == bytes)
    }

    @Test("bytes written reach the device exactly", arguments: SerialImplementation.allCases)
    func hostToDevice(_ impl: SerialImplementation) throws {
        let h = try impl.make()
        let bytes = Array(UInt8.max...UInt8.max) + Array(UInt8.min..<UInt8.max)
        #expect(try h.port.writeBytes(bytes) == bytes.count)
        #expect(try h.deviceReceives(count: bytes.count) == bytes)
    }

    @Test("the ByteQueue helpers move data without an intermediate copy", arguments: SerialImplementation.allCases)
    func byteQueueHelpers(_ impl: SerialImplementation) throws {
        let h = try impl.make()
        let out = ByteQueue(capacity: 64)
        _ = Array("PING\n".utf8).withUnsafeBytes { out.push(RawSpan(_unsafeBytes: $0)) }
        #expect(try h.port.write(from: out) == 5)
        #expect(out.isEmpty)
        #expect(try h.deviceReceives(count: 5) == Array("PING\n".utf8))
        try h.deviceSends(Array("PONG\n".utf8))
        let incoming = ByteQueue(capacity: 64)
        while incoming.count < 5 {
            try #require(h.waitForInput())
            try h.port.read(into: incoming)
        }
        #expect((0..<5).compactMap { incoming.peek(at: $0) } == Array("PONG\n".utf8))
    }

    @Test("speed and framing read back", arguments: SerialImplementation.allCases)
    func configurationRoundTrip(_ impl: SerialImplementation) throws {
        let h = try impl.make()
        for config in [SerialConfig(baud: 9_600), SerialConfig(baud: 250_000, stopBits: 2), SerialConfig(baud: 4_000_000)] {
            try h.configure(config)
            #expect(try h.port.configuration() == config)
        }
    }

    @Test("a rate outside 50…4 000 000 is .unsupportedConfiguration, kind .invalidArgument", arguments: SerialImplementation.allCases)
    func unsupportedRate(_ impl: SerialImplementation) throws {
        let h = try impl.make()
        for config in [SerialConfig(baud: 49), SerialConfig(baud: 4_000_001)] {
            let error = #expect(throws: SerialError.self) { try h.configure(config) }
            #expect(error == .unsupportedConfiguration(h.port.path, config))
            #expect(error?.kind == .invalidArgument)
        }
    }

    @Test("flushing input discards what is waiting", arguments: SerialImplementation.allCases)
    func flushInput(_ impl: SerialImplementation) throws {
        let h = try impl.make()
        try h.deviceSends(Array("stale".utf8))
        try #require(h.waitForInput())
        try h.port.flush(.input)
        #expect(try h.port.readBytes() == [])
    }

    @Test("the device going away: read and write throw .hangUp, kind .disconnected", arguments: SerialImplementation.allCases)
    func unplugged(_ impl: SerialImplementation) throws {
        let h = try impl.make()
        h.unplug()
        let read = #expect(throws: SerialError.self) { _ = try h.port.readBytes() }
        #expect(read == .hangUp(h.port.path))
        #expect(read?.kind == .disconnected)
        let write = #expect(throws: SerialError.self) { _ = try h.port.writeBytes([1]) }
        #expect(write?.kind == .disconnected)
    }
}
