import AdvanticsCAN
import CoreTypes
import Testing

/// What the codec costs per frame, measured (printed, never asserted: timings are benchmarks, not
/// unit-test limits). Reproduce: `swift test --skip-build --filter AdvanticsCodecBenchmark` (debug),
/// or `-c release` for the numbers that matter on a Pi.
@Suite struct AdvanticsCodecBenchmark {
    @Test func decodeAndEncodeCostPerFrame() throws {
        let codec = AdvanticsCANCodec()
        let clock = SystemMonotonicClock()
        let control = try codec.encodeEVSE(EVSEMessageIndex.dcPowerControl,
                                           DCPowerControl(targetVolts: 440, rangeMaxAmps: 100, rangeMinAmps: 100, function: .powerTransfer).values,
                                           pistol: 1)
        let status = PowerModulesStatus(presentVolts: 412.3, presentAmps: 99.9, systemEnable: true, insulationKiloohms: 510).values
        var values = SignalValues()
        let n = 20_000
        var samples: [Double] = []
        for _ in 0..<5 {
            let t0 = clock.now()
            for _ in 0..<n {
                _ = try codec.decode(control, into: &values)
                _ = try codec.encodeEVSE(EVSEMessageIndex.powerModulesStatus, status, pistol: 1)
            }
            samples.append(Double((clock.now() - t0).count) / Double(n))
        }
        samples.sort()
        print("advantics codec: one DC_Power_Control decode + one Power_Modules_Status encode: median \(Int(samples[2])) ns, "
              + "min \(Int(samples[0])) ns, max \(Int(samples[4])) ns (5 runs of \(n))")
        #expect(DCPowerControl(values).function == .powerTransfer)
    }
}
