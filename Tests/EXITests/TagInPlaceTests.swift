@testable import DIN70121
import EXI
import EXITool
@testable import ISO15118_2
import Testing

/// The codecs read the case of a V2G `Body` from its tag byte in place (`_tag(at:)`) and set a case in place
/// (`_become…`), relying on Swift's layout of multi-payload enums (TypeLayout.rst): payload cases numbered in
/// declaration order after the payloads, empty payloads sharing one number with nil. Checked here against
/// Swift's own `switch` on every message of Josev's sessions and of the conformance corpus.
@Suite struct TagInPlaceTests {
    /// Every message of `schema` decoded fresh: its `Body` case read in place equals Swift's `switch`, nil reads
    /// as -1, and at least `minimumCases` cases were seen.
    func checkBodyTags<M, C>(_ schema: String, decode: (RawSpan) throws(EXIError) -> M, choice: (M) -> C?,
                             inPlace: (UnsafePointer<C?>) -> Int, bySwitch: (C?) -> Int, minimumCases: Int) throws {
        // ~100 KB messages as values: the debug build's copies outgrow a worker thread's stack
        let failure = EXITool.withLargeStack { () -> (any Error)? in
            do {
                try checkBodyTagsHere(schema, decode: decode, choice: choice, inPlace: inPlace, bySwitch: bySwitch,
                                      minimumCases: minimumCases)
            } catch { return error }
            return nil
        }
        if let failure { throw failure }
    }

    func checkBodyTagsHere<M, C>(_ schema: String, decode: (RawSpan) throws(EXIError) -> M, choice: (M) -> C?,
                                 inPlace: (UnsafePointer<C?>) -> Int, bySwitch: (C?) -> Int, minimumCases: Int) throws {
        var seen = Set<Int>()
        for bytes in InPlaceDecodeTests.messages(schema) {
            let body = choice(try decode(bytes.span.bytes))
            let tag = withUnsafePointer(to: body) { inPlace($0) }
            #expect(tag == bySwitch(body))
            seen.insert(tag)
        }
        let none: C? = nil
        #expect(withUnsafePointer(to: none) { inPlace($0) } == -1)
        #expect(seen.count >= minimumCases, "cases seen: \(seen.sorted())")
    }

    @Test func dinBodyTagsMatchSwitch() throws {
        #expect(DIN70121.BodyElementChoice._payloadsStoredPlain)
        try checkBodyTags("din", decode: DINCodec.decode, choice: { $0.Body.BodyElement },
                          inPlace: { DIN70121.BodyElementChoice._tag(at: $0) }, bySwitch: { $0._tag }, minimumCases: 29)
    }

    @Test func iso2BodyTagsMatchSwitch() throws {
        #expect(ISO15118_2.BodyElementChoice._payloadsStoredPlain)
        try checkBodyTags("iso2", decode: ISO2Codec.decode, choice: { $0.Body.BodyElement },
                          inPlace: { ISO15118_2.BodyElementChoice._tag(at: $0) }, bySwitch: { $0._tag }, minimumCases: 34)
    }

    /// Setting each case in place over a value that holds another case gives what Swift's assignment gives.
    @Test func becomeSetsTheCase() {
        var body: DIN70121.BodyElementChoice? = .SessionSetupRes(DIN70121.SessionSetupRes())
        withUnsafeMutablePointer(to: &body) { DIN70121.BodyElementChoice._becomeCurrentDemandReq($0) }
        #expect(body == .CurrentDemandReq(DIN70121.CurrentDemandReq()))
        withUnsafeMutablePointer(to: &body) { DIN70121.BodyElementChoice._becomeSessionStopReq($0) }
        #expect(body._tag == 31)
        #expect(withUnsafePointer(to: body) { DIN70121.BodyElementChoice._tag(at: $0) } == 31)
    }

    /// `_become…` writes only the new payload and the tag byte (issue 15): over a case that held content, and
    /// over nil, the result still equals Swift's assignment, and the tag byte it writes reads back as the case.
    @Test func becomeInPlaceOverContentAndNil() throws {
        let bytes = try #require(InPlaceDecodeTests.messages("din").first { bytes in
            (try? DINCodec.decode(bytes.span.bytes))?.Body.BodyElement?._tag == 13  // CurrentDemandReq: content
        })
        // ~80 KB messages as values: the debug build's copies outgrow a worker thread's stack
        let (overContent, overNil) = EXITool.withLargeStack { () -> (Bool, Bool) in
            var body = (try? DINCodec.decode(bytes.span.bytes))?.Body.BodyElement
            withUnsafeMutablePointer(to: &body) { DIN70121.BodyElementChoice._becomeSessionSetupReq($0) }
            var none: ISO15118_2.BodyElementChoice? = nil
            withUnsafeMutablePointer(to: &none) { ISO15118_2.BodyElementChoice._becomeCurrentDemandRes($0) }
            return (body == .SessionSetupReq(DIN70121.SessionSetupReq()), none == .CurrentDemandRes(ISO15118_2.CurrentDemandRes()))
        }
        #expect(overContent)
        #expect(overNil)
        for i in 0..<64 {
            let t = DIN70121.BodyElementChoice._plainTagByte(i)
            if t >= 0 { #expect(DIN70121.BodyElementChoice._payloadCase(t) == i) }
            let u = ISO15118_2.BodyElementChoice._plainTagByte(i)
            if u >= 0 { #expect(ISO15118_2.BodyElementChoice._payloadCase(u) == i) }
        }
    }
}
