/// The ADVANTICS generic PEV CAN interface, version 2, database revision 2.5
/// (advantics-can.md §2.2–§2.5; facts from the vendor's reference KCD): 11-bit identifiers, every
/// message and signal with its scaling, limits and enumerations, at the resolutions of `PEVScaling`.
/// The interface has no multiplexed message (§0.2).
public enum PEVInterfaceV2 {
    /// Every message of DB revision 2.5 at its documented resolutions (1 A, 0.1 kWh, database order).
    public static let reference: [CANMessageLayout] = [
        CANMessageLayout("EVSE_Information", id: 0x600, extended: false, length: 6, fromController: true, cycleMilliseconds: 100, signals: [
            .init("Communication_Stage", start: 0, length: 8, labels: [.init(0, "Initialising"), .init(1, "Waiting_For_EVSE"), .init(2, "Negotiating_Connection"), .init(3, "Connected_With_Full_Info"), .init(4, "Insulation_Test"), .init(5, "Precharge"), .init(6, "Waiting_For_Charge"), .init(7, "Charging"), .init(8, "Ending_Charge"), .init(9, "Welding_Detection"), .init(10, "Closing_Communication"), .init(11, "Charge_Pause")]),
            .init("Protocol", start: 8, length: 8, labels: [.init(0, ""), .init(1, "CCS_PWM"), .init(2, "CCS_DIN_70121_2012_v2"), .init(3, "CCS_ISO_15118_2013_v2"), .init(4, "CCS_ISO_15118_2022")]),
            .init("Pins", start: 16, length: 8, labels: [.init(0, ""), .init(1, "CCS_AC"), .init(2, "CCS_AC_Single_Phase_Core"), .init(3, "CCS_AC_Three_Phase_Core"), .init(4, "CCS_DC_Core"), .init(5, "CCS_DC_Extended"), .init(6, "MCS")]),
            .init("Max_Current", start: 24, length: 16, isSigned: true, limits: -32768.0...32767.0, unit: "Amps"),
            .init("RCD_Status", start: 40, length: 1, labels: [.init(0, "No_Error"), .init(1, "Error")]),
        ]),
        CANMessageLayout("EV_Information", id: 0x610, extended: false, length: 3, fromController: false, cycleMilliseconds: 100, signals: [
            .init("State_of_Charge", start: 0, length: 8, limits: 0.0...100.0, unit: "%"),
            .init("Energy_Capacity", start: 8, length: 16, scale: 0.1, limits: 0.0...6553.0, unit: "kWh"),
        ]),
        CANMessageLayout("AC_Control", id: 0x601, extended: false, length: 1, fromController: true, cycleMilliseconds: 100, signals: [
            .init("Ready_To_Deliver_Power", start: 0, length: 1, labels: [.init(0, "Not_Ready"), .init(1, "Ready")]),
        ]),
        CANMessageLayout("AC_Status", id: 0x611, extended: false, length: 1, fromController: false, cycleMilliseconds: 100, signals: [
            .init("Ready_To_Charge", start: 0, length: 1, labels: [.init(0, "Not_Ready"), .init(1, "Ready")]),
        ]),
        CANMessageLayout("DC_Control", id: 0x602, extended: false, length: 1, fromController: true, cycleMilliseconds: 100, signals: [
            .init("Close_Contactors", start: 0, length: 1, labels: [.init(0, "Open"), .init(1, "Close")]),
        ]),
        CANMessageLayout("DC_Status1", id: 0x612, extended: false, length: 8, fromController: false, cycleMilliseconds: 100, signals: [
            .init("Max_Charge_Current", start: 0, length: 16, isSigned: true, limits: -32768.0...32767.0, unit: "Amps"),
            .init("Present_Current", start: 16, length: 16, isSigned: true, limits: -32768.0...32767.0, unit: "Amps"),
            .init("Max_Discharge_Current", start: 32, length: 16, limits: 0.0...65535.0, unit: "Amps"),
            .init("Target_Voltage", start: 48, length: 16, limits: 0.0...65535.0, unit: "Volts"),
        ]),
        CANMessageLayout("DC_Status2", id: 0x613, extended: false, length: 5, fromController: false, cycleMilliseconds: 100, signals: [
            .init("Contactors_Closed", start: 0, length: 1, labels: [.init(0, "Open"), .init(1, "Close")]),
            .init("Normal_End_of_Charge", start: 1, length: 1, labels: [.init(0, "No_Request"), .init(1, "Stop_Requested")]),
            .init("Emergency_Stop", start: 2, length: 1, labels: [.init(0, "No_Request"), .init(1, "Emergency_Stop_Requested")]),
            .init("Battery_Voltage", start: 8, length: 16, scale: 0.1, limits: 0.0...6553.0, unit: "Volts"),
            .init("Inlet_Voltage", start: 24, length: 16, scale: 0.1, limits: 0.0...6553.0, unit: "Volts"),
        ]),
        CANMessageLayout("EV_Status", id: 0x618, extended: false, length: 8, fromController: false, cycleMilliseconds: 0, signals: [
            .init("HV_Preparing_Hold_Off", start: 0, length: 1, labels: [.init(0, "Hold_Off_Not_Requested"), .init(1, "Hold_Off")]),
            .init("Charge_Pause_Request", start: 1, length: 1, labels: [.init(0, "Not_Requested"), .init(1, "Requested")]),
            .init("Charge_Resume_Request", start: 2, length: 1, labels: [.init(0, "Not_Requested"), .init(1, "Requested")]),
            .init("ISO15118_Part20_Scheduled_Mode_Control", start: 3, length: 1, labels: [.init(0, "Current_Control"), .init(1, "Voltage_Control")]),
        ]),
        CANMessageLayout("EV_Energy_Request", id: 0x614, extended: false, length: 6, fromController: false, cycleMilliseconds: 100, signals: [
            .init("Target_Energy_Request", start: 0, length: 16, scale: 0.1, limits: 0.0...6553.0, unit: "kWh"),
            .init("Maximum_Energy_Request", start: 16, length: 16, scale: 0.1, limits: 0.0...6553.0, unit: "kWh"),
            .init("Minimum_Energy_Request", start: 32, length: 16, scale: 0.1, limits: 0.0...6553.0, unit: "kWh"),
        ]),
        CANMessageLayout("EV_V2X_Energy_Request", id: 0x615, extended: false, length: 4, fromController: false, cycleMilliseconds: 100, signals: [
            .init("Minimum_V2X_Energy_Request", start: 0, length: 16, scale: 0.1, limits: 0.0...6553.0, unit: "kWh"),
            .init("Maximum_V2X_Energy_Request", start: 16, length: 16, scale: 0.1, limits: 0.0...6553.0, unit: "kWh"),
        ]),
        CANMessageLayout("EV_Extra_BPT_Information", id: 0x616, extended: false, length: 4, fromController: false, cycleMilliseconds: 100, signals: [
            .init("Departure_Time", start: 0, length: 32, limits: 0.0...4294967296.0, unit: "Seconds"),
        ]),
        CANMessageLayout("CCS_Extra_Information", id: 0x603, extended: false, length: 6, fromController: true, cycleMilliseconds: 100, signals: [
            .init("CP_Duty_Cycle", start: 0, length: 16, scale: 0.1, limits: 0.0...100.0, unit: "%"),
            .init("CP_Top_Voltage", start: 16, length: 8, scale: 0.1, unit: "Volts"),
            .init("CP_State", start: 24, length: 8, labels: [.init(0, "E_or_F"), .init(3, "D"), .init(6, "C"), .init(9, "B"), .init(12, "A")]),
            .init("PP_Resistance", start: 32, length: 8, scale: 10, limits: 0.0...2550.0, unit: "Ohms"),
            .init("Inlet_Lock_State", start: 40, length: 2, labels: [.init(0, "Unlocked"), .init(1, "Locked"), .init(2, "Fault")]),
        ]),
        CANMessageLayout("ADM_CS_EVCC_MEVC_Outputs", id: 0x617, extended: false, length: 8, fromController: false, cycleMilliseconds: 0, signals: [
            .init("Digital_Output1", start: 0, length: 1, limits: 0.0...1.0),
            .init("Digital_Output2", start: 1, length: 1, limits: 0.0...1.0),
            .init("Digital_Output3", start: 2, length: 1, limits: 0.0...1.0),
            .init("Led1", start: 40, length: 8, limits: 0.0...255.0),
            .init("Led2", start: 48, length: 8, limits: 0.0...255.0),
            .init("Led3", start: 56, length: 8, limits: 0.0...255.0),
        ]),
        CANMessageLayout("ADM_CS_EVCC_Inputs", id: 0x604, extended: false, length: 6, fromController: true, cycleMilliseconds: 1000, signals: [
            .init("DC_Contactor_Positive_Feedback", start: 0, length: 1, labels: [.init(0, "Open"), .init(1, "Close")]),
            .init("DC_Contactor_Negative_Feedback", start: 1, length: 1, labels: [.init(0, "Open"), .init(1, "Close")]),
            .init("Digital_Input1", start: 2, length: 1, limits: 0.0...1.0),
            .init("Digital_Input2", start: 3, length: 1, limits: 0.0...1.0),
            .init("Stop_Charge", start: 4, length: 1, labels: [.init(0, "No_Request"), .init(1, "Stop_Requested")]),
            .init("PTC0", start: 8, length: 8, offset: -40, limits: -40.0...215.0, unit: "°C"),
            .init("PTC1", start: 16, length: 8, offset: -40, limits: -40.0...215.0, unit: "°C"),
            .init("PTC2", start: 24, length: 8, offset: -40, limits: -40.0...215.0, unit: "°C"),
            .init("CPU_Temperature", start: 32, length: 8, offset: -40, limits: -40.0...215.0, unit: "°C"),
            .init("CAN_Sensor_Temperature", start: 40, length: 8, offset: -40, limits: -40.0...215.0, unit: "°C"),
        ]),
        CANMessageLayout("EVCC_MEVC_Diagnostic_Status", id: 0x605, extended: false, length: 8, fromController: true, cycleMilliseconds: 100, signals: [
            .init("LockFailure", start: 0, length: 1),
            .init("UnlockDeclinedInletEnergized", start: 1, length: 1),
            .init("HighTemperature", start: 2, length: 1),
            .init("ContactorFault", start: 3, length: 1),
            .init("VoltageDeviation", start: 4, length: 1),
            .init("CurrentDeviation", start: 5, length: 1),
            .init("PrechargeTimeout", start: 6, length: 1),
            .init("ProximityPilotNotDetected", start: 7, length: 1),
            .init("InsertionDetectionNotDetected", start: 8, length: 1),
            .init("ControlPilotFault", start: 9, length: 1),
            .init("ChargeEnableFault", start: 10, length: 1),
            .init("ControlPilotDutyCycleUnexpected", start: 11, length: 1),
            .init("ControlPilotStateUnexpected", start: 12, length: 1),
            .init("ChargeEnableStateUnexpected", start: 13, length: 1),
            .init("ControlPilotStateNotSupported", start: 14, length: 1),
            .init("PLCFault", start: 15, length: 1),
            .init("V2GTPTLSError", start: 16, length: 1),
            .init("V2GTPAuthorizationFailure", start: 17, length: 1),
            .init("V2GTPServiceSelectionFailure", start: 18, length: 1),
            .init("V2GTPProtocolVersionInvalid", start: 19, length: 1),
            .init("V2GTPSessionIDUnexpected", start: 20, length: 1),
            .init("V2GTPPayloadInvalid", start: 21, length: 1),
            .init("V2GTPEnergyTransferModeNotSupported", start: 22, length: 1),
            .init("V2GTPSequenceError", start: 23, length: 1),
            .init("V2GTPSequenceTimeout", start: 24, length: 1),
            .init("SDPError", start: 25, length: 1),
            .init("HLC_ResponseCode", start: 48, length: 8, labels: [.init(0, "Undefined"), .init(1, "OK"), .init(2, "OK_CertificateExpiresSoon"), .init(3, "OK_NewSessionEstablished"), .init(4, "OK_OldSessionJoined"), .init(5, "OK_PowerToleranceConfirmed"), .init(6, "WARNING_AuthorizationSelectionInvalid"), .init(7, "WARNING_CertificateExpired"), .init(8, "WARNING_CertificateNotYetValid"), .init(9, "WARNING_CertificateRevoked"), .init(10, "WARNING_CertificateValidationError"), .init(11, "WARNING_ChallengeInvalid"), .init(12, "WARNING_EIMAuthorizationFailure"), .init(13, "WARNING_eMSPUnknown"), .init(14, "WARNING_EVPowerProfileViolation"), .init(15, "WARNING_GeneralPnCAuthorizationError"), .init(16, "WARNING_NoCertificateAvailable"), .init(17, "WARNING_NoContractMatchingPCIDFound"), .init(18, "WARNING_PowerToleranceNotConfirmed"), .init(19, "WARNING_ScheduleRenegotiationFailed"), .init(20, "WARNING_StandbyNotAllowed"), .init(21, "WARNING_WPT"), .init(22, "FAILED"), .init(23, "FAILED_AssociationError"), .init(24, "FAILED_ContactorError"), .init(25, "FAILED_EVPowerProfileInvalid"), .init(26, "FAILED_EVPowerProfileViolation"), .init(27, "FAILED_MeteringSignatureNotValid"), .init(28, "FAILED_NoEnergyTransferServiceSelected"), .init(29, "FAILED_NoServiceRenegotiationSupported"), .init(30, "FAILED_PauseNotAllowed"), .init(31, "FAILED_PowerDeliveryNotApplied"), .init(32, "FAILED_PowerToleranceNotConfirmed"), .init(33, "FAILED_ScheduleRenegotiation"), .init(34, "FAILED_ScheduleSelectionInvalid"), .init(35, "FAILED_SequenceError"), .init(36, "FAILED_ServiceIDInvalid"), .init(37, "FAILED_ServiceSelectionInvalid"), .init(38, "FAILED_SignatureError"), .init(39, "FAILED_UnknownSession"), .init(40, "FAILED_WrongChargeParameter"), .init(41, "FAILED_PaymentSelectionInvalid"), .init(42, "FAILED_CertificateExpired"), .init(43, "FAILED_CertChainError"), .init(44, "FAILED_ChallengeInvalid"), .init(45, "FAILED_ContractCanceled"), .init(46, "FAILED_TariffSelectionInvalid"), .init(47, "FAILED_ChargingProfileInvalid"), .init(48, "FAILED_NoChargeServiceSelected"), .init(49, "FAILED_WrongEnergyTransferMode"), .init(50, "FAILED_CertificateNotAllowedAtThisEVSE"), .init(51, "FAILED_CertificateRevoked"), .init(52, "FAILED_EVSEPresentVoltageToLow"), .init(53, "FAILED_WrongEnergyTransferType")]),
            .init("EVSE_StatusCode", start: 56, length: 4, labels: [.init(0, "Undefined"), .init(1, "EVSE_NotReady"), .init(2, "EVSE_Ready"), .init(3, "EVSE_Shutdown"), .init(4, "EVSE_UtilityInterruptEvent"), .init(5, "EVSE_IsolationMonitoringActive"), .init(6, "EVSE_EmergencyShutdown"), .init(7, "EVSE_Malfunction"), .init(8, "Invalid")]),
            .init("EVSE_Isolation_Level", start: 60, length: 4, labels: [.init(0, "Undefined"), .init(1, "Invalid"), .init(2, "Valid"), .init(3, "Warning"), .init(4, "Fault"), .init(5, "No_IMD")]),
        ]),
        CANMessageLayout("MCS_Extra_Information", id: 0x606, extended: false, length: 8, fromController: true, cycleMilliseconds: 100, signals: [
            .init("CE_State", start: 0, length: 8, labels: [.init(0, "Undefined"), .init(1, "A"), .init(2, "B0"), .init(3, "B0_Aux"), .init(4, "B"), .init(5, "B_Aux"), .init(6, "C"), .init(7, "C_Aux"), .init(8, "EC"), .init(9, "E")]),
            .init("ID_State", start: 8, length: 8, labels: [.init(0, "Undefined"), .init(1, "Inlet_Not_Present"), .init(2, "Unmated"), .init(3, "Mated_NoEVSE"), .init(4, "Mated_EVSE"), .init(5, "Mated_EVAux"), .init(6, "Mated_EVSEAux")]),
        ]),
    ]
}
