import AdvanticsCAN
import Testing
import TestSupport

/// The codec against the spec's own tables and examples (advantics-can.md §1–§2).
@Suite struct CodecTableTests {
    let codec = AdvanticsCANCodec()

    func frame(_ id: UInt32, extended: Bool = true, _ bytes: [UInt8]) -> AdvanticsFrame {
        AdvanticsFrame(id: id, extended: extended, bytes: bytes)
    }

    /// §1.1: pistol index 1 → New_Charge_Session 0x0106B001, Power_Modules_Status 0x01063000.
    @Test func pistolIndexIsInIDBits28To24() throws {
        var v = SignalValues(count: 2)
        v[0] = 2
        v[1] = 0
        let f = try codec.encodeEVSE(EVSEMessageIndex.newChargeSession, v, pistol: 1)
        #expect(f.id == 0x0106_B001)
        #expect(f.isExtended)
        #expect(f.bytes == [2, 0])
        let p = try codec.encodeEVSE(EVSEMessageIndex.powerModulesStatus, PowerModulesStatus().values, pistol: 1)
        #expect(p.id == 0x0106_3000)
        var out = SignalValues()
        let ref = try #require(try codec.decode(frame(0x1F06_3000, [0, 0, 0, 0, 65, 65, 0, 0]), into: &out))
        #expect(ref.pistol == 31)
        #expect(ref.index == EVSEMessageIndex.powerModulesStatus)
        #expect(throws: AdvanticsCANError.invalidPistol(32)) { try codec.encodeEVSE(0, EVSEMessage.single(1), pistol: 32) }
    }

    /// §1.5 Sequence_Control example bytes: 01 00 00, 01 03 00, 01 07 00, 01 07 01.
    @Test func sequenceControlExampleBytes() throws {
        var s = SequenceControl()
        s.startChargeAuthorised = true
        #expect(try codec.encodeEVSE(EVSEMessageIndex.sequenceControl, s.values, pistol: 1).bytes == [1, 0, 0])
        s.ccsAuthorisationDone = true
        s.ccsAuthorisationValid = true
        #expect(try codec.encodeEVSE(EVSEMessageIndex.sequenceControl, s.values, pistol: 1).bytes == [1, 3, 0])
        s.chargeParametersDone = true
        #expect(try codec.encodeEVSE(EVSEMessageIndex.sequenceControl, s.values, pistol: 1).bytes == [1, 7, 0])
        s.userStopPressed = true
        let f = try codec.encodeEVSE(EVSEMessageIndex.sequenceControl, s.values, pistol: 1)
        #expect(f.bytes == [1, 7, 1])
        var out = SignalValues()
        _ = try codec.decode(f, into: &out)
        #expect(SequenceControl(out) == s)
    }

    /// §1.4 DC_Power_Control: 0.1 V/A, signed currents, the flag bits of byte 6.
    @Test func dcPowerControlLayout() throws {
        let c = DCPowerControl(targetVolts: 500, rangeMaxAmps: 2, rangeMinAmps: -12.5, function: .precharge, mode: .range,
                               contactorsClosed: true, lowering: false)
        let f = try codec.encodeEVSE(EVSEMessageIndex.dcPowerControl, c.values, pistol: 1)
        #expect(f.id == 0x0106_B003)
        // 5000 = 0x1388; 20 = 0x0014; -125 = 0xFF83; 4 | Range (bit 5) | Close (bit 6) = 0x64.
        #expect(f.bytes == [0x88, 0x13, 0x14, 0x00, 0x83, 0xFF, 0x64])
        var out = SignalValues()
        _ = try codec.decode(f, into: &out)
        #expect(DCPowerControl(out) == c)
        // Standby with Lowering (§1.4 point 1): 0 V / 0 A / 0 A, bit 7.
        let lower = DCPowerControl(function: .standby, lowering: true)
        #expect(try codec.encodeEVSE(EVSEMessageIndex.dcPowerControl, lower.values, pistol: 1).bytes == [0, 0, 0, 0, 0, 0, 0x81])
    }

    /// §1.5 Power_Modules_Status: −40 °C offset, 2 kΩ per bit (255 = 510 kΩ = "valid").
    @Test func powerModulesStatusScaling() throws {
        let s = PowerModulesStatus(presentVolts: 412.3, presentAmps: -10.5, modulesCelsius: 25, enclosureCelsius: -40,
                                   systemEnable: true, insulationKiloohms: 510)
        let f = try codec.encodeEVSE(EVSEMessageIndex.powerModulesStatus, s.values, pistol: 1)
        #expect(f.bytes == [0x1B, 0x10, 0x97, 0xFF, 65, 0, 1, 255])
        var out = SignalValues()
        _ = try codec.decode(f, into: &out)
        let back = PowerModulesStatus(out)
        #expect(abs(back.presentVolts - 412.3) < 1e-9)
        #expect(back.presentAmps == -10.5)
        #expect(back.insulationKiloohms == 510)
    }

