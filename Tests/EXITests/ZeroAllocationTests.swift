import AppHandshake
import DIN70121
import EXI
import ISO15118_2
import ISO15118_20
import MallocCounting
import Testing

/// Encode and decode of the charge-loop messages allocate nothing (counted on this thread only).
@Suite(.serialized) struct ZeroAllocationTests {
    /// Runs `body` once to warm up (lazy globals, metadata), then counts the mallocs of 100 more runs.
    func mallocs(_ body: () throws -> Void) rethrows -> Int {
        try body()
        return try MallocCounter.count {
            for _ in 0..<100 { try body() }
        }
    }

    func check<C>(_ bytes: [UInt8], decode: (RawSpan) throws(EXIError) -> C,
                  decodeInto: (RawSpan, inout C) throws(EXIError) -> Void,
                  encode: (C, inout MutableRawSpan) throws(EXIError) -> Int) throws {
        var output = [UInt8](repeating: 0, count: 4096)
        let input = bytes
        let message = try decode(input.span.bytes)
        let decodes = try mallocs {
            let span = input.span.bytes
            _ = try decode(span)
        }
        var reused = message
        let decodesInto = try mallocs {
            try decodeInto(input.span.bytes, &reused)
        }
        #expect(decodesInto == 0)
        var written = 0
        let encodes = try mallocs {
            var elements = output.mutableSpan
            var span = elements.mutableBytes
            written = try encode(message, &span)
        }
        #expect(written == input.count)
        #expect(decodes == 0)
        #expect(encodes == 0)
        #expect(Array(output.prefix(input.count)) == input)
    }

    @Test func dinCurrentDemand() throws {
        try check(SampleMessages.dinCurrentDemandReq, decode: DINCodec.decode, decodeInto: DINCodec.decode(_:into:), encode: DINCodec.encode)
        try check(SampleMessages.dinCurrentDemandRes, decode: DINCodec.decode, decodeInto: DINCodec.decode(_:into:), encode: DINCodec.encode)
    }

    @Test func iso2CurrentDemand() throws {
        try check(SampleMessages.iso2CurrentDemandReq, decode: ISO2Codec.decode, decodeInto: ISO2Codec.decode(_:into:), encode: ISO2Codec.encode)
        try check(SampleMessages.iso2CurrentDemandRes, decode: ISO2Codec.decode, decodeInto: ISO2Codec.decode(_:into:), encode: ISO2Codec.encode)
    }

    @Test func iso20ChargeLoop() throws {
        try check(SampleMessages.iso20ChargeLoopReq, decode: ISO20DCCodec.decode, decodeInto: ISO20DCCodec.decode(_:into:), encode: ISO20DCCodec.encode)
        try check(SampleMessages.iso20ChargeLoopRes, decode: ISO20DCCodec.decode, decodeInto: ISO20DCCodec.decode(_:into:), encode: ISO20DCCodec.encode)
    }

    @Test func sessionSetup() throws {
        try check(SampleMessages.iso2SessionSetupReq, decode: ISO2Codec.decode, decodeInto: ISO2Codec.decode(_:into:), encode: ISO2Codec.encode)
    }

    @Test func appHandshake() throws {
        try check(SampleMessages.sapReq, decode: AppHandshakeCodec.decode, decodeInto: AppHandshakeCodec.decode(_:into:), encode: AppHandshakeCodec.encode)
    }
}

/// Message sizes, for the record (fixed-size values: what a decode fills and a copy moves).
@Suite struct MessageSizeTests {
    @Test func sizesStayBounded() {
        let sizes: [(String, Int)] = [
            ("SAP", MemoryLayout<AppHandshakeCodec.Message>.size),
            ("DIN V2G_Message", MemoryLayout<DINCodec.Message>.size),
            ("ISO2 V2G_Message", MemoryLayout<ISO2Codec.Message>.size),
            ("ISO20 common", MemoryLayout<ISO20CommonCodec.Message>.size),
            ("ISO20 DC", MemoryLayout<ISO20DCCodec.Message>.size),
            ("ISO20 DC_ChargeLoopReq", MemoryLayout<ISO15118_20.DC_ChargeLoopReq>.size),
            ("ISO2 CurrentDemandReq", MemoryLayout<ISO15118_2.CurrentDemandReq>.size),
        ]
        print("EXI message sizes (bytes): " + sizes.map { "\($0.0) \($0.1)" }.joined(separator: ", "))
        for (_, size) in sizes { #expect(size < 1 << 20) }
    }

    /// The list arena each schema needs at most (generated; README "Bounds"): what a session reserves to hold
    /// every list up to its maxOccurs.
    @Test func listArenaWorstCases() {
        let sizes: [(String, Int)] = [
            ("SAP", AppHandshakeListArena.worstCaseBytes),
            ("DIN", DIN70121ListArena.worstCaseBytes),
            ("ISO2", ISO15118_2ListArena.worstCaseBytes),
            ("ISO20", ISO15118_20ListArena.worstCaseBytes),
        ]
        print("EXI list arena worst case (bytes): " + sizes.map { "\($0.0) \($0.1)" }.joined(separator: ", "))
        #expect(ISO15118_2ListArena.worstCaseBytes > 0)
        #expect(ISO15118_20ListArena.worstCaseBytes > 0)
        #expect(DIN70121ListArena.worstCaseBytes == 0)  // DIN's long lists are unbounded: capped, never spilled
    }
}
