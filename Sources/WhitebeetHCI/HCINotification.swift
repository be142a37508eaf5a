/// An unsolicited module → host message (whitebeet-hci.md §3.4): sub ID ≥ 0x80 (V2G EV commands
/// 0xA0–0xAF excepted), request ID 0xFF (older V2G firmware 0x00), never acknowledged on the wire.
/// Some ask for an answer by a separate command within the timeout they carry (ms).
public enum HCINotification: Equatable, Sendable {
    // Network 0x05 (§6): 0x80 status, 0x81 "interface up" — one byte each, meaning [unclear].
    case networkStatus(sub: UInt8, value: UInt8)
    // CP 0x29 (§8)
    case pilotStateChanged(PilotStateCode)
    // SLAC 0x28 (§9)
    case slacMatched
    case slacMatchFailed
    case slacJoinStatus(joined: Bool)
    // V2G EVSE Gen-2 (§11.2)
    case sessionStarted(SessionStarted)
    /// 0x81 with EIM; the PnC variant's certificate layout is unclear (`unsupportedLayout`).
    case paymentSelected(method: UInt8)
    case authorizationRequested(timeoutMilliseconds: UInt32)
    case energyTransferModeSelected(EnergyTransferModeSelected)
    case schedulesRequested(timeoutMilliseconds: UInt32, maximumEntries: UInt16)
    case dcChargeParametersChanged(EVDCStatus)
    case acChargeParametersChanged(EVACStatus)
    case cableCheckRequested(timeoutMilliseconds: UInt32)
    case preChargeStarted
    case startChargingRequested(StartChargingRequested)
    case stopChargingRequested(timeoutMilliseconds: UInt32, renegotiation: Bool)
    case weldingDetectionStarted
    /// 0x8C: closure type 0 = terminate, 1 = pause [inferred].
    case sessionStopped(closure: UInt8)
    /// 0x8E: the session error table of §11.2 (23 = charge parameters not updated in time).
    case sessionError(code: UInt8)
    case meteringReceiptStatus(verified: Bool)
    /// V2G EVSE Gen-1 (§12.2): the parameter requests 0x80–0x8C of firmware V01_01_0x.
    case evseGen1(EVSEGen1Notification)
    // V2G EV (§13.2)
    case evSessionStarted(EVSessionStarted)
    case evseDCChargeParametersChanged(EVSEDCStatus)
    case evseACChargeParametersChanged(nominalVoltage: PhysicalValue, maximumCurrent: PhysicalValue, rcdError: Bool)
    case scheduleReceived(EVScheduleReceived)
    case cableCheckReady
    case cableCheckFinished
    case preChargingReady
    case chargingReady
    case chargingStarted
    case chargingStopped
    case postChargingReady
    case evSessionStopped
    /// 0xCC: the EVSE asks to stop (kind 0) or renegotiate (1) within `maximumDelay` s.
    case evseNotification(kind: UInt8, maximumDelay: UInt16)
    case evSessionError(code: UInt8)

    public var ids: (module: UInt8, sub: UInt8) {
        switch self {
        case .networkStatus(let sub, _): (0x05, sub)
        case .pilotStateChanged: (0x29, 0x81)
        case .slacMatched: (0x28, 0x80)
        case .slacMatchFailed: (0x28, 0x81)
        case .slacJoinStatus: (0x28, 0x84)
        case .sessionStarted: (0x27, 0x80)
        case .paymentSelected: (0x27, 0x81)
        case .authorizationRequested: (0x27, 0x82)
        case .energyTransferModeSelected: (0x27, 0x83)
        case .schedulesRequested: (0x27, 0x84)
        case .dcChargeParametersChanged: (0x27, 0x85)
        case .acChargeParametersChanged: (0x27, 0x86)
        case .cableCheckRequested: (0x27, 0x87)
        case .preChargeStarted: (0x27, 0x88)
        case .startChargingRequested: (0x27, 0x89)
        case .stopChargingRequested: (0x27, 0x8A)
        case .weldingDetectionStarted: (0x27, 0x8B)
        case .sessionStopped: (0x27, 0x8C)
        case .sessionError: (0x27, 0x8E)
        case .meteringReceiptStatus: (0x27, 0x91)
        case .evseGen1(let g): (0x27, g.sub)
        case .evSessionStarted: (0x27, 0xC0)
        case .evseDCChargeParametersChanged: (0x27, 0xC1)
        case .evseACChargeParametersChanged: (0x27, 0xC2)
        case .scheduleReceived: (0x27, 0xC3)
        case .cableCheckReady: (0x27, 0xC4)
        case .cableCheckFinished: (0x27, 0xC5)
        case .preChargingReady: (0x27, 0xC6)
        case .chargingReady: (0x27, 0xC7)
        case .chargingStarted: (0x27, 0xC8)
        case .chargingStopped: (0x27, 0xC9)
        case .postChargingReady: (0x27, 0xCA)
        case .evSessionStopped: (0x27, 0xCB)
        case .evseNotification: (0x27, 0xCC)
        case .evSessionError: (0x27, 0xCD)
        }
    }

