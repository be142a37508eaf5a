@testable import DIN70121
import EXI
@testable import ISO15118_2
import Testing

/// The codecs read the case of a V2G `Body` from its tag byte in place (`_tag(at:)`) and set a case in place
/// (`_become…`), relying on Swift's layout of multi-payload enums (TypeLayout.rst): payload cases numbered in
/// declaration order after the payloads, empty payloads sharing one number with nil. Checked here against
/// Swift's own `switch` on every message of Josev's sessions and of the conformance corpus.
@Suite struct TagInPlaceTests {
    @Test func dinBodyTagsMatchSwitch() throws {
        #expect(DIN70121.BodyElementChoice._payloadsStoredPlain)
        var seen = Set<Int>()
        for bytes in InPlaceDecodeTests.messages("din") {
            let m = try DINCodec.decode(bytes.span.bytes)
            let inPlace = withUnsafePointer(to: m.Body.BodyElement) { DIN70121.BodyElementChoice._tag(at: $0) }
            #expect(inPlace == m.Body.BodyElement._tag)
            seen.insert(inPlace)
        }
        let none: DIN70121.BodyElementChoice? = nil
        #expect(withUnsafePointer(to: none) { DIN70121.BodyElementChoice._tag(at: $0) } == -1)
        #expect(seen.count >= 29, "cases seen: \(seen.sorted())")
    }

    @Test func iso2BodyTagsMatchSwitch() throws {
        #expect(ISO15118_2.BodyElementChoice._payloadsStoredPlain)
        var seen = Set<Int>()
        for bytes in InPlaceDecodeTests.messages("iso2") {
            let m = try ISO2Codec.decode(bytes.span.bytes)
            let inPlace = withUnsafePointer(to: m.Body.BodyElement) { ISO15118_2.BodyElementChoice._tag(at: $0) }
            #expect(inPlace == m.Body.BodyElement._tag)
            seen.insert(inPlace)
        }
        let none: ISO15118_2.BodyElementChoice? = nil
        #expect(withUnsafePointer(to: none) { ISO15118_2.BodyElementChoice._tag(at: $0) } == -1)
        #expect(seen.count >= 34, "cases seen: \(seen.sorted())")
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
}
