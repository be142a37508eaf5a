@testable import AppHandshake
@testable import DIN70121
import EXI
@testable import ISO15118_2
@testable import ISO15118_20
import EXITool
import Testing

/// Large optional fields (a header's xmldsig `Signature`) are stored as `EXIOptional`: the codecs test the
/// presence flag and decode into a slot kept across messages instead of copying kilobytes to ask whether a
/// value is there (issue 15). Decoding messages with and without the field into one kept message must give
/// what a fresh decode gives, and encode the same bytes.
@Suite struct OptionalInPlaceTests {
    /// The DIN CurrentDemandReq sample with a header `Signature` (one reference, a signature value).
    static func signed() throws -> (plain: [UInt8], signed: [UInt8], signature: DIN70121.Signature) {
        let plain = SampleMessages.dinCurrentDemandReq
        var message = try DINCodec.decode(plain.span.bytes)
        var signature = DIN70121.Signature()
        let appended = signature.SignedInfo.Reference.append(DIN70121.Reference())
        #expect(appended)
        signature.SignatureValue.value = try #require(EXIBytes<256>([0xCA, 0xFE, 0x00, 0x15]))
        message.Header.Signature = signature
        let signed = try EXITool.encode(.din, json: DINCodec.json(message))
        return (plain, signed, signature)
    }

    @Test func keptMessageFollowsPresenceBothWays() throws {
        let (plain, signed, signature) = try Self.signed()
        #expect(signed.count > plain.count)
        let outcome = EXITool.withLargeStack { () -> [String] in
            var failures: [String] = []
            do {
                var kept = DINCodec.Message()
                #expect(!kept.Header._Signature.isAllocated)
                try DINCodec.decode(signed.span.bytes, into: &kept)
                if kept.Header.Signature != signature { failures.append("signed: the Signature decoded differs") }
                if !kept.Header._Signature.isSome || !kept.Header._Signature.isAllocated { failures.append("signed: not present") }
                try DINCodec.decode(plain.span.bytes, into: &kept)
                if kept.Header.Signature != nil { failures.append("plain after signed: Signature still present") }
                if !kept.Header._Signature.isAllocated { failures.append("plain after signed: the slot was not kept") }
                if kept != (try DINCodec.decode(plain.span.bytes)) { failures.append("plain after signed ≠ a fresh decode") }
                if try EXITool.encode(.din, json: DINCodec.json(kept)) != plain { failures.append("plain after signed: other bytes") }
                try DINCodec.decode(signed.span.bytes, into: &kept)
                if kept != (try DINCodec.decode(signed.span.bytes)) { failures.append("signed again ≠ a fresh decode") }
                var out = [UInt8](repeating: 0, count: 4096)
                let n = try out.withUnsafeMutableBytes { raw throws(EXIError) -> Int in
                    var span = raw.mutableBytes
                    return try DINCodec.encode(kept, into: &span)
                }
                if Array(out[..<n]) != signed { failures.append("signed again: the encoder wrote other bytes") }
            } catch {
                failures.append("\(error)")
            }
            return failures
        }
        #expect(outcome.isEmpty, "\(outcome)")
    }

    /// The property and the storage agree: setting nil keeps the slot, equality ignores an absent field's slot.
    @Test func propertyOverStorage() throws {
        var a = DIN70121.MessageHeader()
        var b = DIN70121.MessageHeader()
        #expect(a.Signature == nil && a == b)
        var signature = DIN70121.Signature()
        signature.SignatureValue.value = try #require(EXIBytes<256>([1, 2, 3]))
        a.Signature = signature
        #expect(a.Signature == signature && a != b)
        a.Signature = nil
        #expect(a._Signature.isAllocated && !a._Signature.isSome)
        #expect(a == b, "an absent field's kept slot is not compared")
        b.Signature = signature
        a.Signature = signature
        #expect(a == b)
        let made = DIN70121.MessageHeader(SessionID: EXIBytes<8>(), Signature: signature)
        #expect(made == a)
    }
}

/// The message enums the codecs reach in place (their tag stored after the payloads): DIN and ISO-2 bodies,
/// every ISO-20 family's messages and the app handshake's. A large optional's storage must add no spare bits
/// (padding counts) to the header every ISO-20 message starts with (`EXIOptional`'s layout note), and the
/// hidden `_layoutFill` case must cover the spare bits the roots share after it (`EXILayoutFill`): without
/// it the ISO-20 DC messages kept their tag there and decoded through a copy of the whole message.
@Suite struct PlainPayloadRecord {
    @Test func bodiesAndMessagesStoredPlain() {
        print("plain: DIN Body \(DIN70121.BodyElementChoice._payloadsStoredPlain), ISO-2 Body \(ISO15118_2.BodyElementChoice._payloadsStoredPlain), "
              + "ISO-20 common \(ISO20CommonMessage._payloadsStoredPlain) (\(MemoryLayout<ISO20CommonMessage>.size) B), "
              + "DC \(ISO20DCMessage._payloadsStoredPlain) (\(MemoryLayout<ISO20DCMessage>.size) B), "
              + "AC \(ISO20ACMessage._payloadsStoredPlain), ACDP \(ISO20ACDPMessage._payloadsStoredPlain), WPT \(ISO20WPTMessage._payloadsStoredPlain), "
              + "app handshake \(AppHandshakeMessage._payloadsStoredPlain) (\(MemoryLayout<AppHandshakeMessage>.size) B)")
        #expect(DIN70121.BodyElementChoice._payloadsStoredPlain)
        #expect(ISO15118_2.BodyElementChoice._payloadsStoredPlain)
        #expect(ISO20CommonMessage._payloadsStoredPlain)
        #expect(ISO20DCMessage._payloadsStoredPlain)
        #expect(ISO20ACMessage._payloadsStoredPlain)
        #expect(ISO20ACDPMessage._payloadsStoredPlain)
        #expect(ISO20WPTMessage._payloadsStoredPlain)
        #expect(AppHandshakeMessage._payloadsStoredPlain)
    }

    /// The fill is never a message: encoding it is an error, not an empty stream.
    @Test func layoutFillIsNotAMessage() {
        let fill = ISO20DCMessage._layoutFill(.init())
        var out = [UInt8](repeating: 0, count: 64)
        var elements = out.mutableSpan
        var span = elements.mutableBytes
        #expect(throws: EXIError.self) { _ = try ISO20DCCodec.encode(fill, into: &span) }
    }
}
