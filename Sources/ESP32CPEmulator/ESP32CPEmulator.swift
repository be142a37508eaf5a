import Glibc
import HAL

/// Plays the ESP32-S3 control-pilot helper firmware (esp32-cp-uart.md, reference revision 0.2.0) on
/// the far end of a serial port — a pseudo-terminal in tests and on the `sim` board, so the host side
/// runs through the real tty shim.
///
/// It is written independently of ChargeKit's codec: commands are parsed with FoundationEssentials'
/// `JSONDecoder` (`EmulatorJSON`) and replies are formatted here, in the field order of §4.1. What it models:
/// line framing with the firmware's 240-byte receive limit; every CP command and its replies (§3,
/// §4.2); the 20 ms measurement cycle with the §7.6 classifier (thresholds, hysteresis, glitch
/// guards, 2–3 burst confirmation) and robust history; the DC-auto and manual PWM rules (§7.2,
/// §7.3); status every 200 ms and after commands; `restart_slac_hint` and `reset` blocking the
/// firmware (§7.8, §3); `sys.info`/`sys.ping` (§8). Faults to inject: the vehicle's state and noise,
/// garbage bytes, arbitrary lines, silence, reboots.
///
/// Later revisions (§11, `revision`): R2/R3 thresholds without hysteresis (R2's window classifier and
/// B-stickiness are not modelled: the R1 classifier runs with their thresholds); R3/R4 answer the DC
/// and contactor calls (`dc.enable`, `dc.set`, `dc.status`, `dc.estop`, `contactor.set`/`check`,
/// `sys.set_mode`; R3 `dc.discover` and arming; R4 `dc.cfg`, `dc.estop.clear`, `dc.module.test`,
/// `evt:contactor.change`) over `EmulatedDCStage`; R4 sends the `dc` status frame, has no `ping`,
/// `set_freq` or `cp.scan`, and ignores unknown commands.
///
/// Not thread-safe: drive it from one thread (`step` per tick in tests, `run` on its own thread).
public final class ESP32CPEmulator: @unchecked Sendable {
    public enum Mode: String, Sendable { case dc, manual }
    /// The firmware revision played (§11): R1 is the reference 0.2.0, R2 differs only in its classifier
    /// (not modelled: R1's is used), R3/R4 add the DC power modules and the contactor.
    public enum Revision: String, Sendable, CaseIterable { case r1, r2, r3, r4 }

    public let port: any SerialPort
    /// What the vehicle presents now.
    public var vehicle: EmulatedPilotState = .a
    public var plateaus = EmulatedPlateaus()
    /// Peak-to-peak noise added to each burst's plateau estimate (deterministic pseudo-random).
    public var noiseMillivolts: Int32 = 0
    /// While true the firmware processes input but sends nothing (a hung UART TX, a cut wire).
    public var silent = false
    /// Answer `ping` (firmware revision R4 dropped it, §11).
    public var answersPing = true
    public var firmwareName = "esp-cp-periph/0.2.0"
    public let revision: Revision
    /// The DC modules, contactor and plant of R3/R4 (present for every revision; only R3/R4 answer
    /// its calls).
    public let dcStage = EmulatedDCStage()
    /// R3 only: `sys.arm`'s window ends here.
    private var armedUntil: MonotonicInstant?
    private var nextRampTick = MonotonicInstant.zero
    private var lastStep: MonotonicInstant?
    /// Boot time after `reset` or `reboot()`.
    public var bootTime = Nanoseconds.milliseconds(400)

    // Firmware state (§7).
    public private(set) var mode = Mode.dc
    public private(set) var manualDuty = 0
    public private(set) var manualEnabled = false
    public private(set) var frequency = 1000
    public private(set) var t12: Int32 = 2400, t9: Int32 = 2000, t6: Int32 = 1700, t3: Int32 = 1450, t0: Int32 = 1250
    public private(set) var hysteresis: Int32 = 150, hysteresisAB: Int32 = 100
    /// The debounced state the firmware reports.
    public private(set) var state = EmulatedPilotState.a
    public private(set) var lastBurstMillivolts: Int32 = 0
    private var history: [Int32] = []
    private var pending: EmulatedPilotState?
    private var pendingCount = 0

    // Timing.
    private var started = false
    private var nextMeasurement = MonotonicInstant.zero
    private var nextStatus = MonotonicInstant.zero
    private var blockedUntil: MonotonicInstant?
    private var blockKind = BlockKind.none
    private var bootedAt = MonotonicInstant.zero
    private enum BlockKind { case none, slacHint, reboot }

