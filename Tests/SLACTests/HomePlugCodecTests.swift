import HAL
import HomePlugAV
import MallocCounting
import Testing
import TestSupport

private let ev = MACAddress(0x02, 0x00, 0x00, 0x00, 0x00, 0x0E)
private let evse = MACAddress(0x02, 0x00, 0x00, 0x00, 0x00, 0x5E)
private let run = RunID(rawValue: 0x0102_0304_0506_0708)
private let nmk = NetworkMembershipKey(high: 0xB593_19D7_E815_7BA0, low: 0x01B0_1866_9CCE_E30D)
private let nid = NetworkID(rawValue: 0x02_6BCB_A535_4E08)

func encode(_ frame: HomePlugFrame) throws -> [UInt8] {
    var storage = [UInt8](repeating: 0xEE, count: 256)
    let n = try storage.withUnsafeMutableBytes { raw in
        var span = MutableRawSpan(_unsafeBytes: raw)
        return try frame.encode(into: &span)
    }
    return Array(storage[0..<n])
}

func parse(_ b: [UInt8]) throws(HomePlugError) -> HomePlugFrame {
    let result: Result<HomePlugFrame, HomePlugError> = b.withUnsafeBytes { raw in
        do throws(HomePlugError) { return .success(try HomePlugFrame.parse(RawSpan(_unsafeBytes: raw))) } catch { return .failure(error) }
    }
    return try result.get()
}

/// Every SLAC message, filled with non-trivial values.
let allFrames: [HomePlugFrame] = {
    var groups = AttenuationGroups(count: 58, repeating: 0)
    for g in 0..<58 { groups[g] = UInt8(20 + g % 9) }
    var key = SetKeyRequest(nid: nid, nmk: nmk)
    key.myNonce = 0xAAAA_AAAA
    var match = SlacMatchRequest(pevMAC: ev, evseMAC: evse, runID: run)
    match.pevID = .zero
    let m: [HomePlugMessage] = [
        .setKeyRequest(key),
        .setKeyConfirm(SetKeyConfirm(result: 1)),
        .slacParmRequest(SlacParmRequest(runID: run)),
        .slacParmConfirm(SlacParmConfirm(numberOfSounds: 10, timeOut: 6, forwardingStation: ev, runID: run)),
        .startAttenCharIndication(StartAttenCharIndication(numberOfSounds: 10, timeOut: 6, forwardingStation: ev, runID: run)),
        .mnbcSoundIndication(MNBCSoundIndication(count: 9, runID: run, random: Bytes16(high: 0x1122_3344_5566_7788, low: 0x99AA_BBCC_DDEE_FF00))),
        .attenProfileIndication(AttenProfileIndication(pevMAC: ev, groups: groups)),
        .attenCharIndication(AttenCharIndication(sourceAddress: ev, runID: run, numberOfSounds: 10, groups: groups)),
        .attenCharResponse(AttenCharResponse(sourceAddress: ev, runID: run)),
        .validateRequest(ValidateRequest(timer: 1, result: 1)),
        .validateConfirm(ValidateConfirm(toggleCount: 2, result: .success)),
        .slacMatchRequest(match),
        .slacMatchConfirm(SlacMatchConfirm(pevMAC: ev, evseMAC: evse, runID: run, nid: nid, nmk: nmk)),
        .softwareVersionRequest,
        .softwareVersionConfirm(SoftwareVersionConfirm(version: "MAC-QCA7000-1.1.0.730-04-20140815-CS")),
        .resetDeviceRequest,
        .resetDeviceConfirm(ResetDeviceConfirm(status: 0)),
    ]
    return m.map { HomePlugFrame(destination: evse, source: ev, message: $0) }
}()

@Suite struct HomePlugCodec {
    @Test(arguments: allFrames)
    func roundTrips(_ frame: HomePlugFrame) throws {
        let wire = try encode(frame)
        #expect(wire.count >= 60)
        #expect(try parse(wire) == frame)
        // The unpadded frame parses the same (veth does not pad; scapy does not either).
        #expect(try parse(Array(wire.prefix(max(frame.encodedLength, 17)))) == frame)
    }

