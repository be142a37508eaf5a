/// Module IDs of the HCI (whitebeet-hci.md §4).
public enum HCIModule {
    public static let network: UInt8 = 0x05
    /// Ping for resynchronisation (§7): request sub 0x00, reply sub 0x01, no result byte.
    public static let ping: UInt8 = 0x0E
    public static let system: UInt8 = 0x10
    public static let v2g: UInt8 = 0x27
    public static let slac: UInt8 = 0x28
    public static let controlPilot: UInt8 = 0x29
    /// Framing status (module → host only): the sub ID is the error, e.g. 0xF3 missing end of frame.
    public static let framing: UInt8 = 0xFF
    public static let missingEndOfFrameStatus: UInt8 = 0xF3
}

/// Role codes shared by CP (0x29/0x40), SLAC (0x28/0x42) and V2G (0x27/0x40): 0 = EV, 1 = EVSE.
public enum ModuleRole: UInt8, Sendable, Equatable {
    case ev = 0
    case evse = 1
}

/// CP states of 0x29/0x48 and 0x29/0x81 (§8).
public enum PilotStateCode: UInt8, Sendable, Equatable {
    case a = 0, b, c, d, e, f, unknown
}

/// The EV's resistor (0x29/0x46, §8): state B or C.
public enum PilotResistor: UInt8, Sendable, Equatable {
    case stateB = 0
    case stateC = 1
}

/// Energy transfer modes (§11.1): 0…3 are DC, 4…5 AC.
public enum EnergyTransferMode {
    public static let dcCore: UInt8 = 0
    public static let dcExtended: UInt8 = 1
    public static let dcComboCore: UInt8 = 2
    public static let dcUnique: UInt8 = 3
    public static let acSinglePhase: UInt8 = 4
    public static let acThreePhase: UInt8 = 5
    public static func isDC(_ mode: UInt8) -> Bool { mode <= 3 }
}

/// Protocol codes of the Gen-2 EVSE and EV APIs (§11.1, §13.1).
public enum V2GProtocolCode {
    public static let din70121: UInt8 = 0
    public static let iso15118_2: UInt8 = 1
}

/// Payment method codes (§11.1).
public enum PaymentMethodCode {
    public static let externalPayment: UInt8 = 0
    public static let contract: UInt8 = 1
}
