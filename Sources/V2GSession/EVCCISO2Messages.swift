import EXI
import ISO15118_2
import V2G

/// The EVCC's side of ISO 15118-2 (DC, EIM, no TLS): the request for a step written into a message
/// the session keeps, and the SECC's response read into an `EVSEAnswer` (§8.4, Figure 107). As
/// Josev's EVCC fills it (samples/corpus/iso2-dc-session.jsonl): DC_extended, ExternalPayment, the
/// SAScheduleTuple the SECC offered first; PowerDeliveryReq(Start) carries a ChargingProfile of one
/// entry (the schedule's PMax capped by the battery) unless configured off; SessionStopReq
/// terminates.
enum EVCCISO2Messages {
    /// Fills `message` with the request `r` (header: `sessionID`). No allocation.
    static func build(_ r: EVCCRequest, sessionID: EXIBytes<8>, into message: inout V2G_Message) {
        message.Header.SessionID = sessionID
        message.Header.Notification = nil
        message.Header.Signature = nil
        let status = DC_EVStatus(EVReady: true, EVErrorCode: .NO_ERROR, EVRESSSOC: percent(r.demand.soc))
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
            var req = PaymentServiceSelectionReq()
            req.SelectedPaymentOption = .ExternalPayment
            req.SelectedServiceList.SelectedService.append(SelectedService(ServiceID: r.chargeServiceID, ParameterSetID: nil))
            message.Body.BodyElement = .PaymentServiceSelectionReq(req)
        case .authorization:
            message.Body.BodyElement = .AuthorizationReq(AuthorizationReq(Id: nil, GenChallenge: nil))
        case .chargeParameterDiscovery:
            let p = DC_EVChargeParameter(DepartureTime: 0, DC_EVStatus: status,
                                         EVMaximumCurrentLimit: physical(r.demand.maxAmps, .A),
                                         EVMaximumPowerLimit: physical(r.demand.maxWatts, .W),
                                         EVMaximumVoltageLimit: physical(r.demand.maxVolts, .V),
                                         EVEnergyCapacity: physical(r.energyCapacityWattHours, .Wh),
                                         EVEnergyRequest: physical(r.energyRequestWattHours, .Wh),
                                         FullSOC: percent(r.fullSoC), BulkSOC: percent(r.bulkSoC))
            var req = ChargeParameterDiscoveryReq()
            req.MaxEntriesSAScheduleTuple = nil
            req.RequestedEnergyTransferMode = .DC_extended
            req.EVChargeParameter = .DC_EVChargeParameter(p)
            message.Body.BodyElement = .ChargeParameterDiscoveryReq(req)
        case .cableCheck:
            message.Body.BodyElement = .CableCheckReq(CableCheckReq(DC_EVStatus: status))
        case .preCharge:
            message.Body.BodyElement = .PreChargeReq(PreChargeReq(DC_EVStatus: status, EVTargetVoltage: physical(r.prechargeVolts, .V),
                                                                  EVTargetCurrent: physical(r.prechargeAmps, .A)))
        case .powerDeliveryStart, .powerDeliveryStop:
            let start = r.kind == .powerDeliveryStart
            let parameter = DC_EVPowerDeliveryParameter(DC_EVStatus: status, BulkChargingComplete: r.demand.bulkComplete,
                                                        ChargingComplete: !start || r.demand.complete)
            var req = PowerDeliveryReq(ChargeProgress: start ? .Start : .Stop, SAScheduleTupleID: r.scheduleTupleID,
                                       ChargingProfile: nil, EVPowerDeliveryParameter: .DC_EVPowerDeliveryParameter(parameter))
            if start, r.sendsChargingProfile {
                // [V2G2-293]: the profile stays within the chosen PMaxSchedule.
                let watts = r.scheduleMaxWatts.isNaN ? r.demand.maxWatts : min(r.scheduleMaxWatts, r.demand.maxWatts)
                var profile = ChargingProfile()
                profile.ProfileEntry.append(ProfileEntry(ChargingProfileEntryStart: 0, ChargingProfileEntryMaxPower: physical(watts, .W),
                                                         ChargingProfileEntryMaxNumberOfPhasesInUse: nil))
                req.ChargingProfile = profile
            }
            message.Body.BodyElement = .PowerDeliveryReq(req)
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
        case .sessionStop, .paymentDetails, .chargingStatus, .meteringReceipt, .certificateInstallation, .certificateUpdate:
            // Only SessionStop is asked for by the DC EIM sequence; the rest never reach here.
            message.Body.BodyElement = .SessionStopReq(SessionStopReq(ChargingSession: .Terminate))
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
            answer.chargeServiceID = res.ChargeService.ServiceID
            var external = false
            var i = 0
            while i < res.PaymentOptionList.PaymentOption.count {
                if res.PaymentOptionList.PaymentOption[i] == .ExternalPayment { external = true }
                i += 1
            }
            answer.offersExternalPayment = external
        case .ServiceDetailRes(let res)?:
            answer.kind = .serviceDetail
            answer.responseCode = res.ResponseCode.rawValue
        case .PaymentServiceSelectionRes(let res)?:
            answer.kind = .paymentServiceSelection
            answer.responseCode = res.ResponseCode.rawValue
        case .AuthorizationRes(let res)?:
            answer.kind = .authorization
            answer.responseCode = res.ResponseCode.rawValue
            answer.ongoing = res.EVSEProcessing != .Finished
        case .ChargeParameterDiscoveryRes(let res)?:
            answer.kind = .chargeParameterDiscovery
            answer.responseCode = res.ResponseCode.rawValue
            answer.ongoing = res.EVSEProcessing != .Finished
            if case .SAScheduleList(let list)? = res.SASchedules, list.SAScheduleTuple.count > 0 {
                answer.scheduleTupleID = list.SAScheduleTuple[0].SAScheduleTupleID
                if list.SAScheduleTuple[0].PMaxSchedule.PMaxScheduleEntry.count > 0 {
                    answer.scheduleMaxWatts = value(list.SAScheduleTuple[0].PMaxSchedule.PMaxScheduleEntry[0].PMax)
                }
            }
            if case .DC_EVSEChargeParameter(let p) = res.EVSEChargeParameter {
                read(p.DC_EVSEStatus, into: &answer)
                answer.maxVolts = value(p.EVSEMaximumVoltageLimit)
                answer.maxAmps = value(p.EVSEMaximumCurrentLimit)
                answer.maxWatts = value(p.EVSEMaximumPowerLimit)
            }
        case .CableCheckRes(let res)?:
            answer.kind = .cableCheck
            answer.responseCode = res.ResponseCode.rawValue
            answer.ongoing = res.EVSEProcessing != .Finished
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

    /// The name of an ISO 15118-2 response code, for logs (may allocate: not for the tick).
    static func responseCodeName(_ raw: UInt8) -> String {
        ResponseCode(rawValue: raw).map { "\($0)" } ?? "code \(raw)"
    }

    private static func read(_ s: DC_EVSEStatus, into answer: inout EVSEAnswer) {
        answer.statusCode = s.EVSEStatusCode.rawValue
        answer.isolation = s.EVSEIsolationStatus?.rawValue ?? EVSEAnswer.absent
        answer.notification = s.EVSENotification.rawValue
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
