import AppHandshake
import DIN70121
import EXI
import DIN70121JSON
import EXITool
import ISO15118_2
import Testing
import TestSupport

/// Truncated, garbage, out-of-range and oversized input gives a typed EXIError naming the element and bit.
@Suite struct BadInputTests {
    @Test func everyTruncationIsTypedTruncated() throws {
        for m in SharedFiles.corpusMessages() {
            let schema = try #require(EXISchema(rawValue: m.schema))
            let bytes = try #require(Hex.decode(m.exi))
            for n in 0..<bytes.count {
                #expect(throws: EXIToolError.self) { _ = try EXITool.decode(schema, bytes: Array(bytes.prefix(n))) }
                do {
                    _ = try EXITool.decode(schema, bytes: Array(bytes.prefix(n)))
                } catch {
                    if case .exi(let e) = error {
                        #expect(e.kind == .truncated, "\(m.testDescription) cut to \(n): \(e)")
                        #expect(e.bitOffset <= n * 8)
                    }
                }
            }
        }
    }

    @Test func wrongHeader() throws {
        var bytes = SampleMessages.dinCurrentDemandReq
        bytes[0] = 0x90
        #expect(throws: EXIError(.invalidHeader(0x90), at: 0, schema: "DIN")) {
            _ = try DINCodec.decode(bytes.span.bytes)
        }
    }

    /// The SOC of a CurrentDemandReq is a 7-bit offset (0...100): find its bits by encoding two values,
    /// write 127 there, and the decoder must name the field and the bit.
    @Test func socOutOfRangeOnTheWire() throws {
        var message = try DINCodec.decode(SampleMessages.dinCurrentDemandReq.span.bytes)
        func encoded(_ soc: Int8) throws -> [UInt8] {
            guard case .CurrentDemandReq(var req) = message.Body.BodyElement else { fatalError("not a CurrentDemandReq") }
            req.DC_EVStatus.EVRESSSOC = soc
            message.Body.BodyElement = .CurrentDemandReq(req)
            return try EXITool.encode(.din, json: DINCodec.json(message))
        }
        let zero = try encoded(0)
        let hundred = try encoded(100)  // 1100100
        let bits = { (b: [UInt8]) in b.flatMap { byte in (0..<8).map { (byte >> (7 - $0)) & 1 } } }
        let z = bits(zero)
        let h = bits(hundred)
        let first = try #require(z.indices.first { z[$0] != h[$0] })
        let start = first  // 100 = 1100100: its first bit is set
        var patched = z
        for k in 0..<7 { patched[start + k] = 1 }  // 127
        var bytes = zero
        for i in bytes.indices { bytes[i] = (0..<8).reduce(0) { $0 << 1 | patched[i * 8 + $1] } }
        do {
            _ = try DINCodec.decode(bytes.span.bytes)
            Issue.record("decoded an SOC of 127")
        } catch {
            #expect(error.kind == .valueOutOfRange(value: 127, min: 0, max: 100))
            #expect(error.path.elements == ["V2G_Message", "Body", "CurrentDemandReq", "DC_EVStatus", "EVRESSSOC"])
            #expect(error.bitOffset == start)
            #expect(error.description == "DIN: V2G_Message/Body/CurrentDemandReq/DC_EVStatus/EVRESSSOC: value 127 out of range 0...100 at bit \(start)")
        }
    }

    @Test func socOutOfRangeOnEncode() throws {
        var message = try ISO2Codec.decode(SampleMessages.iso2CurrentDemandReq.span.bytes)
        guard case .CurrentDemandReq(var req) = message.Body.BodyElement else { Issue.record("not a CurrentDemandReq"); return }
        req.DC_EVStatus.EVRESSSOC = 127
        message.Body.BodyElement = .CurrentDemandReq(req)
        var out = [UInt8](repeating: 0, count: 256)
        var elements = out.mutableSpan
        var span = elements.mutableBytes
        do {
            _ = try ISO2Codec.encode(message, into: &span)
            Issue.record("encoded an SOC of 127")
        } catch {
            #expect(error.kind == .valueOutOfRange(value: 127, min: 0, max: 100))
            #expect(error.description.hasPrefix("ISO2: V2G_Message/Body/CurrentDemandReq/DC_EVStatus/EVRESSSOC: value 127 out of range 0...100 at bit "))
        }
    }

    @Test func outputTooSmall() throws {
        let message = try ISO2Codec.decode(SampleMessages.iso2CurrentDemandReq.span.bytes)
        var out = [UInt8](repeating: 0, count: 10)
        var elements = out.mutableSpan
        var span = elements.mutableBytes
        #expect(throws: EXIError.self) { _ = try ISO2Codec.encode(message, into: &span) }
        do { _ = try ISO2Codec.encode(message, into: &span) } catch { #expect(error.kind == .outputFull(capacity: 10)) }
    }

    /// A protocol namespace longer than the schema's 100 characters (patched length prefix): the schema's
    /// length facet is broken (the storage holds all 100), not a bound kept below the schema.
    @Test func oversizedStringBreaksTheSchemaLength() throws {
        var bytes = SampleMessages.sapReq
        // header (8 bits), SE(req) 2, SE(AppProtocol) 1, SE(ProtocolNamespace) 1, CH 1: the length is bits 13..20
        let length = 120 + 2  // one octet (< 128) as Unsigned Integer
        for k in 0..<8 {
            let bit = 13 + k
            let v = UInt8((length >> (7 - k)) & 1)
            bytes[bit / 8] = (bytes[bit / 8] & ~(0x80 >> UInt8(bit % 8))) | (v << UInt8(7 - bit % 8))
        }
        do {
            _ = try AppHandshakeCodec.decode(bytes.span.bytes)
            Issue.record("decoded a 120-character namespace")
        } catch {
            #expect(error.kind == .lengthOutOfRange(length: 120, min: 0, max: 100))
            #expect(!error.isBeyondStorageBound)
            #expect(error.path.elements == ["supportedAppProtocolReq", "AppProtocol", "ProtocolNamespace"])
        }
    }

    /// Random bytes (seed: EXI_GARBAGE_SEED or a fixed default, printed) never trap any decoder.
    @Test func garbageNeverCrashes() throws {
        let seed = FuzzSeed.value("EXI_GARBAGE_SEED", default: 0x5EED_0BAD)
        print("garbage inputs: seed \(seed), 2000 inputs per decoder (EXI_GARBAGE_SEED=\(seed) replays)")
        var rng = FuzzRandom(seed: seed)
        for _ in 0..<2000 {
            let n = Int.random(in: 0..<64, using: &rng)
            var bytes = (0..<n).map { _ in UInt8.random(in: 0...255, using: &rng) }
            if !bytes.isEmpty { bytes[0] = 0x80 }
            for schema in EXISchema.allCases { _ = try? EXITool.decode(schema, bytes: bytes) }
        }
    }

    @Test func unknownJSONMemberIsAnError() {
        #expect(throws: EXIToolError.self) {
            _ = try EXITool.encode(schema: .din, json: #"{"V2G_Message":{"Header":{"SessionID":"00"},"Body":{"FooReq":{}}}}"#)
        }
    }
}

/// A length past a storage that holds the schema's whole maxLength is the schema's `lengthOutOfRange`, not a
/// valid value beyond a bound kept below the schema (`capacityExceeded`, which the SECC answers FAILED).
@Suite struct SchemaLengthTests {
    @Test func overlongSessionIDBreaksTheSchema() throws {
        let bytes: [UInt8] = [0x80, 0x9A, 0x22, 0x11, 0x6D, 0x90, 0x59, 0x88, 0xDF, 0xE1]
        do {
            _ = try DINCodec.decode(bytes.span.bytes)
            Issue.record("decoded")
        } catch {
            print("DIN: \(error)")
            #expect(!error.isBeyondStorageBound)
            #expect(error.kind == .lengthOutOfRange(length: 8840, min: 0, max: 8))
            #expect(error.path.contains("Header") && error.path.contains("SessionID") && !error.path.contains("Body"))
        }
    }
}
