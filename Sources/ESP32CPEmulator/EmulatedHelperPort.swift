import CEventLoop
import Dispatch
import Glibc
import HAL
import Synchronization

/// A serial port whose far end is an emulated ESP32 CP helper running on its own thread: the `sim`
/// board's cp-helper. The host side is a real tty (the device end of a pseudo-terminal, opened through
/// the CSerial shim like /dev/serial0 on a Pi, with a descriptor the loop polls); the emulator thread
/// steps every millisecond on CLOCK_MONOTONIC until the port goes away.
///
/// The helper is a microcontroller of its own on a real board: its status reports do not wait for the
/// Pi's load. Its emulator thread therefore runs SCHED_FIFO (`threadPriority`) where the process may
/// (root, as in CI); otherwise at normal priority, where a starved host can delay its reports past the
/// link timeout (300 ms, ESP32HelperLink) and end a session as the real helper going silent would.
///
/// `path` is the name the board gives the port (errors and tools show /dev/serial0 on the sim board,
/// as on the Pi); `ptyPath` is the real device.
public final class EmulatedHelperPort: SerialPort, @unchecked Sendable {
    public let path: String
    public let ptyPath: String
    private let pty: PseudoTerminal
    private let host: LinuxSerialPort
    private let emulator: ESP32CPEmulator
    private let stopFlag = LockedFlag()
    private let finished = DispatchSemaphore(value: 0)

    final class LockedFlag: Sendable {
        private let value = Atomic<Bool>(false)
        var isSet: Bool { value.load(ordering: .acquiring) }
        func set() { value.store(true, ordering: .releasing) }
    }

    /// A vehicle state handed from the loop's thread to the emulator's thread, applied at its next step.
    final class VehicleMailbox: Sendable {
        private struct Box {
            var pending: EmulatedPilotState?
            var actions: [EmulatorScript.Action] = []
        }
        private let box = Mutex(Box())
        func post(_ state: EmulatedPilotState) { box.withLock { $0.pending = state } }
        func take() -> EmulatedPilotState? {
            box.withLock { box in
                defer { box.pending = nil }
                return box.pending
            }
        }
        func post(_ action: EmulatorScript.Action) { box.withLock { $0.actions.append(action) } }
        func takeActions() -> [EmulatorScript.Action] {
            box.withLock { box in
                guard !box.actions.isEmpty else { return [] }
                defer { box.actions.removeAll() }
                return box.actions
            }
        }
    }
    private let mailbox = VehicleMailbox()

    /// SCHED_FIFO priority of the emulator thread: below any `chargerd --realtime` loop priority an
    /// operator would pick (the loop stays first), above every ordinary process.
    public static let threadPriority: Int32 = 5
    /// The emulator thread's name (15 characters at most, the kernel's limit).
    public static let threadName = "esp32-cp-helper"
    /// Whether the emulator thread got its real-time priority (false: EPERM, normal priority).
    /// Written by the emulator thread before it signals `started`; read after `init` waited for that signal.
    public private(set) var runsRealTime = false

    /// Opens a pty, configures the host end with `config` and starts the emulator thread, which
    /// plays `script` (nil: the vehicle stays in state A), as firmware `revision`.
    public init(path: String, config: SerialConfig = SerialConfig(), script: EmulatorScript? = nil,
                revision: ESP32CPEmulator.Revision = .r1) throws(SerialError) {
        self.path = path
        pty = try PseudoTerminal()
        ptyPath = pty.devicePath
        host = try LinuxSerialPort(path: pty.devicePath, config: config)
        emulator = ESP32CPEmulator(port: pty.farEnd, revision: revision)
        let emulator = self.emulator
        let stop = stopFlag
        let done = finished
        let mailbox = self.mailbox
        nonisolated(unsafe) var realTime = false
        let started = DispatchSemaphore(value: 0)
        EmulatorThread.start {
            _ = ck_loop_name_thread(Self.threadName) // what ps -L and top show
            realTime = ck_loop_thread_fifo(Self.threadPriority) == 0
            started.signal()
            // The stop check runs once per emulator step: it also applies a vehicle state posted by
            // `present(_:)` from the loop's thread, so the emulator's state stays on its own thread.
            emulator.run(clock: SystemMonotonicClock(), script: script) {
                if let state = mailbox.take() { emulator.vehicle = state }
                for action in mailbox.takeActions() { emulator.apply(action, SystemMonotonicClock().now()) }
                return stop.isSet
            }
            done.signal()
        }
        started.wait() // orders the thread's write of `realTime` before this read
        runsRealTime = realTime
    }

    deinit {
        stopFlag.set()
        _ = finished.wait(timeout: .now() + 2)
        host.close()
        pty.farEnd.close()
        pty.releaseDeviceEnd()
    }

    /// The emulated vehicle presents `state` from the emulator's next step on (within ~1 ms): a
    /// simulated car drawing energy (C), finishing (B) or unplugging (A) while the script runs.
    public func present(_ state: EmulatedPilotState) { mailbox.post(state) }

    /// The emulator carries out `action` at its next step (a fault injected mid-session, §11 hooks).
    public func perform(_ action: EmulatorScript.Action) { mailbox.post(action) }

    public var pollDescriptor: Int32? { host.pollDescriptor }
    public func read(into buffer: inout MutableRawSpan) throws(SerialError) -> Int { try host.read(into: &buffer) }
    public func write(_ bytes: RawSpan) throws(SerialError) -> Int { try host.write(bytes) }
    public func flush(_ which: SerialFlush) throws(SerialError) { try host.flush(which) }
    public func configuration() throws(SerialError) -> SerialConfig { try host.configuration() }
    public func close() { host.close() }
    public func reopen() throws(SerialError) { try host.reopen() }
}
