/// The EVSE v3 messages the charge sequence uses, as typed values (advantics-can.md §1.4–§1.5). Each
/// converts to and from the generic `SignalValues` in its layout's signal order; the codec does the
/// bits, the limits and the enumerations.
public enum EVSEMessageIndex {
    public static let controllerStatus = 0
    public static let newChargeSession = 1
    public static let chargeStatusChange = 2
    public static let dcPowerControl = 3
    public static let chargeSessionFinished = 4
    public static let emergencyStop = 5
    public static let evBattery = 6
    public static let evVoltages = 7
    public static let evChargeLimits = 8
    public static let evDischargeLimits = 9
    public static let evEnergy = 10
    public static let ocppControl = 17
    public static let powerModulesStatus = 18
    public static let dcPowerParameters = 19
    public static let sequenceControl = 20
}

/// `Advantics_Controller_Status.State` (§1.4 table).
public enum ControllerState: Int, Sendable, Equatable, BitwiseCopyable {
    case initialising = 0, waitingForPEV, negotiatingConnection, connectedWithFullInfo, insulationTest, precharge,
         waitingForCharge, charging, endingCharge, weldingDetection, closingCommunication, ccsAuthorisationProcess,
         notAvailable, chargePause
}

/// `DC_Power_Control.Power_Function` (one-hot, §1.4).
public enum PowerFunction: Int, Sendable, Equatable, BitwiseCopyable {
    case off = 0, standby = 1, insulationTest = 2, precharge = 4, powerTransfer = 8
}

/// `DC_Power_Control.Setpoints_Mode`.
public enum SetpointsMode: Int, Sendable, Equatable, BitwiseCopyable {
    case target = 0, range = 1
}

/// `Emergency_Stop.Origin` (only 1 and 3 are defined).
public enum EmergencyOrigin: Int, Sendable, Equatable, BitwiseCopyable {
    case evse = 1, pev = 3
}

/// 0x6B003: the power function and setpoints the controller asks for.
@frozen
public struct DCPowerControl: Sendable, Equatable, BitwiseCopyable {
    public var targetVolts: Double
    public var rangeMaxAmps: Double
    public var rangeMinAmps: Double
    public var function: PowerFunction
    public var mode: SetpointsMode
    /// `Output_Contactors = Close`.
    public var contactorsClosed: Bool
    /// `Lower_Output_Voltage = Lowering`: bring the output to ≤ 20 V.
    public var lowering: Bool

    public init(targetVolts: Double = 0, rangeMaxAmps: Double = 0, rangeMinAmps: Double = 0, function: PowerFunction = .standby,
                mode: SetpointsMode = .target, contactorsClosed: Bool = false, lowering: Bool = false) {
        self.targetVolts = targetVolts
        self.rangeMaxAmps = rangeMaxAmps
        self.rangeMinAmps = rangeMinAmps
        self.function = function
        self.mode = mode
        self.contactorsClosed = contactorsClosed
        self.lowering = lowering
    }

    public init(_ v: SignalValues) {
        targetVolts = v[0]
        rangeMaxAmps = v[1]
        rangeMinAmps = v[2]
        function = PowerFunction(rawValue: Int(v[3])) ?? .off
        mode = v[4] != 0 ? .range : .target
        contactorsClosed = v[5] != 0
        lowering = v[6] != 0
    }

    public var values: SignalValues {
        var v = SignalValues(count: 7)
        v[0] = targetVolts
        v[1] = rangeMaxAmps
        v[2] = rangeMinAmps
        v[3] = Double(function.rawValue)
        v[4] = Double(mode.rawValue)
        v[5] = contactorsClosed ? 1 : 0
        v[6] = lowering ? 1 : 0
        return v
    }
}