    public func encode(requestID: UInt8 = HCIFrame.notificationRequestID, into storage: UnsafeMutableRawBufferPointer) throws(HCIError) -> Int {
        let (module, sub) = ids
        return try HCIFrame.encode(module: module, sub: sub, requestID: requestID, into: storage) { (w: inout HCIWriter) throws(HCIError) in
            try writePayload(&w)
        }
    }

    func writePayload(_ w: inout HCIWriter) throws(HCIError) {
        switch self {
        case .slacMatched, .slacMatchFailed, .preChargeStarted, .weldingDetectionStarted, .cableCheckReady, .cableCheckFinished,
             .preChargingReady, .chargingReady, .chargingStarted, .chargingStopped, .postChargingReady, .evSessionStopped:
            break
        case .networkStatus(let sub, let value):
            guard sub == 0x80 || sub == 0x81 else { throw .unknownMessage(module: 0x05, sub: sub) }
            try w.u8(value)
        case .pilotStateChanged(let s): try w.u8(s.rawValue)
        case .slacJoinStatus(let joined): try w.bool(joined)
        case .sessionStarted(let s): try s.write(&w)
        case .paymentSelected(let m):
            guard m == PaymentMethodCode.externalPayment else { throw .unsupportedLayout(module: w.module, sub: w.sub) }
            try w.u8(m)
        case .authorizationRequested(let t), .cableCheckRequested(let t): try w.u32(t)
        case .energyTransferModeSelected(let p): try p.write(&w)
        case let .schedulesRequested(t, n):
            try w.u32(t)
            try w.u16(n)
        case .dcChargeParametersChanged(let s): try s.write(&w)
        case .acChargeParametersChanged(let s):
            try w.physical(s.maximumVoltage)
            try w.physical(s.minimumCurrent)
            try w.physical(s.maximumCurrent)
            try w.physical(s.energyAmount)
        case .startChargingRequested(let s): try s.write(&w)
        case let .stopChargingRequested(t, renegotiation):
            try w.u32(t)
            try w.bool(renegotiation)
        case .sessionStopped(let c): try w.u8(c)
        case .sessionError(let c), .evSessionError(let c): try w.u8(c)
        case .meteringReceiptStatus(let v): try w.bool(v)
        case .evseGen1(let g): try g.write(&w)
        case .evSessionStarted(let s):
            try w.u8(s.protocolCode)
            try w.u64(s.sessionID)
            try w.text(s.evseID)
            try w.u8(s.paymentMethod)
            try w.u8(s.energyTransferMode)
        case .evseDCChargeParametersChanged(let s): try s.write(&w)
        case let .evseACChargeParametersChanged(v, i, rcd):
            try w.physical(v)
            try w.physical(i)
            try w.bool(rcd)
        case .scheduleReceived(let s):
            try w.u8(s.tupleCount)
            try s.tuple.write(&w)
        case let .evseNotification(kind, delay):
            try w.u8(kind)
            try w.u16(delay)
        }
    }

    static func decode(_ r: inout HCIReader, _ evse: EVSEFirmwareGeneration) throws(HCIError) -> HCINotification {
        let n = try decodeFields(&r, evse)
        try r.finish()
        return n
    }

