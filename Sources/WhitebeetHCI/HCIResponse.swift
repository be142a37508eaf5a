/// What a response carries after its result byte (whitebeet-hci.md §5–13).
public enum HCIResponseBody: Equatable, Sendable {
    /// Only the result byte (every set/start/stop command, and any response with a non-zero result).
    case none
    /// 0x10/0x41: the firmware version text, e.g. "V02_01_00" (result, u8 length, text — §5).
    case firmwareVersion(HCIText)
    /// 0x29/0x41 (0 EV, 1 EVSE, 255 not set) and 0x27/0x41 (0 EV, 1 EVSE, 2 not set).
    case mode(UInt8)
    /// 0x29/0x45: duty cycle in per-mille (on the EV side the measured PWM).
    case dutyCycle(permille: UInt16)
    /// 0x29/0x48.
    case pilotState(PilotStateCode)
    /// 0x27/0x69.
    case sdpConfiguration(SDPPorts)
    /// A getter whose response layout the spec leaves unclear (0x29/0x47, 0x27/0x61, 0x64, 0x67,
    /// 0xA1, 0xA4, 0xA7): `length` data bytes follow the result byte, undecoded (they encode as zeros).
    case unparsed(length: Int)
    /// The ping reply 0x0E/0x01 (§7): no payload at all.
    case pong
    /// EVSE Gen-1 0x61 supported protocols and 0x67 energy transfer modes: a list8(u8) (§12.1).
    case codes(CodeList)
    /// EVSE Gen-1 0x65 payment options: a presence byte, then the list8 (nil = none) (§12.1).
    case paymentOptions(CodeList?)
}

/// A module → host answer to one request: same module, sub and request ID (§3.4).
public struct HCIResponse: Equatable, Sendable {
    public var module: UInt8
    public var sub: UInt8
    public var requestID: UInt8
    public var result: HCIResultCode
    public var body: HCIResponseBody

    public init(module: UInt8, sub: UInt8, requestID: UInt8, result: HCIResultCode = .success, body: HCIResponseBody = .none) {
        self.module = module
        self.sub = sub
        self.requestID = requestID
        self.result = result
        self.body = body
    }

    /// The answer to `request` with the given result and body (what the emulator sends).
    public init(to request: HCIRequest, requestID: UInt8, result: HCIResultCode = .success, body: HCIResponseBody = .none) {
        let (m, s) = request.ids
        if m == HCIModule.ping {
            self.init(module: m, sub: 0x01, requestID: requestID, result: .success, body: .pong)
        } else {
            self.init(module: m, sub: s, requestID: requestID, result: result, body: body)
        }
    }

    /// The response to a command of (module, sub): ping's reply sub is 0x01, everything else echoes.
    public static func responseSub(module: UInt8, sub: UInt8) -> UInt8 { module == HCIModule.ping ? 0x01 : sub }

    public func encode(into storage: UnsafeMutableRawBufferPointer) throws(HCIError) -> Int {
        try HCIFrame.encode(module: module, sub: sub, requestID: requestID, into: storage) { (w: inout HCIWriter) throws(HCIError) in
            if case .pong = body { return }
            try w.u8(result.rawValue)
            switch body {
            case .none, .pong: break
            case .firmwareVersion(let t): try w.text(t)
            case .mode(let m): try w.u8(m)
            case .dutyCycle(let d): try w.u16(d)
            case .pilotState(let s): try w.u8(s.rawValue)
            case .sdpConfiguration(let p): try p.write(&w)
            case .unparsed(let n): for _ in 0 ..< n { try w.u8(0) }
            case .codes(let l): try w.codes(l)
            case .paymentOptions(let l):
                try w.bool(l != nil)
                if let l { try w.codes(l) }
            }
        }
    }

    static func decode(_ r: inout HCIReader, requestID: UInt8, evse: EVSEFirmwareGeneration) throws(HCIError) -> HCIResponse {
        if r.module == HCIModule.ping {
            guard r.sub == 0x01 else { throw .unknownMessage(module: r.module, sub: r.sub) }
            try r.finish()
            return HCIResponse(module: r.module, sub: r.sub, requestID: requestID, body: .pong)
        }
        guard isCommand(module: r.module, sub: r.sub, evse: evse) else {
            switch r.module {
            case 0x05, 0x10, 0x27, 0x28, 0x29: throw .unknownMessage(module: r.module, sub: r.sub)
            default: throw .unknownModule(r.module)
            }
        }
        let result = HCIResultCode(rawValue: try r.u8())
        var response = HCIResponse(module: r.module, sub: r.sub, requestID: requestID, result: result)
        // A failed command carries no data we know of; whatever follows is not read.
        guard result == .success else { return response }
        if evse == .gen1, r.module == HCIModule.v2g, EVSEGen1Request.isCommand(sub: r.sub) {
            // Generation 1's getters (§12.1); every other Gen-1 command answers with the result alone.
            switch r.sub {
            case 0x61, 0x67: response.body = .codes(try r.codes(r.sub == 0x61 ? "protocols" : "energy transfer modes"))
            case 0x63: response.body = .sdpConfiguration(try SDPPorts(&r))
            case 0x65: response.body = .paymentOptions(try r.present("payment options") ? try r.codes("payment options") : nil)
            default: break
            }
            try r.finish()
            return response
        }
        switch (r.module, r.sub) {
        case (0x10, 0x41): response.body = .firmwareVersion(try r.text("firmware version"))
        case (0x29, 0x41), (0x27, 0x41): response.body = .mode(try r.u8())
        case (0x29, 0x45): response.body = .dutyCycle(permille: try r.u16())
        case (0x29, 0x48):
            let b = try r.u8()
            guard let state = PilotStateCode(rawValue: b) else { throw r.badValue("CP state", b) }
            response.body = .pilotState(state)
        case (0x27, 0x69): response.body = .sdpConfiguration(try SDPPorts(&r))
        case (0x29, 0x47), (0x27, 0x61), (0x27, 0x64), (0x27, 0x67), (0x27, 0xA1), (0x27, 0xA4), (0x27, 0xA7):
            let n = r.remaining
            try r.skip(n)
            response.body = n == 0 ? .none : .unparsed(length: n)
        default: break
        }
        try r.finish()
        return response
    }

    /// Whether (module, sub) is a host command this codec knows (0x73/0x74 included: their
    /// responses are plain result bytes even though their requests are not decoded).
    static func isCommand(module: UInt8, sub: UInt8, evse: EVSEFirmwareGeneration) -> Bool {
        if evse == .gen1, module == HCIModule.v2g {
            return (0x40 ... 0x43).contains(sub) || EVSEGen1Request.isCommand(sub: sub) || (0xA0 ... 0xAE).contains(sub)
        }
        return switch module {
        case 0x10: sub == 0x41 || sub == 0x48
        case 0x05: sub == 0x55
        case 0x29: (0x40 ... 0x48).contains(sub)
        case 0x28: (0x42 ... 0x44).contains(sub) || sub == 0x4B || sub == 0x4D
        case 0x27: (0x40 ... 0x43).contains(sub) || (0x60 ... 0x70).contains(sub) || (0x73 ... 0x76).contains(sub) || (0xA0 ... 0xAE).contains(sub)
        default: false
        }
    }
}
