import Contracts
import Drivers
import Buffers
import CPHelperProtocol
import HAL

/// Timing of the host side of the ESP32 helper protocol (esp32-cp-uart.md §5, §9.1).
public struct ESP32HelperLinkConfiguration: Sendable, Equatable {
    /// `get_status` cadence. The firmware reports by itself only every 200 ms (§4.1); polling bounds
    /// how old the state we act on can be. A status line is ~215 bytes, ~19 ms at 115200 baud, so
    /// 40 ms keeps the UART about half busy.
    public var statusPollInterval: Nanoseconds
    /// No valid line for this long: the helper is lost (a CP fault). The firmware has no host watchdog
    /// (§7.9), so this is the only one. 300 ms = 7 missed polls, shorter than a reboot (reset waits
    /// 50 ms, then the ESP32-S3 boots), so a helper that reboots mid-session is noticed.
    public var linkTimeout: Nanoseconds
    /// `ping` cadence and how long a `pong` may take. A missing pong is logged, not a fault: firmware
    /// revision R4 dropped `ping` (§11) while still reporting status.
    public var pingInterval: Nanoseconds
    public var pongTimeout: Nanoseconds
    /// A command not reflected in a status within this time is sent again.
    public var commandConfirmTimeout: Nanoseconds
    /// After this many unconfirmed sends the output counts as failed (`PilotFault.outputFailed`).
    public var maximumCommandAttempts: Int
    /// Extra silence allowed after `restart_slac_hint`, which blocks the firmware for its duration (§7.8).
    public var blockingCommandMargin: Nanoseconds
    /// After the helper was lost and talks again, its status frames are not used for this long: a
    /// rebooted firmware reports its initial state A until its classifier has confirmed the real one
    /// (2–3 bursts of 20 ms, §7.6), which would read as a spurious unplug.
    public var resynchronisation: Nanoseconds

    public init(statusPollInterval: Nanoseconds = .milliseconds(40), linkTimeout: Nanoseconds = .milliseconds(300),
                pingInterval: Nanoseconds = .seconds(1), pongTimeout: Nanoseconds = .milliseconds(500),
                commandConfirmTimeout: Nanoseconds = .milliseconds(500), maximumCommandAttempts: Int = 3,
                blockingCommandMargin: Nanoseconds = .milliseconds(300), resynchronisation: Nanoseconds = .milliseconds(200)) {
        self.statusPollInterval = statusPollInterval
        self.linkTimeout = linkTimeout
        self.pingInterval = pingInterval
        self.pongTimeout = pongTimeout
        self.commandConfirmTimeout = commandConfirmTimeout
        self.maximumCommandAttempts = maximumCommandAttempts
        self.blockingCommandMargin = blockingCommandMargin
        self.resynchronisation = resynchronisation
    }
}

/// Something that went wrong on the helper link, kept (typed, with the time) in `ESP32HelperLink.log`
/// for the application to print. None of these stops the loop; the controller acts on `fault`.
public enum HelperLinkError: Error, Sendable, Equatable, BitwiseCopyable, CustomStringConvertible {
    /// A line that is not a valid message (garbage, partial, unknown type, values out of range).
    case badLine(HelperDecodeError)
    /// A line longer than the framer accepts, dropped.
    case lineTooLong(length: Int)
    /// The helper answered `{"type":"error"}`.
    case helperError(HelperErrorCode)
    /// The tty failed (hang-up, EIO, vanished): the kind of the pump's `lastError` (its full text is
    /// in `SerialPump.lastError`).
    case serial(TTYFailure)
    /// No valid line within the liveness timeout.
    case silent
    /// A `ping` got no `pong` in time (informational).
    case pingUnanswered
    /// A command was not reflected in the status in time and was sent again.
    case commandNotConfirmed(attempt: Int)
    /// The helper reports a mode we did not command (it rebooted, or someone else talks to it).
    case unexpectedMode
    /// The transmit queue had no room for a command.
    case transmitQueueFull

    public var description: String {
        switch self {
        case .badLine(let e): "bad line from helper: \(e)"
        case .lineTooLong(let n): "line of \(n) bytes from helper dropped (too long)"
        case .helperError(let c): "helper replied error \(c)"
        case .serial(let k): "helper tty error (\(k))"
        case .silent: "helper silent beyond the liveness timeout"
        case .pingUnanswered: "ping not answered"
        case .commandNotConfirmed(let n): "command not confirmed (attempt \(n))"
        case .unexpectedMode: "helper reports a mode that was not commanded"
        case .transmitQueueFull: "transmit queue full"
        }
    }
}

