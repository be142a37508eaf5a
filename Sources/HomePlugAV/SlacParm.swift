import CoreTypes

/// Values every SLAC message carries (slac.md §1.3).
public enum SlacConstants {
    /// APPLICATION_TYPE 0x00 = PEV–EVSE matching.
    public static let applicationType: UInt8 = 0x00
    /// SECURITY_TYPE 0x00 = no security.
    public static let securityType: UInt8 = 0x00
    /// RESP_TYPE 0x01 = results go to another Green PHY station, the EV host (slac.md §2.5).
    public static let responseType: UInt8 = 0x01
    /// M-SOUND_TARGET: sounds are broadcast.
    public static let soundTarget = MACAddress(rawValue: 0xFFFF_FFFF_FFFF)
    /// The local Qualcomm modem as its host sees it (slac.md §1.1).
    public static let localModem = MACAddress(0x00, 0xB0, 0x52, 0x00, 0x00, 0x01)
}

/// CM_SLAC_PARM.REQ (EV → broadcast), slac.md §2.4.
@frozen
public struct SlacParmRequest: Sendable, BitwiseCopyable, Equatable {
    public var applicationType: UInt8 = SlacConstants.applicationType
    public var securityType: UInt8 = SlacConstants.securityType
    public var runID: RunID

    public init(runID: RunID) { self.runID = runID }

    @_transparent public static var minimumLength: Int { 29 }

    @_transparent
    init(unchecked s: borrowing RawSpan) {
        applicationType = Wire.u8(s, 19)
        securityType = Wire.u8(s, 20)
        runID = RunID(rawValue: Wire.beBytes(s, 21, 8))
    }

    @_transparent
    func encode(_ s: inout MutableRawSpan) {
        Wire.put(&s, 19, applicationType)
        Wire.put(&s, 20, securityType)
        Wire.putBEBytes(&s, 21, runID.rawValue, 8)
    }
}

/// CM_SLAC_PARM.CNF (EVSE → EV, unicast), slac.md §2.5.
@frozen
public struct SlacParmConfirm: Sendable, BitwiseCopyable, Equatable {
    public var soundTarget: MACAddress = SlacConstants.soundTarget
    /// C_EV_match_MNBC.
    public var numberOfSounds: UInt8
    /// TT_EVSE_match_MNBC in units of 100 ms.
    public var timeOut: UInt8
    public var responseType: UInt8 = SlacConstants.responseType
    /// The EV host (source of the REQ).
    public var forwardingStation: MACAddress
    public var applicationType: UInt8 = SlacConstants.applicationType
    public var securityType: UInt8 = SlacConstants.securityType
    public var runID: RunID

    public init(numberOfSounds: UInt8, timeOut: UInt8, forwardingStation: MACAddress, runID: RunID) {
        self.numberOfSounds = numberOfSounds
        self.timeOut = timeOut
        self.forwardingStation = forwardingStation
        self.runID = runID
    }

    @_transparent public static var minimumLength: Int { 44 }

    @_transparent
    init(unchecked s: borrowing RawSpan) {
        soundTarget = Wire.mac(s, 19)
        numberOfSounds = Wire.u8(s, 25)
        timeOut = Wire.u8(s, 26)
        responseType = Wire.u8(s, 27)
        forwardingStation = Wire.mac(s, 28)
        applicationType = Wire.u8(s, 34)
        securityType = Wire.u8(s, 35)
        runID = RunID(rawValue: Wire.beBytes(s, 36, 8))
    }

    @_transparent
    func encode(_ s: inout MutableRawSpan) {
        Wire.putMAC(&s, 19, soundTarget)
        Wire.put(&s, 25, numberOfSounds)
        Wire.put(&s, 26, timeOut)
        Wire.put(&s, 27, responseType)
        Wire.putMAC(&s, 28, forwardingStation)
        Wire.put(&s, 34, applicationType)
        Wire.put(&s, 35, securityType)
        Wire.putBEBytes(&s, 36, runID.rawValue, 8)
    }
}
