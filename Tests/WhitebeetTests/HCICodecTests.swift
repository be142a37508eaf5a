import CoreTypes
import Foundation
import MallocCounting
import Testing
import WhitebeetFuzzSupport
import WhitebeetHCI

/// Round trips of every message, the EXP rounding rules, and every kind of bad input ending in a
/// typed error.
@Suite struct HCICodecTests {
    @Test func everyRequestRoundTrips() throws {
        for (i, r) in WhitebeetSamples.requests.enumerated() {
            let bytes = try frame(r, id: UInt8(i))
            let (again, id) = try request(bytes)
            #expect(again == r)
            #expect(id == UInt8(i))
        }
    }

    @Test func everyModuleMessageRoundTrips() throws {
        var messages = WhitebeetSamples.notifications.map { HCIModuleMessage.notification($0, requestID: 0xFF) }
        messages += WhitebeetSamples.responses.map { .response($0) }
        messages.append(.framingError(status: HCIModule.missingEndOfFrameStatus, requestID: 3))
        for m in messages {
            let bytes = try encoded { s in try m.encode(into: s) }
            #expect(try moduleMessage(bytes) == m)
        }
    }

    @Test func physicalValueRounding() {
        // Beyond the mantissa's range: further exponent steps, rounding half away from zero.
        #expect(PhysicalValue(123_456) == PhysicalValue(mantissa: 12_346, exponent: 1))
        #expect(PhysicalValue(-123_456) == PhysicalValue(mantissa: -12_346, exponent: 1))
        #expect(PhysicalValue(32_767) == PhysicalValue(mantissa: 32_767, exponent: 0))
        #expect(PhysicalValue(32_768) == PhysicalValue(mantissa: 3277, exponent: 1))
        #expect(PhysicalValue(1_000_000) == PhysicalValue(mantissa: 1000, exponent: 3))
        #expect(PhysicalValue(-400) == PhysicalValue(mantissa: -4, exponent: 2))
        // Fractions: the smallest exponent ≥ −3 that fits, then trailing zeros dropped.
        #expect(PhysicalValue(0.5) == PhysicalValue(mantissa: 5, exponent: -1))
        #expect(PhysicalValue(3.14159) == PhysicalValue(mantissa: 3142, exponent: -3))
        #expect(PhysicalValue(-0.0004) == PhysicalValue.zero)
        #expect(PhysicalValue(0.0005) == PhysicalValue(mantissa: 1, exponent: -3))
        #expect(PhysicalValue(399.95) == PhysicalValue(mantissa: 400, exponent: 0)) // 3999.5 → 4000 at exponent −1 → 400
        #expect(PhysicalValue(380.0) == PhysicalValue(mantissa: 38, exponent: 1))
        #expect(PhysicalValue(Double.nan) == nil)
        #expect(PhysicalValue(Double.infinity) == nil)
        #expect(PhysicalValue(mantissa: 4, exponent: 2).milli == 400_000)
        #expect(PhysicalValue(mantissa: -5, exponent: -1).milli == -500)
        #expect(PhysicalValue(mantissa: 1, exponent: 127).milli == .max)
    }

    @Test func checksumZeroIsAcceptedUnchecked() throws {
        #expect(try moduleMessage(hex("C0 29 81 FF 00 01 01 00 C1")) == .notification(.pilotStateChanged(.b), requestID: 0xFF))
    }