    /// Totals from slac.md §2 (unpadded).
    @Test func lengthsMatchTheSpec() throws {
        let expected: [MMType: Int] = [
            .setKeyRequest: 60, .slacParmRequest: 29, .slacParmConfirm: 44, .startAttenCharIndication: 38,
            .mnbcSoundIndication: 71, .attenProfileIndication: 85, .attenCharIndication: 129, .attenCharResponse: 70,
            .slacMatchRequest: 85, .slacMatchConfirm: 109,
        ]
        for f in allFrames {
            if let n = expected[f.message.mmType] { #expect(f.encodedLength == n, "\(f.message.mmType)") }
        }
    }

    @Test func slacParmRequestIsByteExact() throws {
        let f = HomePlugFrame(destination: .broadcast, source: ev, message: .slacParmRequest(SlacParmRequest(runID: run)))
        let expected = bytes("ffffffffffff 02000000000e 88e1 01 6460 0000 00 00 0102030405060708") + [UInt8](repeating: 0, count: 31)
        #expect(try encode(f) == expected)
    }

    /// CM_SET_KEY.REQ with open-plc-utils' EVSE key (as pyslac's example EV spells it).
    @Test func setKeyRequestIsByteExact() throws {
        var req = SetKeyRequest(nid: nid, nmk: nmk)
        req.myNonce = 0xAAAA_AAAA
        let f = HomePlugFrame(destination: SlacConstants.localModem, source: evse, message: .setKeyRequest(req))
        let expected = bytes("00b052000001 02000000005e 88e1 01 0860 0000 01 aaaaaaaa 00000000 04 0000 00 00 026bcba5354e08 01 b59319d7e8157ba001b018669ccee30d 000000")
        #expect(try encode(f) == expected)
    }

    @Test func slacMatchFieldsSitWhereTheSpecSays() throws {
        let req = try encode(allFrames.first { $0.message.mmType == .slacMatchRequest }!)
        #expect(Array(req[21...22]) == [0x3E, 0x00])
        #expect(Array(req[40...45]) == bytes("02000000000e"))
        #expect(Array(req[63...68]) == bytes("02000000005e"))
        #expect(Array(req[69...76]) == bytes("0102030405060708"))
        let cnf = try encode(allFrames.first { $0.message.mmType == .slacMatchConfirm }!)
        #expect(Array(cnf[21...22]) == [0x56, 0x00])
        #expect(Array(cnf[85...91]) == bytes("026bcba5354e08"))
        #expect(cnf[92] == 0)
        #expect(Array(cnf[93...108]) == bytes("b59319d7e8157ba001b018669ccee30d"))
        let ind = try encode(allFrames.first { $0.message.mmType == .attenCharIndication }!)
        #expect(ind[69] == 10 && ind[70] == 58 && ind.count == 129)
        let vs = try encode(allFrames.first { $0.message.mmType == .softwareVersionRequest }!)
        #expect(Array(vs[14...19]) == [0x00, 0x00, 0xA0, 0x00, 0xB0, 0x52])
    }

    /// pyslac's example EV: MVFLength big-endian, 3-group profiles (slac.md §11.4) parse as they are.
    @Test func pyslacExampleQuirksParse() throws {
        var match = bytes("02000000000e 02000000000e 88e1 01 7c60 0000 00 00 003e") + [UInt8](repeating: 0, count: 17)
        match += bytes("02000000000e") + [UInt8](repeating: 0, count: 17) + bytes("02000000000e") + [UInt8](repeating: 0, count: 16)
        guard case .slacMatchRequest(let req) = try parse(match).message else { Issue.record("not a MATCH.REQ"); return }
        #expect(req.mvfLength == SlacMatchRequest.byteSwappedLength)
        #expect(req.evseMAC == req.pevMAC)
        let profile = bytes("02000000000e 00b052000001 88e1 01 8660 0000 02000000000e 03 00 28 24 28") + [UInt8](repeating: 0, count: 30)
        guard case .attenProfileIndication(let p) = try parse(profile).message else { Issue.record("not a profile"); return }
        #expect(p.groups.count == 3 && p.groups[0] == 40 && p.groups[1] == 36)
    }

    @Test func malformedFramesAreTypedErrors() {
        let good = try! encode(allFrames[2])
        #expect(throws: HomePlugError.shortFrame(length: 10, needed: 17)) { try parse(Array(good.prefix(10))) }
        var type = good; type[12] = 0x08; type[13] = 0x00
        #expect(throws: HomePlugError.wrongEtherType(0x0800)) { try parse(type) }
        var mmv = good; mmv[14] = 0x00
        #expect(throws: HomePlugError.wrongMMV(.slacParmRequest, mmv: 0)) { try parse(mmv) }
        var unknown = good; unknown[15] = 0x34; unknown[16] = 0x61
        #expect(throws: HomePlugError.unknownMMType(MMType(rawValue: 0x6134))) { try parse(unknown) }
        var fragmented = good; fragmented[17] = 0x10
        #expect(throws: HomePlugError.fragmented(.slacParmRequest, fmi: 0x1000)) { try parse(fragmented) }
        #expect(throws: HomePlugError.shortFrame(length: 28, needed: 29)) { try parse(Array(good.prefix(28))) }
        var profile = try! encode(allFrames[6]); profile[25] = 59
        #expect(throws: HomePlugError.badLength(.attenProfileIndication, field: "NumGroups", value: 59)) { try parse(profile) }
        profile[25] = 0
        #expect(throws: HomePlugError.badLength(.attenProfileIndication, field: "NumGroups", value: 0)) { try parse(profile) }
        var oui = try! encode(allFrames[13]); oui[19] = 0x53
        #expect(throws: HomePlugError.wrongOUI(.softwareVersionRequest, oui: 0x00B053)) { try parse(oui) }
        var version = try! encode(allFrames[14]); version[22] = 200
        #expect(throws: HomePlugError.badLength(.softwareVersionConfirm, field: "MVERLENGTH", value: 200)) { try parse(version) }
    }

    /// Random and mutated frames never trap, and a frame that parses encodes and parses back to an equal
    /// frame (the libFuzzer target runs the same property for longer). Seed: HOMEPLUG_FUZZ_SEED or a
    /// fixed default, printed; a failing input is saved for Tests/FuzzReplay/homeplug/.
    @Test func randomInputNeverTraps() {
        let seed = FuzzSeed.value("HOMEPLUG_FUZZ_SEED", default: 0x1234_5678)
        print("homeplug random frames: seed \(seed) starting (HOMEPLUG_FUZZ_SEED=\(seed) replays)")
        var state = seed
        func next() -> UInt64 {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return state >> 33
        }
        let seeds = allFrames.map { try! encode($0) }
        var parsed = 0, failures = 0
        for i in 0..<20_000 {
            var b = seeds[i % seeds.count]
            let cut = Int(next() % UInt64(b.count + 1))
            b = Array(b.prefix(cut))
            for _ in 0..<Int(next() % 4) where !b.isEmpty { b[Int(next() % UInt64(b.count))] = UInt8(truncatingIfNeeded: next()) }
            guard let frame = try? parse(b) else { continue }
            parsed += 1
            if let finding = HomePlugRoundTrip.finding(frame), failures < 3 {
                failures += 1
                let saved = FuzzArtifacts.save(b, name: "homeplug-seed\(seed)-i\(i)")
                Issue.record("seed \(seed) iteration \(i): \(finding); input saved to \(saved) (HOMEPLUG_FUZZ_SEED=\(seed) replays)")
            }
        }
        print("homeplug random frames: seed \(seed), 20000 inputs, \(parsed) parsed and round-tripped whole, \(failures) failures")
        #expect(parsed > 0)
    }

    @Test func parsingAndEncodingAllocateNothing() throws {
        // Wire images in raw memory prepared outside the measurement.
        let wires = try allFrames.map { try encode($0) }
        let input = UnsafeMutableRawBufferPointer.allocate(byteCount: 256 * wires.count, alignment: 16)
        let output = UnsafeMutableRawBufferPointer.allocate(byteCount: 256, alignment: 16)
        defer { input.deallocate(); output.deallocate() }
        let lengths = UnsafeMutableBufferPointer<Int>.allocate(capacity: wires.count)
        defer { lengths.deallocate() }
        for (i, w) in wires.enumerated() {
            UnsafeMutableRawBufferPointer(rebasing: input[(256 * i)..<(256 * i + w.count)]).copyBytes(from: w)
            lengths[i] = w.count
        }
        let count = wires.count
        var encoded = 0
        let mallocs = MallocCounter.count {
            for _ in 0..<100 {
                var i = 0
                while i < count {
                    let frame = UnsafeRawBufferPointer(rebasing: input[(256 * i)..<(256 * i + lengths[i])])
                    if let f = try? HomePlugFrame.parse(RawSpan(_unsafeBytes: frame)) {
                        var span = MutableRawSpan(_unsafeBytes: output)
                        encoded &+= (try? f.encode(into: &span)) ?? 0
                    }
                    i += 1
                }
            }
        }
        #expect(encoded > 100 * 60 * count)
        #expect(mallocs == 0)
    }
}

/// The round trip every HomePlug fuzzer checks: a parsed frame encodes, and the encoding parses back to
/// an equal frame (addresses and the whole message).
enum HomePlugRoundTrip {
    static func finding(_ frame: HomePlugFrame) -> String? {
        guard let bytes = try? encode(frame) else { return "a parsed frame must encode" }
        guard let again = try? parse(bytes) else { return "an encoded frame must parse" }
        return again == frame ? nil : "round trip changed the frame: \(frame) became \(again)"
    }
}

/// Inputs that once failed (Tests/FuzzReplay/homeplug: libFuzzer crash files or saved inputs, raw
/// frame bytes) must pass now. Runs on every `swift test`; an empty directory passes.
@Suite struct HomePlugFuzzReplayTests {
    @Test func savedInputsPass() {
        let inputs = FuzzReplay.inputs("homeplug")
        for (name, bytes) in inputs {
            guard let frame = try? parse(bytes) else { continue }
            if let finding = HomePlugRoundTrip.finding(frame) { Issue.record("Tests/FuzzReplay/homeplug/\(name): \(finding)") }
        }
        print("fuzz replay homeplug: \(inputs.count) saved inputs from \(FuzzReplay.directory("homeplug"))")
    }
}
