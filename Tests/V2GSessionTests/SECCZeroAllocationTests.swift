import Contracts
import CoreTypes
import EXITool
import MallocCounting
import Testing
import V2GSession

/// The charge loop allocates nothing (issue 14 item 8): CurrentDemandReq bytes into `received` →
/// decode into the held message → setpoint to the power path → measurement → CurrentDemandRes bytes in
/// `transmit`, 10 000 times per protocol with the plant and the power path running, at 0 mallocs; and a
/// negative control that proves the counter sees an allocation in the same loop.
@Suite(.serialized) struct SECCZeroAllocationTests {
    static func frame(_ payload: [UInt8]) -> [UInt8] {
        let n = UInt32(payload.count)
        return [0x01, 0xFE, 0x80, 0x01, UInt8(n >> 24), UInt8(n >> 16 & 0xFF), UInt8(n >> 8 & 0xFF), UInt8(n & 0xFF)] + payload
    }

    @Test(arguments: [EXISchema.din, .iso2])
    func currentDemandAllocatesNothing(_ schema: EXISchema) throws {
        let (bench, ev) = try SECCNegativeTests.session(schema, upTo: .currentDemand)
        try #require(bench.facts.power.value.phase == .charging)
        try #require(bench.secc.lastRequest.kind == .currentDemand)
        let frame = Self.frame(ev.lastRequestBytes)
        let before = bench.secc.session.currentDemands
        // Warm up (first use of each code path may allocate runtime metadata).
        for _ in 0..<10 { exchange(bench, frame) }
        let rounds = 10_000
        let mallocs = MallocCounter.count {
            for _ in 0..<rounds { exchange(bench, frame) }
        }
        #expect(mallocs == 0, "\(mallocs) allocations in \(rounds) CurrentDemand exchanges (\(schema))")
        #expect(bench.secc.session.currentDemands == before + UInt32(rounds + 10))
        #expect(bench.secc.lastAnswer.code == .ok)
        #expect(bench.secc.session.phase == .charging)
        #expect(bench.facts.power.value.phase == .charging)
        print("SECC \(schema): \(mallocs) mallocs in \(rounds) CurrentDemand exchanges")
    }

    /// Negative control: the same loop with one allocation per exchange is seen.
    @Test func theCounterSeesAnAllocation() throws {
        let (bench, ev) = try SECCNegativeTests.session(.din, upTo: .currentDemand)
        let frame = Self.frame(ev.lastRequestBytes)
        var kept: [[UInt8]] = []
        let mallocs = MallocCounter.count {
            for _ in 0..<10 {
                exchange(bench, frame)
                kept.append([UInt8(truncatingIfNeeded: bench.secc.session.currentDemands)])
            }
        }
        #expect(mallocs >= 10)
        #expect(kept.count == 10)
    }

    /// One request in, one tick, the answer drained.
    private func exchange(_ bench: SECCBench, _ frame: [UInt8]) {
        frame.withUnsafeBytes { raw in _ = bench.received.push(RawSpan(_unsafeBytes: raw)) }
        bench.step()
        bench.transmit.discard(bench.transmit.count)
    }
}