/// The device-error kinds that take the helper's tty down (`DeviceErrorKind`, as a plain value).
public enum TTYFailure: UInt8, Sendable, Equatable, BitwiseCopyable {
    case disconnected, absent, io, permissionDenied

    init?(_ kind: DeviceErrorKind) {
        switch kind {
        case .disconnected: self = .disconnected
        case .absent: self = .absent
        case .io: self = .io
        case .permissionDenied: self = .permissionDenied
        default: return nil
        }
    }
}

/// One logged link error.
public struct HelperLinkLogEntry: Sendable, Equatable, BitwiseCopyable {
    public var at: MonotonicInstant
    public var error: HelperLinkError
}

/// The host side of the ESP32-S3 CP helper (esp32-cp-uart.md): frames and decodes its JSON lines
/// from the serial pump's receive queue, polls its status, watches its liveness, and turns the CP
/// output the controller wants into `set_mode`/`set_pwm`/`enable_pwm` commands, resending until the
/// status confirms them. Reads and writes only the pump's queues (the pump owns the tty).
///
/// Mapping of outputs to commands: 5 % → `set_mode dc` (the firmware drives 5 % itself while a
/// vehicle is present, §7.2); steady +12 V → `set_mode manual` + `enable_pwm false` (manual output
/// with PWM disabled is 100 %, §7.3); a current offer → manual + `set_pwm duty:N enable:true`
/// (whole percent, rounded down so the offer never grows); steady −12 V → manual + duty 0.
public final class ESP32HelperLink: PilotFrontEnd {
    public let name: String
    public let pump: SerialPump
    public let configuration: ESP32HelperLinkConfiguration
    public let framer: HelperLineFramer
    /// Errors, newest last (the oldest are overwritten).
    public let log: RingBuffer<HelperLinkLogEntry>
    private let samples: RingBuffer<PilotSample>

    // What the helper told us.
    public private(set) var lastStatus: HelperStatus?
    public private(set) var lastStatusAt: MonotonicInstant?
    public private(set) var lastLineAt: MonotonicInstant?
    public private(set) var lastPongAt: MonotonicInstant?
    /// From `sys.info` (asked once at start; firmware without JSON-RPC never answers).
    public private(set) var firmware: HelperRPCResult?
    public private(set) var linesDecoded = 0
    public private(set) var badLines = 0
    public private(set) var overlongLines = 0
    public private(set) var helperErrors = 0
    public private(set) var statusFrames = 0
    /// Where the DC supply and contactor messages of firmware R3/R4 go (esp32-cp-uart.md §11): the
    /// status frames that carry a `dc` object, RPC replies with the sink's ids, contactor events.
    public var powerSink: (any HelperMessageSink)?

    // Link state.
    public private(set) var fault: PilotFault?
    private var started = false
    private var nextPollAt = MonotonicInstant.zero
    private var nextPingAt = MonotonicInstant.zero
    private var pingSentAt: MonotonicInstant?
    private var quietUntil: MonotonicInstant?
    private var serialDown = false
    private var silent = false
    private var resynchronisingUntil: MonotonicInstant?

    // Output state.
    private var target: PilotPWM?
    public private(set) var appliedPWM: PilotPWM?
    private var sentAt = MonotonicInstant.zero
    private var attempts = 0
    private var outputFailed = false

    public init(name: String = "esp32-cp-helper", pump: SerialPump,
                configuration: ESP32HelperLinkConfiguration = ESP32HelperLinkConfiguration()) {
        self.name = name
        self.pump = pump
        self.configuration = configuration
        framer = HelperLineFramer()
        log = RingBuffer(capacity: 64, filler: HelperLinkLogEntry(at: .zero, error: .silent))
        samples = RingBuffer(capacity: 32, filler: .line(highMillivolts: 0, lowMillivolts: nil, at: .zero))
    }

    /// The firmware letter is already confirmed over 2–3 bursts (§7.6): one report is enough for a
    /// fault; a normal change needs two consecutive reports (one poll later), so a single stray frame
    /// never starts or ends a session.
    public var recommendedConfirmation: PilotConfirmation { PilotConfirmation(normal: 2, fault: 1) }

