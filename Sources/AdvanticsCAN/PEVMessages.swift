/// The PEV v2 messages the vehicle side's sequence uses, as typed values (advantics-can.md §2.4–§2.5).
/// Each converts to and from the generic `SignalValues` in its layout's signal order (the order of
/// `PEVInterfaceV2.reference`); the codec does the bits, the resolutions (`PEVScaling`), the limits and
/// the enumerations.
public enum PEVMessageIndex {
    public static let evseInformation = 0
    public static let evInformation = 1
    public static let acControl = 2
    public static let acStatus = 3
    public static let dcControl = 4
    public static let dcStatus1 = 5
    public static let dcStatus2 = 6
    public static let evStatus = 7
    public static let evEnergyRequest = 8
    public static let evV2XEnergyRequest = 9
    public static let evExtraBPTInformation = 10
    public static let ccsExtraInformation = 11
    public static let evccInputs = 13
    public static let diagnosticStatus = 14
}

/// `EVSE_Information.Communication_Stage` (§2.4 table).
public enum CommunicationStage: Int, Sendable, Equatable, BitwiseCopyable {
    case initialising = 0, waitingForEVSE, negotiatingConnection, connectedWithFullInfo, insulationTest, precharge,
         waitingForCharge, charging, endingCharge, weldingDetection, closingCommunication, chargePause
}

/// `EVSE_Information.Pins`: which inlet pins the session uses (AC or DC, §2.7 P2).
public enum InletPins: Int, Sendable, Equatable, BitwiseCopyable {
    case none = 0, ccsAC, ccsACSinglePhaseCore, ccsACThreePhaseCore, ccsDCCore, ccsDCExtended, mcs

    /// CCS_AC* pins: the session is an AC charge (A1–A5); otherwise DC (D1–D8).
    @inlinable public var isAC: Bool { rawValue >= 1 && rawValue <= 3 }
}

/// 0x600 EVSE_Information: the controller's stage and the current the vehicle may draw.
@frozen
public struct EVSEInformation: Sendable, Equatable, BitwiseCopyable {
    public var stage: CommunicationStage
    /// `Protocol` (0 none, 1 CCS_PWM, 2 DIN 70121, 3 ISO 15118-2, 4 ISO 15118-20).
    public var communicationProtocol: Int
    public var pins: InletPins
    /// `Max_Current`: AC, the EVSE and cable limit; DC, the charger's limit from high-level communication.
    public var maxAmps: Double
    public var rcdError: Bool

    public init(stage: CommunicationStage = .initialising, communicationProtocol: Int = 0, pins: InletPins = .none,
                maxAmps: Double = 0, rcdError: Bool = false) {
        self.stage = stage
        self.communicationProtocol = communicationProtocol
        self.pins = pins
        self.maxAmps = maxAmps
        self.rcdError = rcdError
    }

    public init(_ v: SignalValues) {
        stage = CommunicationStage(rawValue: Int(v[0])) ?? .initialising
        communicationProtocol = Int(v[1])
        pins = InletPins(rawValue: Int(v[2])) ?? .none
        maxAmps = v[3]
        rcdError = v[4] != 0
    }

    public var values: SignalValues {
        var v = SignalValues(count: 5)
        v[0] = Double(stage.rawValue)
        v[1] = Double(communicationProtocol)
        v[2] = Double(pins.rawValue)
        v[3] = maxAmps
        v[4] = rcdError ? 1 : 0
        return v
    }
}

/// 0x612 DC_Status1: the BMS's current request and measurement, every 100 ms.
@frozen
public struct DCStatus1: Sendable, Equatable, BitwiseCopyable {
    /// The request to the charger (the EV maximum in ISO 15118-20 Dynamic mode).
    public var maxChargeAmps: Double
    /// Battery current, positive into the battery.
    public var presentAmps: Double
    public var maxDischargeAmps: Double
    /// Used only with the controller's `dynamic_target_voltage`; 0 → its configured target.
    public var targetVolts: Double

    public init(maxChargeAmps: Double = 0, presentAmps: Double = 0, maxDischargeAmps: Double = 0, targetVolts: Double = 0) {
        self.maxChargeAmps = maxChargeAmps
        self.presentAmps = presentAmps
        self.maxDischargeAmps = maxDischargeAmps
        self.targetVolts = targetVolts
    }

    public init(_ v: SignalValues) {
        maxChargeAmps = v[0]
        presentAmps = v[1]
        maxDischargeAmps = v[2]
        targetVolts = v[3]
    }

