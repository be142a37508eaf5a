import Contracts
import Glibc
import Logging
import OCPP16
import ServiceLink
import ServicePlane

/// The connection a charge point talks through (`OCPPConnection` over WSClient; tests use a fake).
public protocol OCPPTransport: AnyObject {
    func send(_ text: String)
    /// Closes the connection (the connection's owner reconnects and the charge point boots again).
    func close()
}

/// The OCPP 1.6J charge point (one connector, id 1) as a service of the service plane: it turns the
/// loop's snapshots into BootNotification, StatusNotification, Start/StopTransaction and MeterValues,
/// asks the central system about identifiers (Authorize), and serves the central system's requests —
/// remote start/stop, configuration, reset, trigger, charging profiles, unlock — posting what the loop
/// must do as `ServiceCommand`s. Runs on the service plane's event loop only; the loop never waits for it.
///
/// One CALL in flight at a time (OCPP-J 1.6 §4.1.1). Transaction messages go through the persisted
/// `OfflineQueue` and are removed only when confirmed, so a lost connection delivers them in order
/// after the next BootNotification; other messages are dropped while offline (the status is sent anew
/// after each boot).
public final class ChargePoint: PlaneService, @unchecked Sendable {
    public let options: OCPPOptions
    public let plane: ServicePlane
    public var log: Logger
    public private(set) var keys = ConfigurationKeys()
    public private(set) var smart = SmartCharging()
    public let queue: OfflineQueue
    public let connectorId = 1

    private var transport: (any OCPPTransport)?
    public private(set) var booted = false
    private var bootRetryAt: Double = 0
    private struct InFlight {
        var id: String
        var request: ChargePointRequest
        var fromQueue: Bool
        var sentAt: Double
    }
    private var inFlight: InFlight?
    private var outbox: [ChargePointRequest] = []
    private var nextId = 1
    private var lastSentAt: Double = 0

    // The transaction as the charge point sees it.
    public private(set) var transactionOpen = false
    public private(set) var transactionId: Int?
    private var transactionIdTag = ""
    private var remoteIdTag: String?
    private var stopRemotely = false
    private var resetPending: OCPP16.StopReason?
    private var lastMeterAt: Double = 0
    private var lastStatus: ChargePointStatus?
    private var lastError: ChargePointErrorCode = .noError
    private var postedLimit: Double = .infinity
    /// Authorize.req sent for a car's identifier (or a remote start's idTag), by idTag.
    private var authorizing: [String: IdentificationToken?] = [:]
    public private(set) var lastSnapshot = FactsSnapshot()
    /// Every frame sent and received, for tests (bounded).
    public private(set) var trace: [String] = []

    public init(options: OCPPOptions, plane: ServicePlane, log: Logger = Logger(label: "ocpp")) {
        self.options = options
        self.plane = plane
        self.log = log
        queue = OfflineQueue(path: options.stateDirectory + "/ocpp-\(options.chargePointId)-queue.jsonl")
    }

    // MARK: - Connection

    public func connected(_ t: any OCPPTransport) {
        transport = t
        booted = false
        inFlight = nil
        outbox.removeAll()
        log.info("ocpp: connected to \(options.endpoint); \(queue.messages.count) queued transaction message(s)")
        sendBoot()
    }

    /// The connection is gone: lost (the central system or the network), or closed here for a reset.
    public func disconnected(byChargePoint: Bool = false) {
        guard transport != nil else { return }
        transport = nil
        booted = false
        inFlight = nil
        if byChargePoint {
            log.info("ocpp: connection closed by the charge point; \(queue.messages.count) transaction message(s) queued")
        } else {
            log.warning("ocpp: connection lost; transaction messages are queued (\(queue.messages.count))")
        }
    }

    public var isConnected: Bool { transport != nil }

    private func sendBoot() {
        send(.bootNotification(vendor: options.vendor, model: options.model, firmwareVersion: options.firmwareVersion, serialNumber: nil),
             fromQueue: false)
    }