    @Test func unknownIdentifiersAreNilNotErrors() throws {
        var out = SignalValues()
        #expect(try codec.decode(frame(0x18FF_50E5, [1, 2, 3]), into: &out) == nil)
        #expect(try codec.decode(frame(0x123, extended: false, [1]), into: &out) == nil)
        // An EVSE base ID sent as an 11-bit frame cannot exist; a PEV ID as 29-bit is force_extended_ids.
        #expect(try codec.decode(frame(0x612, extended: true, [0, 0, 0, 0, 0, 0, 0, 0]), into: &out)?.interface == .pev)
    }

    @Test func badFramesAreTypedErrors() {
        var out = SignalValues()
        #expect(throws: AdvanticsCANError.lengthMismatch(message: "DC_Power_Control", expected: 7, actual: 8)) {
            try codec.decode(frame(0x0106_B003, [0, 0, 0, 0, 0, 0, 1, 0]), into: &out)
        }
        // Power_Function 3 is not one of the one-hot values.
        #expect(throws: AdvanticsCANError.undefinedValue(message: "DC_Power_Control", signal: "Power_Function", raw: 3)) {
            try codec.decode(frame(0x0106_B003, [0, 0, 0, 0, 0, 0, 3]), into: &out)
        }
        // Present_State_of_Charge 101 % is beyond the database's 0..100.
        #expect(throws: AdvanticsCANError.outOfRange(message: "EV_Information_Battery", signal: "Present_State_of_Charge", value: 101)) {
            try codec.decode(frame(0x0106_B100, [0, 0, 101, 0, 0, 0]), into: &out)
        }
        var v = PowerModulesStatus().values
        v[0] = 6553.6  // one bit beyond 16 bits at 0.1 V
        #expect(throws: AdvanticsCANError.outOfRange(message: "Power_Modules_Status", signal: "Present_Voltage", value: 6553.6)) {
            try codec.encodeEVSE(EVSEMessageIndex.powerModulesStatus, v, pistol: 1)
        }
        #expect(throws: AdvanticsCANError.missingValues(message: "Power_Modules_Status", expected: 6, actual: 2)) {
            try codec.encodeEVSE(EVSEMessageIndex.powerModulesStatus, SignalValues(count: 2), pistol: 1)
        }
    }

    /// §2.8: the same raw 2000 is 2000 A in DB 2.5 and 200 A in the example database; energies 0.1 vs
    /// 0.01 kWh; §2.5: the example simulator's Minimum/Maximum order.
    @Test func pevScalingVariantsAreExplicit() throws {
        let early = AdvanticsCANCodec(pevScaling: .exampleDatabase)
        let f = frame(0x612, extended: false, [0xD0, 0x07, 0, 0, 0, 0, 0, 0])
        var out = SignalValues()
        let ref = try #require(try codec.decode(f, into: &out))
        #expect(codec.layout(ref).signals[0].name.description == "Max_Charge_Current")
        #expect(out[0] == 2000)
        _ = try early.decode(f, into: &out)
        #expect(out[0] == 200)
        let capacity = frame(0x610, extended: false, [50, 0x10, 0x27])  // 10000
        _ = try codec.decode(capacity, into: &out)
        #expect(out[1] == 1000)
        _ = try early.decode(capacity, into: &out)
        #expect(out[1] == 100)
        let swapped = AdvanticsCANCodec(pevScaling: PEVScaling(energyOrder: .exampleSimulator))
        let energy = frame(0x614, extended: false, [100, 0, 200, 0, 50, 0])
        _ = try codec.decode(energy, into: &out)
        #expect((out[0], out[1], out[2]) == (10, 20, 5))  // target, maximum (bit 16), minimum (bit 32)
        _ = try swapped.decode(energy, into: &out)
        #expect((out[0], out[1], out[2]) == (10, 5, 20))  // maximum now at bit 32
        #expect(PEVScaling(boardValue: "v2.5") == .reference)
        #expect(PEVScaling(boardValue: "v2-early") == .exampleDatabase)
        #expect(PEVScaling(boardValue: "amps=0.1,kwh=0.1,energy-order=simulator")
                == PEVScaling(current: .tenthAmp, energy: .tenthKilowattHour, energyOrder: .exampleSimulator))
        #expect(PEVScaling(boardValue: "amps=2") == nil)
    }

    /// Every message of both interfaces is in the tables with the spec's IDs and lengths.
    @Test func everyMessageIsThere() {
        #expect(codec.evse.count == 23)
        #expect(codec.pev.count == 16)  // 0x600–0x606, 0x610–0x618
        #expect(codec.evse.allSatisfy { $0.isExtended && $0.id & 0xFF_0000 == 0x06_0000 && ($0.id & 0x7000) == 0x3000 })
        #expect(codec.evse.allSatisfy { $0.fromController == ($0.id & 0x8000 != 0) })
        #expect(codec.pev.allSatisfy { !$0.isExtended && $0.fromController == ($0.id < 0x610) })
    }

    /// Random bytes and identifiers never trap; what decodes re-encodes to a frame that decodes the
    /// same (reserved bits are sent as 0). Seed: ADVANTICS_FUZZ_SEED.
    @Test func randomFramesNeverTrapAndRoundTrip() throws {
        let seed = FuzzSeed.value("ADVANTICS_FUZZ_SEED", default: 0xAD7A_0016)
        print("advantics fuzz: seed \(seed) (replay: ADVANTICS_FUZZ_SEED=\(seed))")
        var rng = FuzzRandom(seed: seed)
        let ids = (codec.evse.map { $0.id } + codec.pev.map { $0.id })
        var decoded = 0, rejected = 0, unknown = 0
        for _ in 0..<50_000 {
            let known = Bool.random(using: &rng)
            var id = known ? ids.randomElement(using: &rng)! : UInt32.random(in: 0...0x1FFF_FFFF, using: &rng)
            let extended = id > 0x7FF || Bool.random(using: &rng)
            if known, extended, id > 0x7FF { id |= UInt32.random(in: 0...31, using: &rng) << 24 }
            var f = AdvanticsFrame(id: id, extended: extended, length: Int.random(in: 0...8, using: &rng))
            for i in 0..<8 { f.data[i] = UInt8.random(in: 0...255, using: &rng) }
            if known, Int.random(in: 0..<4, using: &rng) > 0, let ref = codec.identify(id: id, extended: extended) {
                f.length = codec.layout(ref).length
            }
            var out = SignalValues()
            do {
                guard let ref = try codec.decode(f, into: &out) else { unknown += 1; continue }
                decoded += 1
                let again = try codec.encode(ref, out)
                var out2 = SignalValues()
                _ = try codec.decode(again, into: &out2)
                for i in 0..<out.count where out[i] != out2[i] {
                    Issue.record("seed \(seed): \(f.bytes) signal \(i): \(out[i]) vs \(out2[i])")
                }
            } catch {
                rejected += 1
            }
        }
        print("advantics fuzz: seed \(seed): \(decoded) decoded, \(rejected) rejected with a typed error, \(unknown) unknown")
        #expect(decoded > 1000)
    }
}