    static func decodeFields(_ r: inout HCIReader, _ evse: EVSEFirmwareGeneration) throws(HCIError) -> HCINotification {
        if evse == .gen1, r.module == HCIModule.v2g, (0x80 ... 0x91).contains(r.sub) {
            // 0x80–0x8C are generation 1's own (§12.2); Gen-2's 0x8D–0x91 do not exist there.
            guard EVSEGen1Notification.isNotification(sub: r.sub) else { throw .unknownMessage(module: r.module, sub: r.sub) }
            return .evseGen1(try EVSEGen1Notification(&r))
        }
        switch (r.module, r.sub) {
        case (0x05, 0x80), (0x05, 0x81): return .networkStatus(sub: r.sub, value: try r.u8())
        case (0x29, 0x81):
            let b = try r.u8()
            guard let s = PilotStateCode(rawValue: b) else { throw r.badValue("CP state", b) }
            return .pilotStateChanged(s)
        case (0x28, 0x80): return .slacMatched
        case (0x28, 0x81): return .slacMatchFailed
        case (0x28, 0x84): return .slacJoinStatus(joined: try r.bool("join status"))
        case (0x27, 0x80): return .sessionStarted(try SessionStarted(&r))
        case (0x27, 0x81):
            let m = try r.u8()
            guard m == PaymentMethodCode.externalPayment else {
                if m == PaymentMethodCode.contract { throw .unsupportedLayout(module: r.module, sub: r.sub) }
                throw r.badValue("payment method", m)
            }
            return .paymentSelected(method: m)
        case (0x27, 0x82): return .authorizationRequested(timeoutMilliseconds: try r.u32())
        case (0x27, 0x83): return .energyTransferModeSelected(try EnergyTransferModeSelected(&r))
        case (0x27, 0x84): return .schedulesRequested(timeoutMilliseconds: try r.u32(), maximumEntries: try r.u16())
        case (0x27, 0x85): return .dcChargeParametersChanged(try EVDCStatus(&r))
        case (0x27, 0x86):
            return .acChargeParametersChanged(EVACStatus(maximumVoltage: try r.physical(), minimumCurrent: try r.physical(),
                                                         maximumCurrent: try r.physical(), energyAmount: try r.physical()))
        case (0x27, 0x87): return .cableCheckRequested(timeoutMilliseconds: try r.u32())
        case (0x27, 0x88): return .preChargeStarted
        case (0x27, 0x89): return .startChargingRequested(try StartChargingRequested(&r))
        case (0x27, 0x8A): return .stopChargingRequested(timeoutMilliseconds: try r.u32(), renegotiation: try r.bool("renegotiation"))
        case (0x27, 0x8B): return .weldingDetectionStarted
        case (0x27, 0x8C): return .sessionStopped(closure: try r.u8())
        case (0x27, 0x8D), (0x27, 0x8F), (0x27, 0x90): throw .unsupportedLayout(module: r.module, sub: r.sub)
        case (0x27, 0x8E): return .sessionError(code: try r.u8())
        case (0x27, 0x91): return .meteringReceiptStatus(verified: try r.bool("receipt verified"))
        case (0x27, 0xC0):
            return .evSessionStarted(EVSessionStarted(protocolCode: try r.u8(), sessionID: try r.u64(), evseID: try r.text("EVSE ID"),
                                                      paymentMethod: try r.u8(), energyTransferMode: try r.u8()))
        case (0x27, 0xC1): return .evseDCChargeParametersChanged(try EVSEDCStatus(&r))
        case (0x27, 0xC2):
            return .evseACChargeParametersChanged(nominalVoltage: try r.physical(), maximumCurrent: try r.physical(), rcdError: try r.bool("RCD"))
        case (0x27, 0xC3): return .scheduleReceived(EVScheduleReceived(tupleCount: try r.u8(), tuple: try ScheduleTuple(&r)))
        case (0x27, 0xC4): return .cableCheckReady
        case (0x27, 0xC5): return .cableCheckFinished
        case (0x27, 0xC6): return .preChargingReady
        case (0x27, 0xC7): return .chargingReady
        case (0x27, 0xC8): return .chargingStarted
        case (0x27, 0xC9): return .chargingStopped
        case (0x27, 0xCA): return .postChargingReady
        case (0x27, 0xCB): return .evSessionStopped
        case (0x27, 0xCC): return .evseNotification(kind: try r.u8(), maximumDelay: try r.u16())
        case (0x27, 0xCD): return .evSessionError(code: try r.u8())
        case (0x05, _), (0x0E, _), (0x10, _), (0x27, _), (0x28, _), (0x29, _):
            throw .unknownMessage(module: r.module, sub: r.sub)
        default: throw .unknownModule(r.module)
        }
    }
}

