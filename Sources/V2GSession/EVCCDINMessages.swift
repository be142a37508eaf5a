import DIN70121
import EXI
import V2G

/// The EVCC's side of DIN SPEC 70121 (DC, EIM): the request for a step, written into a message the
/// session keeps, and the SECC's response read into an `EVSEAnswer`. Field choices follow the
/// standard's DC sequence (§9.4) as Josev's EVCC fills it (samples/corpus/din-session.jsonl):
/// DC_extended, ExternalPayment, the charge service announced in ServiceDiscoveryRes.
enum EVCCDINMessages {
    /// Fills `message` with the request `r` (header: `sessionID`). Touches only the fields the
    /// request uses; no allocation.
    static func build(_ r: EVCCRequest, sessionID: EXIBytes<8>, into message: inout V2G_Message) {
        message.Header.SessionID = sessionID
        message.Header.Notification = nil
        message.Header.Signature = nil
        let status = evStatus(r.demand)
        switch r.kind {
        case .sessionSetup:
            var req = SessionSetupReq()
            req.EVCCID.count = 6
            var i = 0
            while i < 6 {
                req.EVCCID[i] = r.evccID[i]
                i += 1
            }
            message.Body.BodyElement = .SessionSetupReq(req)
        case .serviceDiscovery:
            message.Body.BodyElement = .ServiceDiscoveryReq(ServiceDiscoveryReq(ServiceScope: nil, ServiceCategory: nil))
        case .serviceDetail:
            message.Body.BodyElement = .ServiceDetailReq(ServiceDetailReq(ServiceID: r.chargeServiceID))
        case .paymentServiceSelection:
            var req = ServicePaymentSelectionReq()
            req.SelectedPaymentOption = .ExternalPayment
            req.SelectedServiceList.SelectedService.append(SelectedService(ServiceID: r.chargeServiceID, ParameterSetID: nil))
            message.Body.BodyElement = .ServicePaymentSelectionReq(req)
        case .authorization:
            message.Body.BodyElement = .ContractAuthenticationReq(ContractAuthenticationReq(Id: nil, GenChallenge: nil))
        case .chargeParameterDiscovery:
            var p = DC_EVChargeParameter()
            p.DC_EVStatus = status
            p.EVMaximumCurrentLimit = physical(r.demand.maxAmps, .A)
            p.EVMaximumPowerLimit = physical(r.demand.maxWatts, .W)
            p.EVMaximumVoltageLimit = physical(r.demand.maxVolts, .V)
            p.EVEnergyCapacity = physical(r.energyCapacityWattHours, .Wh)
            p.EVEnergyRequest = physical(r.energyRequestWattHours, .Wh)
            p.FullSOC = percent(r.fullSoC)
            p.BulkSOC = percent(r.bulkSoC)
            var req = ChargeParameterDiscoveryReq()
            req.EVRequestedEnergyTransferType = .DC_extended
            req.EVChargeParameter = .DC_EVChargeParameter(p)
            message.Body.BodyElement = .ChargeParameterDiscoveryReq(req)
        case .cableCheck:
            message.Body.BodyElement = .CableCheckReq(CableCheckReq(DC_EVStatus: status))
        case .preCharge:
            message.Body.BodyElement = .PreChargeReq(PreChargeReq(DC_EVStatus: status, EVTargetVoltage: physical(r.prechargeVolts, .V),
                                                                  EVTargetCurrent: physical(r.prechargeAmps, .A)))
        case .powerDeliveryStart, .powerDeliveryStop:
            // ReadyToChargeState is a boolean in DIN (v2g-session.md §3 #9, pyPLC Issue16).
            let start = r.kind == .powerDeliveryStart
            let parameter = DC_EVPowerDeliveryParameter(DC_EVStatus: status, BulkChargingComplete: r.demand.bulkComplete,
                                                        ChargingComplete: !start || r.demand.complete)
            message.Body.BodyElement = .PowerDeliveryReq(PowerDeliveryReq(ReadyToChargeState: start, ChargingProfile: nil,
                                                                          EVPowerDeliveryParameter: .DC_EVPowerDeliveryParameter(parameter)))
        case .currentDemand:
            var req = CurrentDemandReq()
            req.DC_EVStatus = status
            req.EVTargetCurrent = physical(r.demand.targetAmps, .A)
            req.EVMaximumVoltageLimit = physical(r.demand.maxVolts, .V)
            req.EVMaximumCurrentLimit = physical(r.demand.maxAmps, .A)
            req.EVMaximumPowerLimit = physical(r.demand.maxWatts, .W)
            req.BulkChargingComplete = r.demand.bulkComplete
            req.ChargingComplete = r.demand.complete
            req.RemainingTimeToFullSoC = physical(r.demand.secondsToFull, .s)
            req.RemainingTimeToBulkSoC = physical(r.demand.secondsToBulk, .s)
            req.EVTargetVoltage = physical(r.demand.targetVolts, .V)
            message.Body.BodyElement = .CurrentDemandReq(req)
        case .weldingDetection:
            message.Body.BodyElement = .WeldingDetectionReq(WeldingDetectionReq(DC_EVStatus: status))
        case .sessionStop:
            message.Body.BodyElement = .SessionStopReq(SessionStop())
        case .paymentDetails, .chargingStatus, .meteringReceipt, .certificateInstallation, .certificateUpdate:
            // Not part of a DC EIM session: never asked for by the sequence.
            message.Body.BodyElement = .SessionStopReq(SessionStop())
        }
    }

