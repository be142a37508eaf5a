import Testing

/// `boardctl power --board sim` as a user runs it: every step of the power path appears with its
/// voltages and times, and a fault shows its safe stop.
@Suite struct BoardctlPowerProcess {
    @Test func runsTheWholeSequenceOnTheSimulatedPlant() throws {
        let result = try runProduct("boardctl", ["power", "--board", "sim"])
        #expect(result.status == 0, "stderr: \(result.stderr)")
        let out = result.stdout
        for step in ["cable check   closing contactors", "IMD self-test", "measuring isolation", "lowering output",
                     "precharge     regulating", "car: contactors closed", "charging      ramping current",
                     "charging      regulating", "stopping      current to zero", "stopping      done",
                     "welding check done", "RESULT: sequence complete"] {
            #expect(out.contains(step), "missing '\(step)' in:\n\(out)")
        }
        #expect(out.contains("test 500.0 V"))
        #expect(out.contains(" s  "))
    }

    @Test func aFaultShowsItsSafeStop() throws {
        let result = try runProduct("boardctl", ["power", "--board", "sim", "--fault", "pilot-lost", "--phase", "charging"])
        #expect(result.status == 0, "stderr: \(result.stderr)")
        #expect(result.stdout.contains("FAILED: pilot fault / emergency stop"))
        #expect(result.stdout.contains("RESULT: safe stop: pilot fault / emergency stop"))
        #expect(result.stdout.contains("contactors open"))
    }

    @Test func aRealBoardHasNoPowerPathYet() throws {
        let result = try runProduct("boardctl", ["power", "--board", "rpi4-qca7000-esp32"])
        #expect(result.status == 1)
        #expect(result.stderr.contains("no power path yet"))
    }
}