    @Test func framingErrorsAreTyped() {
        #expect(hciError { _ = try moduleMessage(hex("C0 29 81 FF 00 01 01 D1 C1")) } == .badChecksum(expected: 0xD0, found: 0xD1))
        #expect(hciError { _ = try moduleMessage(hex("C0 29 81 FF 00 01 01 D0 C2")) } == .missingEndOfFrame(found: 0xC2))
        #expect(hciError { _ = try moduleMessage(hex("C1 29 81 FF 00 01 01 D0 C1")) } == .missingStartOfFrame(found: 0xC1))
        #expect(hciError { _ = try moduleMessage(hex("C0 29 81 FF 00 01 01")) } == .truncated(length: 7, needed: 8))
        #expect(hciError { _ = try moduleMessage(hex("C0 29 81 FF 00 05 01 D0 C1")) } == .truncated(length: 9, needed: 13))
        #expect(hciError { _ = try moduleMessage([]) } == .truncated(length: 0, needed: 8))
        let long = hex("C0 29 81 FF 10 00") + [UInt8](repeating: 0, count: 0x1000 + 2)
        #expect(hciError { _ = try long.withUnsafeBytes { b in try HCIFrame.parse(b, payloadLimit: 1442) } }
            == .payloadTooLong(announced: 0x1000, limit: 1442))
    }

    @Test func messageErrorsAreTyped() throws {
        func withChecksum(_ text: String) -> [UInt8] {
            var b = hex(text)
            b[b.count - 2] = b.withUnsafeBytes { HCIFrame.checksum($0, checksumOffset: b.count - 2) }
            return b
        }
        #expect(hciError { _ = try moduleMessage(withChecksum("C0 42 41 01 00 00 00 C1")) } == .unknownModule(0x42))
        #expect(hciError { _ = try moduleMessage(withChecksum("C0 10 4F 01 00 01 00 00 C1")) } == .unknownMessage(module: 0x10, sub: 0x4F))
        #expect(hciError { _ = try request(withChecksum("C0 29 4F 01 00 00 00 C1")) } == .unknownMessage(module: 0x29, sub: 0x4F))
        // CP state 9, a bool of 2, a short payload, trailing bytes, an over-long list.
        #expect(hciError { _ = try moduleMessage(withChecksum("C0 29 81 FF 00 01 09 00 C1")) }
            == .badValue(module: 0x29, sub: 0x81, field: "CP state", value: 9))
        #expect(hciError { _ = try request(withChecksum("C0 05 55 01 00 01 02 00 C1")) }
            == .badValue(module: 0x05, sub: 0x55, field: "port mirror", value: 2))
        #expect(hciError { _ = try request(withChecksum("C0 29 44 01 00 01 03 00 C1")) }
            == .truncatedPayload(module: 0x29, sub: 0x44, length: 1, needed: 2))
        #expect(hciError { _ = try request(withChecksum("C0 29 42 01 00 01 00 00 C1")) }
            == .trailingBytes(module: 0x29, sub: 0x42, length: 1, used: 0))
        #expect(hciError { _ = try request(withChecksum("C0 29 44 01 00 02 03 E9 00 C1")) }
            == .badValue(module: 0x29, sub: 0x44, field: "duty cycle", value: 1001))
        #expect(hciError { _ = try request(withChecksum("C0 27 60 01 00 02 21 00 00 C1")) }
            == .tooManyItems(module: 0x27, sub: 0x60, field: "DIN EVSE ID", count: 33, limit: 32))
        // A response with no result byte; the unclear layouts.
        #expect(hciError { _ = try moduleMessage(withChecksum("C0 29 40 01 00 00 00 C1")) }
            == .truncatedPayload(module: 0x29, sub: 0x40, length: 0, needed: 1))
        #expect(hciError { _ = try moduleMessage(withChecksum("C0 27 8F FF 00 00 00 C1")) } == .unsupportedLayout(module: 0x27, sub: 0x8F))
        #expect(hciError { _ = try moduleMessage(withChecksum("C0 27 81 FF 00 01 01 00 C1")) } == .unsupportedLayout(module: 0x27, sub: 0x81))
        #expect(hciError { _ = try request(withChecksum("C0 27 73 01 00 00 00 C1")) } == .unsupportedLayout(module: 0x27, sub: 0x73))
        // Sales tariffs in 0x6C.
        #expect(hciError { _ = try request(withChecksum("C0 27 6C 01 00 04 00 00 00 01 00 C1")) } == .unsupportedLayout(module: 0x27, sub: 0x6C))
        // A non-zero result: the response carries only that (module-reported errors surface in the transport).
        #expect(try moduleMessage(withChecksum("C0 27 6F 01 00 01 11 00 C1"))
            == .response(HCIResponse(module: 0x27, sub: 0x6F, requestID: 1, result: .wrongPhase)))
    }

    @Test func encodingRefusesWhatTheWireCannotCarry() {
        #expect(hciError { _ = try frame(.setDutyCycle(permille: 1001), id: 1) } == .badValue(module: 0x29, sub: 0x44, field: "duty cycle", value: 1001))
        let small = UnsafeMutableRawBufferPointer.allocate(byteCount: 9, alignment: 8)
        defer { small.deallocate() }
        #expect(hciError { _ = try HCIRequest.setDutyCycle(permille: 50).encode(requestID: 1, into: small) } == .bufferTooSmall(needed: 10, capacity: 9))
        #expect(hciError { _ = try PhysicalValue.encoding(.infinity) } == .valueOutOfRange(.infinity))
    }

    @Test func streamDecoderResynchronises() throws {
        let good = hex("C0 29 81 FF 00 01 01 D0 C1")
        let bad = hex("C0 29 81 FF 00 01 01 D1 C1")
        let stream = hex("00 13 37") + bad + good + hex("FF") + good
        let decoder = HCIFrameDecoder()
        var found = 0, errors = 0, at = 0
        while at < stream.count {
            let end = min(stream.count, at + 2)
            do {
                at += try stream[at ..< end].withUnsafeBytes { b in try decoder.consume(b) }
            } catch let error as HCIError {
                #expect(error == .badChecksum(expected: 0xD0, found: 0xD1))
                errors += 1
                at += decoder.lastConsumed
            }
            if decoder.hasFrame {
                #expect(decoder.header == HCIHeader(module: 0x29, sub: 0x81, requestID: 0xFF, payloadLength: 1))
                #expect(Array(decoder.frame) == good)
                found += 1
                decoder.next()
            }
        }
        #expect(found == 2)
        #expect(errors == 1)
        #expect(decoder.skippedBytes == 4)
        // A length above the limit is refused at the header.
        let tight = HCIFrameDecoder(payloadLimit: 4)
        #expect(hciError { _ = try hex("C0 27 85 FF 00 05").withUnsafeBytes { b in try tight.consume(b) } }
            == .payloadTooLong(announced: 5, limit: 4))
    }

    /// Encoding every sample and decoding every sample frame with its decoder never touches the heap.
    /// (A rejected frame costs one allocation in a debug build, for the typed error; it is counted
    /// and printed, not required to be 0.)
    @Test func codecDoesNotAllocate() throws {
        let storage = UnsafeMutableRawBufferPointer.allocate(byteCount: 2048, alignment: 8)
        defer { storage.deallocate() }
        let requests = WhitebeetSamples.requests, notifications = WhitebeetSamples.notifications
        func copy(_ f: [UInt8]) -> UnsafeMutableRawBufferPointer {
            let p = UnsafeMutableRawBufferPointer.allocate(byteCount: f.count, alignment: 8)
            p.copyBytes(from: f)
            return p
        }
        let requestFrames = try requests.enumerated().map { copy(try frame($0.element, id: UInt8($0.offset))) }
        let moduleFrames = try (notifications.map { HCIModuleMessage.notification($0, requestID: 0xFF) } + WhitebeetSamples.responses.map { .response($0) })
            .map { m in copy(try encoded { s in try m.encode(into: s) }) }
        defer { (requestFrames + moduleFrames).forEach { $0.deallocate() } }
        var decoded = 0
        // Once before measuring: the runtime instantiates generic metadata on first use (once per
        // process, whichever test gets there first).
        for i in 0 ..< requestFrames.count { _ = try? HCIRequest.decode(frame: UnsafeRawBufferPointer(requestFrames[i])) }
        for i in 0 ..< moduleFrames.count { _ = try? HCIModuleMessage.decode(frame: UnsafeRawBufferPointer(moduleFrames[i])) }
        let mallocs = MallocCounter.count {
            // Indexed loops: a for-in over an array of these large enums allocates its iterator's
            // element at -Onone (the test's loop, not the codec).
            for _ in 0 ..< 20 {
                for i in 0 ..< requests.count { _ = try? requests[i].encode(requestID: 1, into: storage) }
                for i in 0 ..< notifications.count { _ = try? notifications[i].encode(into: storage) }
                for i in 0 ..< requestFrames.count where (try? HCIRequest.decode(frame: UnsafeRawBufferPointer(requestFrames[i]))) != nil {
                    decoded += 1
                }
                for i in 0 ..< moduleFrames.count where (try? HCIModuleMessage.decode(frame: UnsafeRawBufferPointer(moduleFrames[i]))) != nil {
                    decoded += 1
                }
            }
        }
        let rejected = MallocCounter.count {
            for i in 0 ..< requestFrames.count { _ = try? HCIModuleMessage.decode(frame: UnsafeRawBufferPointer(requestFrames[i])) }
        }
        print("whitebeet codec: \(mallocs) mallocs over \(20 * (requests.count + notifications.count)) encodes and \(decoded) decodes; \(rejected) over \(requestFrames.count) rejected frames")
        #expect(decoded == 20 * (requestFrames.count + moduleFrames.count))
        #expect(mallocs == 0)
    }
}