    /// Reads the response in `message` into `answer` (reset first). Unknown body elements leave
    /// `answer.kind` nil.
    static func read(_ message: V2G_Message, into answer: inout EVSEAnswer) {
        answer = EVSEAnswer()
        switch message.Body.BodyElement {
        case .SessionSetupRes(let res)?:
            answer.kind = .sessionSetup
            answer.responseCode = res.ResponseCode.rawValue
        case .ServiceDiscoveryRes(let res)?:
            answer.kind = .serviceDiscovery
            answer.responseCode = res.ResponseCode.rawValue
            answer.chargeServiceID = res.ChargeService.ServiceTag.ServiceID
            var external = false
            var i = 0
            while i < res.PaymentOptions.PaymentOption.count {
                if res.PaymentOptions.PaymentOption[i] == .ExternalPayment { external = true }
                i += 1
            }
            answer.offersExternalPayment = external
        case .ServiceDetailRes(let res)?:
            answer.kind = .serviceDetail
            answer.responseCode = res.ResponseCode.rawValue
        case .ServicePaymentSelectionRes(let res)?:
            answer.kind = .paymentServiceSelection
            answer.responseCode = res.ResponseCode.rawValue
        case .ContractAuthenticationRes(let res)?:
            answer.kind = .authorization
            answer.responseCode = res.ResponseCode.rawValue
            answer.ongoing = res.EVSEProcessing == .Ongoing
        case .ChargeParameterDiscoveryRes(let res)?:
            answer.kind = .chargeParameterDiscovery
            answer.responseCode = res.ResponseCode.rawValue
            answer.ongoing = res.EVSEProcessing == .Ongoing
            if case .SAScheduleList(let list) = res.SASchedules, list.SAScheduleTuple.count > 0 {
                answer.scheduleTupleID = UInt8(truncatingIfNeeded: list.SAScheduleTuple[0].SAScheduleTupleID)
                if list.SAScheduleTuple[0].PMaxSchedule.PMaxScheduleEntry.count > 0 {
                    answer.scheduleMaxWatts = Double(list.SAScheduleTuple[0].PMaxSchedule.PMaxScheduleEntry[0].PMax)
                }
            }
            if case .DC_EVSEChargeParameter(let p) = res.EVSEChargeParameter {
                read(p.DC_EVSEStatus, into: &answer)
                answer.maxVolts = value(p.EVSEMaximumVoltageLimit)
                answer.maxAmps = value(p.EVSEMaximumCurrentLimit)
                if let w = p.EVSEMaximumPowerLimit { answer.maxWatts = value(w) }
            }
        case .CableCheckRes(let res)?:
            answer.kind = .cableCheck
            answer.responseCode = res.ResponseCode.rawValue
            answer.ongoing = res.EVSEProcessing == .Ongoing
            read(res.DC_EVSEStatus, into: &answer)
        case .PreChargeRes(let res)?:
            answer.kind = .preCharge
            answer.responseCode = res.ResponseCode.rawValue
            read(res.DC_EVSEStatus, into: &answer)
            answer.presentVolts = value(res.EVSEPresentVoltage)
        case .PowerDeliveryRes(let res)?:
            answer.kind = .powerDeliveryStart
            answer.responseCode = res.ResponseCode.rawValue
            if case .DC_EVSEStatus(let s) = res.EVSEStatus { read(s, into: &answer) }
        case .CurrentDemandRes(let res)?:
            answer.kind = .currentDemand
            answer.responseCode = res.ResponseCode.rawValue
            read(res.DC_EVSEStatus, into: &answer)
            answer.presentVolts = value(res.EVSEPresentVoltage)
            answer.presentAmps = value(res.EVSEPresentCurrent)
            answer.limitAchieved = res.EVSECurrentLimitAchieved || res.EVSEVoltageLimitAchieved || res.EVSEPowerLimitAchieved
            if let v = res.EVSEMaximumVoltageLimit { answer.maxVolts = value(v) }
            if let a = res.EVSEMaximumCurrentLimit { answer.maxAmps = value(a) }
            if let w = res.EVSEMaximumPowerLimit { answer.maxWatts = value(w) }
        case .WeldingDetectionRes(let res)?:
            answer.kind = .weldingDetection
            answer.responseCode = res.ResponseCode.rawValue
            read(res.DC_EVSEStatus, into: &answer)
            answer.presentVolts = value(res.EVSEPresentVoltage)
        case .SessionStopRes(let res)?:
            answer.kind = .sessionStop
            answer.responseCode = res.ResponseCode.rawValue
        default:
            answer.kind = nil
        }
    }