/// 0x63000: what the power modules measure and whether they allow service.
@frozen
public struct PowerModulesStatus: Sendable, Equatable, BitwiseCopyable {
    public var presentVolts: Double
    public var presentAmps: Double
    public var modulesCelsius: Double
    public var enclosureCelsius: Double
    public var systemEnable: Bool
    /// In kΩ, 2 kΩ per bit; 510 kΩ (raw 255) also means "valid" for a pass/fail sensor (§1.5).
    public var insulationKiloohms: Double

    public init(presentVolts: Double = 0, presentAmps: Double = 0, modulesCelsius: Double = 25, enclosureCelsius: Double = 25,
                systemEnable: Bool = false, insulationKiloohms: Double = 0) {
        self.presentVolts = presentVolts
        self.presentAmps = presentAmps
        self.modulesCelsius = modulesCelsius
        self.enclosureCelsius = enclosureCelsius
        self.systemEnable = systemEnable
        self.insulationKiloohms = insulationKiloohms
    }

    public init(_ v: SignalValues) {
        presentVolts = v[0]
        presentAmps = v[1]
        modulesCelsius = v[2]
        enclosureCelsius = v[3]
        systemEnable = v[4] != 0
        insulationKiloohms = v[5]
    }

    public var values: SignalValues {
        var v = SignalValues(count: 6)
        v[0] = presentVolts
        v[1] = presentAmps
        v[2] = modulesCelsius
        v[3] = enclosureCelsius
        v[4] = systemEnable ? 1 : 0
        v[5] = insulationKiloohms
        return v
    }
}

/// 0x63001: the limits the controller advertises to the vehicle (0 = its configured limit).
@frozen
public struct DCPowerParameters: Sendable, Equatable, BitwiseCopyable {
    public var maxVolts: Double
    public var maxChargeAmps: Double
    public var maxDischargeAmps: Double
    public var rangeTargetAmps: Double

    public init(maxVolts: Double = 0, maxChargeAmps: Double = 0, maxDischargeAmps: Double = 0, rangeTargetAmps: Double = 0) {
        self.maxVolts = maxVolts
        self.maxChargeAmps = maxChargeAmps
        self.maxDischargeAmps = maxDischargeAmps
        self.rangeTargetAmps = rangeTargetAmps
    }

    public init(_ v: SignalValues) {
        self.init(maxVolts: v[0], maxChargeAmps: v[1], maxDischargeAmps: v[2], rangeTargetAmps: v[3])
    }

    public var values: SignalValues {
        var v = SignalValues(count: 4)
        v[0] = maxVolts
        v[1] = maxChargeAmps
        v[2] = maxDischargeAmps
        v[3] = rangeTargetAmps
        return v
    }
}

/// 0x63002: the sequence flags (levels, except the two buttons, which act on a 0→1 edge).
@frozen
public struct SequenceControl: Sendable, Equatable, BitwiseCopyable {
    public var startChargeAuthorised = false
    public var chademoStartPressed = false
    public var ccsAuthorisationDone = false
    public var ccsAuthorisationValid = false
    public var chargeParametersDone = false
    public var userStopPressed = false

    public init() {}

    public init(_ v: SignalValues) {
        startChargeAuthorised = v[0] != 0
        chademoStartPressed = v[1] != 0
        ccsAuthorisationDone = v[2] != 0
        ccsAuthorisationValid = v[3] != 0
        chargeParametersDone = v[4] != 0
        userStopPressed = v[5] != 0
    }

    public var values: SignalValues {
        var v = SignalValues(count: 6)
        v[0] = startChargeAuthorised ? 1 : 0
        v[1] = chademoStartPressed ? 1 : 0
        v[2] = ccsAuthorisationDone ? 1 : 0
        v[3] = ccsAuthorisationValid ? 1 : 0
        v[4] = chargeParametersDone ? 1 : 0
        v[5] = userStopPressed ? 1 : 0
        return v
    }
}

