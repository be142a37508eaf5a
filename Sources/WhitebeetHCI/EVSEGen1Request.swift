/// An EVSE Gen-1 host command (firmware V01_01_0x; whitebeet-hci.md §12.1, payloads §12.3), module
/// 0x27, sub IDs 0x60–0x72. The same sub IDs mean other things in Gen-2 (§11.1), so a Gen-1 command
/// is its own type, carried as `HCIRequest.evseGen1` and decoded only when the caller says the module
/// runs generation 1. V2G start/stop (0x42/0x43, §10) are the shared `HCIRequest.startV2G`/`stopV2G`.
public enum EVSEGen1Request: Equatable, Sendable {
    /// 0x60: 0 = DIN 70121:2012, 2 = ISO 15118-2:2014. FreeV2G allows only those two; 1 is
    /// [unclear] and refused here (`badValue`), as is anything above 2.
    case setSupportedProtocols(CodeList)
    case getSupportedProtocols
    /// 0x62: ports 49152…65534 (unsecured mandatory in FreeV2G; optional on the wire).
    case setSDPConfiguration(SDPPorts)
    case getSDPConfiguration
    /// 0x64: nil = the empty list (presence byte 0); else 0 = external payment, 1 = contract.
    case setPaymentOptions(CodeList?)
    case getPaymentOptions
    /// 0x66: energy transfer modes 0…5 (§11.1).
    case setEnergyTransferModes(CodeList)
    case getEnergyTransferModes
    /// 0x68: the EVSE ID (≤ 38 ASCII characters), or nil = "no EVSE ID available" (the single byte 0x01).
    case setEVSEID(HCIText?)
    /// 0x69: 0x00 = authorized, 0x01 = not authorized.
    case setAuthorization(authorized: Bool)
    case setDiscoveryChargeParameters(EVSEGen1Answer<Gen1DiscoveryParameters>)
    case setSchedules(EVSEGen1Answer<Gen1Schedules>)
    /// 0x6C: 0x00 = OK, 0x01 = failed.
    case setCableCheckStatus(ok: Bool)
    case setCableCheckParameters(EVSEGen1Answer<Gen1IsolationStatus>)
    case setPreChargeParameters(EVSEGen1Answer<Gen1PresentVoltage>)
    case setStartChargingStatus(EVSEGen1Answer<Gen1StartChargingStatus>)
    case setChargeLoopParameters(EVSEGen1Answer<Gen1ChargeLoopParameters>)
    case setStopChargingStatus(EVSEGen1Answer<Gen1IsolationStatus>)
    case setPostChargeParameters(EVSEGen1Answer<Gen1PresentVoltage>)

    public static let evseIDLimit = 38

    public var sub: UInt8 {
        switch self {
        case .setSupportedProtocols: 0x60
        case .getSupportedProtocols: 0x61
        case .setSDPConfiguration: 0x62
        case .getSDPConfiguration: 0x63
        case .setPaymentOptions: 0x64
        case .getPaymentOptions: 0x65
        case .setEnergyTransferModes: 0x66
        case .getEnergyTransferModes: 0x67
        case .setEVSEID: 0x68
        case .setAuthorization: 0x69
        case .setDiscoveryChargeParameters: 0x6A
        case .setSchedules: 0x6B
        case .setCableCheckStatus: 0x6C
        case .setCableCheckParameters: 0x6D
        case .setPreChargeParameters: 0x6E
        case .setStartChargingStatus: 0x6F
        case .setChargeLoopParameters: 0x70
        case .setStopChargingStatus: 0x71
        case .setPostChargeParameters: 0x72
        }
    }

    /// The sub IDs of Gen-1 commands (0x60–0x72).
    public static func isCommand(sub: UInt8) -> Bool { (0x60 ... 0x72).contains(sub) }

    func write(_ w: inout HCIWriter) throws(HCIError) {
        switch self {
        case .getSupportedProtocols, .getSDPConfiguration, .getPaymentOptions, .getEnergyTransferModes: break
        case .setSupportedProtocols(let p):
            try Self.check(p, "protocols", allowed: Self.protocolAllowed, &w)
            try w.codes(p)
        case .setSDPConfiguration(let ports):
            try Self.check(ports, { (f: String, v: Int) -> HCIError in .badValue(module: w.module, sub: w.sub, field: f, value: v) })
            try ports.write(&w)
        case .setPaymentOptions(let list):
            try w.bool(list != nil)
            if let list {
                try Self.check(list, "payment options", allowed: { $0 <= 1 }, &w)
                try w.codes(list)
            }
        case .setEnergyTransferModes(let modes):
            try Self.check(modes, "energy transfer modes", allowed: { $0 <= 5 }, &w)
            try w.codes(modes)
        case .setEVSEID(let id):
            guard let id else { return try w.u8(1) }
            guard id.count <= Self.evseIDLimit else {
                throw .tooManyItems(module: w.module, sub: w.sub, field: "EVSE ID", count: id.count, limit: Self.evseIDLimit)
            }
            for i in 0 ..< id.count where id[i] >= 0x80 { throw .badValue(module: w.module, sub: w.sub, field: "EVSE ID character", value: Int(id[i])) }
            try w.u8(0)
            try w.text(id)
        case .setAuthorization(let ok): try w.u8(ok ? 0 : 1)
        case .setCableCheckStatus(let ok): try w.u8(ok ? 0 : 1)
        case .setDiscoveryChargeParameters(let a): try a.write(&w)
        case .setSchedules(let a): try a.write(&w)
        case .setCableCheckParameters(let a), .setStopChargingStatus(let a): try a.write(&w)
        case .setPreChargeParameters(let a), .setPostChargeParameters(let a): try a.write(&w)
        case .setStartChargingStatus(let a): try a.write(&w)
        case .setChargeLoopParameters(let a): try a.write(&w)
        }
    }