    public var values: SignalValues {
        var v = SignalValues(count: 4)
        v[0] = maxChargeAmps
        v[1] = presentAmps
        v[2] = maxDischargeAmps
        v[3] = targetVolts
        return v
    }
}

/// 0x613 DC_Status2: contactor state, the stop edges and the two voltages, every 100 ms.
@frozen
public struct DCStatus2: Sendable, Equatable, BitwiseCopyable {
    public var contactorsClosed: Bool
    /// Edges (§2.5): the controller acts on a 0→1 change.
    public var normalEndOfCharge: Bool
    public var emergencyStop: Bool
    public var batteryVolts: Double
    /// Before the contactors (the charger's side).
    public var inletVolts: Double

    public init(contactorsClosed: Bool = false, normalEndOfCharge: Bool = false, emergencyStop: Bool = false,
                batteryVolts: Double = 0, inletVolts: Double = 0) {
        self.contactorsClosed = contactorsClosed
        self.normalEndOfCharge = normalEndOfCharge
        self.emergencyStop = emergencyStop
        self.batteryVolts = batteryVolts
        self.inletVolts = inletVolts
    }

    public init(_ v: SignalValues) {
        contactorsClosed = v[0] != 0
        normalEndOfCharge = v[1] != 0
        emergencyStop = v[2] != 0
        batteryVolts = v[3]
        inletVolts = v[4]
    }

    public var values: SignalValues {
        var v = SignalValues(count: 5)
        v[0] = contactorsClosed ? 1 : 0
        v[1] = normalEndOfCharge ? 1 : 0
        v[2] = emergencyStop ? 1 : 0
        v[3] = batteryVolts
        v[4] = inletVolts
        return v
    }
}

/// 0x618 EV_Status, sent on change only (DB v2.5).
@frozen
public struct EVStatusFlags: Sendable, Equatable, BitwiseCopyable {
    public var hvPreparingHoldOff: Bool
    public var chargePauseRequest: Bool
    public var chargeResumeRequest: Bool
    /// ISO 15118-20 Scheduled mode: voltage control (true) or current control.
    public var voltageControl: Bool

    public init(hvPreparingHoldOff: Bool = false, chargePauseRequest: Bool = false, chargeResumeRequest: Bool = false,
                voltageControl: Bool = false) {
        self.hvPreparingHoldOff = hvPreparingHoldOff
        self.chargePauseRequest = chargePauseRequest
        self.chargeResumeRequest = chargeResumeRequest
        self.voltageControl = voltageControl
    }

    public init(_ v: SignalValues) {
        hvPreparingHoldOff = v[0] != 0
        chargePauseRequest = v[1] != 0
        chargeResumeRequest = v[2] != 0
        voltageControl = v[3] != 0
    }

    public var values: SignalValues {
        var v = SignalValues(count: 4)
        v[0] = hvPreparingHoldOff ? 1 : 0
        v[1] = chargePauseRequest ? 1 : 0
        v[2] = chargeResumeRequest ? 1 : 0
        v[3] = voltageControl ? 1 : 0
        return v
    }
}

/// 0x614 EV_Energy_Request (ISO 15118-20): the battery's energy at the target, maximum and minimum
/// SoC; Minimum ≤ Target ≤ Maximum, and a target below the present energy asks for a discharge (§2.5).
@frozen
public struct EVEnergyRequest: Sendable, Equatable, BitwiseCopyable {
    public var targetKWh: Double
    public var maximumKWh: Double
    public var minimumKWh: Double

    public init(targetKWh: Double = 0, maximumKWh: Double = 0, minimumKWh: Double = 0) {
        self.targetKWh = targetKWh
        self.maximumKWh = maximumKWh
        self.minimumKWh = minimumKWh
    }

    /// In the layout's order (Target, Maximum, Minimum); the field-order variant is the codec's.
    public init(_ v: SignalValues) {
        targetKWh = v[0]
        maximumKWh = v[1]
        minimumKWh = v[2]
    }

    public var values: SignalValues {
        var v = SignalValues(count: 3)
        v[0] = targetKWh
        v[1] = maximumKWh
        v[2] = minimumKWh
        return v
    }
}

