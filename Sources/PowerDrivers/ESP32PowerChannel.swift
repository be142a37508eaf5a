import Buffers
import CPHelperProtocol
import Contracts
import ControlLoop
import CoreTypes
import HAL

/// Timing and limits of the host side of the helper's DC calls (esp32-cp-uart.md §11).
public struct ESP32PowerConfiguration: Sendable {
    public var revision: HelperFirmwareRevision
    /// `dc.status` cadence: the measured module voltage and current come only from its reply (the
    /// status frame carries setpoints, not measurements). A reply is ~250 bytes, ~22 ms at 115200 baud.
    public var statusPollInterval: Nanoseconds
    /// `contactor.check` cadence (the auxiliary contact as the helper reads it).
    public var contactorPollInterval: Nanoseconds
    /// The fastest `dc.set` cadence: the firmware ramps in 100 ms steps (§11), so setpoints that change
    /// every tick are sent as the newest value at most this often.
    public var setpointInterval: Nanoseconds
    /// No `dc.status` reply for this long: the supply link is lost. The controllers' measurement
    /// staleness limit (500 ms) sees it too.
    public var replyTimeout: Nanoseconds
    /// Output current below which switching off counts as done (the contactors may open).
    public var safeCurrent: Double
    public var capabilities: DCSupplyCapabilities
    /// Sent once at start (`dc.cfg`, R4). Default: a charger's settings — `ignore_cp` false so the
    /// firmware itself refuses power outside CP C/D or without the contactor's aux (R4 defaults it to
    /// true, a bench override), and ramps of 500 V/s and 500 A/s (firmware maximum) so the power
    /// path's time limits are not spent in the firmware's 50 V/s default ramp.
    public var startConfiguration: HelperDCConfiguration?
    /// The contactor's closing/opening timeouts, including the UART round trip and the helper's own
    /// 60 ms switching delay.
    public var contactorCloseTimeout: Nanoseconds
    public var contactorOpenTimeout: Nanoseconds

    public init(revision: HelperFirmwareRevision = .r4, statusPollInterval: Nanoseconds = .milliseconds(100),
                contactorPollInterval: Nanoseconds = .milliseconds(100), setpointInterval: Nanoseconds = .milliseconds(100),
                replyTimeout: Nanoseconds = .milliseconds(600), safeCurrent: Double = 1,
                capabilities: DCSupplyCapabilities = DCSupplyCapabilities(maxVolts: 1000, minVolts: 200, maxAmps: 200, maxWatts: 30_000),
                startConfiguration: HelperDCConfiguration? = HelperDCConfiguration(rampVoltsPerSecond: 500, rampAmpsPerSecond: 500,
                                                                                   ignoreControlPilot: false),
                contactorCloseTimeout: Nanoseconds = .milliseconds(500), contactorOpenTimeout: Nanoseconds = .milliseconds(500)) {
        self.revision = revision
        self.statusPollInterval = statusPollInterval
        self.contactorPollInterval = contactorPollInterval
        self.setpointInterval = setpointInterval
        self.replyTimeout = replyTimeout
        self.safeCurrent = safeCurrent
        self.capabilities = capabilities
        self.startConfiguration = startConfiguration
        self.contactorCloseTimeout = contactorCloseTimeout
        self.contactorOpenTimeout = contactorOpenTimeout
    }
}

/// The DC supply and contactor of an ESP32 helper with firmware R3/R4, on the helper's UART: it
/// writes `dc.*`/`contactor.*` requests into the serial pump's transmit queue and takes the replies,
/// status frames and events the CP link decodes from the same line (`HelperMessageSink`). It never
/// touches the descriptor. `ESP32DCSupply`, `ESP32Contactors` and `ESP32OutputMeter` are its three
/// contract faces.
///
/// Each request's id says what it asked (`firstRequestID + sequence·16 + kind`), so a reply is
/// matched without a table. Requests that do not fit in the queue stay due and go out at the next
/// pump. No allocation after `init`.
public final class ESP32PowerChannel: IOSource, HelperMessageSink {
    public let name = "esp32-dc"
    public var pollDescriptor: Int32? { nil }
    public let configuration: ESP32PowerConfiguration
    public let transmit: ByteQueue
    public let firstRequestID = 1000
    /// The helper's port, for the safe stop only (`ESP32PowerSafeStop.swift`): every other request
    /// goes through the serial pump's queue.
    public var safeStopPort: (any SerialPort)?

    enum Kind: Int {
        case dcEnable = 0, dcSet, dcStatus, dcDiscover, dcEmergencyStop, dcClearEmergencyStop, dcConfigure
        case contactorSet, contactorCheck, arm, peripheralMode
    }

