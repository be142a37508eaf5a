import DIN70121
import EXI
import V2G

/// The SECC's DIN SPEC 70121 messages: decodes a request into a preallocated `V2G_Message` and reads
/// what the session needs into `SECCRequest`; builds the response of the same type from an
/// `SECCAnswer` in a second preallocated message and encodes it into the caller's buffer. DIN 70121
/// §9 (DC EIM): ServicePaymentSelection and ContractAuthentication; EVSENotification always None
/// [V2G-DC-500]; EVSEID hexBinary.
final class SECCDINMessages {
    private var request = DIN70121.V2G_Message()
    private var response = DIN70121.V2G_Message()
    private let configuration: SECCConfiguration
    private let evseID: EXIBytes<32>

    init(configuration: SECCConfiguration) {
        self.configuration = configuration
        evseID = EXIBytes<32>(configuration.dinEVSEID.prefix(32)) ?? EXIBytes<32>()
    }

    /// The request a `decode` that failed with `error` had reached, when the message is valid but beyond a
    /// storage bound (issue 15) and is one this SECC answers: its type and session id, so the SECC answers it
    /// FAILED instead of dropping the connection. Only when the error lies inside the body element whose case
    /// the storage holds (its path starts `V2G_Message/Body/<element>`): the generated decoder sets that case
    /// before decoding its content, and the header before it was decoded whole; an error anywhere else leaves
    /// an earlier message's body in storage, which must never be answered. A path deeper than eight no longer
    /// shows its start: a decode error then (the bounded lists of DIN and ISO-2 requests lie within six).
    func partlyDecoded(_ error: EXIError) -> (kind: V2GRequestKind, sessionID: UInt64)? {
        guard error.isBeyondStorageBound else { return nil }
        let kind: V2GRequestKind
        let element: StaticString
        switch request.Body.BodyElement {
        case .SessionSetupReq?: kind = .sessionSetup; element = "SessionSetupReq"
        case .ServiceDiscoveryReq?: kind = .serviceDiscovery; element = "ServiceDiscoveryReq"
        case .ServiceDetailReq?: kind = .serviceDetail; element = "ServiceDetailReq"
        case .ServicePaymentSelectionReq?: kind = .paymentServiceSelection; element = "ServicePaymentSelectionReq"
        case .ContractAuthenticationReq?: kind = .authorization; element = "ContractAuthenticationReq"
        case .ChargeParameterDiscoveryReq?: kind = .chargeParameterDiscovery; element = "ChargeParameterDiscoveryReq"
        case .CableCheckReq?: kind = .cableCheck; element = "CableCheckReq"
        case .PreChargeReq?: kind = .preCharge; element = "PreChargeReq"
        case .PowerDeliveryReq(let r)?: kind = r.ReadyToChargeState ? .powerDeliveryStart : .powerDeliveryStop; element = "PowerDeliveryReq"
        case .CurrentDemandReq?: kind = .currentDemand; element = "CurrentDemandReq"
        case .WeldingDetectionReq?: kind = .weldingDetection; element = "WeldingDetectionReq"
        case .SessionStopReq?: kind = .sessionStop; element = "SessionStopReq"
        default: return nil
        }
        guard error.path.starts("V2G_Message", "Body", element) else { return nil }
        return (kind, V2GSessionClock.sessionID(request.Header.SessionID))
    }

