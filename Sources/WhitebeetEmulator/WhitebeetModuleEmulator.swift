import Buffers
import CoreTypes
import HAL
import WhitebeetHCI

/// A WHITE-beet-EI (EVSE role, firmware generation 2, or generation 1 with `gen1Car`) behind an Ethernet link — the simulated twin
/// in tests, any interface on the bench — or behind the SPI twin and three GPIO twins (chip select
/// driven by the host, RX_READY and TX_PENDING driven here), answering the host control interface as
/// whitebeet-hci.md describes: firmware version, CP, SLAC and V2G module control with their
/// wrong-state results, and the notifications of a scripted car session (`ScriptedCarSession` for
/// generation 2, `ScriptedGen1CarSession` — the parameter requests of §12.2 and their time-outs —
/// for generation 1).
///
/// Faults a host must survive are injected through `faults`: busy answers (§3.5 result 1), lost
/// frames, corrupted checksums, frames without end byte, and module resets (state cleared, the
/// "interface up" status 0x05/0x81 sent again, §6). A host frame without its end byte is answered
/// with framing status 0xF3 (§3.4).
public final class WhitebeetModuleEmulator {
    public struct Faults: Sendable {
        /// The next N commands are answered "busy" and not executed.
        public var busyAnswers = 0
        /// The next N frames the module sends are lost.
        public var dropFrames = 0
        /// The next frame the module sends carries a wrong checksum.
        public var corruptNextChecksum = false
        /// The next frame the module sends lacks its end byte.
        public var truncateNextFrame = false
        public init() {}
    }

    public struct Statistics: Sendable, Equatable {
        public var requests = 0
        public var responses = 0
        public var notifications = 0
        public var busyAnswers = 0
        public var framingErrors = 0
        /// Host frames dropped: not for us, bad checksum, unknown module or message.
        public var ignoredFrames = 0
        public var lostFrames = 0
        public var resets = 0
        /// SPI transfers that started with neither header, or came without chip select.
        public var spiOutOfStep = 0
    }

    /// The SPI side: the device twin whose transfers this module answers and its handshake lines.
    public struct SPIPort {
        public let device: SimulatedSPIDevice
        public let chipSelect: SimulatedGPIOLine
        public let rxReady: SimulatedGPIOLine
        public let txPending: SimulatedGPIOLine
        /// The chip-select twin's level that means "selected" (the host's `selectLevel`: true when the
        /// board's line is `active_low`, as the twin keeps logical levels).
        public let selectLevel: Bool
        public init(device: SimulatedSPIDevice, chipSelect: SimulatedGPIOLine, rxReady: SimulatedGPIOLine, txPending: SimulatedGPIOLine,
                    selectLevel: Bool = false) {
            self.selectLevel = selectLevel
            self.device = device
            self.chipSelect = chipSelect
            self.rxReady = rxReady
            self.txPending = txPending
        }
    }

    public let link: (any EthernetLink)?
    public let spi: SPIPort?
    public let moduleMAC: MACAddress
    public var firmwareVersion: HCIText = "V02_01_00"
    public var faults = Faults()
    public private(set) var statistics = Statistics()
    public let car: ScriptedCarSession
    /// The module's role: `.evse` (a WHITE-beet-EI; `car` is the far side) or `.ev` (a
    /// WHITE-beet-PI running the EV API of §13; `charger` is the far side).
    public let role: ModuleRole
    public let charger: ScriptedChargerSession
    /// The EVSE API this module's firmware speaks (§0.1): generation 1 plays `gen1Car`.
    public private(set) var evseGeneration = EVSEFirmwareGeneration.gen2
    public private(set) var gen1Car = ScriptedGen1CarSession()
    /// Generation 1's configuration (§12.1): what the host set before V2G start.
    public private(set) var gen1Protocols: CodeList?
    public private(set) var gen1PaymentOptions: CodeList?
    public private(set) var gen1EnergyTransferModes: CodeList?
    /// Time from "start matching" (with the car plugged and 5 % PWM) to "matching successful".
    public var matchingTime = Nanoseconds.milliseconds(800)

