import CoreTypes
import Testing
import WhitebeetFuzzSupport
import WhitebeetHCI

/// Byte-exact against every reference vector of whitebeet-hci.md §18 (V1–V12), plus the ping pair
/// of §7 and the worked checksum example of §3.2. The vectors come from the reference host code and
/// public module logs, not from our encoder.
@Suite struct HCIReferenceVectorTests {
    @Test func v1FirmwareVersionRequestAndResponse() throws {
        #expect(hexString(try frame(.getFirmwareVersion, id: 0x01)) == "C0 10 41 01 00 00 2B C1")
        let response = try moduleMessage(hex("C0 10 41 10 00 0B 00 09 56 30 31 5F 30 31 5F 30 36 C9 C1"))
        #expect(response == .response(HCIResponse(module: 0x10, sub: 0x41, requestID: 0x10, body: .firmwareVersion("V01_01_06"))))
    }

    @Test func v2ToV5PilotAndSlacCommands() throws {
        #expect(hexString(try frame(.setPilotMode(.evse), id: 0x05)) == "C0 29 40 05 00 01 01 0D C1")
        #expect(hexString(try frame(.setDutyCycle(permille: 1000), id: 0x06)) == "C0 29 44 06 00 02 03 E8 1C C1")
        #expect(hexString(try frame(.setDutyCycle(permille: 50), id: 0x0B)) == "C0 29 44 0B 00 02 00 32 D0 C1")
        #expect(hexString(try frame(.startSlac(.evse), id: 0x08)) == "C0 28 42 08 00 01 01 09 C1")
        #expect(hexString(try frame(.startMatching, id: 0x0A)) == "C0 28 44 0A 00 00 07 C1")
        // And back: the module side decodes what the host sent.
        #expect(try request(hex("C0 29 44 06 00 02 03 E8 1C C1")) == (.setDutyCycle(permille: 1000), 0x06))
    }

    @Test func v6UpdateDCChargingParameters() throws {
        let values = EVSEDCPresentValues(isolationLevel: 0, presentVoltage: PhysicalValue(380)!, presentCurrent: PhysicalValue(16)!,
                                         maximumVoltage: PhysicalValue(400)!, maximumCurrent: PhysicalValue(100)!,
                                         maximumPower: PhysicalValue(25_000)!, status: 0)
        let expected = "C0 27 63 13 00 14 00 00 26 01 00 10 00 01 00 04 02 01 00 01 02 01 00 19 03 00 6C C1"
        #expect(hexString(try frame(.updateDCChargingParameters(values), id: 0x13)) == expected)
        #expect(try request(hex(expected)).request == .updateDCChargingParameters(values))
    }

    /// V7 is an EVSE Gen-1 message: its frame layer and its exponent-0 physical values are checked
    /// here, the typed Gen-1 message in HCIGen1CodecTests.v7ChargeLoopParameters.
    @Test func v7Gen1ChargeLoopFrameLayer() throws {
        let payload = hex("00 00 01 01 7C 00 00 10 00 01 00 64 00 01 01 90 00 01 61 A8 00 00 00 00")
        let bytes = try encoded { s in
            try payload.withUnsafeBytes { p in try HCIFrame.encode(module: 0x27, sub: 0x70, requestID: 0x11, payload: p, into: s) }
        }
        #expect(hexString(bytes) == "C0 27 70 11 00 18 00 00 01 01 7C 00 00 10 00 01 00 64 00 01 01 90 00 01 61 A8 00 00 00 00 2B C1")
        #expect(PhysicalValue(mantissa: 0x017C, exponent: 0).value == PhysicalValue(380)!.value)
        #expect(PhysicalValue(mantissa: 0x61A8, exponent: 0).milli == 25_000_000)
    }

    @Test func v8Authorization() throws {
        #expect(hexString(try frame(.setAuthorization(authorized: true), id: 0x11)) == "C0 27 6B 11 00 01 00 D8 C1")
    }

