import CSpidev
import SystemPackage

/// A spidev node (CSpidev shim), configured at open and verified by reading the settings back.
public final class LinuxSPIDevice: SPIDevice {
    public let path: String
    public private(set) var configuration: SPIConfig
    private var fd: Int32

    public init(path: String, config: SPIConfig) throws(SPIError) {
        self.path = path
        configuration = config
        let r = ck_spi_open(path)
        guard r >= 0 else { throw .open(path, errno: Errno(rawValue: -r)) }
        fd = r
        do throws(SPIError) { try configure(config) } catch {
            ck_spi_close(fd)
            fd = -1
            throw error
        }
    }

    deinit { if fd >= 0 { ck_spi_close(fd) } }

    /// Applies mode, word size and clock.
    public func configure(_ config: SPIConfig) throws(SPIError) {
        guard fd >= 0 else { throw .closed(path) }
        var mode = UInt32(config.mode.rawValue)
        if !config.hardwareChipSelect { mode |= CK_SPI_NO_CS }
        if config.lsbFirst { mode |= CK_SPI_LSB_FIRST }
        var r = ck_spi_set_mode(fd, mode)
        guard r >= 0 else { throw .configure(path, setting: "mode \(config.mode.rawValue)", errno: Errno(rawValue: -r)) }
        r = ck_spi_set_bits_per_word(fd, config.bitsPerWord)
        guard r >= 0 else { throw .configure(path, setting: "\(config.bitsPerWord) bits per word", errno: Errno(rawValue: -r)) }
        r = ck_spi_set_max_speed(fd, config.speedHz)
        guard r >= 0 else { throw .configure(path, setting: "\(config.speedHz) Hz", errno: Errno(rawValue: -r)) }
        configuration = config
    }

    /// What the kernel reports now (for `boardctl probe`).
    public func readBackConfiguration() throws(SPIError) -> SPIConfig {
        guard fd >= 0 else { throw .closed(path) }
        var mode: UInt32 = 0
        var bits: UInt8 = 0
        var speed: UInt32 = 0
        var r = ck_spi_get_mode(fd, &mode)
        guard r >= 0 else { throw .configure(path, setting: "mode (read back)", errno: Errno(rawValue: -r)) }
        r = ck_spi_get_bits_per_word(fd, &bits)
        guard r >= 0 else { throw .configure(path, setting: "bits per word (read back)", errno: Errno(rawValue: -r)) }
        r = ck_spi_get_max_speed(fd, &speed)
        guard r >= 0 else { throw .configure(path, setting: "speed (read back)", errno: Errno(rawValue: -r)) }
        return SPIConfig(mode: SPIMode(rawValue: UInt8(mode & 3))!, bitsPerWord: bits, speedHz: speed,
                         hardwareChipSelect: mode & CK_SPI_NO_CS == 0, lsbFirst: mode & CK_SPI_LSB_FIRST != 0)
    }

    public func transfer(_ tx: RawSpan, into rx: inout MutableRawSpan) throws(SPIError) {
        guard fd >= 0 else { throw .closed(path) }
        guard tx.byteCount > 0, tx.byteCount == rx.byteCount else {
            throw .invalidTransfer(path, reason: "tx and rx must have the same, non-zero length")
        }
        let fd = self.fd
        let r: Int32 = tx.withUnsafeBytes { t in
            rx.withUnsafeMutableBytes { rr in
                var seg = ck_spi_segment()
                seg.tx = t.baseAddress!.assumingMemoryBound(to: UInt8.self)
                seg.rx = rr.baseAddress!.assumingMemoryBound(to: UInt8.self)
                seg.len = UInt32(t.count)
                return ck_spi_transfer(fd, &seg, 1)
            }
        }
        guard r >= 0 else { throw .transfer(path, errno: Errno(rawValue: -r)) }
    }

    public func transfer(segments: UnsafeBufferPointer<SPISegment>) throws(SPIError) -> Int {
        guard fd >= 0 else { throw .closed(path) }
        guard segments.count > 0, segments.count <= Int(CK_SPI_MAX_SEGMENTS) else {
            throw .invalidTransfer(path, reason: "1…\(CK_SPI_MAX_SEGMENTS) segments per message")
        }
        var raw = InlineArray<16, ck_spi_segment>(repeating: ck_spi_segment())
        for i in 0..<segments.count {
            let s = segments[i]
            guard s.length > 0, (s.tx?.count ?? s.length) >= s.length, (s.rx?.count ?? s.length) >= s.length else {
                throw .invalidTransfer(path, reason: "segment \(i) is empty or shorter than its buffers")
            }
            raw[i].tx = s.tx.map { $0.baseAddress!.assumingMemoryBound(to: UInt8.self) }
            raw[i].rx = s.rx.map { $0.baseAddress!.assumingMemoryBound(to: UInt8.self) }
            raw[i].len = UInt32(s.length)
            raw[i].cs_change = s.releaseChipSelect ? 1 : 0
            raw[i].delay_usecs = s.delayMicroseconds
        }
        let fd = self.fd
        let count = UInt32(segments.count)
        var storage = raw
        let r = withUnsafeBytes(of: &storage) { ck_spi_transfer(fd, $0.baseAddress!.assumingMemoryBound(to: ck_spi_segment.self), count) }
        guard r >= 0 else { throw .transfer(path, errno: Errno(rawValue: -r)) }
        return Int(r)
    }

    public func close() {
        if fd >= 0 { ck_spi_close(fd) }
        fd = -1
    }
}
