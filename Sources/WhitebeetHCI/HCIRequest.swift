/// A host → module command (whitebeet-hci.md §5–13): system, network, ping, CP, SLAC, V2G common,
/// EVSE Gen-2 and EV. The module answers each with an `HCIResponse` of the same module, sub and
/// request ID. EVSE Gen-1 commands share sub IDs 0x60–0x72 with Gen-2 (§12.1): they are
/// `evseGen1`, and decoding reads them only when told the module's generation (`EVSEFirmwareGeneration`).
public enum HCIRequest: Equatable, Sendable {
    // System 0x10 (§5), network 0x05 (§6), ping 0x0E (§7)
    case getFirmwareVersion
    case restart
    case setPortMirror(Bool)
    case ping
    // Control pilot 0x29 (§8)
    case setPilotMode(ModuleRole)
    case getPilotMode
    case startPilot
    case stopPilot
    /// Duty cycle in per-mille, 0…1000 (5 % = 50).
    case setDutyCycle(permille: UInt16)
    case getDutyCycle
    case setResistor(PilotResistor)
    case getResistor
    case getPilotState
    // SLAC 0x28 (§9)
    case startSlac(ModuleRole)
    case stopSlac
    case startMatching
    case setValidation(enabled: Bool)
    /// NID (7 bytes, low 56 bits) and NMK (16 bytes).
    case joinNetwork(nid: UInt64, nmkHigh: UInt64, nmkLow: UInt64)
    // V2G 0x27, both roles (§10)
    case setV2GMode(ModuleRole)
    case getV2GMode
    case startV2G
    case stopV2G
    // V2G EVSE Gen-2 (§11.1)
    case setConfiguration(EVSEConfiguration)
    case getConfiguration
    case setDCChargingParameters(EVSEDCLimits)
    case updateDCChargingParameters(EVSEDCPresentValues)
    case getDCChargingParameters
    case setACChargingParameters(EVSEACParameters)
    case updateACChargingParameters(rcdError: Bool, maximumCurrent: PhysicalValue?)
    case getACChargingParameters
    case setSDPConfiguration(SDPPorts)
    case getSDPConfiguration
    case startListen
    case setAuthorization(authorized: Bool)
    case setSchedules(EVSESchedules)
    case setCableCheckFinished(ok: Bool)
    case startCharging
    case stopCharging
    case stopListen
    /// 0x75: ask the EV to stop (`renegotiation` false) or to renegotiate, within `maximumDelay` s.
    case sendNotification(renegotiation: Bool, maximumDelay: UInt16)
    case setSessionParameterTimeout(milliseconds: UInt16)
    /// V2G EVSE Gen-1 (§12.1), firmware V01_01_0x.
    case evseGen1(EVSEGen1Request)
    // V2G EV (§13.1)
    case setEVConfiguration(EVConfiguration)
    case getEVConfiguration
    case setEVDCChargingParameters(EVDCParameters)
    case updateEVDCChargingParameters(EVDCUpdate)
    case getEVDCChargingParameters
    case setEVACChargingParameters(EVACParameters)
    case updateEVACChargingParameters(EVLimits)
    case getEVACChargingParameters
    case setChargingProfile(ChargingProfile)
    case startSession
    case startCableCheck
    case startPreCharging
    case startEVCharging
    case stopEVCharging(renegotiation: Bool)
    case stopSession