/// 0x605 EVCC_MEVC_Diagnostic_Status, the fields a VCU acts on (the fault flags as a bit set, bit n =
/// signal start bit n).
@frozen
public struct EVCCDiagnostics: Sendable, Equatable, BitwiseCopyable {
    public var faultFlags: UInt32
    public var hlcResponseCode: Int
    public var evseStatusCode: Int
    /// `EVSE_Isolation_Level`: 0 Undefined, 1 Invalid, 2 Valid, 3 Warning, 4 Fault, 5 No_IMD.
    public var isolationLevel: Int

    public static let isolationFault = 4
    /// Flag bits of §2.4's table.
    public static let contactorFaultBit: UInt32 = 1 << 3
    public static let prechargeTimeoutBit: UInt32 = 1 << 6

    public init(faultFlags: UInt32 = 0, hlcResponseCode: Int = 0, evseStatusCode: Int = 0, isolationLevel: Int = 0) {
        self.faultFlags = faultFlags
        self.hlcResponseCode = hlcResponseCode
        self.evseStatusCode = evseStatusCode
        self.isolationLevel = isolationLevel
    }

    /// The decoded layout has the 26 flags first, then the three enumerations.
    public init(_ v: SignalValues) {
        var flags: UInt32 = 0
        var i = 0
        while i < 26 {
            if v[i] != 0 { flags |= 1 << UInt32(i) }
            i += 1
        }
        faultFlags = flags
        hlcResponseCode = Int(v[26])
        evseStatusCode = Int(v[27])
        isolationLevel = Int(v[28])
    }

    public var values: SignalValues {
        var v = SignalValues(count: 29)
        var i = 0
        while i < 26 {
            v[i] = faultFlags & (1 << UInt32(i)) != 0 ? 1 : 0
            i += 1
        }
        v[26] = Double(hlcResponseCode)
        v[27] = Double(evseStatusCode)
        v[28] = Double(isolationLevel)
        return v
    }
}

/// One decoded PEV v2 frame of the messages the sequences use; `other` for the rest.
@frozen
public enum PEVMessage: Sendable, BitwiseCopyable {
    case evseInformation(EVSEInformation)
    case acControl(readyToDeliverPower: Bool)
    case dcControl(closeContactors: Bool)
    case diagnostics(EVCCDiagnostics)
    case evInformation(soc: Double, capacityKWh: Double)
    case acStatus(readyToCharge: Bool)
    case dcStatus1(DCStatus1)
    case dcStatus2(DCStatus2)
    case evStatus(EVStatusFlags)
    /// 0x614, 0x615, 0x616 (ISO 15118-20): the energy requests, the V2X window and the departure time.
    case energyRequest(EVEnergyRequest)
    case v2xEnergyRequest(minimumKWh: Double, maximumKWh: Double)
    case departure(seconds: Double)
    case other(index: Int)

    public init(index: Int, _ v: SignalValues) {
        switch index {
        case PEVMessageIndex.evseInformation: self = .evseInformation(EVSEInformation(v))
        case PEVMessageIndex.acControl: self = .acControl(readyToDeliverPower: v[0] != 0)
        case PEVMessageIndex.dcControl: self = .dcControl(closeContactors: v[0] != 0)
        case PEVMessageIndex.diagnosticStatus: self = .diagnostics(EVCCDiagnostics(v))
        case PEVMessageIndex.evInformation: self = .evInformation(soc: v[0], capacityKWh: v[1])
        case PEVMessageIndex.acStatus: self = .acStatus(readyToCharge: v[0] != 0)
        case PEVMessageIndex.dcStatus1: self = .dcStatus1(DCStatus1(v))
        case PEVMessageIndex.dcStatus2: self = .dcStatus2(DCStatus2(v))
        case PEVMessageIndex.evStatus: self = .evStatus(EVStatusFlags(v))
        case PEVMessageIndex.evEnergyRequest: self = .energyRequest(EVEnergyRequest(v))
        case PEVMessageIndex.evV2XEnergyRequest: self = .v2xEnergyRequest(minimumKWh: v[0], maximumKWh: v[1])
        case PEVMessageIndex.evExtraBPTInformation: self = .departure(seconds: v[0])
        default: self = .other(index: index)
        }
    }
}

extension AdvanticsCANCodec {
    /// Encodes a PEV v2 message (11-bit identifier) at this codec's `PEVScaling`.
    public func encodePEV(_ index: Int, _ values: SignalValues) throws(AdvanticsCANError) -> AdvanticsFrame {
        try encode(AdvanticsMessageRef(interface: .pev, index: index), values)
    }
}
