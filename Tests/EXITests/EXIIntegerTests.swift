import EXI
import Testing

/// `EXIInteger`: unbounded xs:integer (X509SerialNumber, HMACOutputLength) of up to 32 octets, coded as
/// EXI 1.0 §7.1.5 Integer; the same bits as the 64-bit coder wherever both apply.
@Suite struct EXIIntegerTests {
    func encode(_ body: (inout EXIWriter) throws(EXIError) -> Void) throws -> [UInt8] {
        var out = [UInt8](repeating: 0, count: 256)
        var n = 0
        do {
            var elements = out.mutableSpan
            var span = elements.mutableBytes
            try span.withUnsafeMutableBytes { (buffer: UnsafeMutableRawBufferPointer) throws(EXIError) in
                var w = EXIWriter(buffer, schema: "test")
                try body(&w)
                n = try w.finish()
            }
        }
        return Array(out.prefix(n))
    }

    func decode(_ bytes: [UInt8]) throws(EXIError) -> EXIInteger {
        var v = EXIInteger()
        let span = bytes.span.bytes
        try span.withUnsafeBytes { (buffer: UnsafeRawBufferPointer) throws(EXIError) in
            var r = EXIReader(buffer, schema: "test")
            try r.readInteger(into: &v)
        }
        return v
    }

    @Test func sameBitsAsTheSixtyFourBitCoder() throws {
        let values: [Int64] = [0, 1, -1, 63, 64, 127, 128, -128, -129, 16383, 16384, 1 << 40, -(1 << 40),
                               Int64.max, Int64.min, 1_234_567_890_123]
        for v in values {
            let old = try encode { (w: inout EXIWriter) throws(EXIError) in try w.writeInteger(v) }
            let new = try encode { (w: inout EXIWriter) throws(EXIError) in try w.writeInteger(EXIInteger(v)) }
            #expect(old == new, "\(v)")
            let back = try decode(old)
            #expect(back.int64 == v, "\(v)")
            #expect(back.description == String(v))
            #expect(EXIInteger(String(v)) == back)
        }
    }

    /// A 20-octet serial (RFC 5280 §4.1.2.2's longest), a 32-octet one (the bound) and negatives.
    @Test func longValuesRoundTrip() throws {
        let texts = [
            "1461501637330902918203684832716283019655932542975",  // 2^160 - 1: 20 octets of 0xFF
            "730750818665451459101842416358141509827966271488",  // 2^159
            "-1461501637330902918203684832716283019655932542976",  // -2^160
            "115792089237316195423570985008687907853269984665640564039457584007913129639935",  // 2^256 - 1
            "-115792089237316195423570985008687907853269984665640564039457584007913129639936",  // -2^256
            "9223372036854775808",  // Int64.max + 1
        ]
        for text in texts {
            let v = try #require(EXIInteger(text), "\(text)")
            #expect(v.description == text)
            #expect(v.int64 == nil)
            let bytes = try encode { (w: inout EXIWriter) throws(EXIError) in try w.writeInteger(v) }
            #expect(try decode(bytes) == v, "\(text)")
        }
        let serial = [UInt8](repeating: 0xA5, count: 20)
        let s = try #require(EXIInteger(magnitudeBigEndian: serial))
        #expect(s.magnitudeBigEndian == serial)
        let n = try #require(EXIInteger(magnitudeBigEndian: [0x01, 0x00], negative: true))
        #expect(n.int64 == -256)
        #expect(n.magnitudeBigEndian == [0x01, 0x00])
    }

    @Test func beyondTheBoundIsATypedError() throws {
        #expect(EXIInteger("115792089237316195423570985008687907853269984665640564039457584007913129639936") == nil)  // 2^256
        #expect(EXIInteger(magnitudeBigEndian: [UInt8](repeating: 1, count: 33)) == nil)
        #expect(EXIInteger("12a") == nil)
        #expect(EXIInteger("") == nil)
        // 2^256 on the wire: 37 groups of 7 bits, the last one carrying bit 256
        var wire: [UInt8] = [0x00]  // sign bit 0 then the first group spans the next octet boundary
        var groups = [UInt8](repeating: 0x80, count: 36)
        groups.append(0x10)  // bit 256 = bit 4 of group 36 (bits 252...258)
        let bytes = try encode { (w: inout EXIWriter) throws(EXIError) in
            try w.writeBits(0, 1)
            for g in groups { try w.writeBits(UInt64(g), 8) }
        }
        wire = bytes
        #expect(throws: EXIError.self) { _ = try decode(wire) }
        do {
            _ = try decode(wire)
        } catch {
            #expect(error.kind == .integerOverflow)
        }
        // truncated: continuation bit set on the last octet
        #expect(throws: EXIError.self) { _ = try decode([0x40]) }
    }

    @Test func literalsStillBuildSerialNumbers() {
        let v: EXIInteger = 12345
        #expect(v.int64 == 12345)
        #expect(EXIInteger() == 0)
    }
}