    /// Decodes `payload`; false when it is a valid DIN message but not a request of this SECC (a
    /// response, an AC or certificate message): `out.kind` then says which, when known.
    // Not @_noAllocation: calls helpers in other files (V2GSessionClock, physical values) that a debug build's
    // checker cannot see; the DINCodec call it makes is checked, and the malloc-count test covers the rest.
    func decode(_ payload: RawSpan, into out: inout SECCRequest) throws(EXIError) -> Bool {
        try DINCodec.decode(payload, into: &request)
        out = SECCRequest()
        out.sessionID = V2GSessionClock.sessionID(request.Header.SessionID)
        switch request.Body.BodyElement {
        case .SessionSetupReq(let r)?:
            out.kind = .sessionSetup
            out.evccID = V2GSessionClock.sessionID(r.EVCCID)
        case .ServiceDiscoveryReq?:
            out.kind = .serviceDiscovery
        case .ServiceDetailReq(let r)?:
            out.kind = .serviceDetail
            out.serviceID = r.ServiceID
        case .ServicePaymentSelectionReq(let r)?:
            out.kind = .paymentServiceSelection
            out.externalPayment = r.SelectedPaymentOption == .ExternalPayment
            out.selectsChargeService = false
            var i = 0
            while i < r.SelectedServiceList.SelectedService.count {
                if r.SelectedServiceList.SelectedService[i].ServiceID == SECCServices.chargeServiceID { out.selectsChargeService = true }
                i += 1
            }
        case .ContractAuthenticationReq?:
            out.kind = .authorization
        case .ChargeParameterDiscoveryReq(let r)?:
            out.kind = .chargeParameterDiscovery
            switch r.EVRequestedEnergyTransferType {
            case .DC_core, .DC_extended, .DC_combo_core, .DC_unique: out.requestsDC = true
            default: out.requestsDC = false
            }
            if case .DC_EVChargeParameter(let p) = r.EVChargeParameter {
                read(p.DC_EVStatus, &out)
                out.maxVolts = value(p.EVMaximumVoltageLimit)
                out.maxAmps = value(p.EVMaximumCurrentLimit)
                out.maxWatts = p.EVMaximumPowerLimit.map(value) ?? 0
            } else {
                out.requestsDC = false
            }
        case .CableCheckReq(let r)?:
            out.kind = .cableCheck
            read(r.DC_EVStatus, &out)
        case .PreChargeReq(let r)?:
            out.kind = .preCharge
            read(r.DC_EVStatus, &out)
            out.targetVolts = value(r.EVTargetVoltage)
            out.targetAmps = value(r.EVTargetCurrent)
        case .PowerDeliveryReq(let r)?:
            out.kind = r.ReadyToChargeState ? .powerDeliveryStart : .powerDeliveryStop
            if case .DC_EVPowerDeliveryParameter(let p)? = r.EVPowerDeliveryParameter {
                read(p.DC_EVStatus, &out)
                out.chargingComplete = p.ChargingComplete
            }
        case .CurrentDemandReq(let r)?:
            out.kind = .currentDemand
            read(r.DC_EVStatus, &out)
            out.targetVolts = value(r.EVTargetVoltage)
            out.targetAmps = value(r.EVTargetCurrent)
            out.maxVolts = r.EVMaximumVoltageLimit.map(value) ?? 0
            out.maxAmps = r.EVMaximumCurrentLimit.map(value) ?? 0
            out.maxWatts = r.EVMaximumPowerLimit.map(value) ?? 0
            out.chargingComplete = r.ChargingComplete
        case .WeldingDetectionReq(let r)?:
            out.kind = .weldingDetection
            read(r.DC_EVStatus, &out)
        case .SessionStopReq?:
            out.kind = .sessionStop
        case .ChargingStatusReq?:
            out.kind = .chargingStatus
            return false
        case .MeteringReceiptReq?:
            out.kind = .meteringReceipt
            return false
        case .PaymentDetailsReq?:
            out.kind = .paymentDetails
            return false
        case .CertificateInstallationReq?:
            out.kind = .certificateInstallation
            return false
        case .CertificateUpdateReq?:
            out.kind = .certificateUpdate
            return false
        default:
            return false
        }
        return true
    }

    private func read(_ s: DIN70121.DC_EVStatus, _ out: inout SECCRequest) {
        out.evReady = s.EVReady
        out.evError = s.EVErrorCode != .NO_ERROR && s.EVErrorCode != .NoData
        out.soc = s.EVRESSSOC
    }

    private func value(_ p: DIN70121.PhysicalValue) -> Double { number(value: p.Value, multiplier: p.Multiplier) }

    private func physicalValue(_ x: Double, _ unit: DIN70121.UnitSymbol) -> DIN70121.PhysicalValue {
        let (v, m) = physical(x)
        return DIN70121.PhysicalValue(Multiplier: m, Unit: unit, Value: v)
    }

