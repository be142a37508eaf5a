import Contracts
import Drivers
import SimBoard
import ChargerAssembly
import ControlPilot
import Testing

/// Duty cycle ⇄ current, IEC 61851-1 Annex A (Table A.8 of the 2017 edition). Expected values are
/// the table as reproduced in the Fluke FEV300 manual (p. 11, "Table 4").
@Suite struct DutyCycleCurrent {
    /// (duty %, amps) rows of that table.
    static let table: [(Int, Double)] = [
        (8, 6.0), (10, 6.0), (11, 6.6), (16, 9.6), (20, 12.0), (25, 15.0), (30, 18.0), (40, 24.0),
        (50, 30.0), (53, 31.8), (60, 36.0), (70, 42.0), (80, 48.0), (84, 50.4), (85, 51.0),
        (86, 55.0), (87, 57.5), (88, 60.0), (90, 65.0), (92, 70.0), (94, 75.0), (95, 77.5), (96, 80.0), (97, 80.0),
    ]

    @Test(arguments: table)
    func dutyToCurrent(_ percent: Int, _ amps: Double) {
        #expect(PilotCurrent.meaning(of: DutyCycle(percent: percent)) == .current(milliamps: Int32((amps * 1000).rounded())))
    }

    /// Every band edge in per mille.
    static let edges: [(Int16, DutyMeaning)] = [
        (0, .notAllowed), (29, .notAllowed), (30, .digitalCommunication), (50, .digitalCommunication),
        (70, .digitalCommunication), (71, .notAllowed), (79, .notAllowed), (80, .current(milliamps: 6_000)),
        (99, .current(milliamps: 6_000)), (100, .current(milliamps: 6_000)), (101, .current(milliamps: 6_060)),
        (850, .current(milliamps: 51_000)), (851, .current(milliamps: 52_750)), (960, .current(milliamps: 80_000)),
        (961, .current(milliamps: 80_000)), (970, .current(milliamps: 80_000)), (971, .notAllowed),
        (999, .notAllowed), (1000, .steadyHigh),
    ]

    @Test(arguments: edges)
    func bandEdges(_ permille: Int16, _ meaning: DutyMeaning) {
        #expect(PilotCurrent.meaning(of: DutyCycle(permille: permille)) == meaning)
    }

    /// Current → duty: the table's rows back (where the row is on the formula), and the documented
    /// rounding at the awkward places.
    static let offers: [(Int32, Int16)] = [
        (6_000, 100), (10_000, 166), (13_000, 216), (16_000, 266), (20_000, 333), (32_000, 533), (48_000, 800),
        (51_000, 850), (51_500, 850), (52_749, 850), (52_750, 851), (55_000, 860), (63_000, 892), (80_000, 960),
        (100_000, 960),
    ]

    @Test(arguments: offers)
    func currentToDuty(_ milliamps: Int32, _ permille: Int16) throws {
        #expect(try PilotCurrent.dutyCycle(forMilliamps: milliamps) == DutyCycle(permille: permille))
    }

    @Test func belowSixAmpsThereIsNoDutyCycle() {
        #expect(throws: PilotDutyError.belowMinimum(milliamps: 5_999)) { try PilotCurrent.dutyCycle(forMilliamps: 5_999) }
        #expect(throws: PilotDutyError.belowMinimum(milliamps: 0)) { try PilotCurrent.dutyCycle(forMilliamps: 0) }
    }

    /// The offer never exceeds the request, and the round trip loses less than one step (0.6 A below
    /// 51 A, 2.5 A above 52.75 A, and the 51…52.75 A gap).
    @Test func roundTripNeverOffersMore() throws {
        var ma: Int32 = 6_000
        while ma <= 80_000 {
            let d = try PilotCurrent.dutyCycle(forMilliamps: ma)
            guard case .current(let offered) = PilotCurrent.meaning(of: d) else {
                Issue.record("\(ma) mA gave \(d)")
                return
            }
            #expect(offered <= ma)
            let step: Int32 = ma <= 51_000 ? 60 : ma < 52_750 ? 1_750 : 250
            #expect(ma - offered < step, "\(ma) mA → \(d) → \(offered) mA")
            ma += 37
        }
    }

    @Test func namedOutputs() {
        #expect(PilotPWM.digitalCommunication.dutyCycle.permille == 50)
        #expect(PilotPWM.steadyHigh.dutyCycle.permille == 1000 && !PilotPWM.steadyHigh.oscillates)
        #expect(PilotPWM.steadyLow.dutyCycle.permille == 0 && !PilotPWM.steadyLow.oscillates)
        #expect(PilotPWM.currentLimit(DutyCycle(permille: 266)).oscillates)
        #expect(DutyCycle(permille: 266).description == "26.6 %")
    }
}
