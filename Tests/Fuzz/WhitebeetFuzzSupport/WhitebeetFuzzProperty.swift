import CoreTypes
import WhitebeetHCI

/// What every WHITE-beet HCI fuzzer checks on one input (any bytes): no decoder traps; a frame that
/// decodes as a request or as a module message encodes again and decodes to an equal value; the
/// incremental decoder, fed in small pieces, finds the same frame the one-shot parser does; the
/// Ethernet and SPI unwrappers give a value or a typed error.
public enum WhitebeetFuzzProperty {
    nonisolated(unsafe) static let output = UnsafeMutableRawBufferPointer.allocate(byteCount: 70_000, alignment: 8)
    nonisolated(unsafe) static let decoder = HCIFrameDecoder(payloadLimit: 0xFFFF)

    /// Returns what went wrong, or nil.
    public static func check(_ input: UnsafeRawBufferPointer) -> String? {
        _ = try? HCIEthernet.unwrap(input)
        _ = try? HCISPI.decodeSize(input)
        _ = try? HCISPI.checkDataTransfer(input)
        let header: HCIHeader
        do throws(HCIError) {
            header = try HCIFrame.parse(input)
        } catch {
            _ = error.description
            return nil
        }
        let payload = UnsafeRawBufferPointer(rebasing: input[HCIFrame.headerLength ..< HCIFrame.headerLength + header.payloadLength])
        if let finding = streamFinds(input, header) { return finding }
        // Both EVSE generations: the same bytes mean other messages in each (whitebeet-hci.md §0.1).
        for evse in EVSEFirmwareGeneration.allCases {
            if let finding = roundTrips(header, payload, evse) { return "\(evse): \(finding)" }
        }
        return nil
    }

    /// A frame that decodes as a request or a module message of generation `evse` encodes again and
    /// decodes to an equal value.
    static func roundTrips(_ header: HCIHeader, _ payload: UnsafeRawBufferPointer, _ evse: EVSEFirmwareGeneration) -> String? {
        if let request = try? HCIRequest.decode(header, payload: payload, evse: evse) {
            guard let n = try? request.encode(requestID: header.requestID, into: output) else { return "decoded request \(request) must encode" }
            guard let (again, id) = try? HCIRequest.decode(frame: UnsafeRawBufferPointer(rebasing: output[0 ..< n]), evse: evse) else {
                return "encoded request \(request) must decode"
            }
            guard again == request, id == header.requestID else { return "request round trip: \(request) became \(again)" }
        }
        do throws(HCIError) {
            let message = try HCIModuleMessage.decode(header, payload: payload, evse: evse)
            guard let n = try? message.encode(into: output) else { return "decoded module message \(message) must encode" }
            guard let again = try? HCIModuleMessage.decode(frame: UnsafeRawBufferPointer(rebasing: output[0 ..< n]), evse: evse) else {
                return "encoded module message \(message) must decode"
            }
            guard again == message else { return "module message round trip: \(message) became \(again)" }
        } catch {
            _ = error.description
        }
        return nil
    }

    /// The incremental decoder, fed 1…7 bytes at a time, completes the same frame.
    static func streamFinds(_ input: UnsafeRawBufferPointer, _ header: HCIHeader) -> String? {
        decoder.reset()
        let length = header.payloadLength + HCIFrame.overhead
        var at = 0
        var step = 1
        while at < length, !decoder.hasFrame {
            let end = min(length, at + step)
            guard let n = try? decoder.consume(UnsafeRawBufferPointer(rebasing: input[at ..< end])) else {
                return "stream decoder refused a frame the parser accepted (\(header))"
            }
            at += n
            step = step % 7 + 1
        }
        guard decoder.hasFrame, decoder.header == header else { return "stream decoder did not find \(header)" }
        decoder.next()
        return nil
    }
}
