import Contracts
import Drivers
import SimBoard
import ChargerAssembly
import Boards
import Buffers
import ControlLoop
import ControlPilot
import CSerial
import ESP32CPEmulator
import Foundation
import Glibc
import HAL
import Runtime
import Testing

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
    func close() { inner.close() }
    func reopen() throws(SerialError) { try inner.reopen() }

    /// Starts counting again (a new device behind the same path).
    func resetCounts() {
        bytesRead = 0
        bytesWritten = 0
    }
}

/// The charger's CP stack on one end of a real pseudo-terminal (LinuxSerialPort → CSerial shim), the
/// ESP32 emulator on the other, one deterministic tick loop (ManualClock, 1 ms). Each tick: the
/// emulator reads what the host sent and does its work, then the loop runs one cycle (pump reads the
/// tty, the controller ticks). Before each half the bench waits (bounded) until the pty has handed
/// over every byte written so far, so tick counts do not depend on scheduling.
final class PtyBench: PilotBench {
    private(set) var pty: PseudoTerminal
    let hostPort: CountingSerialPort
    private(set) var emulator: ESP32CPEmulator
    let pump: SerialPump
    /// With `replugable`: the path the charger opens, a symbolic link to the pty's device (as udev's
    /// /dev/serial/by-id links are); `unplugHelper` removes it with the pty, `replugHelper` makes both anew.
    let linkPath: String?
    let link: ESP32HelperLink
    /// Status frames the emulator has written, with the tick and the state they carried.
    private(set) var statusWrites: [(tick: Int, state: EmulatedPilotState)] = []
    var farEndClosed = false

    init(configuration: ControlPilotConfiguration = ControlPilotConfiguration(),
         link linkConfiguration: ESP32HelperLinkConfiguration = ESP32HelperLinkConfiguration(), replugable: Bool = false,
         revision: ESP32CPEmulator.Revision = .r1, facts: ChargerFacts? = nil) throws {
        pty = try PseudoTerminal()
        var path = pty.devicePath
        if replugable {
            let directory = NSTemporaryDirectory() + "ck-tty-\(UUID().uuidString)"
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            path = directory + "/ttyUSB0"
            try FileManager.default.createSymbolicLink(atPath: path, withDestinationPath: pty.devicePath)
            linkPath = path
        } else {
            linkPath = nil
        }
        hostPort = CountingSerialPort(try LinuxSerialPort(path: path, config: SerialConfig()))
        emulator = ESP32CPEmulator(port: pty.farEnd, revision: revision)
        pump = SerialPump(name: "cp-helper", port: hostPort)
        link = ESP32HelperLink(pump: pump, configuration: linkConfiguration)
        super.init(source: pump, pilot: ControlPilot(frontEnd: link, facts: facts, configuration: configuration), defaultLimit: 5_000)
    }

    deinit {
        pty.farEnd.close()
        hostPort.inner.close()
        pty.releaseDeviceEnd()
        if let linkPath { try? FileManager.default.removeItem(atPath: (linkPath as NSString).deletingLastPathComponent) }
    }

    /// The helper's USB adapter is unplugged: its tty goes away (both pty ends closed) and so does
    /// the path the charger opened.
    func unplugHelper() throws {
        farEndClosed = true
        pty.farEnd.close()
        pty.releaseDeviceEnd()
        if let linkPath { try FileManager.default.removeItem(atPath: linkPath) }
    }

    /// Plugged back in: a new tty (a new pty, a freshly booted emulator with `vehicle` connected)
    /// behind the same path.
    func replugHelper(vehicle: EmulatedPilotState) throws {
        let linkPath = try #require(linkPath, "the bench was not made replugable")
        pty = try PseudoTerminal()
        try FileManager.default.createSymbolicLink(atPath: linkPath, withDestinationPath: pty.devicePath)
        emulator = ESP32CPEmulator(port: pty.farEnd)
        emulator.vehicle = vehicle
        hostPort.resetCounts()
        farEndClosed = false
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
        // Nothing to do while either end is gone (unplugged, or not yet reopened by the charger):
        // the settle waits below count bytes through both ends.
        guard !farEndClosed, hostPort.pollDescriptor != nil else { return }
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