    private func send(_ request: ChargePointRequest, fromQueue: Bool) {
        guard let transport else { return }
        let id = String(nextId)
        nextId += 1
        let r = request
        inFlight = InFlight(id: id, request: r, fromQueue: fromQueue, sentAt: Self.seconds())
        lastSentAt = Self.seconds()
        let text = OCPPFrame.call(id: id, action: r.action, payload: r.payload).text
        record("> " + text)
        transport.send(text)
    }

    private func record(_ line: String) {
        if trace.count >= 2000 { trace.removeFirst(1000) }
        trace.append(line)
        log.debug("ocpp \(line)")
    }

    /// Sends the next message when nothing is in flight: transaction messages first, in order.
    private func pump() {
        guard transport != nil, booted, inFlight == nil else { return }
        if let m = queue.first {
            // A message queued before StartTransaction.conf waits for the transaction id.
            if case .startTransaction = m {} else if transactionId == nil, Self.provisional(m) { return }
            send(m, fromQueue: true)
        } else if !outbox.isEmpty {
            send(outbox.removeFirst(), fromQueue: false)
        }
    }

    private static func provisional(_ m: ChargePointRequest) -> Bool {
        switch m {
        case .stopTransaction(let tx, _, _, _, _): tx < 0
        case .meterValues(_, let tx?, _, _): tx < 0
        default: false
        }
    }

    private func enqueue(_ m: ChargePointRequest) {
        if m.isTransactionMessage {
            queue.append(m)
        } else if transport != nil {
            outbox.append(m)
        }
        pump()
    }

    // MARK: - Frames from the central system

    public func received(_ text: String) {
        record("< " + text)
        let frame: OCPPFrame
        do throws(OCPPFrameError) { frame = try OCPPFrame.decode(text) } catch {
            log.warning("ocpp: bad frame: \(error)")
            if case let .malformed(id, 2) = error {
                transport?.send(OCPPFrame.error(id: id, code: .formationViolation, description: "\(error)", details: .object([])).text)
            }
            return
        }
        switch frame {
        case let .call(id, action, payload):
            let answer: OCPPFrame
            do throws(OCPPCallError) {
                let request = try CentralSystemRequest.decode(action: action, payload: payload)
                answer = .result(id: id, payload: serve(request))
            } catch {
                answer = .error(id: id, code: error.code, description: error.message, details: .object([]))
            }
            let t = answer.text
            record("> " + t)
            transport?.send(t)
            afterAnswer()
        case let .result(id, payload):
            guard let f = inFlight, f.id == id else { return }
            inFlight = nil
            confirmed(f, payload)
            pump()
        case let .error(id, code, description, _):
            guard let f = inFlight, f.id == id else { return }
            inFlight = nil
            log.warning("ocpp: \(f.request.action) refused: \(code.rawValue) \(description)")
            if f.fromQueue { queue.removeFirst() }  // refused, not lost: retrying cannot succeed
            pump()
        }
    }

    private func confirmed(_ f: InFlight, _ payload: JSON) {
        if f.fromQueue { queue.removeFirst() }
        do throws(OCPPCallError) {
            switch f.request {
            case .bootNotification:
                let b = try CentralSystemAnswer.boot(payload)
                if b.status == "Accepted" {
                    booted = true
                    if b.interval > 0 { keys.heartbeatInterval = b.interval }
                    log.info("ocpp: boot accepted, heartbeat \(keys.heartbeatInterval) s")
                    lastStatus = nil  // report the connector anew
                    statusChanged()
                } else {
                    bootRetryAt = Self.seconds() + Double(max(b.interval, 1))
                    log.notice("ocpp: boot \(b.status); retrying in \(max(b.interval, 1)) s")
                }
            case .authorize(let idTag):
                let status = try CentralSystemAnswer.idTagStatus(payload)
                authorized(idTag, status)
            case .startTransaction:
                let id = try CentralSystemAnswer.transactionId(payload)
                transactionId = id
                queue.assignTransactionId(id)
                let status = try CentralSystemAnswer.idTagStatus(payload)
                log.info("ocpp: transaction \(id) started (\(status.rawValue))")
                if status != .accepted, transactionOpen { stopRemotely = true; plane.post(.remoteStop) }
            case .stopTransaction:
                log.info("ocpp: transaction stop confirmed")
            default: break
            }
        } catch {
            log.warning("ocpp: \(f.request.action).conf: \(error)")
        }
    }

