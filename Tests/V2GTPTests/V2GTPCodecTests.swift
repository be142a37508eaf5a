import CoreTypes
import Testing
import V2GTP

func bytes(_ hex: String) -> [UInt8] {
    let digits = Array(hex.filter { !$0.isWhitespace })
    return stride(from: 0, to: digits.count, by: 2).map { UInt8(String(digits[$0...$0 + 1]), radix: 16)! }
}

func encoded(_ body: (inout MutableRawSpan) throws(V2GTPError) -> Int) throws -> [UInt8] {
    var out = [UInt8](repeating: 0, count: 64)
    var n = 0
    try out.withUnsafeMutableBytes { raw in
        var span = MutableRawSpan(_unsafeBytes: raw)
        n = try body(&span)
    }
    return Array(out[0..<n])
}

/// The wire layouts of sdp-v2gtp.md §2–§4, byte for byte.
@Suite struct V2GTPCodecTests {
    /// §4.2: "Example (typical car, no TLS): 01 FE 90 00 00 00 00 02 10 00".
    @Test func sdpRequestOfATypicalCar() throws {
        let wire = bytes("01 FE 90 00 00 00 00 02 10 00")
        let request = try SDPRequest.decode(wire.span.bytes)
        #expect(request == SDPRequest(security: .none, transport: .tcp))
        #expect(try encoded { s throws(V2GTPError) in try request.encode(into: &s) } == wire)
        let tls = try encoded { s throws(V2GTPError) in try SDPRequest(security: .tls).encode(into: &s) }
        #expect(tls == bytes("01 FE 90 00 00 00 00 02 00 00"))
    }

    /// §4.3: header `01 FE 90 01 00 00 00 14`, address, port big-endian, security, transport.
    @Test func sdpResponseLayout() throws {
        let address = IPv6Address.linkLocal(mac: MACAddress(0x02, 0x00, 0x00, 0x00, 0x5E, 0x01))
        #expect(address.description == "fe80::ff:fe00:5e01")
        let response = SDPResponse(address: address, port: 61341)
        let wire = try encoded { s throws(V2GTPError) in try response.encode(into: &s) }
        #expect(wire == bytes("01 FE 90 01 00 00 00 14 FE80 0000 0000 0000 0000 00FF FE00 5E01 EF9D 10 00"))
        #expect(try SDPResponse.decode(wire.span.bytes) == response)
    }

    /// §4.4: anything but a well-formed request is dropped (each with its reason).
    @Test(arguments: [
        ("01 FE 90 00 00 00 00 02 10", V2GTPError.truncated(have: 9, need: 10)),
        ("01 FE 90 00 00 00 00 02 10 00 00", .trailingBytes(1)),
        ("02 FD 90 00 00 00 00 02 10 00", .badVersion(0x02, inverse: 0xFD)),
        ("01 FE 90 01 00 00 00 02 10 00", .unexpectedPayloadType(0x9001)),
        ("01 FE 90 00 00 00 00 03 10 00 00", .badSDPLength(3)),
        ("01 FE 90 00 00 00 00 02 20 00", .badSDPField(.security, value: 0x20)),
        ("01 FE 90 00 00 00 00 02 10 01", .badSDPField(.transportProtocol, value: 0x01)),
        ("01 FE 90", .truncated(have: 3, need: 8)),
    ])
    func badSDPRequests(_ hex: String, _ expected: V2GTPError) {
        let wire = bytes(hex)
        #expect(throws: expected) { try SDPRequest.decode(wire.span.bytes) }
    }

    @Test func payloadTypesOfTheStandards() {
        #expect(V2GTPPayloadType.exi.isDefined)
        #expect(V2GTPPayloadType(rawValue: 0x8007).isDefined == false)
        #expect(V2GTPPayloadType(rawValue: 0xA000).isDefined == false)
        #expect(V2GTPPayloadTypes.dinOrISO2.contains(.exi))
        #expect(!V2GTPPayloadTypes.dinOrISO2.contains(.iso20DC))
        #expect(V2GTPPayloadTypes.iso20.contains(.iso20ParkingStatus))
    }

    @Test func ipv6Text() {
        #expect(IPv6Address.allNodes.description == "ff02::1")
        #expect(IPv6Address.unspecified.description == "::")
        #expect(IPv6Address(high: 0x2001_0DB8_0000_0000, low: 0x0000_0000_0000_0001, scopeID: 3).description == "2001:db8::1%3")
        #expect(IPv6Address.linkLocal(mac: MACAddress(0x00, 0x11, 0x22, 0x33, 0x44, 0x55)).isLinkLocal)
    }
}
