/// The ADVANTICS generic EVSE CAN interface, version 3, database revision 3.6
/// (advantics-can.md §1.2–§1.5; facts from the vendor's reference KCD): 29-bit identifiers, the pistol
/// index in ID bits 28..24 (0 here, added on the wire), every message and signal with its scaling,
/// limits and enumerations. The interface has no multiplexed message (§0.2).
public enum EVSEInterfaceV3 {
    /// ID bits 28..24 carry the pistol index (§1.1).
    public static let pistolShift: UInt32 = 24
    public static let baseIDMask: UInt32 = 0x00FF_FFFF

    /// Every message of DB revision 3.6.
    public static let messages: [CANMessageLayout] = [
        CANMessageLayout("Advantics_Controller_Status", id: 0x6B000, extended: true, length: 1, fromController: true, cycleMilliseconds: 100, signals: [
            .init("State", start: 0, length: 8, labels: [.init(0, "Initialising"), .init(1, "Waiting_For_PEV"), .init(2, "Negotiating_Connection"), .init(3, "Connected_With_Full_Info"), .init(4, "Insulation_Test"), .init(5, "Precharge"), .init(6, "Waiting_For_Charge"), .init(7, "Charging"), .init(8, "Ending_Charge"), .init(9, "Welding_Detection"), .init(10, "Closing_Communication"), .init(11, "CCS_Authorisation_Process"), .init(12, "Not_Available"), .init(13, "Charge_Pause")]),
        ]),
        CANMessageLayout("New_Charge_Session", id: 0x6B001, extended: true, length: 2, fromController: true, cycleMilliseconds: 100, signals: [
            .init("Communication_Protocol", start: 0, length: 8, labels: [.init(0, "CCS_DIN_70121_2012_v2"), .init(1, "CCS_ISO_15118_2010_v1"), .init(2, "CCS_ISO_15118_2013_v2"), .init(3, "CHAdeMO_v0.9"), .init(4, "CHAdeMO_v1.0-v1.1-v1.2"), .init(5, "CHAdeMO_v2.0"), .init(6, "CCS_PWM"), .init(7, "CCS_ISO_15118_2022")]),
            .init("Plug_and_pins", start: 8, length: 8, labels: [.init(0, "CCS_DC_Core"), .init(1, "CCS_DC_Extended"), .init(2, "CHAdeMO"), .init(3, "CCS_AC"), .init(4, "MCS")]),
        ]),
        CANMessageLayout("Charge_Status_Change", id: 0x6B002, extended: true, length: 1, fromController: true, cycleMilliseconds: 0, signals: [
            .init("Vehicle_Ready_for_Charging", start: 0, length: 8, labels: [.init(0, "Charge_Stopped"), .init(1, "Charge_Started")]),
        ]),
        CANMessageLayout("DC_Power_Control", id: 0x6B003, extended: true, length: 7, fromController: true, cycleMilliseconds: 100, signals: [
            .init("Target_Voltage", start: 0, length: 16, scale: 0.1, unit: "Volts"),
            .init("Current_Range_Max", start: 16, length: 16, isSigned: true, scale: 0.1, unit: "Amps"),
            .init("Current_Range_Min", start: 32, length: 16, isSigned: true, scale: 0.1, unit: "Amps"),
            .init("Power_Function", start: 48, length: 4, labels: [.init(0, "Off"), .init(1, "Standby"), .init(2, "Insulation_Test"), .init(4, "Precharge"), .init(8, "Power_Transfer")]),
            .init("Setpoints_Mode", start: 53, length: 1, labels: [.init(0, "Target_Mode"), .init(1, "Range_Mode")]),
            .init("Output_Contactors", start: 54, length: 1, labels: [.init(0, "Open"), .init(1, "Close")]),
            .init("Lower_Output_Voltage", start: 55, length: 1, labels: [.init(0, "No_Lowering"), .init(1, "Lowering")]),
        ]),
        CANMessageLayout("Charge_Session_Finished", id: 0x6B004, extended: true, length: 1, fromController: true, cycleMilliseconds: 0, signals: [
            .init("State", start: 0, length: 8, labels: [.init(0, "Clean_Stop"), .init(1, "Rushed_Stop")]),
        ]),
        CANMessageLayout("Emergency_Stop", id: 0x6B005, extended: true, length: 1, fromController: true, cycleMilliseconds: 100, signals: [
            .init("Origin", start: 0, length: 8, labels: [.init(1, "EVSE"), .init(3, "PEV")]),
        ]),
        CANMessageLayout("EV_Information_Battery", id: 0x6B100, extended: true, length: 6, fromController: true, cycleMilliseconds: 0, signals: [
            .init("Battery_Capacity", start: 0, length: 16, unit: "kWh"),
            .init("Present_State_of_Charge", start: 16, length: 8, limits: 0.0...100.0, unit: "%"),
            .init("Minimum_State_of_Charge", start: 24, length: 8, limits: 0.0...100.0, unit: "%"),
            .init("Target_State_of_Charge", start: 32, length: 8, limits: 0.0...100.0, unit: "%"),
            .init("Maximum_State_of_Charge", start: 40, length: 8, limits: 0.0...100.0, unit: "%"),
        ]),
        CANMessageLayout("EV_Information_Voltages", id: 0x6B101, extended: true, length: 6, fromController: true, cycleMilliseconds: 0, signals: [
            .init("EV_Minimum_Voltage", start: 0, length: 16, scale: 0.1, unit: "Volts"),
            .init("EV_Maximum_Voltage", start: 16, length: 16, scale: 0.1, unit: "Volts"),
            .init("EV_Present_Voltage", start: 32, length: 16, scale: 0.1, unit: "Volts"),
        ]),
        CANMessageLayout("EV_Information_Charge_Limits", id: 0x6B102, extended: true, length: 8, fromController: true, cycleMilliseconds: 0, signals: [
            .init("EV_Minimum_Charge_Current", start: 0, length: 16, scale: 0.1, unit: "Amps"),
            .init("EV_Maximum_Charge_Current", start: 16, length: 16, scale: 0.1, unit: "Amps"),
            .init("EV_Minimum_Charge_Power", start: 32, length: 16, unit: "kW"),
            .init("EV_Maximum_Charge_Power", start: 48, length: 16, unit: "kW"),
        ]),
        CANMessageLayout("EV_Information_Discharge_Limits", id: 0x6B103, extended: true, length: 8, fromController: true, cycleMilliseconds: 0, signals: [
            .init("EV_Minimum_Discharge_Current", start: 0, length: 16, scale: 0.1, unit: "Amps"),
            .init("EV_Maximum_Discharge_Current", start: 16, length: 16, scale: 0.1, unit: "Amps"),
            .init("EV_Minimum_Discharge_Power", start: 32, length: 16, unit: "kW"),
            .init("EV_Maximum_Discharge_Power", start: 48, length: 16, unit: "kW"),
        ]),
        CANMessageLayout("EV_Information_Energy", id: 0x6B104, extended: true, length: 6, fromController: true, cycleMilliseconds: 0, signals: [
            .init("EV_Minimum_Energy_Request", start: 0, length: 16, isSigned: true, unit: "kWh"),
            .init("EV_Target_Energy_Request", start: 16, length: 16, isSigned: true, unit: "kWh"),
            .init("EV_Maximum_Energy_Request", start: 32, length: 16, isSigned: true, unit: "kWh"),
        ]),
        CANMessageLayout("EV_ID_CCS_Part2_DIN", id: 0x6B105, extended: true, length: 6, fromController: true, cycleMilliseconds: 1000, signals: [
            .init("Byte0", start: 0, length: 8),
            .init("Byte1", start: 8, length: 8),
            .init("Byte2", start: 16, length: 8),
            .init("Byte3", start: 24, length: 8),
            .init("Byte4", start: 32, length: 8),
            .init("Byte5", start: 40, length: 8),
        ]),
        CANMessageLayout("ADM_CO_CUI1_Inputs", id: 0x6B200, extended: true, length: 8, fromController: true, cycleMilliseconds: 1000, signals: [
            .init("SWITCH0", start: 0, length: 1, limits: 0.0...1.0),
            .init("SWITCH1", start: 1, length: 1, limits: 0.0...1.0),
            .init("SWITCH2", start: 2, length: 1, limits: 0.0...1.0),
            .init("SWITCH3", start: 3, length: 1, limits: 0.0...1.0),
            .init("SWITCH4", start: 4, length: 1, limits: 0.0...1.0),
            .init("SWITCH5", start: 5, length: 1, limits: 0.0...1.0),
            .init("Colibri_Temperature", start: 32, length: 8, offset: -40, limits: -40.0...215.0, unit: "°C"),
            .init("CPU_Temperature", start: 40, length: 8, offset: -40, limits: -40.0...215.0, unit: "°C"),
            .init("Pistol_PTC1", start: 48, length: 8, offset: -40, limits: -40.0...215.0, unit: "°C"),
            .init("Pistol_PTC2", start: 56, length: 8, offset: -40, limits: -40.0...215.0, unit: "°C"),
        ]),
        CANMessageLayout("ADM_CS_SECC_Inputs", id: 0x6B201, extended: true, length: 8, fromController: true, cycleMilliseconds: 1000, signals: [
            .init("Digital_Input1", start: 0, length: 1, limits: 0.0...1.0),
            .init("Digital_Input2", start: 1, length: 1, limits: 0.0...1.0),
            .init("Digital_Input3", start: 2, length: 1, limits: 0.0...1.0),
            .init("Digital_Input4", start: 3, length: 1, limits: 0.0...1.0),
            .init("CPU_Temperature", start: 40, length: 8, offset: -40, limits: -40.0...215.0, unit: "°C"),
            .init("Pistol_PTC1", start: 48, length: 8, offset: -40, limits: -40.0...215.0, unit: "°C"),
            .init("Pistol_PTC2", start: 56, length: 8, offset: -40, limits: -40.0...215.0, unit: "°C"),
        ]),
        CANMessageLayout("ADM_CS_SPCC_Inputs", id: 0x6B202, extended: true, length: 8, fromController: true, cycleMilliseconds: 1000, signals: [
            .init("Digital_Input1", start: 0, length: 1, limits: 0.0...1.0),
            .init("Digital_Input2", start: 1, length: 1, limits: 0.0...1.0),
            .init("Digital_Input3", start: 2, length: 1, limits: 0.0...1.0),
            .init("Digital_Input4", start: 3, length: 1, limits: 0.0...1.0),
            .init("CPU_Temperature0", start: 8, length: 8, offset: -40, limits: -40.0...215.0, unit: "°C"),
            .init("CPU_Temperature1", start: 16, length: 8, offset: -40, limits: -40.0...215.0, unit: "°C"),
            .init("PT1K_A", start: 24, length: 8, offset: -40, limits: -40.0...215.0, unit: "°C"),
            .init("PT1K_B", start: 32, length: 8, offset: -40, limits: -40.0...215.0, unit: "°C"),
            .init("PT1KS_C", start: 48, length: 8, offset: -40, limits: -40.0...215.0, unit: "°C"),
            .init("PT1KS_D", start: 56, length: 8, offset: -40, limits: -40.0...215.0, unit: "°C"),
        ]),
        CANMessageLayout("CCS_Extra_Information", id: 0x6B203, extended: true, length: 8, fromController: true, cycleMilliseconds: 100, signals: [
            .init("CP_State", start: 0, length: 8, labels: [.init(0, "E_or_F"), .init(3, "D"), .init(6, "C"), .init(9, "B"), .init(12, "A")]),
            .init("CP_Duty_Cycle", start: 8, length: 16, scale: 0.1, limits: 0.0...100.0, unit: "%"),
        ]),
        CANMessageLayout("MCS_Extra_Information", id: 0x6B204, extended: true, length: 8, fromController: true, cycleMilliseconds: 100, signals: [
            .init("CE_State", start: 0, length: 8, labels: [.init(0, "Undefined"), .init(1, "A"), .init(2, "B0"), .init(3, "B0_Aux"), .init(4, "B"), .init(5, "B_Aux"), .init(6, "C"), .init(7, "C_Aux"), .init(8, "EC"), .init(9, "E")]),
            .init("ID_State", start: 8, length: 8, labels: [.init(0, "Unmated"), .init(1, "Mated"), .init(2, "Mated_EVAux"), .init(3, "Mated_EVSEAux")]),
        ]),
        CANMessageLayout("OCPP_Control", id: 0x6B300, extended: true, length: 2, fromController: true, cycleMilliseconds: 0, signals: [
            .init("Dynamic_Target_Current", start: 0, length: 16, isSigned: true, scale: 0.1, unit: "Amps"),
        ]),
        CANMessageLayout("Power_Modules_Status", id: 0x63000, extended: true, length: 8, fromController: false, cycleMilliseconds: 100, signals: [
            .init("Present_Voltage", start: 0, length: 16, scale: 0.1, unit: "Volts"),
            .init("Present_Current", start: 16, length: 16, isSigned: true, scale: 0.1, unit: "Amps"),
            .init("Power_Modules_Temperature", start: 32, length: 8, offset: -40, limits: -40.0...215.0, unit: "°C"),
            .init("Enclosure_Temperature", start: 40, length: 8, offset: -40, limits: -40.0...215.0, unit: "°C"),
            .init("System_Enable", start: 48, length: 8, labels: [.init(0, "Not_Allowed"), .init(1, "Allowed")]),
            .init("Insulation_Resistance", start: 56, length: 8, scale: 2, unit: "kOhms"),
        ]),
        CANMessageLayout("DC_Power_Parameters", id: 0x63001, extended: true, length: 8, fromController: false, cycleMilliseconds: 0, signals: [
            .init("Maximum_Voltage", start: 0, length: 16, scale: 0.1, unit: "Volts"),
            .init("Maximum_Charge_Current", start: 16, length: 16, scale: 0.1, unit: "Amps"),
            .init("Maximum_Discharge_Current", start: 32, length: 16, scale: 0.1, unit: "Amps"),
            .init("Range_Target_Current", start: 48, length: 16, isSigned: true, scale: 0.1, unit: "Amps"),
        ]),
        CANMessageLayout("Sequence_Control", id: 0x63002, extended: true, length: 3, fromController: false, cycleMilliseconds: 0, signals: [
            .init("Start_Charge_Authorisation", start: 0, length: 1, labels: [.init(0, "Not_Allowed"), .init(1, "Allowed")]),
            .init("CHAdeMO_Start_Button", start: 1, length: 1, labels: [.init(0, "Not_Pressed"), .init(1, "Pressed")]),
            .init("CCS_Authorisation_Done", start: 8, length: 1, labels: [.init(0, "Not_Done"), .init(1, "Done")]),
            .init("CCS_Authorisation_Valid", start: 9, length: 1, labels: [.init(0, "Invalid"), .init(1, "Valid")]),
            .init("Charge_Parameters_Done", start: 10, length: 1, labels: [.init(0, "Not_Done"), .init(1, "Done")]),
            .init("User_Stop_Button", start: 16, length: 1, labels: [.init(0, "Not_Pressed"), .init(1, "Pressed")]),
        ]),
        CANMessageLayout("ADM_CS_SECC_Outputs", id: 0x63201, extended: true, length: 8, fromController: false, cycleMilliseconds: 1000, signals: [
            .init("Digital_Output1", start: 0, length: 1, limits: 0.0...1.0),
            .init("Digital_Output2", start: 1, length: 1, limits: 0.0...1.0),
            .init("Digital_Output3", start: 2, length: 1, limits: 0.0...1.0),
            .init("Digital_Output4", start: 3, length: 1, limits: 0.0...1.0),
            .init("Led1", start: 4, length: 8, limits: 0.0...255.0),
            .init("Led2", start: 12, length: 8, limits: 0.0...255.0),
            .init("Led3", start: 20, length: 8, limits: 0.0...255.0),
        ]),
        CANMessageLayout("ADM_CS_SPCC_Outputs", id: 0x63202, extended: true, length: 8, fromController: false, cycleMilliseconds: 1000, signals: [
            .init("Digital_Output1", start: 0, length: 1, limits: 0.0...1.0),
            .init("Digital_Output2", start: 1, length: 1, limits: 0.0...1.0),
            .init("Led1", start: 2, length: 8, limits: 0.0...255.0),
            .init("Led2", start: 10, length: 8, limits: 0.0...255.0),
            .init("Led3", start: 18, length: 8, limits: 0.0...255.0),
        ]),
    ]
}