    // Module state (§8–11).
    public private(set) var pilotMode: ModuleRole?
    public private(set) var pilotRunning = false
    public private(set) var dutyCycle: UInt16 = 1000
    public private(set) var plugged = false
    public private(set) var slacRole: ModuleRole?
    public private(set) var matching = false
    public private(set) var matched = false
    public private(set) var v2gMode: ModuleRole?
    public private(set) var configuration: EVSEConfiguration?
    public private(set) var dcLimits: EVSEDCLimits?
    public private(set) var listening = false
    public private(set) var authorizedEver = false
    public private(set) var hostMAC: MACAddress?
    /// The CP state last reported to the host.
    private var notifiedPilot: PilotStateCode?
    /// The EV host's CP resistor (EV role: B or C).
    public private(set) var resistor = PilotResistor.stateB

    private let rx = FrameBuffer(capacity: 2048)
    private let hci = UnsafeMutableRawBufferPointer.allocate(byteCount: 1600, alignment: 8)
    private let tx = UnsafeMutableRawBufferPointer.allocate(byteCount: 1600, alignment: 8)
    private var matchAt: MonotonicInstant?
    private var matchGiveUpAt: MonotonicInstant?
    private var pendingBoot = true

    // SPI: frames waiting for the host (TX_PENDING high while any), frames the host sent, and the
    // sizes agreed in the last size exchange.
    private let outbox = FrameQueue(slots: 32, maxFrameLength: 1600)
    private let inbox = FrameQueue(slots: 32, maxFrameLength: 1600)
    private let spiOut = FrameBuffer(capacity: 1600)
    private var agreedHostSize = 0
    private var agreedModuleSize = 0

    public init(link: any EthernetLink, moduleMAC: MACAddress, car: ScriptedCarSession = ScriptedCarSession()) {
        self.link = link
        spi = nil
        self.moduleMAC = moduleMAC
        self.car = car
        role = .evse
        charger = ScriptedChargerSession()
    }

    /// A WHITE-beet-EI with generation-1 firmware (V01_01_07, §12) behind an Ethernet link.
    public convenience init(link: any EthernetLink, moduleMAC: MACAddress, gen1Car: ScriptedGen1CarSession) {
        self.init(link: link, moduleMAC: moduleMAC)
        playGeneration1(gen1Car)
    }

    /// A WHITE-beet-EI with generation-1 firmware behind SPI.
    public convenience init(spi port: SPIPort, gen1Car: ScriptedGen1CarSession) {
        self.init(spi: port)
        playGeneration1(gen1Car)
    }

    private func playGeneration1(_ car: ScriptedGen1CarSession) {
        evseGeneration = .gen1
        gen1Car = car
        firmwareVersion = "V01_01_07"
    }

    /// A WHITE-beet-PI (EV role, §13) behind an Ethernet link, talking to `charger`.
    public init(link: any EthernetLink, moduleMAC: MACAddress, charger: ScriptedChargerSession) {
        self.link = link
        spi = nil
        self.moduleMAC = moduleMAC
        car = ScriptedCarSession()
        role = .ev
        self.charger = charger
        firmwareVersion = "V01_00_07"
    }

    /// A WHITE-beet-PI (EV role, §13) behind SPI, talking to `charger`.
    public convenience init(spi port: SPIPort, charger: ScriptedChargerSession) {
        self.init(port: port, car: ScriptedCarSession(), role: .ev, charger: charger)
        firmwareVersion = "V01_00_07"
    }

    /// Behind SPI: answers every transfer on `port.device` (mode 0, whitebeet-hci.md §2.2).
    public convenience init(spi port: SPIPort, car: ScriptedCarSession = ScriptedCarSession()) {
        self.init(port: port, car: car, role: .evse, charger: ScriptedChargerSession())
    }

    private init(port: SPIPort, car: ScriptedCarSession, role: ModuleRole, charger: ScriptedChargerSession) {
        link = nil
        spi = port
        moduleMAC = .zero
        self.car = car
        self.role = role
        self.charger = charger
        port.rxReady.backend.drive(true)
        port.device.backend.respond = { [unowned self] tx, rx in self.spiTransfer(tx, rx) }
    }

    deinit {
        hci.deallocate()
        tx.deallocate()
    }

