/// Bytes with no spare bits, as the hidden last case of a message enum with several roots (ISO 15118-20's
/// families): every ISO-20 message starts with its header and most continue with a small enumeration, so
/// their payloads share spare bits after the header, and Swift keeps the enum's tag there (TypeLayout.rst,
/// multi-payload enums). A case whose payload covers those bytes with none spare leaves the tag no room but
/// a byte after the payloads: then each payload is stored as it is, and the codecs decode and encode it in
/// place (`_payloadsStoredPlain`) instead of through a copy of the whole message (issue 15). `count` is the
/// generator's estimate of the largest root with room to spare; `PlainPayloadRecord` checks the outcome.
/// Never made by the codecs nor carried by a message; encoding it is `unsupportedContent`.
public struct EXILayoutFill<let count: Int>: EXIDefaultValue, Equatable, Sendable {
    public var bytes: InlineArray<count, UInt8>

    public init() { bytes = InlineArray(repeating: 0) }

    public static func == (a: Self, b: Self) -> Bool {
        var i = 0
        while i < count {
            if a.bytes[i] != b.bytes[i] { return false }
            i += 1
        }
        return true
    }
}