/// Anything the module sends: a response, a notification, or a framing error (module 0xFF).
public enum HCIModuleMessage: Equatable, Sendable {
    case response(HCIResponse)
    case notification(HCINotification, requestID: UInt8)
    /// Module 0xFF; the sub ID is the status (0xF3 = missing end of frame). Its payload is [unclear]
    /// and not read; the request ID is taken to be the offending request's [inferred].
    case framingError(status: UInt8, requestID: UInt8)

    /// Whether (module, sub) is a notification: sub ≥ 0x80 except the EV command range 0xA0–0xAF of V2G.
    public static func isNotification(module: UInt8, sub: UInt8) -> Bool {
        guard module != HCIModule.ping, sub >= 0x80 else { return false }
        return !(module == HCIModule.v2g && (0xA0 ... 0xAF).contains(sub))
    }

    /// Decodes the payload of a frame the module sent. `evse` says which EVSE API the module speaks
    /// (0x27 sub IDs 0x60–0x72 and 0x80–0x8C collide, §0.1); generation 2 unless told.
    public static func decode(_ header: HCIHeader, payload: UnsafeRawBufferPointer,
                              evse: EVSEFirmwareGeneration = .gen2) throws(HCIError) -> HCIModuleMessage {
        if header.module == HCIModule.framing { return .framingError(status: header.sub, requestID: header.requestID) }
        var r = HCIReader(payload, module: header.module, sub: header.sub)
        if isNotification(module: header.module, sub: header.sub) {
            return .notification(try HCINotification.decode(&r, evse), requestID: header.requestID)
        }
        return .response(try HCIResponse.decode(&r, requestID: header.requestID, evse: evse))
    }

    /// Parses one whole frame (start … end) from the module and decodes it.
    public static func decode(frame: UnsafeRawBufferPointer, payloadLimit: Int = 65535,
                              evse: EVSEFirmwareGeneration = .gen2) throws(HCIError) -> HCIModuleMessage {
        let header = try HCIFrame.parse(frame, payloadLimit: payloadLimit)
        return try decode(header, payload: UnsafeRawBufferPointer(rebasing: frame[HCIFrame.headerLength ..< HCIFrame.headerLength + header.payloadLength]),
                          evse: evse)
    }

    public func encode(into storage: UnsafeMutableRawBufferPointer) throws(HCIError) -> Int {
        switch self {
        case .response(let r): return try r.encode(into: storage)
        case let .notification(n, id): return try n.encode(requestID: id, into: storage)
        case let .framingError(status, id):
            return try HCIFrame.encode(module: HCIModule.framing, sub: status, requestID: id, into: storage) { (_: inout HCIWriter) throws(HCIError) in }
        }
    }
}

extension HCIRequest {
    /// Parses one whole frame from the host and decodes the request (the module's side).
    public static func decode(frame: UnsafeRawBufferPointer, payloadLimit: Int = 65535,
                              evse: EVSEFirmwareGeneration = .gen2) throws(HCIError) -> (request: HCIRequest, requestID: UInt8) {
        let header = try HCIFrame.parse(frame, payloadLimit: payloadLimit)
        let request = try decode(header, payload: UnsafeRawBufferPointer(rebasing: frame[HCIFrame.headerLength ..< HCIFrame.headerLength + header.payloadLength]),
                                 evse: evse)
        return (request, header.requestID)
    }
}