    // I/O.
    private var line: [UInt8] = []
    private var outgoing: [UInt8] = []
    private var noiseState: UInt32 = 0x1234_5678
    private var readBuffer = [UInt8](repeating: 0, count: 1024)

    // What happened (for tests).
    public private(set) var bytesWritten = 0
    public private(set) var bytesRead = 0
    public private(set) var statusFramesSent = 0
    public private(set) var commandsReceived: [String] = []
    public private(set) var reboots = 0
    /// Set when writing or reading the port failed (the host closed its end).
    public private(set) var portError: SerialError?

    public init(port: any SerialPort, revision: Revision = .r1) {
        self.port = port
        self.revision = revision
        switch revision {
        case .r1: break
        case .r2, .r3:
            firmwareName = "esp-cp-periph/0.5.0"
            if revision == .r3 { (t12, t9, t6, t3, t0, hysteresis, hysteresisAB) = (2440, 2080, 1700, 1320, 940, 0, 0) }
            else { (t12, t9, t6, t3, t0, hysteresis, hysteresisAB) = (2500, 2100, 1700, 1300, 900, 0, 0) }
        case .r4:
            firmwareName = ""
            answersPing = false
            (t12, t9, t6, t3, t0, hysteresis, hysteresisAB) = (2300, 2000, 1700, 1450, 1250, 0, 0)
        }
        bootThresholds = (t12, t9, t6, t3, t0, hysteresis, hysteresisAB)
    }

    /// Revisions with the DC calls (§11).
    public var drivesDC: Bool { revision == .r3 || revision == .r4 }
    private var bootThresholds: (Int32, Int32, Int32, Int32, Int32, Int32, Int32) = (2400, 2000, 1700, 1450, 1250, 150, 100)

    /// The duty on the CP pin now, percent (§4.1 `pwm.out`).
    public var outputDuty: Int {
        if blockKind == .slacHint { return 100 }
        switch mode {
        case .dc: return state == .b || state == .c || state == .d ? 5 : 100
        case .manual: return manualEnabled ? manualDuty : 100
        }
    }

    /// True while the firmware is blocked (restart hint) or booting.
    public var isBlocked: Bool { blockedUntil != nil }

    // MARK: - Fault injection

    /// Queues raw bytes as if the firmware (or line noise) sent them.
    public func inject(bytes: [UInt8]) { outgoing += bytes }

    /// Queues a line (a newline is appended).
    public func inject(line text: String) { outgoing += Array(text.utf8) + [0x0A] }

    /// Reboots now (a brown-out, a watchdog): silent for `bootTime`, then defaults.
    public func reboot(_ now: MonotonicInstant) { block(.reboot, until: now + bootTime) }

    // MARK: - Running

    /// Does everything due at `now`: reads commands, measures, reports. Call often (every tick).
    public func step(_ now: MonotonicInstant) {
        if !started {
            started = true
            nextMeasurement = now
            nextStatus = now
            bootedAt = now
        }
        if let until = blockedUntil {
            if now < until {
                flushOutgoing()
                return
            }
            finishBlock(now)
        }
        while now >= nextMeasurement {
            measure()
            nextMeasurement = nextMeasurement + .milliseconds(20)
        }
        if drivesDC { stepDC(now) }
        readInput(now)
        if now >= nextStatus {
            sendStatus()
            nextStatus = now + .milliseconds(200)
        }
        flushOutgoing()
    }

    /// Runs on the calling thread with `clock` until `shouldStop` returns true, stepping every
    /// millisecond (for the bench tool and the `sim` board's helper thread).
    public func run(clock: any MonotonicClock, script: EmulatorScript? = nil, shouldStop: () -> Bool) {
        let start = clock.now()
        var nextAction = 0
        while !shouldStop() {
            let now = clock.now()
            if let script {
                while nextAction < script.actions.count, now - start >= script.actions[nextAction].at {
                    apply(script.actions[nextAction].action, now)
                    nextAction += 1
                }
            }
            step(now)
            usleep(1000)
        }
    }

