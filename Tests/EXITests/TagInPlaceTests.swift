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

    /// Cases with an empty payload (DIN `SessionStopReq`, ISO-2's too, where a body has one) are read and set in
    /// place as well: their shared tag byte after the payloads and their index among the empty cases in the
    /// payload area's first 32 bits. The in-place read must not need its copying fallback (-99 here), and
    /// Swift's own `switch` must agree with what `_become…` wrote, over a case with content and over nil.
    @Test func emptyPayloadCasesInPlace() {
        var checked = 0
        for i in 0..<64 where DIN70121.BodyElementChoice._emptyIndex(i) >= 0 {
            #expect(DIN70121.BodyElementChoice._emptyCase(DIN70121.BodyElementChoice._emptyIndex(i)) == i)
            checked += 1
        }
        #expect(checked >= 1, "DIN has an empty body case (SessionStopReq)")
        let (setOverContent, setOverNil, readInPlace) = EXITool.withLargeStack { () -> (Int, Int, Int) in
            var body: DIN70121.BodyElementChoice? = .CurrentDemandReq(DIN70121.CurrentDemandReq())
            withUnsafeMutablePointer(to: &body) { DIN70121.BodyElementChoice._becomeSessionStopReq($0) }
            var none: DIN70121.BodyElementChoice? = nil
            withUnsafeMutablePointer(to: &none) { DIN70121.BodyElementChoice._becomeSessionStopReq($0) }
            let read = withUnsafePointer(to: body) { p in DIN70121.BodyElementChoice._tag(atRaw: p) { -99 } }
            return (body._tag, none._tag, read)
        }
        #expect(setOverContent == 31 && setOverNil == 31)
        #expect(readInPlace == 31, "read through the copying fallback")
        // A value Swift built itself reads the same in place, as the plain enum and as an optional.
        let direct = DIN70121.BodyElementChoice.SessionStopReq(DIN70121.SessionStop())
        #expect(withUnsafePointer(to: direct) { p in DIN70121.BodyElementChoice._tag(atRaw: p) { -99 } } == 31)
        let wrapped: DIN70121.BodyElementChoice? = direct
        #expect(withUnsafePointer(to: wrapped) { p in DIN70121.BodyElementChoice._tag(atRaw: p) { -99 } } == 31)
        let none: DIN70121.BodyElementChoice? = nil
        #expect(withUnsafePointer(to: none) { DIN70121.BodyElementChoice._tag(at: $0) } == -1)
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