    private func authorized(_ idTag: String, _ status: AuthorizationStatus) {
        guard let entry = authorizing.removeValue(forKey: idTag) else { return }
        if let token = entry {
            plane.post(.authorization(token, status == .accepted ? .accepted : .rejected(status == .invalid ? .unknown : .blocked)))
        } else if status == .accepted {
            // A remote start's idTag: the car's pending request (or the next) is accepted under it.
            remoteIdTag = idTag
            plane.post(.remoteStart(IdentificationToken(.externalIdentification, idTag)))
        } else {
            log.notice("ocpp: remote start for \(idTag) not authorised (\(status.rawValue))")
        }
    }

    // MARK: - Serving the central system

    private var triggered: MessageTrigger?

    private func serve(_ r: CentralSystemRequest) -> JSON {
        switch r {
        case let .remoteStartTransaction(idTag, connector, profile):
            guard !transactionOpen, connector == nil || connector == connectorId else { return ChargePointAnswer.status("Rejected") }
            if let profile {
                guard profile.purpose == .txProfile else { return ChargePointAnswer.status("Rejected") }
                smart.set(profile, now: Self.seconds())
            }
            if keys.authorizeRemoteTxRequests {
                authorizing[idTag] = .some(nil)
                enqueue(.authorize(idTag: idTag))
            } else {
                remoteIdTag = idTag
                plane.post(.remoteStart(IdentificationToken(.externalIdentification, idTag)))
            }
            return ChargePointAnswer.status("Accepted")
        case .remoteStopTransaction(let id):
            guard transactionOpen, transactionId == nil || transactionId == id else { return ChargePointAnswer.status("Rejected") }
            stopRemotely = true
            plane.post(.remoteStop)
            return ChargePointAnswer.status("Accepted")
        case let .changeConfiguration(key, value):
            switch keys.change(key, value) {
            case .accepted:
                updateLimit()
                return ChargePointAnswer.status("Accepted")
            case .rejected: return ChargePointAnswer.status("Rejected")
            case .notSupported: return ChargePointAnswer.status("NotSupported")
            }
        case .getConfiguration(let wanted):
            let all = keys.all
            guard let wanted, !wanted.isEmpty else { return ChargePointAnswer.configuration(all, unknown: []) }
            return ChargePointAnswer.configuration(all.filter { wanted.contains($0.key) },
                                                   unknown: wanted.filter { w in !all.contains(where: { $0.key == w }) })
        case .reset(let hard):
            // No process restart: a running transaction is stopped, then the connection is closed and
            // the charge point boots again (BootNotification) once its messages are delivered.
            resetPending = hard ? .hardReset : .softReset
            if transactionOpen { plane.post(.remoteStop) }
            return ChargePointAnswer.status("Accepted")
        case let .triggerMessage(message, connector):
            guard connector == nil || connector == connectorId || connector == 0 else { return ChargePointAnswer.status("Rejected") }
            switch message {
            case .bootNotification, .heartbeat, .statusNotification, .meterValues:
                triggered = message
                return ChargePointAnswer.status("Accepted")
            case .diagnosticsStatusNotification, .firmwareStatusNotification:
                return ChargePointAnswer.status("NotImplemented")
            }
        case let .setChargingProfile(connector, profile):
            switch profile.purpose {
            case .chargePointMaxProfile: guard connector == 0 else { return ChargePointAnswer.status("Rejected") }
            case .txDefaultProfile: guard connector == 0 || connector == connectorId else { return ChargePointAnswer.status("Rejected") }
            case .txProfile:
                guard connector == connectorId, transactionOpen,
                      profile.transactionId == nil || profile.transactionId == transactionId else { return ChargePointAnswer.status("Rejected") }
            }
            smart.set(profile, now: Self.seconds())
            updateLimit()
            return ChargePointAnswer.status("Accepted")
        case let .clearChargingProfile(id, _, purpose, stackLevel):
            let removed = smart.clear(id: id, purpose: purpose, stackLevel: stackLevel)
            updateLimit()
            return ChargePointAnswer.status(removed ? "Accepted" : "Unknown")
        case .unlockConnector(let connector):
            // No connector-lock actuator behind the contracts yet (a CCS lock is driven with the
            // contactors' sequence): OCPP 1.6 §5.18 answers NotSupported for a connector without one.
            guard connector == connectorId else { return ChargePointAnswer.status("Rejected") }
            return ChargePointAnswer.status("NotSupported")
        }
    }