    private func code(_ c: SECCResponseCode) -> DIN70121.ResponseCode {
        switch c {
        case .ok: .OK
        case .newSessionEstablished: .OK_NewSessionEstablished
        case .oldSessionJoined: .OK_OldSessionJoined
        case .failed, .contactorError, .wrongEnergyTransferMode: .FAILED
        case .sequenceError: .FAILED_SequenceError
        case .unknownSession: .FAILED_UnknownSession
        case .serviceIDInvalid: .FAILED_ServiceIDInvalid
        case .serviceSelectionInvalid: .FAILED_ServiceSelectionInvalid
        case .paymentSelectionInvalid: .FAILED_PaymentSelectionInvalid
        case .wrongChargeParameter: .FAILED_WrongChargeParameter
        case .powerDeliveryNotApplied: .FAILED_PowerDeliveryNotApplied
        }
    }

    private func status(_ a: SECCAnswer) -> DIN70121.DC_EVSEStatus {
        var s = DIN70121.DC_EVSEStatus()
        switch a.isolation {
        case .invalid?: s.EVSEIsolationStatus = .Invalid
        case .valid?: s.EVSEIsolationStatus = .Valid
        case .warning?: s.EVSEIsolationStatus = .Warning
        case .fault?: s.EVSEIsolationStatus = .Fault
        case nil: s.EVSEIsolationStatus = nil
        }
        switch a.status {
        case .notReady: s.EVSEStatusCode = .EVSE_NotReady
        case .ready: s.EVSEStatusCode = .EVSE_Ready
        case .shutdown: s.EVSEStatusCode = .EVSE_Shutdown
        case .isolationMonitoringActive: s.EVSEStatusCode = .EVSE_IsolationMonitoringActive
        case .emergencyShutdown: s.EVSEStatusCode = .EVSE_EmergencyShutdown
        case .malfunction: s.EVSEStatusCode = .EVSE_Malfunction
        }
        s.NotificationMaxDelay = 0
        s.EVSENotification = .None  // [V2G-DC-500]: emergencies go through the CP and the status code
        return s
    }