    public var signallingDigitalCommunication: Bool {
        guard fault == nil, quietUntil == nil, let s = lastStatus, s.mode == .dc, appliedPWM == .digitalCommunication else {
            return false
        }
        guard s.state == .b || s.state == .c || s.state == .d else { return false }
        if let out = s.pwm?.out { return out == 5 }
        return true
    }

    public func nextSample() -> PilotSample? { samples.pop() }

    // MARK: - Tick

    public func update(_ now: MonotonicInstant) {
        if !started {
            started = true
            lastLineAt = now // the helper gets one timeout to answer
            nextPollAt = now
            nextPingAt = now
            send(.systemInfo(id: 1), now)
        }
        if let quiet = quietUntil, now >= quiet {
            quietUntil = nil
            lastLineAt = now
        }
        checkSerial(now)
        readLines(now)
        checkLiveness(now)
        if quietUntil == nil, !serialDown {
            if now >= nextPollAt {
                send(.getStatus, now)
                nextPollAt = now + configuration.statusPollInterval
            }
            if now >= nextPingAt {
                if pingSentAt == nil { send(.ping, now) }
                pingSentAt = pingSentAt ?? now
                nextPingAt = now + configuration.pingInterval
            }
            if let sent = pingSentAt, now - sent > configuration.pongTimeout {
                note(.pingUnanswered, now)
                pingSentAt = nil
            }
            driveOutput(now)
        }
        fault = serialDown ? .linkDown : silent ? .helperLost : outputFailed ? .outputFailed : nil
    }

    /// The tty's state from the pump: down while it has a device error (the pump closes a device
    /// that went away and reopens it). Nothing is sent while it is down; once it is back, the link
    /// starts over as with a helper that went silent: partial input dropped, output told again when
    /// the helper talks, its first frames used only to confirm (`resynchronisation`).
    private func checkSerial(_ now: MonotonicInstant) {
        if let e = pump.lastError, let failure = TTYFailure(e.kind) {
            if !serialDown { note(.serial(failure), now) }
            serialDown = true
            return
        }
        if serialDown {
            serialDown = false
            framer.reset()
            pingSentAt = nil
            nextPollAt = now
            appliedPWM = nil
            attempts = 0
        }
    }

    private func readLines(_ now: MonotonicInstant) {
        while let frame = framer.next(from: pump.received) {
            switch frame {
            case .tooLong(let length):
                overlongLines &+= 1
                note(.lineTooLong(length: length), now)
            case .line(let bytes):
                do throws(HelperDecodeError) {
                    let message = try HelperMessageDecoder.decode(bytes)
                    linesDecoded &+= 1
                    lastLineAt = now
                    handle(message, now)
                } catch {
                    badLines &+= 1
                    note(.badLine(error), now)
                }
            }
        }
    }

    private func checkLiveness(_ now: MonotonicInstant) {
        guard quietUntil == nil, let last = lastLineAt else { return }
        if now - last > configuration.linkTimeout {
            if !silent {
                silent = true
                note(.silent, now)
                // Whatever the helper does after it comes back, it has to be told again.
                appliedPWM = nil
                attempts = 0
            }
        } else if silent {
            silent = false
            resynchronisingUntil = now + configuration.resynchronisation
        }
    }

    // MARK: - Messages

    private func handle(_ message: HelperMessage, _ now: MonotonicInstant) {
        switch message {
        case .status(let status):
            if status.dc != nil, let sink = powerSink { sink.helperSent(message) }
            statusFrames &+= 1
            lastStatus = status
            lastStatusAt = now
            if let until = resynchronisingUntil {
                if now < until {
                    confirm(status, now)
                    return
                }
                resynchronisingUntil = nil
            }
            samples.pushOverwriting(.helper(letter: status.state, pinMillivolts: status.cpMillivolts,
                                            robustPinMillivolts: status.cpMillivoltsRobust,
                                            thresholds: status.thresholds ?? .referenceDefaults, at: now))
            confirm(status, now)
        case .pong:
            lastPongAt = now
            pingSentAt = nil
        case .error(let code):
            helperErrors &+= 1
            note(.helperError(code), now)
        case .rpcResult(let id, let result):
            if let sink = powerSink, id >= Int64(sink.firstRequestID) {
                sink.helperSent(message)
            } else if result.firmware.count > 0 || result.protocolVersion >= 0 || !result.capabilities.isEmpty {
                firmware = result
            }
        case .rpcError(let id, _):
            if let sink = powerSink, id >= Int64(sink.firstRequestID) { sink.helperSent(message) }
        case .contactorChange:
            powerSink?.helperSent(message)
        case .ok, .scan, .rpcEvent:
            break
        }
    }