    /// What a served request asks for after its answer went out (a triggered message follows the answer, §5.17).
    private func afterAnswer() {
        guard let t = triggered else { return }
        triggered = nil
        switch t {
        case .bootNotification:
            booted = false
            inFlight = nil
            sendBoot()
        case .heartbeat: enqueue(.heartbeat)
        case .statusNotification:
            lastStatus = nil
            statusChanged()
        case .meterValues: enqueue(meterValues(triggered: true))
        default: break
        }
    }

    // MARK: - The loop's side

    public func event(_ e: ServiceEvent) {
        switch e {
        case .authorizationRequested(let token):
            guard keys.autocharge else {
                log.info("ocpp: \(token) waits for a remote start (Autocharge off)")
                return
            }
            let idTag = String(token.description.prefix(20))
            authorizing[idTag] = .some(token)
            enqueue(.authorize(idTag: idTag))
        case .applied(let c):
            log.debug("ocpp: loop applied \(c)")
        }
    }

    public func snapshot(_ s: FactsSnapshot) {
        lastSnapshot = s
        let now = Self.seconds()
        if transport != nil, !booted, inFlight == nil, now >= bootRetryAt { sendBoot() }

        let phase = s.v2gPhase.rawValue
        let authorisedSession = phase >= V2GSessionPhase.authorization.rawValue && phase < V2GSessionPhase.sessionStop.rawValue
        var accepted = false
        if case .asked(_, .accepted) = s.authorization { accepted = true }
        if !transactionOpen, authorisedSession, accepted, resetPending == nil {
            transactionOpen = true
            transactionId = nil
            if case .asked(let token, _) = s.authorization {
                transactionIdTag = remoteIdTag ?? String(token.description.prefix(20))
            }
            remoteIdTag = nil
            lastMeterAt = now
            enqueue(.startTransaction(connectorId: connectorId, idTag: transactionIdTag, meterStart: Int(s.energyWattHours.rounded()),
                                      timestamp: Self.timestamp()))
        } else if transactionOpen, s.v2gPhase == .ended || s.v2gPhase == .idle || !s.vehicleConnected {
            transactionOpen = false
            let reason: OCPP16.StopReason = resetPending ?? (stopRemotely ? .remote : !s.vehicleConnected ? .evDisconnected
                : s.powerFault != nil ? .other : .local)
            stopRemotely = false
            enqueue(.stopTransaction(transactionId: transactionId ?? -1, meterStop: Int(s.energyWattHours.rounded()),
                                     timestamp: Self.timestamp(), reason: reason, idTag: transactionIdTag))
            smart.transactionEnded()
        }
        if transactionOpen, now - lastMeterAt >= Double(keys.meterValueSampleInterval) {
            lastMeterAt = now
            enqueue(meterValues(triggered: false))
        }
        statusChanged()
        updateLimit()
        if booted, inFlight == nil, now - lastSentAt >= Double(keys.heartbeatInterval) { enqueue(.heartbeat) }
        if let f = inFlight, now - f.sentAt >= options.callTimeout {
            log.warning("ocpp: \(f.request.action) not answered in \(options.callTimeout) s")
            inFlight = nil  // a queued transaction message stays first and is sent again
        }
        if let reset = resetPending, !transactionOpen, queue.isEmpty, inFlight == nil {
            resetPending = nil
            log.notice("ocpp: \(reset.rawValue): closing the connection to boot again")
            transport?.close()
            disconnected(byChargePoint: true)
        }
        pump()
    }

