/// Decodes one line from the helper (esp32-cp-uart.md §4, §8) into a `HelperMessage`, or a typed
/// `HelperDecodeError`. Pure: bytes in, value out; no allocation, no time, no I/O.
///
/// Strictness follows the reference host client where it is safe and is stricter where a wrong
/// value could reach the CP logic: unknown fields are ignored and numbers may be floats (as the
/// client tolerates), but `state` must be one letter A–F, `mode` "dc" or "manual", and every number
/// must lie in the range the firmware can produce (cp_mv within the ESP32-S3 ADC's 0…3300 mV,
/// percentages 0…100).
public enum HelperMessageDecoder {
    /// Deepest nesting skipped inside unknown fields (the protocol itself uses two levels).
    public static let maximumDepth = 8
    /// Highest mV the ESP32-S3 ADC reports at 11 dB attenuation (§6), with margin.
    public static let maximumPinMillivolts: Int64 = 3300

    public static func decode(_ line: UnsafeRawBufferPointer) throws(HelperDecodeError) -> HelperMessage {
        var c = JSONCursor(line)
        c.skipWhitespace()
        guard let first = c.current else { throw .empty }
        let message: HelperMessage
        switch first {
        case 0x7B:
            c.offset += 1
            message = try decodeObject(&c)
        case 0x22:
            let s = try c.readString()
            guard c.matches(s, "pong") else { throw .unknownMessageType }
            message = .pong
        case 0x5B, 0x2D, 0x30...0x39, 0x74, 0x66, 0x6E:
            try c.skipValue(depth: maximumDepth)
            c.skipWhitespace()
            guard c.current == nil else { throw .trailingBytes(offset: c.offset) }
            throw .notAnObject
        default:
            throw .notJSON(offset: c.offset)
        }
        c.skipWhitespace()
        guard c.current == nil else { throw .trailingBytes(offset: c.offset) }
        return message
    }

    /// What the members of the top-level object said, before the type decides what they mean.
    private struct Members {
        var type: JSONCursor.Text?
        var cpMillivolts: Int64?
        var cpMillivoltsRobust: Int64?
        var state: HelperPilotLetter?
        var mode: HelperMode?
        var pwm: HelperPWMReport?
        var thresholds: HelperThresholds?
        var message: JSONCursor.Text?
        var command: JSONCursor.Text?
        var scan: InlineArray<10, Int32>?
        var id: Int64 = -1
        var result: HelperRPCResult?
        var errorCode: Int32?
        var dc: HelperDCRecord?
        var method: JSONCursor.Text?
    }

    private static func decodeObject(_ c: inout JSONCursor) throws(HelperDecodeError) -> HelperMessage {
        var m = Members()
        var first = true
        while let key = try c.nextMember(&first) {
            if c.matches(key, "type") {
                m.type = try string(&c, .type)
            } else if c.matches(key, "cp_mv") {
                m.cpMillivolts = try integer(&c, .cpMillivolts, 0...maximumPinMillivolts)
            } else if c.matches(key, "cp_mv_robust") {
                m.cpMillivoltsRobust = try integer(&c, .cpMillivoltsRobust, 0...maximumPinMillivolts)
            } else if c.matches(key, "state") {
                let s = try string(&c, .state)
                guard s.count == 1, c.byte(s.start) >= 0x41, c.byte(s.start) <= 0x46 else { throw .invalidValue(.state) }
                m.state = HelperPilotLetter(rawValue: c.byte(s.start))
            } else if c.matches(key, "mode") {
                let s = try string(&c, .mode)
                if c.matches(s, "dc") {
                    m.mode = .dc
                } else if c.matches(s, "manual") {
                    m.mode = .manual
                } else {
                    throw .invalidValue(.mode)
                }
            } else if c.matches(key, "pwm") {
                m.pwm = try pwm(&c)
            } else if c.matches(key, "thresh") {
                m.thresholds = try thresholds(&c)
            } else if c.matches(key, "msg") {
                m.message = try string(&c, .message)
            } else if c.matches(key, "cmd") {
                m.command = try string(&c, .command)
            } else if c.matches(key, "mv") {
                m.scan = try scan(&c)
            } else if c.matches(key, "id") {
                if c.current == 0x2D || (c.current.map(JSONCursor.isDigit) ?? false) {
                    m.id = try integer(&c, .id, Int64(Int32.min)...Int64(Int32.max))
                } else {
                    try c.skipValue(depth: maximumDepth)
                }
            } else if c.matches(key, "result") {
                m.result = try rpcResult(&c)
            } else if c.matches(key, "error") {
                m.errorCode = try rpcError(&c)
            } else if c.matches(key, "dc") {
                m.dc = try dcObject(&c)
            } else if c.matches(key, "method") {
                m.method = try string(&c, .method)
            } else {
                try c.skipValue(depth: maximumDepth)
            }
        }
        guard let type = m.type else { throw .missingType }
        if c.matches(type, "status") {
            guard let mv = m.cpMillivolts else { throw .missingField(.cpMillivolts) }
            guard let state = m.state else { throw .missingField(.state) }
            return .status(HelperStatus(cpMillivolts: Int32(mv), cpMillivoltsRobust: Int32(m.cpMillivoltsRobust ?? mv),
                                        state: state, mode: m.mode, pwm: m.pwm, thresholds: m.thresholds, dc: m.dc))
        }
        if c.matches(type, "pong") { return .pong }
        if c.matches(type, "ok") {
            guard let cmd = m.command else { return .ok(.autoCalibration) }
            if c.matches(cmd, "restart_slac_hint") { return .ok(.restartSLACHint) }
            if c.matches(cmd, "reset") { return .ok(.reset) }
            return .ok(.other)
        }
        if c.matches(type, "error") {
            guard let msg = m.message else { throw .missingField(.message) }
            if c.hasPrefix(msg, "bad_json") { return .error(.badJSON) }
            if c.matches(msg, "missing_cmd") { return .error(.missingCommand) }
            if c.matches(msg, "unknown_cmd") { return .error(.unknownCommand) }
            if c.matches(msg, "bad_mode") { return .error(.badMode) }
            if c.matches(msg, "mode_dc_auto") { return .error(.modeDCAuto) }
            if c.matches(msg, "cal_failed") { return .error(.calibrationFailed) }
            return .error(.other)
        }
        if c.matches(type, "res") {
            if let cmd = m.command, c.matches(cmd, "cp.scan") {
                guard let scan = m.scan else { throw .missingField(.scan) }
                return .scan(scan)
            }
            if let code = m.errorCode { return .rpcError(id: m.id, code: code) }
            guard let result = m.result else { throw .missingField(.result) }
            return .rpcResult(id: m.id, result)
        }
        if c.matches(type, "evt") {
            if let method = m.method, c.matches(method, "evt:contactor.change") {
                guard let report = m.result?.contactor else { throw .missingField(.auxClosed) }
                return .contactorChange(report)
            }
            return .rpcEvent
        }
        throw .unknownMessageType
    }