/// candump lines in, decoded lines out (`boardctl can replay`).
@Suite struct CandumpReplayTests {
    @Test func logLinesDecode() throws {
        let codec = AdvanticsCANCodec()
        let r = try #require(CandumpRecord(line: "(1436509052.249713) can0 0106B003#88131400140064"))
        #expect(r.timestamp == "1436509052.249713")
        #expect(r.interface == "can0")
        #expect(r.frame == AdvanticsFrame(id: 0x0106_B003, extended: true, bytes: [0x88, 0x13, 0x14, 0, 0x14, 0, 0x64]))
        #expect(codec.describe(r.frame) == "0106B003 EVSE DC_Power_Control pistol 1 Target_Voltage=500 Volts Current_Range_Max=2 Amps "
                + "Current_Range_Min=2 Amps Power_Function=Precharge Setpoints_Mode=Range_Mode Output_Contactors=Close "
                + "Lower_Output_Voltage=No_Lowering")
        let pev = try #require(CandumpRecord(line: "612#D007000000000000"))
        #expect(codec.describe(pev.frame).hasPrefix("612 PEV DC_Status1 Max_Charge_Current=2000 Amps"))
        #expect(AdvanticsCANCodec(pevScaling: .exampleDatabase).describe(pev.frame).hasPrefix("612 PEV DC_Status1 Max_Charge_Current=200 Amps"))
        #expect(codec.describe(try #require(CandumpRecord(line: "18FF50E5#01")).frame) == "18FF50E5 unknown identifier (ignored)")
        #expect(codec.describe(try #require(CandumpRecord(line: "0106B003#00")).frame).hasPrefix("0106B003 rejected: DC_Power_Control: length 1"))
        #expect(CandumpRecord(line: "# a comment") == nil)
        #expect(CandumpRecord(line: "123#R") == nil)
        #expect(CandumpRecord(line: "12345#0") == nil)
    }
}
