import Contracts
import Drivers
import SimBoard
import ChargerAssembly
import CPHelperProtocol
import ControlPilot
import HAL
import Testing

/// IEC 61851-1 Annex A bands on the CP line (the direct board's input): every edge, on and either
/// side of it. Values in mV; the default table is 12/9/6/3/0/−12 V with ±1 V windows.
@Suite struct LineBandClassification {
    static let edges: [(Int32, PilotState)] = [
        (13_500, .invalid), (13_001, .invalid), (13_000, .a), (12_000, .a), (11_000, .a), (10_999, .invalid),
        (10_500, .invalid), (10_001, .invalid), (10_000, .b), (9_000, .b), (8_000, .b), (7_999, .invalid),
        (7_001, .invalid), (7_000, .c), (6_000, .c), (5_000, .c), (4_999, .invalid),
        (4_001, .invalid), (4_000, .d), (3_000, .d), (2_000, .d), (1_999, .invalid),
        (1_001, .invalid), (1_000, .e), (0, .e), (-1_000, .e), (-1_001, .invalid),
        (-6_000, .invalid), (-10_999, .invalid), (-11_000, .f), (-12_000, .f), (-13_000, .f), (-13_001, .invalid),
    ]

    @Test(arguments: edges)
    func highPlateau(_ millivolts: Int32, _ expected: PilotState) {
        #expect(PilotBandTable.iec61851.state(forHighPlateau: millivolts) == expected)
        let o = PilotClassifier().classify(.line(highMillivolts: millivolts, lowMillivolts: nil, at: .zero))
        #expect(o.state == expected)
        switch expected {
        case .e: #expect(o.fault == .shortToEarth)
        case .f: #expect(o.fault == .unavailable)
        case .invalid: #expect(o.fault == .invalidVoltage)
        default: #expect(o.fault == nil)
        }
    }

    /// The diode check: with a vehicle connected and the generator oscillating, the negative plateau
    /// must be in −13…−11 V; otherwise the vehicle's diode is missing (IEC 61851-1 Table A.4 footnote).
    @Test(arguments: [(Int32(-12_000), true), (-11_000, true), (-13_000, true), (-10_999, false),
                      (-9_000, false), (0, false), (-13_001, false)])
    func diodeCheck(_ low: Int32, _ present: Bool) {
        for high: Int32 in [9_000, 6_000, 3_000] {
            let o = PilotClassifier().classify(.line(highMillivolts: high, lowMillivolts: low, at: .zero))
            if present {
                #expect(o.fault == nil && o.state.vehicleConnected)
            } else {
                #expect(o.state == .e && o.fault == .diodeMissing)
            }
        }
        // No vehicle, no diode to check: A stays A whatever the low plateau.
        #expect(PilotClassifier().classify(.line(highMillivolts: 12_000, lowMillivolts: low, at: .zero)).state == .a)
    }

    @Test func steadyOutputSkipsTheDiodeCheck() {
        let o = PilotClassifier().classify(.line(highMillivolts: 9_000, lowMillivolts: nil, at: .zero))
        #expect(o.state == .b && o.fault == nil)
    }

    @Test func aBoardFileMayReplaceTheTable() {
        var t = PilotBandTable.iec61851
        t.b = 7_500...10_500
        #expect(t.state(forHighPlateau: 10_400) == .b)
        #expect(PilotClassifier(lineBands: t).classify(.line(highMillivolts: 7_600, lowMillivolts: nil, at: .zero)).state == .b)
    }
}

/// The helper's own pin-mV bands (esp32-cp-uart.md §7.6, reference thresholds 2400/2000/1700/1450/1250)
/// and how a helper report becomes an observation: the firmware's letter decides.
@Suite struct HelperReportClassification {
    static let pinEdges: [(Int32, PilotState)] = [
        (3000, .a), (2400, .a), (2399, .b), (2000, .b), (1999, .c), (1700, .c), (1699, .d),
        (1450, .d), (1449, .e), (1250, .e), (1249, .f), (0, .f),
    ]

    @Test(arguments: pinEdges)
    func pinBands(_ mv: Int32, _ expected: PilotState) {
        #expect(HelperPinBands().state(forPinMillivolts: mv) == expected)
    }

    @Test func theLetterDecidesAndTheMillivoltsAreCrossChecked() {
        let c = PilotClassifier()
        let t = HelperThresholds.referenceDefaults
        let agree = c.classify(.helper(letter: .b, pinMillivolts: 2260, robustPinMillivolts: 2260, thresholds: t, at: .zero))
        #expect(agree.state == .b && agree.fault == nil && agree.pinBandAgrees == true)
        // Hysteresis: the firmware still says C at 1690 mV (it leaves C below 1550): no override.
        let edge = c.classify(.helper(letter: .c, pinMillivolts: 1690, robustPinMillivolts: 1690, thresholds: t, at: .zero))
        #expect(edge.state == .c && edge.pinBandAgrees == false)
        #expect(c.classify(.helper(letter: .e, pinMillivolts: 1300, robustPinMillivolts: 1300, thresholds: t, at: .zero)).fault == .shortToEarth)
        #expect(c.classify(.helper(letter: .f, pinMillivolts: 900, robustPinMillivolts: 900, thresholds: t, at: .zero)).fault == .unavailable)
        // Reported thresholds are used, not the defaults.
        var moved = t
        moved.t12 = 2500
        let low = c.classify(.helper(letter: .a, pinMillivolts: 2450, robustPinMillivolts: 2450, thresholds: moved, at: .zero))
        #expect(low.pinBandAgrees == false)
    }
}
