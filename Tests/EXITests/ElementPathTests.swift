import EXI
import Testing

/// The path an EXI error carries: the innermost eight names. Its first three tell a caller which part of a
/// message the decoder had reached, while the path is at most eight deep (the SECC
/// answers a request beyond a storage bound only when the error is inside the body element it stored).
@Suite struct ElementPathTests {
    /// Built the way the decoders build it: from the inside out, one enclosing name at a time.
    static func path(_ names: [StaticString]) -> ElementPath {
        var p = ElementPath()
        for name in names.reversed() { p.prepend(name) }
        return p
    }

    @Test func shallowPathKeepsEveryName() {
        let p = Self.path(["V2G_Message", "Body", "CurrentDemandReq", "DC_EVStatus", "EVRESSSOC"])
        #expect(p.elements == ["V2G_Message", "Body", "CurrentDemandReq", "DC_EVStatus", "EVRESSSOC"])
        #expect(p.description == "V2G_Message/Body/CurrentDemandReq/DC_EVStatus/EVRESSSOC")
        #expect(p.contains("DC_EVStatus") && p.contains("V2G_Message") && !p.contains("DC_EVStatu") && !p.contains("Header"))
        #expect(p.starts("V2G_Message", "Body", "CurrentDemandReq"))
        #expect(!p.starts("V2G_Message", "Header", "CurrentDemandReq") && !p.starts("V2G_Message", "Body", "CurrentDemandRes"))
    }

    /// Twelve deep: the innermost eight are kept; with the root dropped, the path no longer says where it
    /// starts, and `starts` answers false (a caller acting on it stays on the safe side).
    @Test func deepPathKeepsTheInnermostEight() {
        let names: [StaticString] = ["V2G_Message", "Body", "ChargeParameterDiscoveryReq", "L4", "L5", "L6", "L7", "L8", "L9", "L10", "L11", "L12"]
        let p = Self.path(names)
        #expect(p.elements == ["L5", "L6", "L7", "L8", "L9", "L10", "L11", "L12"])
        #expect(!p.contains("Body"))
        #expect(!p.starts("V2G_Message", "Body", "ChargeParameterDiscoveryReq"))
        #expect(p.description == ".../L5/L6/L7/L8/L9/L10/L11/L12")
    }

    /// Eight deep: every name, and the start is known.
    @Test func eightDeepStillKnowsItsStart() {
        let eight = Self.path(["V2G_Message", "Body", "PowerDeliveryReq", "D", "E", "F", "G", "H"])
        #expect(eight.description == "V2G_Message/Body/PowerDeliveryReq/D/E/F/G/H")
        #expect(eight.starts("V2G_Message", "Body", "PowerDeliveryReq"))
    }

    /// A header error never reads as the body: the second name is Header.
    @Test func headerErrorIsNotInTheBody() {
        let p = Self.path(["V2G_Message", "Header", "SessionID"])
        #expect(!p.starts("V2G_Message", "Body", "SessionID"))
        #expect(Self.path(["V2G_Message", "Body"]).starts("V2G_Message", "Body", "Body") == false)
        #expect(Self.path(["V2G_Message", "Body", "X"]) != Self.path(["V2G_Message", "Body", "Y"]))
    }
}