    /// One chip-select cycle from the host: a size exchange (`AA AA` + size) or a data exchange
    /// (`55 55 00 00` + frame). The host's frame is handled at the next `tick`.
    private func spiTransfer(_ mosi: UnsafeRawBufferPointer, _ miso: UnsafeMutableRawBufferPointer) {
        for i in 0 ..< miso.count { miso[i] = 0 }
        guard let port = spi, port.chipSelect.backend.level == port.selectLevel else {
            statistics.spiOutOfStep += 1
            return
        }
        if mosi.count == HCISPI.sizeTransferLength, let hostSize = try? HCISPI.decodeSize(mosi) {
            agreedHostSize = hostSize
            agreedModuleSize = outbox.frontLength() ?? 0
            _ = try? HCISPI.sizeRequest(hostSize: agreedModuleSize, into: miso)
            return
        }
        guard (try? HCISPI.checkDataTransfer(mosi)) != nil,
              mosi.count >= HCISPI.dataHeaderLength + max(agreedHostSize, agreedModuleSize) else {
            statistics.spiOutOfStep += 1
            return
        }
        miso[0] = 0x55
        miso[1] = 0x55
        if agreedModuleSize > 0 {
            if outbox.popFront(into: spiOut) {
                let f = spiOut.unsafeBytes
                for i in 0 ..< min(f.count, miso.count - 4) { miso[4 + i] = f[i] }
            }
        }
        if agreedHostSize > 0 {
            _ = inbox.push(RawSpan(_unsafeBytes: UnsafeRawBufferPointer(rebasing: mosi[4 ..< 4 + agreedHostSize])))
        }
        agreedHostSize = 0
        agreedModuleSize = 0
        port.txPending.backend.drive(!outbox.isEmpty)
    }

    /// The car's connector goes in: CP state B (notified when the CP service runs).
    public func plugIn() {
        plugged = true
        notifiedPilot = .b
        if pilotRunning { notify(.pilotStateChanged(.b)) }
    }

    /// The car leaves: CP state A; any session and match end.
    public func unplug() {
        plugged = false
        matched = false
        matching = false
        car.abandon()
        gen1Car.abandon()
        charger.abandon()
        notifiedPilot = .a
        if pilotRunning { notify(.pilotStateChanged(.a)) }
    }

    /// A module restart (reset button, power cycle, 0x10/0x48): every setting is lost and the module
    /// announces its host interface again.
    public func reset() {
        restart()
        outbox.removeAll()
        inbox.removeAll()
        spi?.txPending.backend.drive(false)
    }

    private func restart() {
        statistics.resets += 1
        pilotMode = nil
        pilotRunning = false
        dutyCycle = 1000
        slacRole = nil
        matching = false
        matched = false
        matchAt = nil
        v2gMode = nil
        configuration = nil
        dcLimits = nil
        listening = false
        gen1Protocols = nil
        gen1PaymentOptions = nil
        gen1EnergyTransferModes = nil
        car.abandon()
        gen1Car.abandon()
        charger.abandon()
        resistor = .stateB
        pendingBoot = true
    }

    /// The CP state the module measures.
    public var pilotState: PilotStateCode {
        guard pilotRunning else { return .unknown }
        guard plugged else { return .a }
        if role == .ev { return resistor == .stateC ? .c : .b }
        if evseGeneration == .gen1 { return gen1Car.drawsPower ? .c : .b }
        return car.phase == .charging || car.phase == .precharging || car.phase == .awaitingStartCharging ? .c : .b
    }

    /// One step: answer every waiting host frame, then let time act (matching, the car's script).
    public func tick(_ now: MonotonicInstant) {
        if pendingBoot, hostMAC != nil || spi != nil {
            pendingBoot = false
            notify(.networkStatus(sub: 0x81, value: 1))
        }
        if let link {
            while (try? link.receive(into: rx)) == true { handleFrame(now) }
        }
        while inbox.popFront(into: rx) { handle(rx.unsafeBytes, now) }
        if let at = matchAt, now >= at, plugged, dutyCycle == 50 || role == .ev {
            matchAt = nil
            matching = false
            matched = true
            notify(.slacMatched)
        } else if let giveUp = matchGiveUpAt, matchAt != nil, now >= giveUp {
            matchAt = nil
            matching = false
            notify(.slacMatchFailed)
        }
        if role == .ev {
            charger.tick(now) { notify($0) }
            return
        }
        if evseGeneration == .gen1 {
            if listening, matched, gen1Car.phase == .idle { gen1Car.begin(now) }
            gen1Car.tick(now) { notify($0) }
        } else {
            if listening, matched, car.phase == .idle { car.begin(now) }
            car.tick(now) { notify($0) }
        }
        // The car switches S2 (B ⇄ C) around energy transfer: the module reports each CP change (§8 0x81).
        if pilotRunning, plugged, pilotState != notifiedPilot {
            notifiedPilot = pilotState
            notify(.pilotStateChanged(pilotState))
        }
    }