    // What the helper said.
    public private(set) var dc: HelperDCRecord?
    public private(set) var modules = HelperDCModuleList()
    public private(set) var lastStatusReplyAt: MonotonicInstant?
    public private(set) var measuredVolts = 0.0
    public private(set) var measuredAmps = 0.0
    public private(set) var auxClosed = false
    public private(set) var lastContactorReplyAt: MonotonicInstant?
    public private(set) var rpcErrors = 0
    public private(set) var lastErrorCode: Int32 = 0
    public private(set) var requestsSent = 0
    public private(set) var requestsDeferred = 0

    // What the host asked.
    public private(set) var requestedMode = DCSupplyMode.off
    public private(set) var setpoint = DCSetpoint.zero
    private var emergencyStopRequested = false
    /// A trip seen (FAULT, or an E_STOP nobody here asked for), latched until the next export request.
    private var tripped = false
    private var startedAt = MonotonicInstant.zero
    var supervision: ContactorSupervision

    // Due requests and timers.
    private var sequence = 0
    private var started = false
    private(set) var now = MonotonicInstant.zero
    private var enableDue = false
    private var setDue = false
    private var lastSetAt: MonotonicInstant?
    private var emergencyStopDue = false
    private var contactorDue = false
    var emergencyStopDuePending: Bool { emergencyStopDue }
    var contactorDuePending: Bool { contactorDue }
    private var nextStatusPollAt = MonotonicInstant.zero
    private var nextContactorPollAt = MonotonicInstant.zero
    /// Since when the helper commands the contactor otherwise than the host does.
    private var overriddenSince: MonotonicInstant?

    public init(transmit: ByteQueue, configuration: ESP32PowerConfiguration = ESP32PowerConfiguration()) {
        self.transmit = transmit
        self.configuration = configuration
        supervision = ContactorSupervision(closeTimeout: configuration.contactorCloseTimeout,
                                           openTimeout: configuration.contactorOpenTimeout)
    }

    // MARK: - Tick

    public func pump(_ context: TickContext) {
        now = context.now
        if !started {
            started = true
            startedAt = now
            lastStatusReplyAt = nil
            // The real contactor GPIO only moves in "hw" mode (the firmware boots in "sim").
            _ = send(.setPeripheralMode(hardware: true), .peripheralMode)
            if let c = configuration.startConfiguration, configuration.revision == .r4 {
                _ = send(.dcConfigure(c), .dcConfigure)
            }
            nextStatusPollAt = now
            nextContactorPollAt = now
        }
        // Safety first: stop requests before setpoints and polls.
        if emergencyStopDue, send(.dcEmergencyStop, .dcEmergencyStop) { emergencyStopDue = false }
        if contactorDue { sendContactor() }
        if enableDue { sendEnable() }
        if setDue, lastSetAt.map({ now - $0 >= configuration.setpointInterval }) ?? true { sendSetpoint() }
        if now >= nextStatusPollAt, send(.dcStatus, .dcStatus) {
            nextStatusPollAt = now + configuration.statusPollInterval
        }
        if now >= nextContactorPollAt, send(.contactorCheck, .contactorCheck) {
            nextContactorPollAt = now + configuration.contactorPollInterval
        }
        evaluateContactor()
    }

    // MARK: - Requests from the faces

    func setMode(_ mode: DCSupplyMode) {
        requestedMode = mode
        if mode == .off {
            // A supply that faulted, or an off while the contactors misbehave, stops at once.
            if supplyFault != nil || supervision.status.fault != nil { emergencyStop() }
        } else {
            emergencyStopRequested = false
            tripped = false
            // The targets go before the enable (a setpoint still waiting for its interval goes now).
            if setDue || lastSetAt == nil { sendSetpoint() }
        }
        enableDue = true
        sendEnable()
    }

    func setExport(_ s: DCSetpoint) {
        guard s != setpoint else { return }
        setpoint = s
        setDue = true
        if lastSetAt.map({ now - $0 >= configuration.setpointInterval }) ?? true { sendSetpoint() }
    }

    /// `dc.estop`: modules off at once (no soft stop).
    public func emergencyStop() {
        emergencyStopRequested = true
        requestedMode = .off
        emergencyStopDue = true
        if send(.dcEmergencyStop, .dcEmergencyStop) { emergencyStopDue = false }
    }

    func commandContactor(closed: Bool, _ at: MonotonicInstant) {
        supervision.command(closed: closed, at)
        contactorDue = true
        sendContactor()
    }

    private func sendEnable() {
        let on = !(requestedMode == .off)
        if on, configuration.revision.needsArming, !send(.arm, .arm) { return }
        if send(.dcEnable(on), .dcEnable) { enableDue = false }
    }

    private func sendSetpoint() {
        if send(.dcSet(volts: setpoint.volts, amps: setpoint.amps), .dcSet) {
            setDue = false
            lastSetAt = now
        }
    }

    private func sendContactor() {
        let closed = supervision.status.commandedClosed
        if closed, configuration.revision.needsArming, !send(.arm, .arm) { return }
        if send(.contactorSet(closed), .contactorSet) { contactorDue = false }
    }

