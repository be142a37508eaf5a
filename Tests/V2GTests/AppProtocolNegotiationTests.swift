import AppHandshake
import Contracts
import EXI
import EXIJSON
import AppHandshakeJSON
import Foundation
import Testing
import V2G

func entry(_ ns: String, _ major: UInt32, _ minor: UInt32, id: UInt8, priority: UInt8) -> AppProtocol {
    AppProtocol(ProtocolNamespace: EXIString<100>(ns)!, VersionNumberMajor: major, VersionNumberMinor: minor,
                SchemaID: id, Priority: priority)
}

func request(_ entries: [AppProtocol]) -> SupportedAppProtocolReq {
    var r = SupportedAppProtocolReq()
    for e in entries { _ = r.AppProtocol.append(e) }
    return r
}

/// sdp-v2gtp.md §7.5, rule by rule.
@Suite struct AppProtocolNegotiationTests {
    static let din = "urn:din:70121:2012:MsgDef"
    static let iso2 = "urn:iso:15118:2:2013:MsgDef"
    static let iso20 = "urn:iso:std:iso:15118:-20:DC"

    /// Josev's own EVCC request (../shared/tools/josev/samples): ISO-20 first, then ISO-2, then DIN.
    /// A charger that offers ISO-2 and DIN picks ISO-2 (the EV's best that we speak), SchemaID 2.
    @Test func josevsRequestGetsISO2() throws {
        let path = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("shared/tools/josev/samples/app-supportedAppProtocolReq.json").path
        let text = try String(contentsOfFile: path, encoding: .utf8)
        guard case .supportedAppProtocolReq(let req) = try AppHandshakeCodec.message(json: try JSONParser.parse(text)) else {
            Issue.record("not a supportedAppProtocolReq")
            return
        }
        let outcome = AppProtocolNegotiation().negotiate(req)
        #expect(outcome.selected == .iso15118_2)
        #expect(outcome.response.ResponseCode == .OK_SuccessfulNegotiation)
        #expect(outcome.response.SchemaID == 2)
        // The response encodes (what goes on the wire next).
        var out = [UInt8](repeating: 0, count: 64)
        let n = try out.withUnsafeMutableBytes { raw throws(EXIError) -> Int in
            var span = MutableRawSpan(_unsafeBytes: raw)
            return try AppHandshakeCodec.encode(.supportedAppProtocolRes(outcome.response), into: &span)
        }
        #expect(n > 0)
    }

    @Test func theVehiclesPriorityDecidesByDefault() {
        let req = request([entry(Self.din, 2, 0, id: 7, priority: 1), entry(Self.iso2, 2, 0, id: 9, priority: 2)])
        #expect(AppProtocolNegotiation().negotiate(req).selected == .din70121)
        #expect(AppProtocolNegotiation().negotiate(req).schemaID == 7)
        // A station that prefers ISO 15118-2 may say so.
        let station = AppProtocolNegotiation(offered: [.iso15118_2, .din70121], preference: .charger)
        #expect(station.negotiate(req).selected == .iso15118_2)
        #expect(station.negotiate(req).schemaID == 9)
    }

    @Test func majorMustMatchMinorMayDeviate() {
        let wrongMajor = request([entry(Self.iso2, 3, 0, id: 1, priority: 1)])
        let outcome = AppProtocolNegotiation().negotiate(wrongMajor)
        #expect(outcome.selected == nil)
        #expect(outcome.response.ResponseCode == .Failed_NoNegotiation)
        #expect(outcome.response.SchemaID == nil)
        let newerMinor = request([entry(Self.iso2, 2, 1, id: 4, priority: 1)])
        #expect(AppProtocolNegotiation().negotiate(newerMinor).response.ResponseCode == .OK_SuccessfulNegotiationWithMinorDeviation)
    }

    @Test func nothingWeOfferFails() {
        let onlyISO20 = request([entry(Self.iso20, 1, 0, id: 1, priority: 1)])
        #expect(AppProtocolNegotiation().negotiate(onlyISO20).response.ResponseCode == .Failed_NoNegotiation)
        #expect(AppProtocolNegotiation(offered: [.din70121]).negotiate(request([entry(Self.iso2, 2, 0, id: 1, priority: 1)])).selected == nil)
    }

    /// The EVCC side: our request numbers entries 1, 2, … and reads the answer back.
    @Test func evccRequestAndAnswer() {
        let mine: [V2GProtocol] = [.iso15118_2, .din70121]
        let req = AppProtocolNegotiation.request(offering: mine)
        #expect(req.AppProtocol.count == 2)
        #expect(req.AppProtocol[1].ProtocolNamespace.string == Self.din)
        #expect(req.AppProtocol[1].SchemaID == 2 && req.AppProtocol[1].Priority == 2)
        let answer = AppProtocolNegotiation(offered: [.din70121]).negotiate(req)
        #expect(AppProtocolNegotiation.selected(by: answer.response, offering: mine) == .din70121)
    }

    @Test func josevNamesParse() {
        #expect(V2GProtocol(name: "DIN_SPEC_70121") == .din70121)
        #expect(V2GProtocol(name: "ISO_15118_2") == .iso15118_2)
        #expect(V2GProtocol(name: "iso2") == .iso15118_2)
        #expect(V2GProtocol(name: "din") == .din70121)
        #expect(V2GProtocol(name: "chademo") == nil)
    }
}