    /// The module's side: the command of `r.sub` (0x60–0x72) from its payload; `r.finish` is the caller's.
    init(_ r: inout HCIReader) throws(HCIError) {
        switch r.sub {
        case 0x60:
            let p = try r.codes("protocols")
            try Self.check(p, "protocols", allowed: Self.protocolAllowed, &r)
            self = .setSupportedProtocols(p)
        case 0x61: self = .getSupportedProtocols
        case 0x62:
            let ports = try SDPPorts(&r)
            let (m, s) = (r.module, r.sub)
            try Self.check(ports, { (f: String, v: Int) -> HCIError in .badValue(module: m, sub: s, field: f, value: v) })
            self = .setSDPConfiguration(ports)
        case 0x63: self = .getSDPConfiguration
        case 0x64:
            if try r.present("payment options") {
                let list = try r.codes("payment options")
                try Self.check(list, "payment options", allowed: { $0 <= 1 }, &r)
                self = .setPaymentOptions(list)
            } else {
                self = .setPaymentOptions(nil)
            }
        case 0x65: self = .getPaymentOptions
        case 0x66:
            let modes = try r.codes("energy transfer modes")
            try Self.check(modes, "energy transfer modes", allowed: { $0 <= 5 }, &r)
            self = .setEnergyTransferModes(modes)
        case 0x67: self = .getEnergyTransferModes
        case 0x68:
            let flag = try r.u8()
            switch flag {
            case 0:
                let id = try r.text("EVSE ID", limit: Self.evseIDLimit)
                for i in 0 ..< id.count where id[i] >= 0x80 { throw r.badValue("EVSE ID character", id[i]) }
                self = .setEVSEID(id)
            case 1: self = .setEVSEID(nil)
            default: throw r.badValue("EVSE ID flag", flag)
            }
        case 0x69: self = .setAuthorization(authorized: !(try r.bool("authorization status")))
        case 0x6A: self = .setDiscoveryChargeParameters(try EVSEGen1Answer(&r))
        case 0x6B: self = .setSchedules(try EVSEGen1Answer(&r))
        case 0x6C: self = .setCableCheckStatus(ok: !(try r.bool("cable check status")))
        case 0x6D: self = .setCableCheckParameters(try EVSEGen1Answer(&r))
        case 0x6E: self = .setPreChargeParameters(try EVSEGen1Answer(&r))
        case 0x6F: self = .setStartChargingStatus(try EVSEGen1Answer(&r))
        case 0x70: self = .setChargeLoopParameters(try EVSEGen1Answer(&r))
        case 0x71: self = .setStopChargingStatus(try EVSEGen1Answer(&r))
        case 0x72: self = .setPostChargeParameters(try EVSEGen1Answer(&r))
        default: throw .unknownMessage(module: r.module, sub: r.sub)
        }
    }

    static func protocolAllowed(_ code: UInt8) -> Bool { code == 0 || code == 2 }

    static func check(_ list: CodeList, _ field: String, allowed: (UInt8) -> Bool, _ w: inout HCIWriter) throws(HCIError) {
        for i in 0 ..< list.count where !allowed(list[i]) {
            throw .badValue(module: w.module, sub: w.sub, field: field, value: Int(list[i]))
        }
    }

    static func check(_ list: CodeList, _ field: String, allowed: (UInt8) -> Bool, _ r: inout HCIReader) throws(HCIError) {
        for i in 0 ..< list.count where !allowed(list[i]) { throw r.badValue(field, list[i]) }
    }

    /// SDP ports 49152…65534, different from each other (§11.1, §12.1).
    static func check(_ ports: SDPPorts, _ error: (String, Int) -> HCIError) throws(HCIError) {
        if let u = ports.unsecured, !(49152 ... 65534).contains(u) { throw error("unsecured port", Int(u)) }
        if let s = ports.secured, !(49152 ... 65534).contains(s) { throw error("secured port", Int(s)) }
        if let u = ports.unsecured, let s = ports.secured, u == s { throw error("secured port", Int(s)) }
    }
}
