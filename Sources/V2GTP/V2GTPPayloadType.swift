/// The V2GTP payload type (sdp-v2gtp.md §3). A struct over the raw value, so a reserved or
/// manufacturer-specific type survives decoding and is refused by the accepting side's set.
@frozen
public struct V2GTPPayloadType: Hashable, Sendable, BitwiseCopyable, CustomStringConvertible {
    public var rawValue: UInt16
    @_noAllocation @_noLocks
    @_transparent public init(rawValue: UInt16) { self.rawValue = rawValue }

    /// EXI message: every TCP message of DIN 70121 and ISO 15118-2, and ISO 15118-20's
    /// supportedAppProtocol handshake.
    public static let exi = Self(rawValue: 0x8001)
    /// ISO 15118-20 main streams.
    public static let iso20Common = Self(rawValue: 0x8002)
    public static let iso20AC = Self(rawValue: 0x8003)
    public static let iso20DC = Self(rawValue: 0x8004)
    public static let iso20ACDP = Self(rawValue: 0x8005)
    public static let iso20WPT = Self(rawValue: 0x8006)
    /// ISO 15118-20 side streams.
    public static let iso20ScheduleRenegotiation = Self(rawValue: 0x8101)
    public static let iso20MeteringConfirmation = Self(rawValue: 0x8102)
    public static let iso20ACDPSystemStatus = Self(rawValue: 0x8103)
    public static let iso20ParkingStatus = Self(rawValue: 0x8104)
    /// SECC Discovery Protocol over UDP.
    public static let sdpRequest = Self(rawValue: 0x9000)
    public static let sdpResponse = Self(rawValue: 0x9001)
    /// ISO 15118-20 wireless SDP variants (payload layout not in our sources).
    public static let sdpRequestWireless = Self(rawValue: 0x9002)
    public static let sdpResponseWireless = Self(rawValue: 0x9003)

    /// Defined by one of the standards (not reserved, not manufacturer specific).
    @inlinable public var isDefined: Bool {
        (0x8001...0x8006).contains(rawValue) || (0x8101...0x8104).contains(rawValue) || (0x9000...0x9003).contains(rawValue)
    }

    public var description: String { "0x" + String(rawValue, radix: 16, uppercase: true) }
}

/// Which payload types one side accepts on one channel (Josev's rule, sdp-v2gtp.md §6.3): a set of
/// up to 16 types, checked without allocation.
@frozen
public struct V2GTPPayloadTypes: Sendable, BitwiseCopyable {
    @usableFromInline var types: InlineArray<16, UInt16>
    @usableFromInline var count: Int

    public init(_ list: [V2GTPPayloadType]) {
        precondition(list.count <= 16, "at most 16 payload types")
        types = InlineArray(repeating: 0)
        count = list.count
        for (i, t) in list.enumerated() { types[i] = t.rawValue }
    }

    @_noAllocation @_noLocks
    @_transparent public func contains(_ t: V2GTPPayloadType) -> Bool {
        var i = 0
        while i < count {
            if types[i] == t.rawValue { return true }
            i += 1
        }
        return false
    }

    /// DIN 70121 and ISO 15118-2 TCP: EXI only.
    public static let dinOrISO2 = V2GTPPayloadTypes([.exi])
    /// ISO 15118-20 TCP: the handshake, the main streams and the side streams.
    public static let iso20 = V2GTPPayloadTypes([.exi, .iso20Common, .iso20AC, .iso20DC, .iso20ACDP, .iso20WPT,
                                                  .iso20ScheduleRenegotiation, .iso20MeteringConfirmation,
                                                  .iso20ACDPSystemStatus, .iso20ParkingStatus])
}
