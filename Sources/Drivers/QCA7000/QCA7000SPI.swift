/// The QCA7000 SPI host interface: command words, registers, interrupt causes and buffer limits
/// (qca7000-spi.md §2–4). Mode 3, 8-bit words, MSB first; 16-bit words travel big-endian.
public enum QCA7000SPI {
    /// SPI mode the chip needs (qca7000-spi.md §1; not the mode 0 some MCU projects use).
    public static let mode = 3
    /// Highest clock AN4 allows (SCK period ≥ 83.3 ns).
    public static let maximumClockHz: UInt32 = 12_000_000

    // MARK: Command word (qca7000-spi.md §2)

    public static let readBit: UInt16 = 0x8000
    public static let internalBit: UInt16 = 0x4000

    /// `(read ? 0x8000 : 0) | (internal ? 0x4000 : 0) | address`.
    @inlinable
    public static func command(read: Bool, register: Register) -> UInt16 {
        (read ? 0x8000 : 0) | 0x4000 | register.rawValue
    }
    /// External read (Ethernet data from the chip): 0x8000.
    public static let externalRead: UInt16 = 0x8000
    /// External write (Ethernet data to the chip): 0x0000.
    public static let externalWrite: UInt16 = 0x0000

    /// Internal registers, addresses already in bits 13…8 (qca7000-spi.md §3).
    public enum Register: UInt16, Sendable, CaseIterable {
        /// Byte count of the next external read or write.
        case bufferSize = 0x0100
        /// Free space in the chip's write buffer.
        case writeBufferSpaceAvailable = 0x0200
        /// Bytes waiting in the chip's read buffer.
        case readBufferBytesAvailable = 0x0300
        /// Bit 6 = soft reset; read-modify-write.
        case spiConfig = 0x0400
        case spiStatus = 0x0500
        case interruptCause = 0x0C00
        case interruptEnable = 0x0D00
        case readBufferWatermark = 0x1200
        case writeBufferWatermark = 0x1300
        /// Always 0xAA55.
        case signature = 0x1A00
        case actionControl = 0x1B00
    }

    /// SIGNATURE value.
    public static let signature: UInt16 = 0xAA55
    /// SPI_CONFIG bit 6: writing 1 resets the chip.
    public static let slaveReset: UInt16 = 0x0040

    /// INTR_CAUSE / INTR_ENABLE bits (qca7000-spi.md §3).
    public struct Interrupts: OptionSet, Sendable, Equatable {
        public let rawValue: UInt16
        public init(rawValue: UInt16) { self.rawValue = rawValue }
        /// Data waiting: external read.
        public static let packetAvailable = Interrupts(rawValue: 0x0001)
        /// Read-buffer error: reset and resynchronise.
        public static let readBufferError = Interrupts(rawValue: 0x0002)
        /// Write-buffer error: reset and resynchronise.
        public static let writeBufferError = Interrupts(rawValue: 0x0004)
        public static let addressError = Interrupts(rawValue: 0x0008)
        /// The chip has just (re)booted: how a reset is detected.
        public static let cpuOn = Interrupts(rawValue: 0x0040)
        public static let writeBufferBelowWatermark = Interrupts(rawValue: 0x0400)
        /// What AN4 and Linux enable: CPU_ON | PKT_AVLBL | RDBUF_ERR | WRBUF_ERR = 0x0047.
        public static let enabledSet: Interrupts = [.cpuOn, .packetAvailable, .readBufferError, .writeBufferError]
    }

    // MARK: Buffers (qca7000-spi.md §3, §4, §6.5)

    /// Chip write-buffer size, and WRBUF_SPC_AVA after a reset with nothing written.
    public static let writeBufferSize = 3163
    /// Largest plausible RDBUF_BYTE_AVA (larger is SPI corruption).
    public static let maximumReadBufferBytes = 3167
    /// Per-frame overhead the chip keeps in its write buffer.
    public static let hardwarePacketOverhead = 4
    /// Transmit framing: SOF (4) + FL (2) + RSVD (2) before the frame, EOF (2) after.
    public static let transmitFramingOverhead = 10
    /// Receive framing adds the 4-byte hardware length word in front.
    public static let receiveFramingOverhead = 14
    public static let minimumFrameLength = 60
    public static let maximumFrameLength = 1518
    public static let startOfFrame: UInt8 = 0xAA
    public static let endOfFrame: UInt8 = 0x55
}
