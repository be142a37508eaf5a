import HAL

/// The QCA7000 SPI facts `boardctl probe` needs (specs/qca7000-spi.md §2–3, §6.1).
public enum QCA7000 {
    /// Command word reading SPI_REG_SIGNATURE (read | internal | 0x1A00).
    public static let readSignatureCommand: UInt16 = 0xDA00
    /// What SPI_REG_SIGNATURE always holds.
    public static let signature: UInt16 = 0xAA55
    /// SPI_REG_WRBUF_SPC_AVA after a reset with nothing written.
    public static let emptyWriteBufferSpace: UInt16 = 0x0C5B

    /// Reads SPI_REG_SIGNATURE the way the initial setup does: one read to discard (the first after a
    /// reset may be garbage), then the one that counts. Each read is one 4-byte chip-select cycle:
    /// MOSI `DA 00 00 00`, the value arrives high byte first in MISO bytes 2–3.
    public static func readSignature(_ device: any SPIDevice) throws(SPIError) -> UInt16 {
        _ = try readRegister(device, command: readSignatureCommand)
        return try readRegister(device, command: readSignatureCommand)
    }

    static func readRegister(_ device: any SPIDevice, command: UInt16) throws(SPIError) -> UInt16 {
        var tx: (UInt8, UInt8, UInt8, UInt8) = (UInt8(command >> 8), UInt8(command & 0xFF), 0, 0)
        var rx: (UInt8, UInt8, UInt8, UInt8) = (0, 0, 0, 0)
        var failure: SPIError?
        withUnsafeBytes(of: &tx) { t in
            withUnsafeMutableBytes(of: &rx) { r in
                var segment = SPISegment(tx: t, rx: r, length: 4)
                withUnsafePointer(to: &segment) { p in
                    do throws(SPIError) {
                        _ = try device.transfer(segments: UnsafeBufferPointer(start: p, count: 1))
                    } catch {
                        failure = error
                    }
                }
            }
        }
        if let failure { throw failure }
        return UInt16(rx.2) << 8 | UInt16(rx.3)
    }
}

/// A register-level model of the QCA7000's SPI slave for the simulated twin: internal register reads
/// answer like the chip (SIGNATURE 0xAA55, WRBUF_SPC_AVA 3163, RDBUF_BYTE_AVA 0, others 0), writes
/// are taken and ignored. Handles the command and the value in one 4-byte cycle or in two segments
/// of one message. Ethernet data (external reads and writes) is not modelled here.
final class QCA7000RegisterModel {
    /// A read command whose value goes into the next 2-byte segment.
    private var pendingRead: UInt16?

    func respond(_ tx: UnsafeRawBufferPointer, _ rx: UnsafeMutableRawBufferPointer) {
        rx.initializeMemory(as: UInt8.self, repeating: 0)
        if let command = pendingRead, tx.count == 2 {
            pendingRead = nil
            store(value(command), rx, at: 0)
            return
        }
        pendingRead = nil
        guard tx.count >= 2 else { return }
        let command = UInt16(tx[0]) << 8 | UInt16(tx[1])
        let isInternalRead = command & 0xC000 == 0xC000
        guard isInternalRead else { return }
        if tx.count == 2 {
            pendingRead = command
        } else if tx.count >= 4 {
            store(value(command), rx, at: 2)
        }
    }

    private func value(_ command: UInt16) -> UInt16 {
        switch command & 0x3FFF {
        case 0x1A00: QCA7000.signature
        case 0x0200: QCA7000.emptyWriteBufferSpace
        default: 0
        }
    }

    private func store(_ v: UInt16, _ rx: UnsafeMutableRawBufferPointer, at offset: Int) {
        rx[offset] = UInt8(v >> 8)
        rx[offset + 1] = UInt8(v & 0xFF)
    }
}