    @discardableResult
    private func send(_ request: HelperPowerRequest, _ kind: Kind) -> Bool {
        sequence = (sequence + 1) % 1_000_000
        let id = firstRequestID + sequence * 16 + kind.rawValue
        guard request.encode(id: id, into: transmit) else {
            requestsDeferred &+= 1
            return false
        }
        requestsSent &+= 1
        return true
    }

    // MARK: - Replies

    public func helperSent(_ message: HelperMessage) {
        switch message {
        case .status(let status):
            if let record = status.dc { merge(record) }
        case .rpcResult(let id, let result):
            guard let kind = Kind(rawValue: Int((id - Int64(firstRequestID)) % 16)) else { return }
            switch kind {
            case .dcStatus, .dcDiscover:
                if let record = result.dc { merge(record) }
                if let list = result.modules {
                    modules = list
                    measure()
                }
                if kind == .dcStatus { lastStatusReplyAt = now }
            case .dcEnable:
                if let record = result.dc { merge(record) }
            case .contactorSet, .contactorCheck:
                if let report = result.contactor { contactorReport(report) }
            case .dcSet, .dcEmergencyStop, .dcClearEmergencyStop, .dcConfigure, .arm, .peripheralMode:
                break
            }
        case .rpcError(_, let code):
            rpcErrors &+= 1
            lastErrorCode = code
        case .contactorChange(let report):
            contactorReport(report)
        default:
            break
        }
    }

    private func merge(_ record: HelperDCRecord) {
        var r = dc ?? record
        r.enabled = record.enabled
        r.state = record.state
        if let v = record.voltsSet { r.voltsSet = v }
        if let v = record.ampsSet { r.ampsSet = v }
        if let v = record.voltsTarget { r.voltsTarget = v }
        if let v = record.ampsTarget { r.ampsTarget = v }
        if let v = record.powerKW { r.powerKW = v }
        if let v = record.voltsMin { r.voltsMin = v }
        if let v = record.voltsMax { r.voltsMax = v }
        dc = r
        // FAULT, or an emergency stop nobody here asked for (the helper's E-stop input).
        if r.state == .fault || (r.state == .emergencyStop && !emergencyStopRequested) { tripped = true }
    }

    /// The modules' measured output: the sum of their currents, the first one's voltage (they are in
    /// parallel on one output).
    private func measure() {
        guard !modules.isEmpty else { return }
        var amps = 0.0
        for i in 0..<modules.count { amps += Double(modules[i].milliamps ?? 0) / 1000 }
        measuredVolts = Double(modules[0].millivolts ?? 0) / 1000
        measuredAmps = amps
    }

    private func contactorReport(_ report: HelperContactorReport) {
        auxClosed = report.auxClosed
        lastContactorReplyAt = now
        // In "hw" mode the R4 firmware opens the contactor itself at the end of a soft stop and on
        // `dc.estop` (§11): that is the firmware's command, not a dropped-out contact. The host's
        // command stands and is sent again; the contact is judged once the helper commands what we do
        // (or after the closing timeout, if it never does).
        // Only at the end of a soft stop (SOFTSTOP_V/IDLE) and with no trip: after an E-stop or a
        // fault the open contact is a dropped-out contactor and is never closed again from here.
        let state = dc?.state ?? .idle
        let softStopEnd = state == .softStopVoltage || state == .idle
        if let commanded = report.commanded, commanded != supervision.status.commandedClosed, softStopEnd, !tripped {
            if overriddenSince == nil { overriddenSince = now }
            contactorDue = true
        } else {
            overriddenSince = nil
        }
        evaluateContactor()
    }

    private func evaluateContactor() {
        guard let last = lastContactorReplyAt else { return }
        if now - last > configuration.replyTimeout {
            supervision.ioFailed(now)
            return
        }
        if let since = overriddenSince, now - since < configuration.contactorCloseTimeout { return }
        supervision.evaluate(plusClosed: auxClosed, minusClosed: auxClosed, now)
    }

    // MARK: - What the faces report

    var supplyFault: DCSupplyFault? {
        if started, now - (lastStatusReplyAt ?? startedAt) > configuration.replyTimeout { return .communicationLost }
        return tripped ? .tripped : nil
    }

    var supplyReadback: DCSupplyReadback {
        var mode = requestedMode
        if requestedMode == .off {
            // Off only once the modules no longer push current: stopped, or in the soft stop's
            // voltage phase with the current ramped to zero (§11 SOFTSTOP_I → SOFTSTOP_V).
            let state = dc?.state ?? .idle
            let ramped = !state.modulesOn || state == .softStopVoltage
            mode = ramped && measuredAmps <= configuration.safeCurrent ? .off : .export
        }
        return DCSupplyReadback(mode: mode, volts: measuredVolts, amps: measuredAmps, fault: supplyFault,
                                at: lastStatusReplyAt ?? .zero)
    }
}