    /// (module, sub) of this command.
    public var ids: (module: UInt8, sub: UInt8) {
        switch self {
        case .getFirmwareVersion: (0x10, 0x41)
        case .restart: (0x10, 0x48)
        case .setPortMirror: (0x05, 0x55)
        case .ping: (0x0E, 0x00)
        case .setPilotMode: (0x29, 0x40)
        case .getPilotMode: (0x29, 0x41)
        case .startPilot: (0x29, 0x42)
        case .stopPilot: (0x29, 0x43)
        case .setDutyCycle: (0x29, 0x44)
        case .getDutyCycle: (0x29, 0x45)
        case .setResistor: (0x29, 0x46)
        case .getResistor: (0x29, 0x47)
        case .getPilotState: (0x29, 0x48)
        case .startSlac: (0x28, 0x42)
        case .stopSlac: (0x28, 0x43)
        case .startMatching: (0x28, 0x44)
        case .setValidation: (0x28, 0x4B)
        case .joinNetwork: (0x28, 0x4D)
        case .setV2GMode: (0x27, 0x40)
        case .getV2GMode: (0x27, 0x41)
        case .startV2G: (0x27, 0x42)
        case .stopV2G: (0x27, 0x43)
        case .setConfiguration: (0x27, 0x60)
        case .getConfiguration: (0x27, 0x61)
        case .setDCChargingParameters: (0x27, 0x62)
        case .updateDCChargingParameters: (0x27, 0x63)
        case .getDCChargingParameters: (0x27, 0x64)
        case .setACChargingParameters: (0x27, 0x65)
        case .updateACChargingParameters: (0x27, 0x66)
        case .getACChargingParameters: (0x27, 0x67)
        case .setSDPConfiguration: (0x27, 0x68)
        case .getSDPConfiguration: (0x27, 0x69)
        case .startListen: (0x27, 0x6A)
        case .setAuthorization: (0x27, 0x6B)
        case .setSchedules: (0x27, 0x6C)
        case .setCableCheckFinished: (0x27, 0x6D)
        case .startCharging: (0x27, 0x6E)
        case .stopCharging: (0x27, 0x6F)
        case .stopListen: (0x27, 0x70)
        case .sendNotification: (0x27, 0x75)
        case .setSessionParameterTimeout: (0x27, 0x76)
        case .evseGen1(let g): (0x27, g.sub)
        case .setEVConfiguration: (0x27, 0xA0)
        case .getEVConfiguration: (0x27, 0xA1)
        case .setEVDCChargingParameters: (0x27, 0xA2)
        case .updateEVDCChargingParameters: (0x27, 0xA3)
        case .getEVDCChargingParameters: (0x27, 0xA4)
        case .setEVACChargingParameters: (0x27, 0xA5)
        case .updateEVACChargingParameters: (0x27, 0xA6)
        case .getEVACChargingParameters: (0x27, 0xA7)
        case .setChargingProfile: (0x27, 0xA8)
        case .startSession: (0x27, 0xA9)
        case .startCableCheck: (0x27, 0xAA)
        case .startPreCharging: (0x27, 0xAB)
        case .startEVCharging: (0x27, 0xAC)
        case .stopEVCharging: (0x27, 0xAD)
        case .stopSession: (0x27, 0xAE)
        }
    }

    /// Writes the whole frame into `storage`; returns its length. The request ID is the host's
    /// (never 0xFF, §3.3).
    public func encode(requestID: UInt8, into storage: UnsafeMutableRawBufferPointer) throws(HCIError) -> Int {
        let (module, sub) = ids
        return try HCIFrame.encode(module: module, sub: sub, requestID: requestID, into: storage) { (w: inout HCIWriter) throws(HCIError) in
            try writePayload(&w)
        }
    }

