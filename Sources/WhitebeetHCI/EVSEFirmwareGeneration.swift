/// The two incompatible V2G-EVSE APIs of the WHITE-beet-EI (whitebeet-hci.md §0.1): generation 1
/// (firmware V01_01_0x, the module asks the host for each V2G answer, §12) and generation 2 (V02_xx,
/// the host configures once and pushes live values, §11). They share module 0x27 and the sub IDs
/// 0x60–0x72 and 0x80–0x8C with other meanings, so a frame cannot tell which one it is: every
/// decoder of module-0x27 EVSE messages is told the generation, it never guesses it from the bytes.
public enum EVSEFirmwareGeneration: String, Sendable, Equatable, CaseIterable {
    case gen1
    case gen2

    /// The generation an EVSE module's firmware version string names (0x10/0x41, §5; the EV module
    /// also reports V01_xx, §0.1, and is not meant here): `V01_…` is generation 1,
    /// `V02_…` generation 2; anything else is nil (the host must not drive a module it cannot place).
    public init?(firmwareVersion v: HCIText) {
        guard v.count >= 3, v[0] == UInt8(ascii: "V"), v[1] == UInt8(ascii: "0") else { return nil }
        switch v[2] {
        case UInt8(ascii: "1"): self = .gen1
        case UInt8(ascii: "2"): self = .gen2
        default: return nil
        }
    }
}