    @Test func v9DefaultSchedule() throws {
        let expected = "C0 27 6C 12 00 29 00 01 00 01 00 03 00 00 00 00 00 00 00 00 00 19 03 00 00 07 08 00 00 00 00 07 53 01 00 00 0E 10 00 01 43 70 00 7D 02 00 00 D0 C1"
        #expect(hexString(try frame(.setSchedules(WhitebeetSamples.schedule), id: 0x12)) == expected)
        #expect(try request(hex(expected)).request == .setSchedules(WhitebeetSamples.schedule))
    }

    @Test func v10EVConfiguration() throws {
        let configuration = EVConfiguration(evID: MACAddress("00:01:01:63:77:31")!, protocols: [0, 1], paymentMethods: [0],
                                            energyTransferModes: [0, 4], batteryCapacity: PhysicalValue(50_000)!)
        #expect(hexString(try frame(.setEVConfiguration(configuration), id: 0x1C))
            == "C0 27 A0 1C 00 11 00 01 01 63 77 31 02 00 01 01 00 02 00 04 00 32 03 3B C1")
    }

    @Test func v11EthernetWrapping() throws {
        let hci = try frame(.setPilotMode(.evse), id: 5)
        let bytes = try encoded { s in
            try hci.withUnsafeBytes { h in
                try HCIEthernet.wrap(h, destination: MACAddress("00:01:01:63:77:33")!, source: MACAddress("02:00:00:00:00:01")!, into: s)
            }
        }
        let expected = "00 01 01 63 77 33 02 00 00 00 00 01 60 03 00 04 00 09 C0 29 40 05 00 01 01 0D C1" + String(repeating: " 00", count: 33)
        #expect(hexString(bytes) == expected)
        #expect(bytes.count == 60)
        let unwrapped = try bytes.withUnsafeBytes { b in try HCIEthernet.unwrap(b) }
        #expect(unwrapped == HCIEthernet.Unwrapped(destination: MACAddress("00:01:01:63:77:33")!, source: MACAddress("02:00:00:00:00:01")!,
                                                   tag: 4, offset: 18, length: 9))
    }

    @Test func v11SPIWrapping() throws {
        let hci = try frame(.setPilotMode(.evse), id: 5)
        #expect(hexString(try encoded { s in try HCISPI.sizeRequest(hostSize: hci.count, into: s) }) == "AA AA 00 09")
        let moduleSize = try hex("AA AA 00 00").withUnsafeBytes { b in try HCISPI.decodeSize(b) }
        #expect(moduleSize == 0)
        let length = HCISPI.dataTransferLength(hostSize: hci.count, moduleSize: moduleSize)
        #expect(length == 13)
        let mosi = try encoded { s in
            try hci.withUnsafeBytes { h in try HCISPI.dataTransfer(h, length: length, into: s) }
        }
        #expect(hexString(mosi) == "55 55 00 00 C0 29 40 05 00 01 01 0D C1")

        // Reading a pending 9-byte response.
        #expect(hexString(try encoded { s in try HCISPI.sizeRequest(hostSize: 0, into: s) }) == "AA AA 00 00")
        let pending = try hex("AA AA 00 09").withUnsafeBytes { b in try HCISPI.decodeSize(b) }
        #expect(pending == 9)
        let readLength = HCISPI.dataTransferLength(hostSize: 0, moduleSize: pending)
        let readMOSI = try encoded { s in try HCISPI.dataTransfer(UnsafeRawBufferPointer(start: nil, count: 0), length: readLength, into: s) }
        #expect(hexString(readMOSI) == "55 55 00 00" + String(repeating: " 00", count: 9))
        let miso = hex("55 55 00 00 C0 29 40 05 00 01 00 0E C1")
        try miso.withUnsafeBytes { b in try HCISPI.checkDataTransfer(b) }
        #expect(try moduleMessage(Array(miso[4...])) == .response(HCIResponse(module: 0x29, sub: 0x40, requestID: 5)))
    }

    /// FreeV2G computes the module size as hi × 255 + lo (§20.1): 0x0109 must be 265, not 264.
    @Test func spiSizeIsBigEndian() throws {
        #expect(try hex("AA AA 01 09").withUnsafeBytes { b in try HCISPI.decodeSize(b) } == 265)
        #expect(try hex("AA AA FF FF").withUnsafeBytes { b in try HCISPI.decodeSize(b) } == 65535)
        #expect(hciError { _ = try hex("AA 55 00 09").withUnsafeBytes { b in try HCISPI.decodeSize(b) } } == .spiOutOfSync(header: 0xAA55_0009))
        #expect(HCISPI.dataTransferLength(hostSize: 0, moduleSize: 0) == 0)
    }

    @Test func v12ParsingVectors() throws {
        #expect(try moduleMessage(hex("C0 29 81 FF 00 01 01 D0 C1")) == .notification(.pilotStateChanged(.b), requestID: 0xFF))
        #expect(try moduleMessage(hex("C0 29 81 FF 00 01 02 CF C1")) == .notification(.pilotStateChanged(.c), requestID: 0xFF))
        #expect(try moduleMessage(hex("C0 28 44 BB 00 01 10 44 C1")) == .response(HCIResponse(module: 0x28, sub: 0x44, requestID: 0xBB, result: .wrongState)))
        #expect(try moduleMessage(hex("C0 27 40 2A 00 01 00 EA C1")) == .response(HCIResponse(module: 0x27, sub: 0x40, requestID: 0x2A)))
        #expect(hexString(try frame(.stopSession, id: 1)) == "C0 27 AE 01 00 00 A6 C1")
        #expect(try moduleMessage(hex("C0 27 AE 01 00 01 00 A5 C1")) == .response(HCIResponse(module: 0x27, sub: 0xAE, requestID: 1)))
        #expect(hexString(try frame(.setValidation(enabled: true), id: 0x0B)) == "C0 28 4B 0B 00 01 01 FC C1")
        #expect(try moduleMessage(hex("C0 28 4B 0B 00 01 00 FD C1")) == .response(HCIResponse(module: 0x28, sub: 0x4B, requestID: 0x0B)))
        // The same answer as it arrived over Ethernet (tag 00 04, length 00 09), padded.
        let ethernet = hex("02 00 00 00 00 01 00 01 01 63 77 33 60 03 00 04 00 09 C0 28 4B 0B 00 01 00 FD C1") + [UInt8](repeating: 0, count: 33)
        let unwrapped = try ethernet.withUnsafeBytes { b in try HCIEthernet.unwrap(b) }
        #expect(unwrapped.length == 9 && unwrapped.tag == 4)
        #expect(try moduleMessage(Array(ethernet[18 ..< 27])) == .response(HCIResponse(module: 0x28, sub: 0x4B, requestID: 0x0B)))
    }

    @Test func pingPair() throws {
        #expect(hexString(try frame(.ping, id: 5)) == "C0 0E 00 05 00 00 6A C1")
        #expect(try moduleMessage(hex("C0 0E 01 05 00 00 69 C1")) == .response(HCIResponse(module: 0x0E, sub: 0x01, requestID: 5, body: .pong)))
    }

    /// §12.2's logged Gen-1 parameter request: the frame layer accepts it (checksum 0x62).
    @Test func gen1LoggedFrameChecksum() throws {
        let header = try hex("C0 27 87 FF 00 06 00 00 06 09 00 57 62 C1").withUnsafeBytes { b in try HCIFrame.parse(b) }
        #expect(header == HCIHeader(module: 0x27, sub: 0x87, requestID: 0xFF, payloadLength: 6))
    }

    /// §3.7's examples of the reference encoder's normalisation, and §1.1's label-MAC rule.
    @Test func physicalValuesAndModuleMAC() {
        let cases: [(Int, Int16, Int8)] = [(400, 4, 2), (25_000, 25, 3), (100, 1, 2), (16, 16, 0), (0, 0, 0), (380, 38, 1), (50_000, 50, 3)]
        for (value, m, e) in cases { #expect(PhysicalValue(value) == PhysicalValue(mantissa: m, exponent: e), "\(value)") }
        #expect(HCIEthernet.moduleMAC(fromLabel: MACAddress("c4:93:00:22:22:24")!) == MACAddress("c4:93:00:22:22:22")!)
    }
}