/// The fuzz property over a seeded stream of mutated frames (WHITEBEET_FUZZ_SEED replays), and over
/// every saved input in Tests/FuzzReplay/whitebeet. Serialized: the property's buffers are shared.
@Suite(.serialized) struct WhitebeetFuzzTests {
    @Test func mutatedFramesNeverTrapAndRoundTrip() {
        let seed = ProcessInfo.processInfo.environment["WHITEBEET_FUZZ_SEED"].flatMap { UInt64($0) } ?? 0x1717
        let result = WhitebeetMutator.run(seed: seed, iterations: 30_000)
        print("whitebeet fuzz: seed \(seed) (WHITEBEET_FUZZ_SEED=\(seed) replays), 30000 inputs, \(result == nil ? "no finding" : "FINDING")")
        if let (i, input, finding) = result {
            Issue.record("seed \(seed) iteration \(i): \(finding); input \(hexString(input))")
        }
    }

    @Test func savedInputsReplay() throws {
        let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("FuzzReplay/whitebeet")
        let files = try FileManager.default.contentsOfDirectory(atPath: directory.path).filter { !$0.hasSuffix(".md") }
        for file in files {
            let bytes = [UInt8](try Data(contentsOf: directory.appendingPathComponent(file)))
            let finding = bytes.withUnsafeBytes { WhitebeetFuzzProperty.check($0) }
            #expect(finding == nil, "\(file): \(finding ?? "")")
        }
        print("whitebeet fuzz replay: \(files.count) saved inputs")
    }
}
