import ISO15118_2
import EXI
import V2G

/// The SECC's ISO 15118-2 messages (DC, EIM, §8.4/§8.8): as `SECCDINMessages`, with ISO's names
/// (PaymentServiceSelection, Authorization), the string EVSEID, ServiceDetail, the SAScheduleList with
/// PMax as a PhysicalValue, and EVSENotification StopCharging when the charger ends the session.
final class SECCISO2Messages {
    private var request = ISO15118_2.V2G_Message()
    private var response = ISO15118_2.V2G_Message()
    private let configuration: SECCConfiguration
    private let evseID: EXIString<37>

    init(configuration: SECCConfiguration) {
        self.configuration = configuration
        evseID = EXIString<37>(String(configuration.evseID.prefix(37))) ?? EXIString<37>()
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
        case .PaymentServiceSelectionReq?: kind = .paymentServiceSelection; element = "PaymentServiceSelectionReq"
        case .AuthorizationReq?: kind = .authorization; element = "AuthorizationReq"
        case .ChargeParameterDiscoveryReq?: kind = .chargeParameterDiscovery; element = "ChargeParameterDiscoveryReq"
        case .CableCheckReq?: kind = .cableCheck; element = "CableCheckReq"
        case .PreChargeReq?: kind = .preCharge; element = "PreChargeReq"
        case .PowerDeliveryReq(let r)?: kind = r.ChargeProgress == .Start ? .powerDeliveryStart : .powerDeliveryStop; element = "PowerDeliveryReq"
        case .CurrentDemandReq?: kind = .currentDemand; element = "CurrentDemandReq"
        case .WeldingDetectionReq?: kind = .weldingDetection; element = "WeldingDetectionReq"
        case .SessionStopReq?: kind = .sessionStop; element = "SessionStopReq"
        default: return nil
        }
        guard error.path.starts("V2G_Message", "Body", element) else { return nil }
        return (kind, V2GSessionClock.sessionID(request.Header.SessionID))
    }

    /// Decodes `payload`; false when it is a valid ISO 15118-2 message but not a request of this SECC (a
    /// response, an AC or certificate message): `out.kind` then says which, when known.
    // Not @_noAllocation: calls helpers in other files (V2GSessionClock, physical values) that a debug build's
    // checker cannot see; the ISO2Codec call it makes is checked, and the malloc-count test covers the rest.
    func decode(_ payload: RawSpan, into out: inout SECCRequest) throws(EXIError) -> Bool {
        try ISO2Codec.decode(payload, into: &request)
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
        case .PaymentServiceSelectionReq(let r)?:
            out.kind = .paymentServiceSelection
            out.externalPayment = r.SelectedPaymentOption == .ExternalPayment
            out.selectsChargeService = false
            var i = 0
            while i < r.SelectedServiceList.SelectedService.count {
                if r.SelectedServiceList.SelectedService[i].ServiceID == SECCServices.chargeServiceID { out.selectsChargeService = true }
                i += 1
            }
        case .AuthorizationReq?:
            out.kind = .authorization
        case .ChargeParameterDiscoveryReq(let r)?:
            out.kind = .chargeParameterDiscovery
            switch r.RequestedEnergyTransferMode {
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
            out.kind = r.ChargeProgress == .Start ? .powerDeliveryStart : .powerDeliveryStop
            out.renegotiate = r.ChargeProgress == .Renegotiate
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

    private func read(_ s: ISO15118_2.DC_EVStatus, _ out: inout SECCRequest) {
        out.evReady = s.EVReady
        out.evError = s.EVErrorCode != .NO_ERROR && s.EVErrorCode != .NoData
        out.soc = s.EVRESSSOC
    }

    private func value(_ p: ISO15118_2.PhysicalValue) -> Double { number(value: p.Value, multiplier: p.Multiplier) }

    private func physicalValue(_ x: Double, _ unit: ISO15118_2.UnitSymbol) -> ISO15118_2.PhysicalValue {
        let (v, m) = physical(x)
        return ISO15118_2.PhysicalValue(Multiplier: m, Unit: unit, Value: v)
    }

    private func code(_ c: SECCResponseCode) -> ISO15118_2.ResponseCode {
        switch c {
        case .ok: .OK
        case .newSessionEstablished: .OK_NewSessionEstablished
        case .oldSessionJoined: .OK_OldSessionJoined
        case .failed: .FAILED
        case .contactorError: .FAILED_ContactorError
        case .wrongEnergyTransferMode: .FAILED_WrongEnergyTransferMode
        case .sequenceError: .FAILED_SequenceError
        case .unknownSession: .FAILED_UnknownSession
        case .serviceIDInvalid: .FAILED_ServiceIDInvalid
        case .serviceSelectionInvalid: .FAILED_ServiceSelectionInvalid
        case .paymentSelectionInvalid: .FAILED_PaymentSelectionInvalid
        case .wrongChargeParameter: .FAILED_WrongChargeParameter
        case .powerDeliveryNotApplied: .FAILED_PowerDeliveryNotApplied
        }
    }

    private func status(_ a: SECCAnswer) -> ISO15118_2.DC_EVSEStatus {
        var s = ISO15118_2.DC_EVSEStatus()
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
        s.EVSENotification = a.stopCharging ? .StopCharging : .None
        return s
    }

    /// Builds and encodes the response to `a.kind`; returns the EXI length. Throws for kinds this SECC
    /// does not answer (the caller closes the connection).
    // Not @_noAllocation: copies `configuration` (arrays and strings: a retain/release the checker refuses).
    func encode(_ a: SECCAnswer, into output: inout MutableRawSpan) throws(EXIError) -> Int {
        let c = configuration
        response.Header = ISO15118_2.MessageHeader()
        response.Header.SessionID = V2GSessionClock.sessionIDBytes(a.sessionID)
        let rc = code(a.code)
        switch a.kind {
        case .sessionSetup:
            var r = ISO15118_2.SessionSetupRes()
            r.ResponseCode = rc
            r.EVSEID = evseID
            r.EVSETimeStamp = a.timestamp
            response.Body.BodyElement = .SessionSetupRes(r)
        case .serviceDiscovery:
            var r = ISO15118_2.ServiceDiscoveryRes()
            r.ResponseCode = rc
            _ = r.PaymentOptionList.PaymentOption.append(.ExternalPayment)
            r.ChargeService.ServiceID = SECCServices.chargeServiceID
            r.ChargeService.ServiceName = "AC_DC_Charging"
            r.ChargeService.ServiceCategory = .EVCharging
            r.ChargeService.FreeService = false
            _ = r.ChargeService.SupportedEnergyTransferMode.EnergyTransferMode.append(.DC_extended)
            response.Body.BodyElement = .ServiceDiscoveryRes(r)
        case .serviceDetail:
            var r = ISO15118_2.ServiceDetailRes()
            r.ResponseCode = rc
            r.ServiceID = a.serviceID
            response.Body.BodyElement = .ServiceDetailRes(r)
        case .paymentServiceSelection:
            var r = ISO15118_2.PaymentServiceSelectionRes()
            r.ResponseCode = rc
            response.Body.BodyElement = .PaymentServiceSelectionRes(r)
        case .authorization:
            var r = ISO15118_2.AuthorizationRes()
            r.ResponseCode = rc
            r.EVSEProcessing = a.ongoing ? .Ongoing : .Finished
            response.Body.BodyElement = .AuthorizationRes(r)
        case .chargeParameterDiscovery:
            var r = ISO15118_2.ChargeParameterDiscoveryRes()
            r.ResponseCode = rc
            r.EVSEProcessing = a.ongoing ? .Ongoing : .Finished
            var tuple = ISO15118_2.SAScheduleTuple()
            tuple.SAScheduleTupleID = 1
            var entry = ISO15118_2.PMaxScheduleEntry()
            entry.TimeInterval = .RelativeTimeInterval(ISO15118_2.RelativeTimeInterval(start: 0, duration: c.scheduleSeconds))
            entry.PMax = physicalValue(c.maxWatts, .W)
            _ = tuple.PMaxSchedule.PMaxScheduleEntry.append(entry)
            var list = ISO15118_2.SAScheduleList()
            _ = list.SAScheduleTuple.append(tuple)
            r.SASchedules = .SAScheduleList(list)
            var p = ISO15118_2.DC_EVSEChargeParameter()
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
            var r = ISO15118_2.CableCheckRes()
            r.ResponseCode = rc
            r.DC_EVSEStatus = status(a)
            r.EVSEProcessing = a.ongoing ? .Ongoing : .Finished
            response.Body.BodyElement = .CableCheckRes(r)
        case .preCharge:
            var r = ISO15118_2.PreChargeRes()
            r.ResponseCode = rc
            r.DC_EVSEStatus = status(a)
            r.EVSEPresentVoltage = physicalValue(a.presentVolts, .V)
            response.Body.BodyElement = .PreChargeRes(r)
        case .powerDeliveryStart, .powerDeliveryStop:
            var r = ISO15118_2.PowerDeliveryRes()
            r.ResponseCode = rc
            r.EVSEStatus = .DC_EVSEStatus(status(a))
            response.Body.BodyElement = .PowerDeliveryRes(r)
        case .currentDemand:
            var r = ISO15118_2.CurrentDemandRes()
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
            r.EVSEID = evseID
            r.SAScheduleTupleID = 1
            response.Body.BodyElement = .CurrentDemandRes(r)
        case .weldingDetection:
            var r = ISO15118_2.WeldingDetectionRes()
            r.ResponseCode = rc
            r.DC_EVSEStatus = status(a)
            r.EVSEPresentVoltage = physicalValue(a.presentVolts, .V)
            response.Body.BodyElement = .WeldingDetectionRes(r)
        case .sessionStop:
            var r = ISO15118_2.SessionStopRes()
            r.ResponseCode = rc
            response.Body.BodyElement = .SessionStopRes(r)
        default:
            throw EXIError(.unsupportedContent, at: 0, schema: "ISO2")
        }
        return try ISO2Codec.encode(response, into: &output)
    }
}
