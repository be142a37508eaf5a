import HAL
import MallocCounting
import Testing
import TestSupport

/// The python-can `udp_multicast` record codec on its own: known bytes, round trips, every kind of bad
/// input as a typed error, and no allocation.
@Suite struct CANMessagePackRecordTests {
    static func encode(_ f: CANFrame, timestamp: Double = 0) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: CANMessagePackRecord.maximumLength)
        let n = out.withUnsafeMutableBytes { CANMessagePackRecord.encode(f, timestamp: timestamp, into: $0) }!
        return Array(out[0..<n])
    }

    static func decode(_ bytes: [UInt8]) throws(CANMessagePackRecord.DecodeError) -> CANFrame {
        var result: Result<CANFrame, CANMessagePackRecord.DecodeError> = .failure(.truncated)
        bytes.withUnsafeBytes { raw in
            do throws(CANMessagePackRecord.DecodeError) { result = .success(try CANMessagePackRecord.decode(raw).frame) } catch { result = .failure(error) }
        }
        return try result.get()
    }

    /// The bytes msgpack-python writes for `pack_message(Message(arbitration_id=0x123, data=[1,2,3],
    /// is_extended_id=False, timestamp=0.0))` (worked out from the MessagePack spec; the python-can suite
    /// compares with the live packer too).
    @Test func knownRecord() throws {
        let bytes = Self.encode(CANFrame(id: 0x123, bytes: [1, 2, 3]))
        var want: [UInt8] = [0x8B]
        func key(_ s: String) { want.append(0xA0 | UInt8(s.utf8.count)); want += Array(s.utf8) }
        key("timestamp"); want += [0xCB, 0, 0, 0, 0, 0, 0, 0, 0]
        key("arbitration_id"); want += [0xCD, 0x01, 0x23]
        key("is_extended_id"); want.append(0xC2)
        key("is_remote_frame"); want.append(0xC2)
        key("is_error_frame"); want.append(0xC2)
        key("channel"); want.append(0xC0)
        key("dlc"); want.append(0x03)
        key("data"); want += [0xC4, 0x03, 1, 2, 3]
        key("is_fd"); want.append(0xC2)
        key("bitrate_switch"); want.append(0xC2)
        key("error_state_indicator"); want.append(0xC2)
        #expect(bytes == want)
        #expect(try Self.decode(bytes) == CANFrame(id: 0x123, bytes: [1, 2, 3]))
    }

    @Test func roundTripsRandomFrames() throws {
        let seed = FuzzSeed.value("CK_MSGPACK_SEED", default: 0x4D53_4750)
        print("CANMessagePackRecordTests.roundTripsRandomFrames seed \(seed) (replay: CK_MSGPACK_SEED=\(seed))")
        var rng = FuzzRandom(seed: seed)
        for _ in 0..<5_000 {
            let extended = Bool.random(using: &rng)
            let id = UInt32.random(in: 0...(extended ? 0x1FFF_FFFF : 0x7FF), using: &rng)
            var f = CANFrame(id: id, bytes: (0..<Int.random(in: 0...8, using: &rng)).map { _ in UInt8.random(in: 0...255, using: &rng) })
            f.isExtended = extended
            if Int.random(in: 0..<10, using: &rng) == 0 { f.isRemote = true; f.length = 0 }
            let back = try Self.decode(Self.encode(f, timestamp: Double.random(in: 0...2e9, using: &rng)))
            #expect(back == f, "seed \(seed): \(f) → \(back)")
        }
    }

    @Test func acceptsKeysInAnyOrderAndSkipsUnknownOnes() throws {
        // {"data": b"\x05", "channel": "vcan0", "arbitration_id": 7, "extra": [nil-free scalar 1.5]}
        var b: [UInt8] = [0x84]
        func key(_ s: String) { b.append(0xA0 | UInt8(s.utf8.count)); b += Array(s.utf8) }
        key("data"); b += [0xC4, 0x01, 0x05]
        key("channel"); b += [0xA5] + Array("vcan0".utf8)
        key("arbitration_id"); b.append(0x07)
        key("extra"); b += [0xCB, 0x3F, 0xF8, 0, 0, 0, 0, 0, 0]
        #expect(try Self.decode(b) == CANFrame(id: 7, bytes: [5]))
    }

    @Test func badInputIsATypedError() {
        let good = Self.encode(CANFrame(id: 0x18FF_50E5, extended: true, bytes: [1, 2, 3, 4, 5, 6, 7, 8]))
        // Every proper prefix is truncated.
        for n in 0..<good.count {
            #expect(throws: CANMessagePackRecord.DecodeError.truncated) { _ = try Self.decode(Array(good[0..<n])) }
        }
        #expect(throws: CANMessagePackRecord.DecodeError.trailingBytes(1)) { _ = try Self.decode(good + [0]) }
        #expect(throws: CANMessagePackRecord.DecodeError.notAMap(0x93)) { _ = try Self.decode([0x93, 1, 2, 3]) }
        #expect(throws: CANMessagePackRecord.DecodeError.keyNotAString(0x01)) { _ = try Self.decode([0x81, 0x01, 0x02]) }
        // A standard frame with a 29-bit identifier.
        var f = CANFrame(id: 0x18FF_50E5, extended: true, bytes: [1])
        var bytes = Self.encode(f)
        if let i = bytes.firstIndex(of: 0xC3) { bytes[i] = 0xC2 }  // is_extended_id → false
        #expect(throws: CANMessagePackRecord.DecodeError.badIdentifier(0x18FF_50E5)) { _ = try Self.decode(bytes) }
        // Nine data bytes on a classic frame.
        f = CANFrame(id: 1, bytes: [1, 2, 3, 4, 5, 6, 7, 8])
        f.length = 9
        #expect(throws: CANMessagePackRecord.DecodeError.badLength(data: 9, dlc: 9)) { _ = try Self.decode(Self.encode(f)) }
    }

    @Test func randomBytesNeverCrash() {
        let seed = FuzzSeed.value("CK_MSGPACK_SEED", default: 0x4D53_4750)
        print("CANMessagePackRecordTests.randomBytesNeverCrash seed \(seed) (replay: CK_MSGPACK_SEED=\(seed))")
        var rng = FuzzRandom(seed: seed)
        let good = Self.encode(CANFrame(id: 0x123, bytes: [1, 2, 3]))
        var decoded = 0
        for _ in 0..<20_000 {
            var b = good
            for _ in 0..<Int.random(in: 1...4, using: &rng) { b[Int.random(in: 0..<b.count, using: &rng)] = UInt8.random(in: 0...255, using: &rng) }
            if (try? Self.decode(b)) != nil { decoded += 1 }
        }
        print("CANMessagePackRecordTests.randomBytesNeverCrash: \(decoded) of 20000 mutated records still decode")
    }

    @Test func encodeAndDecodeDoNotAllocate() throws {
        let out = UnsafeMutableRawBufferPointer.allocate(byteCount: CANMessagePackRecord.maximumLength, alignment: 8)
        defer { out.deallocate() }
        let frame = CANFrame(id: 0x18FF_50E5, extended: true, bytes: [1, 2, 3, 4, 5, 6, 7, 8])
        // Warm up once (first-use runtime work, such as type metadata, is not the steady state).
        let first = CANMessagePackRecord.encode(frame, timestamp: 1, into: out)!
        _ = try? CANMessagePackRecord.decode(UnsafeRawBufferPointer(rebasing: out[0..<first]))
        var ok = 0
        let mallocs = MallocCounter.count {
            for i in 0..<1_000 {
                let n = CANMessagePackRecord.encode(frame, timestamp: Double(i), into: out)!
                if let f = try? CANMessagePackRecord.decode(UnsafeRawBufferPointer(rebasing: out[0..<n])).frame, f == frame { ok += 1 }
            }
        }
        let encodeOnly = MallocCounter.count {
            for i in 0..<1_000 { _ = CANMessagePackRecord.encode(frame, timestamp: Double(i), into: out) }
        }
        print("CANMessagePackRecordTests: mallocs for 1000 encode+decode: \(mallocs), 1000 encodes alone: \(encodeOnly)")
        #expect(ok == 1_000)
        #expect(mallocs == 0)
    }
}
