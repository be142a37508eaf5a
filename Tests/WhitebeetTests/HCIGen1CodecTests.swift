import Foundation
import MallocCounting
import Testing
import WhitebeetFuzzSupport
import WhitebeetHCI

/// EVSE generation 1 (firmware V01_01_0x, whitebeet-hci.md §12): round trips of every host command,
/// parameter request and getter response; the spec's observed frame (§12.2) and reference vector V7
/// (§18) byte-exact; the generation never guessed (the same bytes are other messages in Gen-2); and
/// every truncated or garbage input a typed error.
@Suite struct HCIGen1CodecTests {
    static func gen1Request(_ bytes: [UInt8]) throws -> (request: HCIRequest, requestID: UInt8) {
        let decoded = try withCopy(bytes) { b in try HCIRequest.decode(frame: b, evse: .gen1) }
        return decoded
    }

    static func gen1Message(_ bytes: [UInt8]) throws -> HCIModuleMessage {
        try withCopy(bytes) { b in try HCIModuleMessage.decode(frame: b, evse: .gen1) }
    }

    /// A frame around `payload` with a correct length and checksum.
    static func framed(_ module: UInt8, _ sub: UInt8, _ id: UInt8, _ payload: [UInt8]) throws -> [UInt8] {
        try encoded { s in try payload.withUnsafeBytes { p in try HCIFrame.encode(module: module, sub: sub, requestID: id, payload: p, into: s) } }
    }

    @Test func everyGen1CommandRoundTrips() throws {
        for (i, r) in WhitebeetSamples.gen1Requests.enumerated() {
            let bytes = try frame(.evseGen1(r), id: UInt8(i + 1))
            #expect(bytes[1] == 0x27 && bytes[2] == r.sub)
            let (again, id) = try Self.gen1Request(bytes)
            #expect(again == .evseGen1(r), "\(r)")
            #expect(id == UInt8(i + 1))
        }
    }

    @Test func everyGen1ParameterRequestAndResponseRoundTrips() throws {
        var messages = WhitebeetSamples.gen1Notifications.map { HCIModuleMessage.notification(.evseGen1($0), requestID: 0xFF) }
        messages += WhitebeetSamples.gen1Responses.map { .response($0) }
        for m in messages {
            let bytes = try encoded { s in try m.encode(into: s) }
            #expect(try Self.gen1Message(bytes) == m, "\(m)")
        }
        // Shared messages (CP, SLAC, V2G start/stop answers) read the same in both generations.
        let pilot = HCIModuleMessage.notification(.pilotStateChanged(.b), requestID: 0xFF)
        #expect(try Self.gen1Message(try encoded { s in try pilot.encode(into: s) }) == pilot)
    }

    /// §12.2 [obs] (FreeV2G issue #20): Request cable check parameters, time-out 1545 ms, DC, SOC 87 %.
    @Test func observedCableCheckParametersRequest() throws {
        let spec = hex("C0 27 87 FF 00 06 00 00 06 09 00 57 62 C1") // whitebeet-hci.md §12.2
        let expected = HCIModuleMessage.notification(.evseGen1(.requestCableCheckParameters(timeoutMilliseconds: 1545, soc: 87)), requestID: 0xFF)
        #expect(try Self.gen1Message(spec) == expected)
        #expect(try encoded { s in try expected.encode(into: s) } == spec)
        guard case .notification(let n, _) = expected, case .evseGen1(let g) = n else { return }
        #expect(g.timeoutMilliseconds == 1545)
        #expect(g.answerSub == 0x6D)
        // The generation is never guessed: read as Gen-2 the same bytes are "cable check requested"
        // (u32 time-out only) with two bytes too many.
        #expect(hciError { _ = try moduleMessage(spec) } == .trailingBytes(module: 0x27, sub: 0x87, length: 6, used: 4))
    }

