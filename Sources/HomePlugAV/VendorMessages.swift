/// The Qualcomm Atheros OUI that follows the MMTYPE of vendor-specific messages (slac.md §1.2).
public var qualcommOUI: UInt32 { 0x00B052 }

/// VS_SW_VER.CNF (modem → host): firmware version, slac.md §3.1.
@frozen
public struct SoftwareVersionConfirm: Sendable, BitwiseCopyable, Equatable {
    /// 0 = ok.
    public var status: UInt8
    public var deviceClass: UInt8
    /// MVERLENGTH bytes of `versionBytes` are the ASCII version.
    public var versionLength: Int
    public var versionBytes: InlineArray<64, UInt8>

    /// Longest version string kept (tshark's dissector expects a 64-byte field, slac.md §11.4).
    @_transparent public static var maximumVersionLength: Int { 64 }
    @_transparent public static var minimumLength: Int { 23 }

    @usableFromInline
    init(status: UInt8, deviceClass: UInt8) {
        self.status = status
        self.deviceClass = deviceClass
        versionLength = 0
        versionBytes = InlineArray(repeating: 0)
    }

    /// A confirmation carrying `version` (ASCII, cut at 64 bytes).
    public init(status: UInt8 = 0, deviceClass: UInt8 = 0, version: String) {
        self.status = status
        self.deviceClass = deviceClass
        versionBytes = InlineArray(repeating: 0)
        var n = 0
        for b in version.utf8 where n < Self.maximumVersionLength {
            versionBytes[n] = b
            n += 1
        }
        versionLength = n
    }

    /// The version text (non-printable bytes shown as spaces, as pyPLC does).
    public var version: String {
        var s = ""
        var i = 0
        while i < versionLength {
            let b = versionBytes[i]
            if b == 0 { break }
            s.unicodeScalars.append(Unicode.Scalar(b >= 0x20 && b < 0x7F ? b : 0x20))
            i += 1
        }
        return s
    }

    @_transparent
    static func parse(_ s: borrowing RawSpan) throws(HomePlugError) -> Self {
        let n = Int(Wire.u8(s, 22))
        guard n <= maximumVersionLength else { throw .badLength(.softwareVersionConfirm, field: "MVERLENGTH", value: n) }
        guard s.byteCount >= 23 + n else { throw .shortFrame(length: s.byteCount, needed: 23 + n) }
        var m = Self(status: Wire.u8(s, 20), deviceClass: Wire.u8(s, 21))
        var i = 0
        while i < n {
            m.versionBytes[i] = Wire.u8(s, 23 + i)
            i += 1
        }
        m.versionLength = n
        return m
    }

    /// Status, class, length, a 64-byte version field (zero-padded) and 12 bytes for IDENT, stepping
    /// and cookie (zero; firmware does not fill them reliably, slac.md §3.1) — the layout Wireshark's
    /// dissector reads (its "upgradable" byte is the first of them).
    var encodedLength: Int { 23 + Self.maximumVersionLength + 12 }

    @_transparent
    func encode(_ s: inout MutableRawSpan) {
        Wire.put(&s, 20, status)
        Wire.put(&s, 21, deviceClass)
        Wire.put(&s, 22, UInt8(truncatingIfNeeded: Self.maximumVersionLength))
        var i = 0
        while i < Self.maximumVersionLength {
            Wire.put(&s, 23 + i, i < versionLength ? versionBytes[i] : 0)
            i += 1
        }
        Wire.zero(&s, from: 23 + Self.maximumVersionLength, to: 23 + Self.maximumVersionLength + 12)
    }

    public static func == (a: Self, b: Self) -> Bool {
        a.status == b.status && a.deviceClass == b.deviceClass && a.version == b.version
    }
}

/// VS_RS_DEV.CNF (modem → host): 0 = the modem will reset, slac.md §3.2.
@frozen
public struct ResetDeviceConfirm: Sendable, BitwiseCopyable, Equatable {
    public var status: UInt8
    public init(status: UInt8 = 0) { self.status = status }
    @_transparent public static var minimumLength: Int { 21 }
}