    private func handleFrame(_ now: MonotonicInstant) {
        let frame = rx.unsafeBytes
        guard let wrapped = try? HCIEthernet.unwrap(frame),
              wrapped.destination == moduleMAC || wrapped.destination == .broadcast else {
            statistics.ignoredFrames += 1
            return
        }
        hostMAC = wrapped.source
        if pendingBoot {
            pendingBoot = false
            notify(.networkStatus(sub: 0x81, value: 1))
        }
        handle(UnsafeRawBufferPointer(rebasing: frame[wrapped.offset ..< wrapped.offset + wrapped.length]), now)
    }

    /// One HCI frame from the host, whatever carried it.
    private func handle(_ bytes: UnsafeRawBufferPointer, _ now: MonotonicInstant) {
        let header: HCIHeader
        do throws(HCIError) {
            header = try HCIFrame.parse(bytes)
        } catch {
            if case .missingEndOfFrame = error, bytes.count >= 4 {
                statistics.framingErrors += 1
                send(.framingError(status: HCIModule.missingEndOfFrameStatus, requestID: bytes[3]))
            } else {
                statistics.ignoredFrames += 1
            }
            return
        }
        statistics.requests += 1
        let payload = UnsafeRawBufferPointer(rebasing: bytes[HCIFrame.headerLength ..< HCIFrame.headerLength + header.payloadLength])
        let request: HCIRequest
        do throws(HCIError) {
            request = try HCIRequest.decode(header, payload: payload, evse: role == .evse ? evseGeneration : .gen2)
        } catch {
            switch error {
            case .unknownModule, .unknownMessage: statistics.ignoredFrames += 1
            default: respond(header.module, header.sub, header.requestID, .malformed)
            }
            return
        }
        if faults.busyAnswers > 0 {
            faults.busyAnswers -= 1
            statistics.busyAnswers += 1
            respond(header.module, HCIResponse.responseSub(module: header.module, sub: header.sub), header.requestID, .busy)
            return
        }
        let (result, body) = execute(request, now)
        send(.response(HCIResponse(to: request, requestID: header.requestID, result: result, body: body)))
        if case .restart = request { restart() } // the answer already went out
    }

    /// The module's side of one command: its result code and data.
    private func execute(_ request: HCIRequest, _ now: MonotonicInstant) -> (HCIResultCode, HCIResponseBody) {
        switch request {
        case .getFirmwareVersion: return (.success, .firmwareVersion(firmwareVersion))
        case .restart, .setPortMirror, .ping: return (.success, .none)
        case .setPilotMode(let role):
            pilotMode = role
            return (.success, .none)
        case .getPilotMode: return (.success, .mode(pilotMode?.rawValue ?? 255))
        case .startPilot:
            guard pilotMode != nil else { return (.rejectedInState, .none) }
            pilotRunning = true
            return (.success, .none)
        case .stopPilot:
            guard pilotRunning else { return (.rejectedInState, .none) }
            pilotRunning = false
            return (.success, .none)
        case .setDutyCycle(let d):
            dutyCycle = d
            return (.success, .none)
        case .getDutyCycle:
            // On a PI the duty cycle is the one the charger's oscillator shows: 5 % once plugged (§16 step 6).
            if role == .ev { return (.success, .dutyCycle(permille: pilotRunning && plugged ? 50 : 0)) }
            return (.success, .dutyCycle(permille: dutyCycle))
        case .setResistor(let r):
            resistor = r
            return (.success, .none)
        case .getResistor: return (.success, .none)
        case .getPilotState: return (.success, .pilotState(pilotState))
        case .startSlac(let role):
            slacRole = role
            return (.success, .none)
        case .stopSlac:
            guard slacRole != nil else { return (.wrongState, .none) }
            slacRole = nil
            matching = false
            matchAt = nil
            return (.success, .none)
        case .startMatching:
            guard slacRole != nil, !matching else { return (.wrongState, .none) }
            matching = true
            matchAt = now + matchingTime
            matchGiveUpAt = now + .seconds(50)
            return (.success, .none)
        case .setValidation, .joinNetwork: return (.success, .none)
        case .setV2GMode(let role):
            v2gMode = role
            return (.success, .none)
        case .getV2GMode: return (.success, .mode(v2gMode?.rawValue ?? 2))
        case .startV2G:
            // Generation 1 opens its SDP/TCP listeners here (§10); generation 2 listens with 0x6A.
            if role == .evse, evseGeneration == .gen1 {
                guard v2gMode == .evse, !listening else { return (.wrongPhase, .none) }
                listening = true
            }
            return (.success, .none)
        case .stopV2G:
            if role == .evse, evseGeneration == .gen1 {
                listening = false
                gen1Car.stopV2G { notify($0) }
            }
            return (.success, .none)
        default: break
        }
        if role == .ev {
            // V2G EV commands (§13.1) need the EV mode.
            guard v2gMode == .ev else { return (.wrongPhase, .none) }
            guard charger.receive(request, matched: matched, now, { notify($0) }) else { return (.wrongPhase, .none) }
            return (.success, .none)
        }
        // V2G EVSE commands need the EVSE mode (§3.5: 0x11 otherwise).
        guard v2gMode == .evse else { return (.wrongPhase, .none) }
        if case .evseGen1(let command) = request { return executeGen1(command, now) }
        switch request {
        case .setConfiguration(let c):
            configuration = c
        case .setDCChargingParameters(let l):
            dcLimits = l
        case .setSessionParameterTimeout(let ms):
            car.parameterTimeout = .milliseconds(Int64(ms))
        case .startListen:
            guard configuration != nil, !listening else { return (.wrongPhase, .none) }
            listening = true
        case .stopListen:
            listening = false
            car.stopListening()
        case .getSDPConfiguration:
            return (.success, .sdpConfiguration(SDPPorts(unsecured: 50_000, secured: nil)))
        case .getConfiguration, .getDCChargingParameters, .getACChargingParameters:
            return (.success, .none)
        default:
            if case .setAuthorization(true) = request { authorizedEver = true }
            guard car.receive(request, now, { notify($0) }) else { return (.wrongPhase, .none) }
        }
        return (.success, .none)
    }