    // MARK: - Output

    public func request(_ pwm: PilotPWM, now: MonotonicInstant) {
        guard pwm != target else { return }
        target = pwm
        appliedPWM = nil
        attempts = 0
        outputFailed = false
        if quietUntil == nil, started, !serialDown { transmit(pwm, now) }
    }

    private func driveOutput(_ now: MonotonicInstant) {
        guard let target, appliedPWM == nil else { return }
        if attempts == 0 {
            transmit(target, now)
        } else if now - sentAt > configuration.commandConfirmTimeout {
            note(.commandNotConfirmed(attempt: attempts), now)
            if attempts >= configuration.maximumCommandAttempts { outputFailed = true }
            transmit(target, now)
        }
    }

    private func transmit(_ pwm: PilotPWM, _ now: MonotonicInstant) {
        switch pwm {
        case .digitalCommunication:
            send(.setMode(.dc), now)
        case .steadyHigh:
            send(.setMode(.manual), now)
            send(.enablePWM(false), now)
        case .currentLimit(let duty):
            send(.setMode(.manual), now)
            send(.setPWM(duty: Int(duty.permille / 10), enable: true), now)
        case .steadyLow:
            send(.setMode(.manual), now)
            send(.setPWM(duty: 0, enable: true), now)
        }
        sentAt = now
        attempts += 1
    }

    /// Does `status` show `target` on the helper?
    private func confirm(_ status: HelperStatus, _ now: MonotonicInstant) {
        guard let target else { return }
        let matches: Bool
        switch target {
        case .digitalCommunication:
            matches = status.mode == nil || status.mode == .dc
        case .steadyHigh:
            matches = (status.mode == nil || status.mode == .manual) && (status.pwm.map { !$0.enabled } ?? true)
        case .currentLimit(let duty):
            matches = (status.mode == nil || status.mode == .manual)
                && (status.pwm.map { $0.enabled && Int($0.duty) == Int(duty.permille / 10) } ?? true)
        case .steadyLow:
            matches = (status.mode == nil || status.mode == .manual) && (status.pwm.map { $0.enabled && $0.duty == 0 } ?? true)
        }
        if matches {
            if appliedPWM == nil {
                appliedPWM = target
                attempts = 0
                outputFailed = false
            }
        } else if appliedPWM != nil {
            // It was on the wire and is not any more, without us asking: a reboot, or another host.
            note(.unexpectedMode, now)
            appliedPWM = nil
            attempts = 0
        }
    }

    public func restartSLACHint(_ duration: Nanoseconds, now: MonotonicInstant) {
        let ms = Int(duration.count / 1_000_000)
        send(.restartSLACHint(milliseconds: ms), now)
        let clamped = Int64(min(max(ms, HelperCommand.slacHintRange.lowerBound), HelperCommand.slacHintRange.upperBound))
        quietUntil = now + .milliseconds(clamped) + configuration.blockingCommandMargin
        pingSentAt = nil
        // The firmware returns to DC mode by itself afterwards (§7.8); check again once it talks.
        appliedPWM = nil
        attempts = 1
        sentAt = quietUntil ?? now
    }

    /// Sends one command now (for tools: `boardctl cp`, probe). Returns false when the queue is full.
    @discardableResult
    public func send(_ command: HelperCommand, _ now: MonotonicInstant) -> Bool {
        guard command.encode(into: pump.transmit) else {
            note(.transmitQueueFull, now)
            return false
        }
        return true
    }

    public func enterSafeState() -> String {
        // Steady +12 V: manual mode with PWM disabled. Written to the tty now: the loop is stopping
        // and will not pump again.
        pump.transmit.removeAll()
        HelperCommand.setMode(.manual).encode(into: pump.transmit)
        HelperCommand.enablePWM(false).encode(into: pump.transmit)
        target = .steadyHigh
        appliedPWM = nil
        do throws(SerialError) {
            try pump.port.write(from: pump.transmit)
        } catch {
            return "CP +12 V NOT confirmed: cannot write to the helper (\(error)); its own watchdog must drop the PWM"
        }
        return "CP +12 V steady (manual mode, PWM off, sent to the helper on \(pump.port.path))"
    }

    private func note(_ error: HelperLinkError, _ now: MonotonicInstant) {
        log.pushOverwriting(HelperLinkLogEntry(at: now, error: error))
    }
}