    // MARK: Members

    static func string(_ c: inout JSONCursor, _ field: HelperField) throws(HelperDecodeError) -> JSONCursor.Text {
        guard c.current == 0x22 else { throw .wrongType(field) }
        return try c.readString()
    }

    static func integer(_ c: inout JSONCursor, _ field: HelperField,
                                _ range: ClosedRange<Int64>) throws(HelperDecodeError) -> Int64 {
        guard let b = c.current, b == 0x2D || JSONCursor.isDigit(b) else { throw .wrongType(field) }
        let value = try c.readNumber()
        guard value.isFinite, value > -9.0e15, value < 9.0e15 else {
            throw .valueOutOfRange(field, value < 0 ? Int64.min : Int64.max)
        }
        let integer = Int64(value)
        guard range.contains(integer) else { throw .valueOutOfRange(field, integer) }
        return integer
    }

    static func boolean(_ c: inout JSONCursor, _ field: HelperField) throws(HelperDecodeError) -> Bool {
        guard c.current == 0x74 || c.current == 0x66 else { throw .wrongType(field) }
        return try c.readLiteral() ?? false
    }

    static func beginObject(_ c: inout JSONCursor, _ field: HelperField) throws(HelperDecodeError) {
        guard c.current == 0x7B else { throw .wrongType(field) }
        c.offset += 1
    }

    private static func pwm(_ c: inout JSONCursor) throws(HelperDecodeError) -> HelperPWMReport {
        try beginObject(&c, .pwm)
        // The reference client's defaults for absent members (§4.1).
        var report = HelperPWMReport(enabled: false, duty: 0, frequency: 1000, out: nil)
        var first = true
        while let key = try c.nextMember(&first) {
            if c.matches(key, "enabled") {
                report.enabled = try boolean(&c, .pwmEnabled)
            } else if c.matches(key, "duty") {
                report.duty = Int16(try integer(&c, .pwmDuty, 0...100))
            } else if c.matches(key, "hz") {
                report.frequency = Int32(try integer(&c, .pwmFrequency, 1...100_000))
            } else if c.matches(key, "out") {
                report.out = Int16(try integer(&c, .pwmOut, 0...100))
            } else {
                try c.skipValue(depth: maximumDepth - 1)
            }
        }
        return report
    }

