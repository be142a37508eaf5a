import Boards
import Buffers
import ControlLoop
import ControlPilot
import CSerial
import ESP32CPEmulator
import Glibc
import HAL
import Runtime

/// Counts the bytes that cross a real serial port (delegating to it), so the bench knows when the
/// kernel has delivered everything.
final class CountingSerialPort: SerialPort {
    let inner: LinuxSerialPort
    private(set) var bytesRead = 0
    private(set) var bytesWritten = 0

    init(_ inner: LinuxSerialPort) { self.inner = inner }

    var path: String { inner.path }
    var pollDescriptor: Int32? { inner.pollDescriptor }

    func read(into buffer: inout MutableRawSpan) throws(SerialError) -> Int {
        let n = try inner.read(into: &buffer)
        bytesRead += n
        return n
    }

    func write(_ bytes: RawSpan) throws(SerialError) -> Int {
        let n = try inner.write(bytes)
        bytesWritten += n
        return n
    }

    func flush(_ which: SerialFlush) throws(SerialError) { try inner.flush(which) }
    func configuration() throws(SerialError) -> SerialConfig { try inner.configuration() }
}

/// The charger's CP stack on one end of a real pseudo-terminal (LinuxSerialPort → CSerial shim), the
/// ESP32 emulator on the other, one deterministic tick loop (ManualClock, 1 ms). Each tick: the
/// emulator reads what the host sent and does its work, then the loop runs one cycle (pump reads the
/// tty, the controller ticks). Before each half the bench waits (bounded) until the pty has handed
/// over every byte written so far, so tick counts do not depend on scheduling.
final class PtyBench: PilotBench {
    let pty: PseudoTerminal
    let hostPort: CountingSerialPort
    let emulator: ESP32CPEmulator
    let pump: SerialPump
    let link: ESP32HelperLink
    /// Status frames the emulator has written, with the tick and the state they carried.
    private(set) var statusWrites: [(tick: Int, state: EmulatedPilotState)] = []
    var farEndClosed = false

    init(configuration: ControlPilotConfiguration = ControlPilotConfiguration(),
         link linkConfiguration: ESP32HelperLinkConfiguration = ESP32HelperLinkConfiguration()) throws {
        pty = try PseudoTerminal()
        hostPort = CountingSerialPort(try LinuxSerialPort(path: pty.devicePath, config: SerialConfig()))
        emulator = ESP32CPEmulator(port: pty.farEnd)
        pump = SerialPump(name: "cp-helper", port: hostPort)
        link = ESP32HelperLink(pump: pump, configuration: linkConfiguration)
        super.init(source: pump, pilot: ControlPilot(frontEnd: link, configuration: configuration), defaultLimit: 5_000)
    }

    deinit {
        pty.farEnd.close()
        hostPort.inner.close()
        pty.releaseDeviceEnd()
    }

    /// Bytes waiting to be read on a descriptor.
    private func available(_ port: LinuxSerialPort) -> Int {
        guard let fd = port.pollDescriptor else { return 0 }
        var n: Int32 = 0
        return ck_serial_bytes_available(fd, &n) < 0 ? 0 : Int(n)
    }

    /// Waits (at most 2 s) until `condition` holds.
    private func settle(_ condition: () -> Bool) {
        var waited = 0
        while !condition(), waited < 2_000_000 {
            usleep(50)
            waited += 50
        }
    }

    /// The emulator's half of a tick (outside any malloc measurement).
    override func stepFarSide() {
        guard !farEndClosed else { return }
        settle { hostPort.bytesWritten - emulator.bytesRead <= available(pty.farEnd) || emulator.isBlocked }
        let before = emulator.statusFramesSent
        emulator.step(clock.now())
        if emulator.statusFramesSent > before { statusWrites.append((tick, emulator.state)) }
        settle { emulator.bytesWritten - hostPort.bytesRead <= available(hostPort.inner) }
    }

    /// Plugs in and waits for the 5 % signal: returns with state B, ready for SLAC.
    func plugIn() -> Bool {
        step(50)
        emulator.vehicle = .b
        return run(until: .readyForSLAC, limit: 2_000) != nil
    }

    /// B → C and energy transfer on.
    func startCharging() -> Bool {
        guard plugIn() else { return false }
        emulator.vehicle = .c
        guard run(until: .evRequestsPower(ventilation: false), limit: 2_000) != nil else { return false }
        pilot.setEnergyTransfer(true)
        step(100)
        return pilot.state == .c && !pilot.emergencyStopLatched
    }
}

extension RingBuffer {
    /// The queued elements, oldest first (test convenience; allocates).
    var elements: [Element] { (0..<count).compactMap { peek(at: $0) } }
}