    /// Builds and encodes the response to `a.kind`; returns the EXI length. Throws for kinds this SECC
    /// does not answer (the caller closes the connection).
    // Not @_noAllocation: copies `configuration` (arrays and strings: a retain/release the checker refuses).
    func encode(_ a: SECCAnswer, into output: inout MutableRawSpan) throws(EXIError) -> Int {
        let c = configuration
        response.Header = DIN70121.MessageHeader()
        response.Header.SessionID = V2GSessionClock.sessionIDBytes(a.sessionID)
        let rc = code(a.code)
        switch a.kind {
        case .sessionSetup:
            var r = DIN70121.SessionSetupRes()
            r.ResponseCode = rc
            r.EVSEID = evseID
            r.DateTimeNow = a.timestamp
            response.Body.BodyElement = .SessionSetupRes(r)
        case .serviceDiscovery:
            var r = DIN70121.ServiceDiscoveryRes()
            r.ResponseCode = rc
            _ = r.PaymentOptions.PaymentOption.append(.ExternalPayment)
            r.ChargeService.ServiceTag.ServiceID = SECCServices.chargeServiceID
            r.ChargeService.ServiceTag.ServiceCategory = .EVCharging
            r.ChargeService.FreeService = false
            r.ChargeService.EnergyTransferType = .DC_extended
            response.Body.BodyElement = .ServiceDiscoveryRes(r)
        case .serviceDetail:
            var r = DIN70121.ServiceDetailRes()
            r.ResponseCode = rc
            r.ServiceID = a.serviceID
            response.Body.BodyElement = .ServiceDetailRes(r)
        case .paymentServiceSelection:
            var r = DIN70121.ServicePaymentSelectionRes()
            r.ResponseCode = rc
            response.Body.BodyElement = .ServicePaymentSelectionRes(r)
        case .authorization:
            var r = DIN70121.ContractAuthenticationRes()
            r.ResponseCode = rc
            r.EVSEProcessing = a.ongoing ? .Ongoing : .Finished
            response.Body.BodyElement = .ContractAuthenticationRes(r)
        case .chargeParameterDiscovery:
            var r = DIN70121.ChargeParameterDiscoveryRes()
            r.ResponseCode = rc
            r.EVSEProcessing = a.ongoing ? .Ongoing : .Finished
            var tuple = DIN70121.SAScheduleTuple()
            tuple.SAScheduleTupleID = 1
            var entry = DIN70121.PMaxScheduleEntry()
            entry.TimeInterval = .RelativeTimeInterval(DIN70121.RelativeTimeInterval(start: 0, duration: c.scheduleSeconds))
            // DIN PMax is a bare int16 (kW in practice is not stated; Josev sends 200): watts / 1000 capped.
            entry.PMax = Int16(clamping: Int(c.maxWatts / 1000))
            _ = tuple.PMaxSchedule.PMaxScheduleEntry.append(entry)
            var list = DIN70121.SAScheduleList()
            _ = list.SAScheduleTuple.append(tuple)
            r.SASchedules = .SAScheduleList(list)
            var p = DIN70121.DC_EVSEChargeParameter()
            p.DC_EVSEStatus = status(a)
            p.EVSEMaximumCurrentLimit = physicalValue(c.maxAmps, .A)
            p.EVSEMaximumPowerLimit = physicalValue(c.maxWatts, .W)
            p.EVSEMaximumVoltageLimit = physicalValue(c.maxVolts, .V)
            p.EVSEMinimumCurrentLimit = physicalValue(c.minAmps, .A)
            p.EVSEMinimumVoltageLimit = physicalValue(c.minVolts, .V)
            p.EVSECurrentRegulationTolerance = physicalValue(c.currentRegulationTolerance, .A)
            p.EVSEPeakCurrentRipple = physicalValue(c.peakCurrentRipple, .A)
            r.EVSEChargeParameter = .DC_EVSEChargeParameter(p)
            response.Body.BodyElement = .ChargeParameterDiscoveryRes(r)
        case .cableCheck:
            var r = DIN70121.CableCheckRes()
            r.ResponseCode = rc
            r.DC_EVSEStatus = status(a)
            r.EVSEProcessing = a.ongoing ? .Ongoing : .Finished
            response.Body.BodyElement = .CableCheckRes(r)
        case .preCharge:
            var r = DIN70121.PreChargeRes()
            r.ResponseCode = rc
            r.DC_EVSEStatus = status(a)
            r.EVSEPresentVoltage = physicalValue(a.presentVolts, .V)
            response.Body.BodyElement = .PreChargeRes(r)
        case .powerDeliveryStart, .powerDeliveryStop:
            var r = DIN70121.PowerDeliveryRes()
            r.ResponseCode = rc
            r.EVSEStatus = .DC_EVSEStatus(status(a))
            response.Body.BodyElement = .PowerDeliveryRes(r)
        case .currentDemand:
            var r = DIN70121.CurrentDemandRes()
            r.ResponseCode = rc
            r.DC_EVSEStatus = status(a)
            r.EVSEPresentVoltage = physicalValue(a.presentVolts, .V)
            r.EVSEPresentCurrent = physicalValue(a.presentAmps, .A)
            r.EVSECurrentLimitAchieved = a.currentLimitAchieved
            r.EVSEVoltageLimitAchieved = a.voltageLimitAchieved
            r.EVSEPowerLimitAchieved = a.powerLimitAchieved
            r.EVSEMaximumVoltageLimit = physicalValue(c.maxVolts, .V)
            r.EVSEMaximumCurrentLimit = physicalValue(c.maxAmps, .A)
            r.EVSEMaximumPowerLimit = physicalValue(c.maxWatts, .W)
            response.Body.BodyElement = .CurrentDemandRes(r)
        case .weldingDetection:
            var r = DIN70121.WeldingDetectionRes()
            r.ResponseCode = rc
            r.DC_EVSEStatus = status(a)
            r.EVSEPresentVoltage = physicalValue(a.presentVolts, .V)
            response.Body.BodyElement = .WeldingDetectionRes(r)
        case .sessionStop:
            var r = DIN70121.SessionStopRes()
            r.ResponseCode = rc
            response.Body.BodyElement = .SessionStopRes(r)
        default:
            throw EXIError(.unsupportedContent, at: 0, schema: "DIN")
        }
        return try DINCodec.encode(response, into: &output)
    }
}

/// The one service this SECC offers: DC charging with external payment (EIM).
enum SECCServices {
    /// ServiceID of the charge service (DIN 70121 / ISO 15118-2: 1 = AC_DC_Charging).
    static let chargeServiceID: UInt16 = 1
}