    /// §18 V7: the Gen-1 charge-loop answer (0x70), values written with exponent 0 as Gen-1 does.
    @Test func v7ChargeLoopParameters() throws {
        let spec = "C0 27 70 11 00 18 00 00 01 01 7C 00 00 10 00 01 00 64 00 01 01 90 00 01 61 A8 00 00 00 00 2B C1" // §18 V7
        let answer = HCIRequest.evseGen1(.setChargeLoopParameters(.accepted(.dc(WhitebeetSamples.gen1ChargeLoop))))
        #expect(hexString(try frame(answer, id: 0x11)) == spec)
        #expect(try Self.gen1Request(hex(spec)) == (answer, 0x11))
        // Gen-2's 0x70 is "stop listen" without payload.
        #expect(hciError { _ = try request(hex(spec)) } == .trailingBytes(module: 0x27, sub: 0x70, length: 24, used: 0))
    }

    @Test func gen1LayoutsAreTheSpecs() throws {
        // 0x68: 0x00 + str8, or the single byte 0x01 "no EVSE ID" (§12.1).
        #expect(hexString(try frame(.evseGen1(.setEVSEID(nil)), id: 1)).hasPrefix("C0 27 68 01 00 01 01"))
        #expect(hexString(try frame(.evseGen1(.setEVSEID("DE*1")), id: 1)).hasPrefix("C0 27 68 01 00 06 00 04 44 45 2A 31"))
        // 0x64: presence byte, then list8 (§12.1).
        #expect(hexString(try frame(.evseGen1(.setPaymentOptions([0])), id: 1)).hasPrefix("C0 27 64 01 00 03 01 01 00"))
        #expect(hexString(try frame(.evseGen1(.setPaymentOptions(nil)), id: 1)).hasPrefix("C0 27 64 01 00 01 00"))
        // 0x6B: code 0, tuple count, tuples — no type byte, no tariffs (§12.3).
        let one = Gen1Schedules(tuples: FixedList([ScheduleTuple(id: 1, entries: ScheduleEntries([
            ScheduleEntry(start: 0, interval: 86_400, maximumPower: PhysicalValue(mantissa: 25_000, exponent: 0)),
        ]))]))
        #expect(hexString(try frame(.evseGen1(.setSchedules(.accepted(one))), id: 1))
            .hasPrefix("C0 27 6B 01 00 11 00 01 00 01 00 01 00 00 00 00 00 01 51 80 61 A8 00"))
        // A declined answer is its code alone (§12.3: FreeV2G sends the fields only for code 0).
        #expect(hexString(try frame(.evseGen1(.setChargeLoopParameters(.declined(.stopCharging))), id: 1)).hasPrefix("C0 27 70 01 00 01 03"))
        // 0x6E: code, DC, isolation level, present voltage.
        #expect(hexString(try frame(.evseGen1(.setPreChargeParameters(.accepted(Gen1PresentVoltage(
            isolationLevel: 1, presentVoltage: PhysicalValue(mantissa: 380, exponent: 0))))), id: 1)).hasPrefix("C0 27 6E 01 00 06 00 00 01 01 7C 00"))
        // 0x81 session stopped: empty (V01_01_06) or with the closure type (V01_01_07).
        #expect(try Self.gen1Message(try Self.framed(0x27, 0x81, 0xFF, [])) == .notification(.evseGen1(.sessionStopped(closure: nil)), requestID: 0xFF))
        #expect(try Self.gen1Message(try Self.framed(0x27, 0x81, 0xFF, [1])) == .notification(.evseGen1(.sessionStopped(closure: 1)), requestID: 0xFF))
    }

    @Test func outOfRangeValuesAreTyped() throws {
        func gen1RequestError(_ sub: UInt8, _ payload: String) throws -> HCIError? {
            let bytes = try Self.framed(0x27, sub, 1, payload.isEmpty ? [] : hex(payload))
            return hciError { _ = try Self.gen1Request(bytes) }
        }
        func gen1MessageError(_ sub: UInt8, _ payload: String) throws -> HCIError? {
            let bytes = try Self.framed(0x27, sub, 0xFF, payload.isEmpty ? [] : hex(payload))
            return hciError { _ = try Self.gen1Message(bytes) }
        }
        // Protocol 1 is [unclear] in §12.1 and refused; 3 is not a protocol.
        #expect(try gen1RequestError(0x60, "01 01") == .badValue(module: 0x27, sub: 0x60, field: "protocols", value: 1))
        #expect(try gen1RequestError(0x66, "01 06") == .badValue(module: 0x27, sub: 0x66, field: "energy transfer modes", value: 6))
        #expect(try gen1RequestError(0x64, "01 01 02") == .badValue(module: 0x27, sub: 0x64, field: "payment options", value: 2))
        #expect(try gen1RequestError(0x62, "01 00 50 00") == .badValue(module: 0x27, sub: 0x62, field: "unsecured port", value: 80))
        #expect(try gen1RequestError(0x68, "02") == .badValue(module: 0x27, sub: 0x68, field: "EVSE ID flag", value: 2))
        #expect(try gen1RequestError(0x69, "02") == .badValue(module: 0x27, sub: 0x69, field: "authorization status", value: 2))
        // Type byte 2, isolation level 5, a declined code with data after it.
        #expect(try gen1RequestError(0x6F, "00 02 01") == .badValue(module: 0x27, sub: 0x6F, field: "type", value: 2))
        #expect(try gen1RequestError(0x6D, "00 00 05") == .badValue(module: 0x27, sub: 0x6D, field: "isolation level", value: 5))
        #expect(try gen1RequestError(0x70, "03 00") == .trailingBytes(module: 0x27, sub: 0x70, length: 2, used: 1))
        // AC for a step the spec gives only in DC: a layout it does not have.
        #expect(try gen1RequestError(0x6E, "00 01 01 01 7C 00") == .unsupportedLayout(module: 0x27, sub: 0x6E))
        #expect(try gen1MessageError(0x87, "00 00 06 09 01 57") == .unsupportedLayout(module: 0x27, sub: 0x87))
        // SOC above 100 %, Gen-2-only subs in Gen-1.
        #expect(try gen1MessageError(0x8C, "00 00 13 88 00 65") == .badValue(module: 0x27, sub: 0x8C, field: "SOC", value: 101))
        #expect(try gen1MessageError(0x8E, "17") == .unknownMessage(module: 0x27, sub: 0x8E))
        #expect(try gen1RequestError(0x76, "01 F4") == .unknownMessage(module: 0x27, sub: 0x76))
        // Encoding refuses what decoding would refuse.
        #expect(hciError { _ = try frame(.evseGen1(.setSupportedProtocols([1])), id: 1) }
            == .badValue(module: 0x27, sub: 0x60, field: "protocols", value: 1))
        #expect(hciError { _ = try frame(.evseGen1(.setEVSEID(HCIText(String(repeating: "A", count: 39)))), id: 1) }
            == .tooManyItems(module: 0x27, sub: 0x68, field: "EVSE ID", count: 39, limit: 38))
        #expect(hciError { _ = try frame(.evseGen1(.setChargeLoopParameters(.declined(.accepted))), id: 1) }
            == .badValue(module: 0x27, sub: 0x70, field: "declined code", value: 0))
    }

    /// Every proper prefix of every sample's payload, framed with a correct length and checksum, is a
    /// typed error (never a trap, never a different message).
    @Test func truncatedPayloadsAreTypedErrors() throws {
        var checked = 0
        for r in WhitebeetSamples.gen1Requests {
            let full = try frame(.evseGen1(r), id: 1)
            let payload = Array(full[6 ..< full.count - 2])
            for n in 0 ..< payload.count {
                let bytes = try Self.framed(0x27, r.sub, 1, Array(payload[0 ..< n]))
                let error = hciError { _ = try Self.gen1Request(bytes) }
                // A declined answer ends after its code: a prefix of an accepted one can be complete
                // only when it is the bare code 0 — which is never a whole message.
                #expect(error != nil, "\(r) cut to \(n) bytes decoded")
                checked += 1
            }
        }
        for g in WhitebeetSamples.gen1Notifications {
            let full = try encoded { s in try HCINotification.evseGen1(g).encode(into: s) }
            let payload = Array(full[6 ..< full.count - 2])
            for n in 0 ..< payload.count {
                let bytes = try Self.framed(0x27, g.sub, 0xFF, Array(payload[0 ..< n]))
                let decoded = try? Self.gen1Message(bytes)
                // 0x81 is complete empty (V01_01_06) as well as with its closure byte.
                if g.sub == 0x81, n == 0 { continue }
                #expect(decoded == nil, "\(g) cut to \(n) bytes decoded as \(String(describing: decoded))")
                checked += 1
            }
        }
        print("gen-1 codec: \(checked) truncated payloads, each a typed error")
    }

    @Test func gen1CodecDoesNotAllocate() throws {
        let storage = UnsafeMutableRawBufferPointer.allocate(byteCount: 2048, alignment: 8)
        defer { storage.deallocate() }
        let requests = WhitebeetSamples.gen1Requests.map { HCIRequest.evseGen1($0) }
        let notifications = WhitebeetSamples.gen1Notifications.map { HCINotification.evseGen1($0) }
        func copy(_ f: [UInt8]) -> UnsafeMutableRawBufferPointer {
            let p = UnsafeMutableRawBufferPointer.allocate(byteCount: f.count, alignment: 8)
            p.copyBytes(from: f)
            return p
        }
        let requestFrames = try requests.map { copy(try frame($0, id: 1)) }
        let moduleFrames = try notifications.map { n in copy(try encoded { s in try n.encode(into: s) }) }
        defer { (requestFrames + moduleFrames).forEach { $0.deallocate() } }
        for i in 0 ..< requestFrames.count { _ = try? HCIRequest.decode(frame: UnsafeRawBufferPointer(requestFrames[i]), evse: .gen1) }
        for i in 0 ..< moduleFrames.count { _ = try? HCIModuleMessage.decode(frame: UnsafeRawBufferPointer(moduleFrames[i]), evse: .gen1) }
        var decoded = 0
        let mallocs = MallocCounter.count {
            for _ in 0 ..< 20 {
                for i in 0 ..< requests.count { _ = try? requests[i].encode(requestID: 1, into: storage) }
                for i in 0 ..< notifications.count { _ = try? notifications[i].encode(into: storage) }
                for i in 0 ..< requestFrames.count where (try? HCIRequest.decode(frame: UnsafeRawBufferPointer(requestFrames[i]), evse: .gen1)) != nil {
                    decoded += 1
                }
                for i in 0 ..< moduleFrames.count where (try? HCIModuleMessage.decode(frame: UnsafeRawBufferPointer(moduleFrames[i]), evse: .gen1)) != nil {
                    decoded += 1
                }
            }
        }
        print("gen-1 codec: \(mallocs) mallocs over \(20 * (requests.count + notifications.count)) encodes and \(decoded) decodes")
        #expect(decoded == 20 * (requestFrames.count + moduleFrames.count))
        #expect(mallocs == 0)
    }
}