    /// Carries out one scripted action.
    public func apply(_ action: EmulatorScript.Action, _ now: MonotonicInstant) {
        switch action {
        case .vehicle(let s): vehicle = s
        case .noise(let mv): noiseMillivolts = mv
        case .silent(let on): silent = on
        case .garbage(let bytes): inject(bytes: bytes)
        case .line(let text): inject(line: text)
        case .reboot: reboot(now)
        case .moduleFault: dcStage.moduleFault = true
        case .contactor(let fault): dcStage.contactorFault = fault
        case .emergencyStop: dcStage.pressEmergencyStop()
        case .battery(let on): dcStage.batteryConnected = on
        }
    }

    // MARK: - Input

    private func readInput(_ now: MonotonicInstant) {
        while true {
            let port = self.port
            let result: Result<Int, SerialError> = readBuffer.withUnsafeMutableBytes { raw in
                var span = MutableRawSpan(_unsafeBytes: raw)
                do throws(SerialError) { return .success(try port.read(into: &span)) } catch { return .failure(error) }
            }
            let n: Int
            switch result {
            case .success(let count): n = count
            case .failure(let error):
                portError = error
                return
            }
            if n == 0 { return }
            bytesRead += n
            for i in 0..<n {
                let b = readBuffer[i]
                if b == 0x0A {
                    let text = line
                    line.removeAll(keepingCapacity: true)
                    if !text.isEmpty { handle(text, now) }
                    if blockedUntil != nil { return }
                } else if b != 0x0D {
                    line.append(b)
                    // §2: at 240 characters the buffer is cleared and accumulation continues.
                    if line.count >= 240 { line.removeAll(keepingCapacity: true) }
                }
            }
        }
    }

    /// Reads and drops whatever the host sent while the firmware was not listening.
    private func discardInput() {
        let port = self.port
        while true {
            let result: Result<Int, SerialError> = readBuffer.withUnsafeMutableBytes { raw in
                var span = MutableRawSpan(_unsafeBytes: raw)
                do throws(SerialError) { return .success(try port.read(into: &span)) } catch { return .failure(error) }
            }
            guard case .success(let n) = result, n > 0 else { return }
            bytesRead += n
        }
    }