    /// The name of a DIN response code, for logs (may allocate: not for the tick).
    static func responseCodeName(_ raw: UInt8) -> String {
        ResponseCode(rawValue: raw).map { "\($0)" } ?? "code \(raw)"
    }

    private static func read(_ s: DC_EVSEStatus, into answer: inout EVSEAnswer) {
        answer.statusCode = s.EVSEStatusCode.rawValue
        answer.isolation = s.EVSEIsolationStatus?.rawValue ?? EVSEAnswer.absent
        answer.notification = s.EVSENotification.rawValue
    }

    private static func evStatus(_ d: EVChargeDemand) -> DC_EVStatus {
        var s = DC_EVStatus()
        s.EVReady = true
        s.EVCabinConditioning = nil
        s.EVRESSConditioning = nil
        s.EVErrorCode = .NO_ERROR
        s.EVRESSSOC = percent(d.soc)
        return s
    }

    @inline(__always)
    private static func percent(_ x: Double) -> Int8 {
        guard x.isFinite else { return 0 }
        return Int8(min(max(x.rounded(.down), 0), 100))
    }

    @inline(__always)
    private static func physical(_ x: Double, _ unit: UnitSymbol) -> PhysicalValue {
        let (v, m) = EVCCPhysicalValue.encode(x)
        return PhysicalValue(Multiplier: m, Unit: unit, Value: v)
    }

    @inline(__always)
    private static func value(_ p: PhysicalValue) -> Double {
        EVCCPhysicalValue.decode(value: p.Value, multiplier: p.Multiplier)
    }
}