    private static func thresholds(_ c: inout JSONCursor) throws(HelperDecodeError) -> HelperThresholds {
        try beginObject(&c, .thresholds)
        var t = HelperThresholds.referenceDefaults
        var first = true
        let range: ClosedRange<Int64> = 0...maximumPinMillivolts
        while let key = try c.nextMember(&first) {
            if c.matches(key, "t12") {
                t.t12 = Int32(try integer(&c, .threshold12, range))
            } else if c.matches(key, "t9") {
                t.t9 = Int32(try integer(&c, .threshold9, range))
            } else if c.matches(key, "t6") {
                t.t6 = Int32(try integer(&c, .threshold6, range))
            } else if c.matches(key, "t3") {
                t.t3 = Int32(try integer(&c, .threshold3, range))
            } else if c.matches(key, "t0") {
                t.t0 = Int32(try integer(&c, .threshold0, range))
            } else if c.matches(key, "hys") {
                t.hysteresis = Int32(try integer(&c, .hysteresis, range))
            } else if c.matches(key, "hys_ab") {
                t.hysteresisAB = Int32(try integer(&c, .hysteresisAB, range))
            } else {
                try c.skipValue(depth: maximumDepth - 1)
            }
        }
        return t
    }

    private static func scan(_ c: inout JSONCursor) throws(HelperDecodeError) -> InlineArray<10, Int32> {
        try beginObject(&c, .scan)
        var mv = InlineArray<10, Int32>(repeating: -1)
        var first = true
        while let key = try c.nextMember(&first) {
            // Keys "1" … "10": the GPIO number.
            var gpio = 0
            var i = key.start
            var valid = key.count >= 1 && key.count <= 2
            while valid, i < key.end {
                let b = c.byte(i)
                if JSONCursor.isDigit(b) { gpio = gpio * 10 + Int(b - 0x30) } else { valid = false }
                i += 1
            }
            if valid, gpio >= 1, gpio <= 10 {
                mv[gpio - 1] = Int32(try integer(&c, .scan, 0...maximumPinMillivolts))
            } else {
                try c.skipValue(depth: maximumDepth - 1)
            }
        }
        return mv
    }

    private static func rpcResult(_ c: inout JSONCursor) throws(HelperDecodeError) -> HelperRPCResult {
        try beginObject(&c, .result)
        var result = HelperRPCResult()
        var dc = DCMembers()
        var commanded: Bool?
        var aux: Bool?
        var first = true
        while let key = try c.nextMember(&first) {
            if try dcMember(&c, key, &dc) { continue }
            if c.matches(key, "ok") {
                result.ok = try boolean(&c, .resultOK)
            } else if c.matches(key, "v_target") {
                result.voltsTarget = try number(&c, .voltsTarget, voltsRange)
            } else if c.matches(key, "i_target") {
                result.ampsTarget = try number(&c, .ampsTarget, ampsRange)
            } else if c.matches(key, "mods") {
                result.modules = try modules(&c)
            } else if c.matches(key, "count") {
                result.moduleCount = Int32(try integer(&c, .moduleCount, 0...255))
            } else if c.matches(key, "commanded") {
                commanded = try boolean(&c, .contactorCommanded)
            } else if c.matches(key, "on") {
                commanded = try boolean(&c, .contactorOn)
            } else if c.matches(key, "aux_ok") {
                aux = try boolean(&c, .auxClosed)
            } else if c.matches(key, "capabilities") {
                result.capabilities = try capabilities(&c)
            } else if c.matches(key, "fw") {
                result.firmware = text(c, try string(&c, .firmware))
            } else if c.matches(key, "proto") {
                result.protocolVersion = Int32(try integer(&c, .protocolVersion, 0...Int64(Int32.max)))
            } else if c.matches(key, "mode") {
                result.mode = text(c, try string(&c, .resultMode))
            } else {
                try c.skipValue(depth: maximumDepth - 1)
            }
        }
        if dc.state != nil || dc.enabled != nil { result.dc = try dc.record() }
        if let aux { result.contactor = HelperContactorReport(commanded: commanded, auxClosed: aux) }
        return result
    }

    private static func rpcError(_ c: inout JSONCursor) throws(HelperDecodeError) -> Int32 {
        try beginObject(&c, .error)
        var code: Int32 = 0
        var first = true
        while let key = try c.nextMember(&first) {
            if c.matches(key, "code") {
                code = Int32(try integer(&c, .errorCode, Int64(Int32.min)...Int64(Int32.max)))
            } else {
                try c.skipValue(depth: maximumDepth - 1)
            }
        }
        return code
    }

    private static func text(_ c: JSONCursor, _ t: JSONCursor.Text) -> FixedText {
        var out = FixedText()
        var i = t.start
        while i < t.end {
            out.append(c.byte(i))
            i += 1
        }
        return out
    }
}

extension HelperMessageDecoder {
    /// Convenience for tests and tools (allocates): decodes a `String` line.
    public static func decode(_ line: String) throws(HelperDecodeError) -> HelperMessage {
        let bytes = Array(line.utf8)
        let result: Result<HelperMessage, HelperDecodeError> = bytes.withUnsafeBytes { raw in
            do throws(HelperDecodeError) { return .success(try decode(raw)) } catch { return .failure(error) }
        }
        return try result.get()
    }
}
