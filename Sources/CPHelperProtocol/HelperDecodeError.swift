/// A field of a helper message, for error reports.
public enum HelperField: String, Sendable, Equatable, CaseIterable, BitwiseCopyable {
    case type, cpMillivolts = "cp_mv", cpMillivoltsRobust = "cp_mv_robust", state, mode
    case pwm, pwmEnabled = "pwm.enabled", pwmDuty = "pwm.duty", pwmFrequency = "pwm.hz", pwmOut = "pwm.out"
    case thresholds = "thresh", threshold12 = "thresh.t12", threshold9 = "thresh.t9", threshold6 = "thresh.t6"
    case threshold3 = "thresh.t3", threshold0 = "thresh.t0", hysteresis = "thresh.hys", hysteresisAB = "thresh.hys_ab"
    case message = "msg", command = "cmd", scan = "mv", id, result, error
    case firmware = "result.fw", protocolVersion = "result.proto", resultMode = "result.mode"
    case errorCode = "error.code"
    case method
    // R3/R4 DC supply and contactor (§11).
    case dc, dcEnabled = "dc.enabled", dcState = "dc.state", dcVoltsSet = "dc.v_set", dcAmpsSet = "dc.i_set"
    case dcVoltsTarget = "dc.v_tgt", dcAmpsTarget = "dc.i_tgt", dcPower = "dc.p_kw", dcVoltsMin = "dc.v_min"
    case dcVoltsMax = "dc.v_max", dcHiLoActual = "dc.hilo_actual", dcHiLoConfigured = "dc.hilo_cfg"
    case resultOK = "result.ok", voltsTarget = "result.v_target", ampsTarget = "result.i_target"
    case capabilities = "result.capabilities", modules = "result.mods", moduleCount = "result.count"
    case moduleAddress = "mods.addr", moduleStatus = "mods.st", moduleMillivolts = "mods.v_mv", moduleMilliamps = "mods.i_ma"
    case contactorCommanded = "result.commanded", contactorOn = "result.on", auxClosed = "result.aux_ok"
}

/// Why a line from the helper is not a message we accept. Every case is a value (no strings), so
/// decoding and reporting a bad line never allocates.
public enum HelperDecodeError: Error, Sendable, Equatable, BitwiseCopyable, CustomStringConvertible {
    /// The line holds only whitespace.
    case empty
    /// Not JSON: a syntax error at this byte offset (garbage, a partial line, bytes that are not text).
    case notJSON(offset: Int)
    /// Valid JSON, but neither an object nor the bare string "pong".
    case notAnObject
    /// Objects or arrays nested deeper than `HelperMessageDecoder.maximumDepth`.
    case nestingTooDeep(offset: Int)
    /// Something follows the object on the same line.
    case trailingBytes(offset: Int)
    case missingType
    /// A `type` we do not know (or a bare string other than "pong").
    case unknownMessageType
    case missingField(HelperField)
    /// The field holds another JSON type than the protocol says (a string where a number belongs…).
    case wrongType(HelperField)
    /// A number outside what the firmware can produce (cp_mv above the ADC's range, duty > 100 …).
    case valueOutOfRange(HelperField, Int64)
    /// A string that is not one of the protocol's words (state "X", mode "turbo").
    case invalidValue(HelperField)

    public var description: String {
        switch self {
        case .empty: "empty line"
        case .notJSON(let o): "not JSON (syntax error at byte \(o))"
        case .notAnObject: "not a JSON object"
        case .nestingTooDeep(let o): "nesting too deep at byte \(o)"
        case .trailingBytes(let o): "unexpected bytes after the object at byte \(o)"
        case .missingType: "no \"type\" field"
        case .unknownMessageType: "unknown message type"
        case .missingField(let f): "missing field \(f.rawValue)"
        case .wrongType(let f): "field \(f.rawValue) has the wrong JSON type"
        case .valueOutOfRange(let f, let v): "field \(f.rawValue) out of range: \(v)"
        case .invalidValue(let f): "field \(f.rawValue) holds an unknown value"
        }
    }
}