    func writePayload(_ w: inout HCIWriter) throws(HCIError) {
        switch self {
        case .getFirmwareVersion, .restart, .ping, .getPilotMode, .startPilot, .stopPilot, .getDutyCycle, .getResistor,
             .getPilotState, .stopSlac, .startMatching, .getV2GMode, .startV2G, .stopV2G, .getConfiguration,
             .getDCChargingParameters, .getACChargingParameters, .getSDPConfiguration, .startListen, .startCharging,
             .stopCharging, .stopListen, .getEVConfiguration, .getEVDCChargingParameters, .getEVACChargingParameters,
             .startSession, .startCableCheck, .startPreCharging, .startEVCharging, .stopSession:
            break
        case .setPortMirror(let on): try w.bool(on)
        case .setPilotMode(let role), .startSlac(let role), .setV2GMode(let role): try w.u8(role.rawValue)
        case .setDutyCycle(let d):
            guard d <= 1000 else { throw .badValue(module: w.module, sub: w.sub, field: "duty cycle", value: Int(d)) }
            try w.u16(d)
        case .setResistor(let r): try w.u8(r.rawValue)
        case .setValidation(let on): try w.bool(on)
        case let .joinNetwork(nid, high, low):
            try w.bigEndian(nid, 7)
            try w.u64(high)
            try w.u64(low)
        case .setConfiguration(let c): try c.write(&w)
        case .setDCChargingParameters(let p): try p.write(&w)
        case .updateDCChargingParameters(let p): try p.write(&w)
        case .setACChargingParameters(let p): try p.write(&w)
        case let .updateACChargingParameters(rcd, current):
            try w.bool(rcd)
            try w.optionalPhysical(current)
        case .setSDPConfiguration(let p): try p.write(&w)
        case .setAuthorization(let ok): try w.u8(ok ? 0 : 1) // 0x00 = authorized (§11.1)
        case .setSchedules(let s): try s.write(&w)
        case .setCableCheckFinished(let ok): try w.u8(ok ? 0 : 1) // 0x00 = OK
        case let .sendNotification(renegotiation, delay):
            try w.bool(renegotiation)
            try w.u16(delay)
        case .setSessionParameterTimeout(let ms): try w.u16(ms)
        case .evseGen1(let g): try g.write(&w)
        case .setEVConfiguration(let c): try c.write(&w)
        case .setEVDCChargingParameters(let p): try p.write(&w)
        case .updateEVDCChargingParameters(let p): try p.write(&w)
        case .setEVACChargingParameters(let p):
            try p.limits.write(&w)
            try w.physical(p.energyRequest)
            try w.u32(p.departureTime)
        case .updateEVACChargingParameters(let l): try l.write(&w)
        case .setChargingProfile(let p): try p.write(&w)
        case .stopEVCharging(let renegotiation): try w.bool(renegotiation)
        }
    }

    /// Decodes a request's payload (the module's side: the emulator). Unknown (module, sub) pairs are
    /// typed errors; so are the commands whose layout the spec leaves unclear (0x73, 0x74). `evse`
    /// says which EVSE API the module speaks: 0x27/0x60–0x72 mean different commands in each (§0.1);
    /// generation 2 unless told, the only one before generation 1 was added.
    public static func decode(_ header: HCIHeader, payload: UnsafeRawBufferPointer,
                              evse: EVSEFirmwareGeneration = .gen2) throws(HCIError) -> HCIRequest {
        var r = HCIReader(payload, module: header.module, sub: header.sub)
        let request = try decodeFields(&r, evse)
        try r.finish()
        return request
    }