    /// A generation-1 command (§12.1): configuration kept here, answers to parameter requests passed
    /// to the car (0x11 when no request of theirs is outstanding).
    private func executeGen1(_ command: EVSEGen1Request, _ now: MonotonicInstant) -> (HCIResultCode, HCIResponseBody) {
        switch command {
        case .setSupportedProtocols(let p): gen1Protocols = p
        case .getSupportedProtocols: return (.success, .codes(gen1Protocols ?? CodeList()))
        case .setSDPConfiguration: break
        case .getSDPConfiguration: return (.success, .sdpConfiguration(SDPPorts(unsecured: 50_000, secured: nil)))
        case .setPaymentOptions(let p): gen1PaymentOptions = p
        case .getPaymentOptions: return (.success, .paymentOptions(gen1PaymentOptions))
        case .setEnergyTransferModes(let m): gen1EnergyTransferModes = m
        case .getEnergyTransferModes: return (.success, .codes(gen1EnergyTransferModes ?? CodeList()))
        default:
            if case .setAuthorization(true) = command { authorizedEver = true }
            guard gen1Car.receive(command, now, { notify($0) }) else { return (.wrongPhase, .none) }
        }
        return (.success, .none)
    }

    private func respond(_ module: UInt8, _ sub: UInt8, _ id: UInt8, _ result: HCIResultCode) {
        send(.response(HCIResponse(module: module, sub: sub, requestID: id, result: result)))
    }

    private func notify(_ n: HCINotification) {
        send(.notification(n, requestID: HCIFrame.notificationRequestID))
    }

    private func send(_ message: HCIModuleMessage) {
        guard hostMAC != nil || spi != nil else { return }
        if case .response = message { statistics.responses += 1 } else if case .notification = message { statistics.notifications += 1 }
        if faults.dropFrames > 0 {
            faults.dropFrames -= 1
            statistics.lostFrames += 1
            return
        }
        guard var n = try? message.encode(into: hci) else { return }
        if faults.corruptNextChecksum {
            faults.corruptNextChecksum = false
            hci[n - 2] ^= 0x5A
        }
        if faults.truncateNextFrame {
            faults.truncateNextFrame = false
            hci[n - 1] = 0x00
        }
        if let port = spi {
            _ = outbox.push(RawSpan(_unsafeBytes: UnsafeRawBufferPointer(rebasing: hci[0 ..< n])))
            port.txPending.backend.drive(true)
            return
        }
        guard let link, let hostMAC else { return }
        n = (try? HCIEthernet.wrap(UnsafeRawBufferPointer(rebasing: hci[0 ..< n]), destination: hostMAC, source: moduleMAC, into: tx)) ?? 0
        guard n > 0 else { return }
        _ = try? link.send(RawSpan(_unsafeBytes: UnsafeRawBufferPointer(rebasing: tx[0 ..< n])))
    }
}
