import Buffers
import HAL
import SystemPackage
import Testing

/// The faults a `SimulatedSerialPort` can play, and exactly what the host sees for each: the same
/// typed errors and kinds the Linux port reports for the real fault.
@Suite("Serial twin faults: EIO, short reads, stalls, unplug and replug")
struct SerialTwinFaultTests {
    let twin = SimulatedSerialPort(path: "/dev/ttyESP", config: SerialConfig(baud: 115_200))

    @Test("EIO mid-stream on read: .read(EIO), kind .disconnected (a USB adapter pulled mid-transfer); the next read works")
    func readEIO() throws {
        twin.backend.send("OK\n")
        twin.backend.failNextRead = .ioError
        let error = #expect(throws: SerialError.self) { _ = try twin.readBytes() }
        #expect(error == .read("/dev/ttyESP", errno: .ioError))
        #expect(error?.kind == .disconnected)
        #expect(try twin.readBytes() == Array("OK\n".utf8), "the fault took nothing")
    }

    @Test("EIO on write: .write(EIO), kind .disconnected; other errnos keep their own kind")
    func writeErrors() throws {
        twin.backend.failNextWrite = .ioError
        let eio = #expect(throws: SerialError.self) { _ = try twin.writeBytes([1]) }
        #expect(eio == .write("/dev/ttyESP", errno: .ioError))
        #expect(eio?.kind == .disconnected)
        twin.backend.failNextWrite = .resourceBusy
        #expect(#expect(throws: SerialError.self) { _ = try twin.writeBytes([1]) }?.kind == .busy)
        #expect(try twin.writeBytes([2]) == 1)
    }

    @Test("short reads: at most maxBytesPerRead per call, nothing lost, order kept")
    func shortReads() throws {
        let text = "{\"cp\":\"B\",\"pwm\":5}\n"
        let message = Array(text.utf8)
        twin.backend.send(text)
        twin.backend.maxBytesPerRead = 3
        var got: [UInt8] = []
        var calls = 0
        while got.count < message.count {
            let chunk = try twin.readBytes()
            #expect(chunk.count <= 3)
            got += chunk
            calls += 1
        }
        #expect(got == message)
        #expect(calls == (message.count + 2) / 3)
    }

    @Test("a stalled device takes nothing: write returns 0, not an error")
    func stalledWrites() throws {
        twin.backend.stallWrites = true
        #expect(try twin.writeBytes([1, 2, 3]) == 0)
        twin.backend.stallWrites = false
        #expect(try twin.writeBytes([1, 2, 3]) == 3)
    }

    @Test("a full device queue takes what fits")
    func fullQueue() throws {
        let small = SimulatedSerialPort(path: "/dev/ttySMALL", capacity: 8)
        #expect(try small.writeBytes(Array(0..<20)) == 8)
        #expect(small.backend.receiveAll() == Array(0..<8))
    }

    @Test("unplugged: every call is .hangUp (kind .disconnected) and pending bytes are gone; replugged works again")
    func unplugAndReplug() throws {
        twin.backend.send("lost")
        twin.backend.hangUp()
        for call in [{ _ = try twin.readBytes() }, { _ = try twin.writeBytes([1]) }, { try twin.flush(.both) }, { _ = try twin.configuration() }] as [() throws -> Void] {
            let error = #expect(throws: SerialError.self) { try call() }
            #expect(error == .hangUp("/dev/ttyESP"))
            #expect(error?.kind == .disconnected)
        }
        twin.backend.reconnect()
        #expect(try twin.readBytes() == [], "what was pending when unplugged is gone")
        twin.backend.send("back")
        #expect(try twin.readBytes() == Array("back".utf8))
    }

    @Test("configurations outside what the Linux shim accepts are refused the same way",
          arguments: [SerialConfig(baud: 0), SerialConfig(baud: 9_600, dataBits: 9), SerialConfig(baud: 9_600, stopBits: 0)])
    func refusedConfiguration(_ config: SerialConfig) {
        let error = #expect(throws: SerialError.self) { try twin.configure(config) }
        #expect(error == .unsupportedConfiguration("/dev/ttyESP", config))
        #expect(error?.kind == .invalidArgument)
    }
}