    private func meterValues(triggered: Bool) -> ChargePointRequest {
        let s = lastSnapshot
        func f(_ x: Double) -> String {
            let r = (x * 10).rounded() / 10
            return r == r.rounded() ? String(Int(r)) : String(r)
        }
        let context = triggered ? "Trigger" : "Sample.Periodic"
        var samples = [
            SampledValue(value: f(s.energyWattHours), measurand: "Energy.Active.Import.Register", unit: "Wh", context: context),
            SampledValue(value: f(s.watts), measurand: "Power.Active.Import", unit: "W", context: context),
            SampledValue(value: f(s.amps), measurand: "Current.Import", unit: "A", context: context),
            SampledValue(value: f(s.volts), measurand: "Voltage", unit: "V", context: context),
            SampledValue(value: f(s.setpointAmps), measurand: "Current.Offered", unit: "A", context: context),
        ]
        if let soc = s.soc { samples.append(SampledValue(value: String(soc), measurand: "SoC", unit: "Percent", context: context)) }
        return .meterValues(connectorId: connectorId, transactionId: transactionOpen ? (transactionId ?? -1) : nil,
                            timestamp: Self.timestamp(), samples: samples)
    }

    /// The limit the profiles and the target-current key give now; posted to the loop when it changes.
    private func updateLimit() {
        var limit = smart.limitAmps(now: Self.seconds(), transactionOpen: transactionOpen, volts: lastSnapshot.volts) ?? .infinity
        if transactionOpen, keys.targetCurrent > 0 { limit = min(limit, keys.targetCurrent) }
        guard limit != postedLimit else { return }
        postedLimit = limit
        log.info("ocpp: current limit \(limit.isFinite ? "\(limit) A" : "lifted")")
        plane.post(.currentLimit(limit))
    }

    private func statusChanged() {
        let (status, error) = Self.status(lastSnapshot, transactionOpen: transactionOpen, limit: postedLimit)
        guard status != lastStatus || error != lastError, booted else { return }
        lastStatus = status
        lastError = error
        enqueue(.statusNotification(connectorId: connectorId, errorCode: error, status: status, timestamp: Self.timestamp()))
    }

    /// The connector's status (§7.7) from the facts.
    static func status(_ s: FactsSnapshot, transactionOpen: Bool, limit: Double) -> (ChargePointStatus, ChargePointErrorCode) {
        if let fault = s.powerFault { return (.faulted, errorCode(fault)) }
        if s.pilotFault { return (.faulted, .otherError) }
        if !s.vehicleConnected { return (.available, .noError) }
        if transactionOpen {
            switch s.powerPhase {
            case .charging:
                if limit <= 0 { return (.suspendedEVSE, .noError) }
                return (s.amps > 0.5 || s.setpointAmps > 0.5 ? .charging : .suspendedEV, .noError)
            case .stopping, .weldingCheck: return (.finishing, .noError)
            default: return (.preparing, .noError)
            }
        }
        return (s.v2gPhase == .ended ? .finishing : .preparing, .noError)
    }

    static func errorCode(_ f: PowerFault) -> ChargePointErrorCode {
        switch f {
        case .isolationFault, .isolationMonitorSilent, .imdSelfTestFailed, .imdSelfTestTimeout: .groundFailure
        case .overCurrent: .overCurrentFailure
        case .overVoltage, .emergencyOverVoltage: .overVoltage
        case .contactorDidNotClose, .contactorWelded, .contactorDroppedOut, .contactorIOFailed, .voltageDidNotDecay: .powerSwitchFailure
        case .measurementStale: .powerMeterFailure
        case .pilotFault, .pilotSilent: .evCommunicationError
        default: .otherError
        }
    }

    // MARK: - Clocks (the service plane's thread, never the loop's)

    static func seconds() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
    }

    static func timestamp() -> String {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        return OCPPDateTime.format(unixMilliseconds: Int64(ts.tv_sec) * 1000 + Int64(ts.tv_nsec / 1_000_000))
    }
}