/// The EV information the controller forwards (0x6B100–0x6B103), gathered.
@frozen
public struct EVInformation: Sendable, Equatable, BitwiseCopyable {
    public var presentSoC: Double = 0
    public var minVolts: Double = 0
    public var maxVolts: Double = 0
    public var presentVolts: Double = 0
    public var maxChargeAmps: Double = 0
    public var maxDischargeAmps: Double = 0

    public init() {}
}

/// One decoded EVSE v3 frame of the messages the charge sequence uses; `other` for the rest
/// (inputs, outputs, extra information, EV ID), which the codec still checks.
@frozen
public enum EVSEMessage: Sendable, BitwiseCopyable {
    case controllerStatus(ControllerState)
    case newChargeSession(protocol: Int, plug: Int)
    case chargeStatusChange(started: Bool)
    case dcPowerControl(DCPowerControl)
    case chargeSessionFinished(rushed: Bool)
    case emergencyStop(EmergencyOrigin)
    case evBattery(capacityKWh: Double, soc: Double)
    case evVoltages(minVolts: Double, maxVolts: Double, presentVolts: Double)
    case evChargeLimits(minAmps: Double, maxAmps: Double)
    case evDischargeLimits(minAmps: Double, maxAmps: Double)
    case ocppControl(dynamicTargetAmps: Double)
    case powerModulesStatus(PowerModulesStatus)
    case dcPowerParameters(DCPowerParameters)
    case sequenceControl(SequenceControl)
    case other(index: Int)

    /// The typed message of a decoded EVSE frame.
    public init(index: Int, _ v: SignalValues) {
        switch index {
        case EVSEMessageIndex.controllerStatus: self = .controllerStatus(ControllerState(rawValue: Int(v[0])) ?? .initialising)
        case EVSEMessageIndex.newChargeSession: self = .newChargeSession(protocol: Int(v[0]), plug: Int(v[1]))
        case EVSEMessageIndex.chargeStatusChange: self = .chargeStatusChange(started: v[0] != 0)
        case EVSEMessageIndex.dcPowerControl: self = .dcPowerControl(DCPowerControl(v))
        case EVSEMessageIndex.chargeSessionFinished: self = .chargeSessionFinished(rushed: v[0] != 0)
        case EVSEMessageIndex.emergencyStop: self = .emergencyStop(EmergencyOrigin(rawValue: Int(v[0])) ?? .evse)
        case EVSEMessageIndex.evBattery: self = .evBattery(capacityKWh: v[0], soc: v[1])
        case EVSEMessageIndex.evVoltages: self = .evVoltages(minVolts: v[0], maxVolts: v[1], presentVolts: v[2])
        case EVSEMessageIndex.evChargeLimits: self = .evChargeLimits(minAmps: v[0], maxAmps: v[1])
        case EVSEMessageIndex.evDischargeLimits: self = .evDischargeLimits(minAmps: v[0], maxAmps: v[1])
        case EVSEMessageIndex.ocppControl: self = .ocppControl(dynamicTargetAmps: v[0])
        case EVSEMessageIndex.powerModulesStatus: self = .powerModulesStatus(PowerModulesStatus(v))
        case EVSEMessageIndex.dcPowerParameters: self = .dcPowerParameters(DCPowerParameters(v))
        case EVSEMessageIndex.sequenceControl: self = .sequenceControl(SequenceControl(v))
        default: self = .other(index: index)
        }
    }

    /// Builds one-signal messages (status, events) for an encoder.
    public static func single(_ value: Double) -> SignalValues {
        var v = SignalValues(count: 1)
        v[0] = value
        return v
    }
}

extension AdvanticsCANCodec {
    /// Encodes an EVSE v3 message for `pistol`.
    public func encodeEVSE(_ index: Int, _ values: SignalValues, pistol: Int) throws(AdvanticsCANError) -> AdvanticsFrame {
        try encode(AdvanticsMessageRef(interface: .evse, index: index, pistol: pistol), values)
    }
}