    private func handle(_ bytes: [UInt8], _ now: MonotonicInstant) {
        let text = String(decoding: bytes, as: UTF8.self)
        commandsReceived.append(text)
        guard let object = EmulatorJSON.object(bytes) else {
            reply(#"{"type":"error","msg":"bad_json:InvalidInput"}"#)
            return
        }
        if object["type"]?.string == "req" {
            handleRPC(object, now)
            return
        }
        guard let cmd = object["cmd"]?.string, !cmd.isEmpty else {
            reply(#"{"type":"error","msg":"missing_cmd"}"#)
            return
        }
        switch cmd {
        case "ping" where revision != .r4:
            if answersPing { reply(#"{"type":"pong"}"#) }
        case "get_status":
            sendStatus()
        case "set_mode" where revision == .r4:
            // R4: anything but "manual" selects DC; no bad_mode.
            mode = object["mode"]?.string == "manual" ? .manual : .dc
            sendStatus()
        case "set_mode":
            switch object["mode"]?.string {
            case "dc": mode = .dc
            case "manual": mode = .manual
            default:
                reply(#"{"type":"error","msg":"bad_mode"}"#)
                return
            }
            sendStatus()
        case "set_pwm":
            // R4 stores the setting in any mode and applies it only in manual (§11).
            guard mode == .manual || revision == .r4 else {
                reply(#"{"type":"error","msg":"mode_dc_auto"}"#)
                return
            }
            if let d = number(object["duty"]) { manualDuty = min(max(d, 0), 100) }
            if let e = object["enable"]?.bool { manualEnabled = e } else if revision == .r4 { manualEnabled = true } // R4: enable defaults true
            sendStatus()
        case "enable_pwm":
            // R4 stores the setting in any mode and applies it only in manual (§11).
            guard mode == .manual || revision == .r4 else {
                reply(#"{"type":"error","msg":"mode_dc_auto"}"#)
                return
            }
            if let e = object["enable"]?.bool { manualEnabled = e }
            sendStatus()
        case "set_freq":
            if let hz = number(object["hz"]) { frequency = min(max(hz, 500), 5000) }
            sendStatus()
        case "cp.set_thresholds":
            if let v = number(object["t12"]) { t12 = Int32(v) }
            if let v = number(object["t9"]) { t9 = Int32(v) }
            if let v = number(object["t6"]) { t6 = Int32(v) }
            if let v = number(object["t3"]) { t3 = Int32(v) }
            if let v = number(object["t0"]) { t0 = Int32(v) }
            if let v = number(object["hys"]) { hysteresis = Int32(max(v, 0)) }
            if let v = number(object["hys_ab"]) { hysteresisAB = Int32(max(v, 0)) }
            sendStatus()
        case "cp.auto_cal":
            // §7.7: needs the idle +12 V plateau ≥ 2800 mV.
            let v12 = plateaus.a
            if vehicle == .a, v12 >= 2800 {
                t12 = v12 * 21 / 24
                t9 = v12 * 15 / 24
                t6 = v12 * 9 / 24
                t3 = v12 * 3 / 24
                reply(#"{"type":"ok"}"#)
            } else {
                reply(#"{"type":"error","msg":"cal_failed"}"#)
            }
            sendStatus()
        case "cp.scan":
            let entries = (1...10).map { "\"\($0)\":\($0 == 1 ? lastBurstMillivolts : 0)" }.joined(separator: ",")
            reply(#"{"type":"res","cmd":"cp.scan","mv":{"# + entries + "}}")
        case "set_freq" where revision == .r4, "cp.scan" where revision == .r4:
            break // removed in R4, ignored like any unknown command
        case "restart_slac_hint" where revision == .r4:
            block(.slacHint, until: now + .milliseconds(Int64(max(0, number(object["ms"]) ?? 400))))
        case "reset" where revision == .r4:
            block(.reboot, until: now + .milliseconds(50) + bootTime)
        case "restart_slac_hint":
            let ms = min(max(number(object["ms"]) ?? 400, 50), 2000)
            reply(#"{"type":"ok","cmd":"restart_slac_hint"}"#)
            block(.slacHint, until: now + .milliseconds(Int64(ms)))
        case "reset":
            reply(#"{"type":"ok","cmd":"reset"}"#)
            block(.reboot, until: now + .milliseconds(50) + bootTime)
        default:
            if revision != .r4 { reply(#"{"type":"error","msg":"unknown_cmd"}"#) }
        }
    }

    private func handleRPC(_ object: [String: EmulatorJSON], _ now: MonotonicInstant) {
        // R3/R4 echo the id as sent (string or number); the reference reads it as an unsigned integer.
        let id: String
        if drivesDC, let text = object["id"]?.string {
            id = "\"" + text + "\""
        } else {
            id = "\(number(object["id"]) ?? 0)"
        }
        let ts = (now - bootedAt).count / 1_000_000
        let params = object["params"]?.object ?? [:]
        func result(_ body: String) { reply(#"{"type":"res","id":\#(id),"ts":\#(ts),"result":{\#(body)}}"#) }
        func error(_ code: Int, _ message: String) {
            reply(#"{"type":"res","id":\#(id),"ts":\#(ts),"error":{"code":\#(code),"message":"\#(message)"}}"#)
        }
        let method = object["method"]?.string
        if drivesDC, let method, handleDC(method, params, now, result: result, error: error) { return }
        switch method {
        case "sys.info" where revision == .r4:
            result(#""mode":"\#(dcStage.hardwareMode ? "hw" : "sim")","capabilities":["contactor","dc","meter","cp"],"cp_thresholds":{"t12":\#(t12),"t9":\#(t9),"t6":\#(t6),"t3":\#(t3),"t0":\#(t0)}"#)
        case "sys.info" where revision == .r3:
            result(#""fw":"\#(firmwareName)","proto":1,"mode":"\#(dcStage.hardwareMode ? "hw" : "sim")","capabilities":["cp","contactor","dc","meter"]"#)
        case "sys.info":
            result(#""fw":"\#(firmwareName)","proto":1,"mode":"sim","capabilities":["cp","contactor","temps.gun_a","temps.gun_b","meter"]"#)
        case "sys.ping" where revision == .r4:
            result(#""ok":true"#)
        case "sys.ping":
            result(#""up_ms":\#(ts),"mode":"sim","temps":{"mcu":41.5}"#)
        case nil:
            error(-32600, "invalid_request")
        default:
            error(-32601, "unknown_method")
        }
    }

    /// The R3/R4 DC and contactor calls (§11). Returns false for a method it does not handle.
    private func handleDC(_ method: String, _ params: [String: EmulatorJSON], _ now: MonotonicInstant,
                          result: (String) -> Void, error: (Int, String) -> Void) -> Bool {
        let dc = dcStage
        let armed = revision == .r4 || (armedUntil.map { now < $0 } ?? false)
        switch method {
        case "sys.set_mode":
            dc.hardwareMode = ((params["mode"]?.string) ?? "").lowercased() == "hw"
            result(#""mode":"\#(dc.hardwareMode ? "hw" : "sim")""#)
        case "sys.arm":
            let window: Int64 = revision == .r4 ? 800 : 1500
            armedUntil = now + .milliseconds(window)
            result(#""armed_until_ms":\#((now - bootedAt).count / 1_000_000 + window)"#)
        case "dc.enable":
            let on = params["on"]?.bool ?? false
            if on, !armed {
                error(1001, "not_armed")
                return true
            }
            dc.enable(on)
            result(#""enabled":\#(dc.enabled),"state":\#(dc.state.rawValue)"#)
        case "dc.set":
            var watts = decimal(params["p_w"])
            if watts == nil, let kw = decimal(params["p_kw"]) { watts = kw * 1000 }
            dc.set(volts: decimal(params["v"]), amps: decimal(params["i"]), powerWatts: watts)
            result(#""ok":true,"v_target":\#(format(dc.voltsTarget)),"i_target":\#(format(dc.ampsTarget)),"p_kw":\#(format(dc.powerMaxWatts / 1000))"#)
        case "dc.estop":
            dc.emergencyStop()
            result(#""ok":true"#)
        case "dc.estop.clear" where revision == .r4:
            dc.clearEmergencyStop()
            result(#""ok":true"#)
        case "dc.cfg" where revision == .r4:
            func clamp(_ v: Double, _ lo: Double, _ hi: Double) -> Double { min(max(v, lo), hi) }
            if let v = decimal(params["v_min"]) { dc.voltsMin = clamp(v, 100, 1200) }
            if let v = decimal(params["v_max"]) { dc.voltsMax = clamp(v, dc.voltsMin, 1200) }
            if let v = decimal(params["p_kw"]) { dc.powerMaxWatts = clamp(v * 1000, 1000, 100_000) }
            if let v = decimal(params["i_max"]) { dc.ampsHardMax = clamp(v, 5, 500) }
            if let v = decimal(params["ramp_v"]) { dc.rampVoltsPerSecond = clamp(v, 1, 500) }
            if let v = decimal(params["ramp_i"]) { dc.rampAmpsPerSecond = clamp(v, 1, 500) }
            if let b = params["ignore_cp"]?.bool { dc.ignoreControlPilot = b }
            if let a = number(params["module_addr"]) { dc.moduleAddress = a & 0x7F }
            result(#""ok":true,"v_min":\#(format(dc.voltsMin)),"v_max":\#(format(dc.voltsMax)),"p_kw":\#(format(dc.powerMaxWatts / 1000)),"i_max":\#(format(dc.ampsHardMax)),"ramp_v":\#(format(dc.rampVoltsPerSecond)),"ramp_i":\#(format(dc.rampAmpsPerSecond)),"ignore_cp":\#(dc.ignoreControlPilot),"module_addr":\#(dc.moduleAddress)"#)
        case "dc.status":
            result(#""enabled":\#(dc.enabled),"state":\#(dc.state.rawValue),"v_set":\#(format(dc.voltsSet)),"i_set":\#(format(dc.ampsSet)),"v_tgt":\#(format(dc.voltsTarget)),"i_tgt":\#(format(dc.ampsTarget)),"v_min":\#(format(dc.voltsMin)),"v_max":\#(format(dc.voltsMax)),"p_kw":\#(format(dc.powerMaxWatts / 1000)),"mods":[\#(moduleList(measured: true))]"#)
        case "dc.discover" where revision == .r3:
            result(#""count":\#(dc.moduleCount),"mods":[\#(moduleList(measured: false))]"#)
        case "dc.module.test" where revision == .r4:
            guard !dc.enabled || params["force"]?.bool == true else {
                error(-32001, "dc_active")
                return true
            }
            result(#""pass":\#(dc.moduleCount > 0 && !dc.moduleFault),"v_meas":200.0,"took_ms":400"#)
        case "contactor.set":
            let on = params["on"]?.bool ?? false
            if on, !armed {
                error(1001, "not_armed")
                return true
            }
            dc.setContactor(on)
            if revision == .r4 {
                reply(#"{"type":"evt","id":0,"ts":\#((now - bootedAt).count / 1_000_000),"method":"evt:contactor.change","result":{"on":\#(dc.contactorCommanded),"aux_ok":\#(dc.contactorClosed)}}"#)
            }
            result(#""ok":true,"commanded":\#(dc.contactorCommanded),"aux_ok":\#(dc.contactorClosed)"#)
        case "contactor.check":
            result(#""ok":true,"commanded":\#(dc.contactorCommanded),"aux_ok":\#(dc.contactorClosed)"#)
        default:
            return false
        }
        return true
    }

    private func moduleList(measured: Bool) -> String {
        let dc = dcStage
        return (0..<dc.moduleCount).map { i -> String in
            let status = dc.moduleFault ? 0 : 1
            // Parallel modules share the output voltage and split the current.
            let amps = dc.outputAmps / Double(max(1, dc.moduleCount))
            return measured
                ? #"{"addr":\#(dc.moduleAddress + i),"v_mv":\#(Int(dc.outputVolts * 1000)),"i_ma":\#(Int(amps * 1000)),"st":\#(status)}"#
                : #"{"addr":\#(dc.moduleAddress + i),"status":\#(status)}"#
        }.joined(separator: ",")
    }

    /// The DC state machine every 100 ms and the plant every step (§11), with the aux fail-safe:
    /// an aux contact that opens while closed starts a soft stop.
    private func stepDC(_ now: MonotonicInstant) {
        let dt = lastStep.map { Double((now - $0).count) / 1e9 } ?? 0
        lastStep = now
        let auxBefore = dcStage.contactorClosed
        if now >= nextRampTick {
            dcStage.rampTick(pilot: state)
            nextRampTick = now + .milliseconds(100)
        }
        dcStage.physics(seconds: dt)
        if auxBefore, !dcStage.contactorClosed, dcStage.enabled { dcStage.enable(false) }
    }

    /// ArduinoJson-like numbers: integers without a fraction, otherwise up to three decimals.
    private func format(_ v: Double) -> String {
        if v == v.rounded(), abs(v) < 1e9 { return "\(Int(v))" }
        return "\((v * 1000).rounded() / 1000)"
    }

    private func decimal(_ value: EmulatorJSON?) -> Double? {
        if let n = value?.number { return n }
        return nil
    }

    private func number(_ value: EmulatorJSON?) -> Int? {
        // As NSNumber.intValue did: a fraction is cut off.
        if let n = value?.number, n.isFinite, abs(n) < 9.2e18 { return Int(n) }
        return nil
    }

    // MARK: - Blocking operations

    private func block(_ kind: BlockKind, until: MonotonicInstant) {
        blockKind = kind
        blockedUntil = until
        if kind == .reboot {
            reboots += 1
        }
    }

    private func finishBlock(_ now: MonotonicInstant) {
        let kind = blockKind
        blockedUntil = nil
        blockKind = .none
        switch kind {
        case .slacHint:
            mode = .dc // §7.8: back to DC mode
            sendStatus()
        case .reboot:
            // Defaults, input that arrived while booting is lost.
            mode = .dc
            manualDuty = 0
            manualEnabled = false
            frequency = 1000
            (t12, t9, t6, t3, t0, hysteresis, hysteresisAB) = bootThresholds
            dcStage.reboot()
            armedUntil = nil
            state = .a
            pending = nil
            history.removeAll()
            line.removeAll()
            outgoing.removeAll()
            discardInput()
            bootedAt = now
            nextMeasurement = now
            nextStatus = now
        case .none:
            break
        }
    }

    // MARK: - Measurement (§7.4–§7.6)

    private func measure() {
        var mv = outputDuty == 0 ? plateaus.f : plateaus.millivolts(vehicle)
        if noiseMillivolts > 0 {
            noiseState = noiseState &* 1_103_515_245 &+ 12345
            let r = Int32((noiseState >> 16) % UInt32(noiseMillivolts + 1))
            mv += r - noiseMillivolts / 2
        }
        mv = max(0, mv)
        lastBurstMillivolts = mv
        history.append(mv)
        if history.count > 6 { history.removeFirst() }
        classify(mv)
    }

    private func plainBand(_ mv: Int32) -> EmulatedPilotState {
        if mv >= t12 { return .a }
        if mv >= t9 { return .b }
        if mv >= t6 { return .c }
        if mv >= t3 { return .d }
        if mv >= t0 { return .e }
        return .f
    }

    private func classify(_ mv: Int32) {
        let previous = state
        let connected = previous == .b || previous == .c || previous == .d
        let candidate: EmulatedPilotState
        switch previous {
        case .a: candidate = mv < t12 - hysteresisAB ? plainBand(mv) : .a
        case .b: candidate = mv >= t12 + hysteresis ? .a : mv < t9 - hysteresis ? plainBand(mv) : .b
        case .c: candidate = mv >= t9 + hysteresis ? .b : mv < t6 - hysteresis ? plainBand(mv) : .c
        case .d: candidate = mv >= t6 + hysteresis ? .c : mv < t3 - hysteresis ? plainBand(mv) : .d
        case .e: candidate = mv >= t3 + hysteresis ? .d : mv < t0 - hysteresis ? .f : .e
        case .f: candidate = mv >= t0 + hysteresis ? .e : .f
        }
        // Glitch guards: a burst that missed the narrow 5 % plateau, or an A blip.
        if connected, mv < t0 - 150 || (candidate == .a && mv < t12 + hysteresis + 150) {
            pendingCount = max(0, pendingCount - 1)
            return
        }
        if candidate == previous {
            pending = nil
            pendingCount = 0
            return
        }
        if candidate == pending {
            pendingCount += 1
        } else {
            pending = candidate
            pendingCount = 1
        }
        let expectNarrow = mode == .dc || connected
        let needed = isStrong(mv, candidate) || expectNarrow ? 2 : 3
        if pendingCount >= needed {
            state = candidate
            pending = nil
            pendingCount = 0
        }
    }

    private func isStrong(_ mv: Int32, _ s: EmulatedPilotState) -> Bool {
        switch s {
        case .a: mv >= t12 + hysteresis
        case .b: mv >= t9 + hysteresis && mv < t12 - hysteresis
        case .c: mv >= t6 + hysteresis && mv < t9 - hysteresis
        case .d: mv >= t3 + hysteresis && mv < t6 - hysteresis
        case .e: mv >= t0 + hysteresis && mv < t3 - hysteresis
        case .f: mv < t0 - hysteresis
        }
    }

    // MARK: - Output

    /// The status frame of §4.1, fields in wire order.
    public var statusLine: String {
        let top = history.sorted(by: >)
        let robust = top.isEmpty ? lastBurstMillivolts : top.prefix(2).reduce(0, +) / Int32(min(2, top.count))
        if revision == .r4 {
            // §11 R4: `pwm` and `thresh` replaced by the `dc` object.
            let dc = dcStage
            return #"{"type":"status","cp_mv":\#(lastBurstMillivolts),"cp_mv_robust":\#(robust),"state":"\#(state.rawValue)","mode":"\#(mode.rawValue)","dc":{"enabled":\#(dc.enabled),"state":\#(dc.state.rawValue),"v_set":\#(format(dc.voltsSet)),"i_set":\#(format(dc.ampsSet)),"p_kw":\#(format(dc.powerMaxWatts / 1000)),"v_min":\#(format(dc.voltsMin)),"v_max":\#(format(dc.voltsMax)),"hilo_actual":2,"hilo_cfg":3}}"#
        }
        return #"{"type":"status","cp_mv":\#(lastBurstMillivolts),"cp_mv_robust":\#(robust),"state":"\#(state.rawValue)","mode":"\#(mode.rawValue)","pwm":{"enabled":\#(manualEnabled),"duty":\#(manualDuty),"hz":\#(frequency),"out":\#(outputDuty)},"thresh":{"t12":\#(t12),"t9":\#(t9),"t6":\#(t6),"t3":\#(t3),"t0":\#(t0),"hys":\#(hysteresis),"hys_ab":\#(hysteresisAB)}}"#
    }

    private func sendStatus() {
        reply(statusLine)
        statusFramesSent += 1
    }

    private func reply(_ text: String) {
        outgoing += Array(text.utf8)
        outgoing.append(0x0A)
    }

    private func flushOutgoing() {
        guard !outgoing.isEmpty else { return }
        if silent {
            outgoing.removeAll(keepingCapacity: true)
            return
        }
        let port = self.port
        let result: Result<Int, SerialError> = outgoing.withUnsafeBytes { raw in
            do throws(SerialError) { return .success(try port.write(RawSpan(_unsafeBytes: raw))) } catch { return .failure(error) }
        }
        switch result {
        case .success(let n):
            bytesWritten += n
            outgoing.removeFirst(n)
        case .failure(let error):
            portError = error
            outgoing.removeAll()
        }
    }
}