extension WhitebeetFuzzTests {
    /// Random payloads for every Gen-1 sub ID: a value that round trips, or a typed error. The seed
    /// is printed (WHITEBEET_GEN1_SEED replays). In the serialized fuzz suite: the property's buffers are shared.
    @Test func gen1GarbagePayloadsNeverTrap() throws {
        let seed = ProcessInfo.processInfo.environment["WHITEBEET_GEN1_SEED"].flatMap { UInt64($0) } ?? UInt64.random(in: 1 ... UInt64.max)
        print("gen-1 garbage: seed \(seed) (WHITEBEET_GEN1_SEED=\(seed) replays)")
        var state = seed
        func next() -> UInt64 {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return state >> 33
        }
        var decoded = 0
        for i in 0 ..< 4000 {
            let sub = UInt8(0x60 + Int(next() % 0x2D)) // 0x60…0x8C
            let length = Int(next() % 24)
            var payload = (0 ..< length).map { _ in UInt8(truncatingIfNeeded: next()) }
            // Bias toward plausible bytes: small values make optional and type bytes valid more often.
            for j in payload.indices where next() % 2 == 0 { payload[j] &= 0x01 }
            let bytes = try HCIGen1CodecTests.framed(0x27, sub, 0xFF, payload)
            let finding = bytes.withUnsafeBytes { WhitebeetFuzzProperty.check($0) }
            #expect(finding == nil, "seed \(seed) input \(i): \(finding ?? "") \(hexString(bytes))")
            if (try? HCIGen1CodecTests.gen1Message(bytes)) != nil || (try? HCIGen1CodecTests.gen1Request(bytes)) != nil { decoded += 1 }
        }
        print("gen-1 garbage: 4000 inputs, \(decoded) decoded and round-tripped, the rest typed errors")
    }
}