    static func decodeFields(_ r: inout HCIReader, _ evse: EVSEFirmwareGeneration) throws(HCIError) -> HCIRequest {
        if evse == .gen1, r.module == HCIModule.v2g {
            if EVSEGen1Request.isCommand(sub: r.sub) { return .evseGen1(try EVSEGen1Request(&r)) }
            // Gen-2-only commands (0x73–0x76) do not exist in generation 1.
            if (0x73 ... 0x76).contains(r.sub) { throw .unknownMessage(module: r.module, sub: r.sub) }
        }
        func role(_ r: inout HCIReader) throws(HCIError) -> ModuleRole {
            let b = try r.u8()
            guard let role = ModuleRole(rawValue: b) else { throw r.badValue("mode", b) }
            return role
        }
        switch (r.module, r.sub) {
        case (0x10, 0x41): return .getFirmwareVersion
        case (0x10, 0x48): return .restart
        case (0x05, 0x55): return .setPortMirror(try r.bool("port mirror"))
        case (0x0E, 0x00): return .ping
        case (0x29, 0x40): return .setPilotMode(try role(&r))
        case (0x29, 0x41): return .getPilotMode
        case (0x29, 0x42): return .startPilot
        case (0x29, 0x43): return .stopPilot
        case (0x29, 0x44):
            let d = try r.u16()
            guard d <= 1000 else { throw r.badValue("duty cycle", d) }
            return .setDutyCycle(permille: d)
        case (0x29, 0x45): return .getDutyCycle
        case (0x29, 0x46):
            let b = try r.u8()
            guard let resistor = PilotResistor(rawValue: b) else { throw r.badValue("resistor", b) }
            return .setResistor(resistor)
        case (0x29, 0x47): return .getResistor
        case (0x29, 0x48): return .getPilotState
        case (0x28, 0x42): return .startSlac(try role(&r))
        case (0x28, 0x43): return .stopSlac
        case (0x28, 0x44): return .startMatching
        case (0x28, 0x4B): return .setValidation(enabled: try r.bool("validation"))
        case (0x28, 0x4D): return .joinNetwork(nid: try r.bigEndian(7), nmkHigh: try r.u64(), nmkLow: try r.u64())
        case (0x27, 0x40): return .setV2GMode(try role(&r))
        case (0x27, 0x41): return .getV2GMode
        case (0x27, 0x42): return .startV2G
        case (0x27, 0x43): return .stopV2G
        case (0x27, 0x60): return .setConfiguration(try EVSEConfiguration(&r))
        case (0x27, 0x61): return .getConfiguration
        case (0x27, 0x62): return .setDCChargingParameters(try EVSEDCLimits(&r))
        case (0x27, 0x63): return .updateDCChargingParameters(try EVSEDCPresentValues(&r))
        case (0x27, 0x64): return .getDCChargingParameters
        case (0x27, 0x65): return .setACChargingParameters(try EVSEACParameters(&r))
        case (0x27, 0x66): return .updateACChargingParameters(rcdError: try r.bool("RCD"), maximumCurrent: try r.optionalPhysical("maximum current"))
        case (0x27, 0x67): return .getACChargingParameters
        case (0x27, 0x68): return .setSDPConfiguration(try SDPPorts(&r))
        case (0x27, 0x69): return .getSDPConfiguration
        case (0x27, 0x6A): return .startListen
        case (0x27, 0x6B): return .setAuthorization(authorized: !(try r.bool("authorization status")))
        case (0x27, 0x6C): return .setSchedules(try EVSESchedules(&r))
        case (0x27, 0x6D): return .setCableCheckFinished(ok: !(try r.bool("cable check status")))
        case (0x27, 0x6E): return .startCharging
        case (0x27, 0x6F): return .stopCharging
        case (0x27, 0x70): return .stopListen
        case (0x27, 0x73), (0x27, 0x74): throw .unsupportedLayout(module: r.module, sub: r.sub)
        case (0x27, 0x75): return .sendNotification(renegotiation: try r.bool("renegotiation"), maximumDelay: try r.u16())
        case (0x27, 0x76): return .setSessionParameterTimeout(milliseconds: try r.u16())
        case (0x27, 0xA0): return .setEVConfiguration(try EVConfiguration(&r))
        case (0x27, 0xA1): return .getEVConfiguration
        case (0x27, 0xA2): return .setEVDCChargingParameters(try EVDCParameters(&r))
        case (0x27, 0xA3): return .updateEVDCChargingParameters(try EVDCUpdate(&r))
        case (0x27, 0xA4): return .getEVDCChargingParameters
        case (0x27, 0xA5):
            return .setEVACChargingParameters(EVACParameters(limits: try EVLimits(&r), energyRequest: try r.physical(), departureTime: try r.u32()))
        case (0x27, 0xA6): return .updateEVACChargingParameters(try EVLimits(&r))
        case (0x27, 0xA7): return .getEVACChargingParameters
        case (0x27, 0xA8): return .setChargingProfile(try ChargingProfile(&r))
        case (0x27, 0xA9): return .startSession
        case (0x27, 0xAA): return .startCableCheck
        case (0x27, 0xAB): return .startPreCharging
        case (0x27, 0xAC): return .startEVCharging
        case (0x27, 0xAD): return .stopEVCharging(renegotiation: try r.bool("renegotiation"))
        case (0x27, 0xAE): return .stopSession
        case (0x05, _), (0x0E, _), (0x10, _), (0x27, _), (0x28, _), (0x29, _):
            throw .unknownMessage(module: r.module, sub: r.sub)
        default:
            throw .unknownModule(r.module)
        }
    }
}
