import CShimFakes
import CSpidev
import HAL
import SystemPackage
import Testing

/// `LinuxSPIDevice` end to end with no kernel driver: the fakes' loopback device stores what the
/// WR_* ioctls set, returns it from RD_*, and copies every byte clocked out (tx) into the bytes clocked
/// in (rx), as a wire from MOSI to MISO would. This checks the Swift wrapper's marshalling: flags,
/// request numbers, segment layout.
extension ShimSeam {
    @Suite("SPI over the fake loopback device: configure, read back, transfer")
    struct SPILoopbackTests {
        static let node = "/dev/spidev-loop0.0"

        @Test("configure then read back: mode, word size, clock and the flag bits survive the round trip",
              arguments: [SPIConfig(mode: .mode3, bitsPerWord: 8, speedHz: 12_000_000),                      // QCA7000
                          SPIConfig(mode: .mode0, bitsPerWord: 8, speedHz: 1_000_000, hardwareChipSelect: false), // WHITE-beet, CS on a GPIO
                          SPIConfig(mode: .mode1, bitsPerWord: 16, speedHz: 500_000, lsbFirst: true),
                          SPIConfig(mode: .mode2, bitsPerWord: 8, speedHz: 25_000_000)])
        func configureAndReadBack(_ config: SPIConfig) throws {
            try withSeamFakes { fakes in
                fakes.loopbackDevice(Self.node)
                let spi = try LinuxSPIDevice(path: Self.node, config: config)
                #expect(spi.configuration == config)
                #expect(try spi.readBackConfiguration() == config)
            }
        }

        @Test("mode flags that fit in 8 bits use SPI_IOC_WR_MODE; wider ones SPI_IOC_WR_MODE32")
        func modeIoctlWidth() throws {
            try withSeamFakes { fakes in
                fakes.loopbackDevice(Self.node)
                let fd = ck_spi_open(Self.node)
                try #require(fd >= 0)
                defer { ck_spi_close(fd) }
                #expect(ck_spi_set_mode(fd, CK_SPI_MODE_3 | CK_SPI_NO_CS) == 0)
                #expect(fakes.lastIoctl == Ioctl.spiWriteMode)
                #expect(ck_spi_set_mode(fd, 0x100 | CK_SPI_MODE_0) == 0)           // SPI_TX_DUAL needs 32 bits
                #expect(fakes.lastIoctl == Ioctl.spiWriteMode32)
                var mode: UInt32 = 0
                #expect(ck_spi_get_mode(fd, &mode) == 0)
                #expect(mode == 0x100)
                #expect(fakes.lastIoctl == Ioctl.spiReadMode32)
            }
        }

        @Test("a single transfer is one SPI_IOC_MESSAGE(1) and clocks every byte back")
        func singleTransfer() throws {
            try withSeamFakes { fakes in
                fakes.loopbackDevice(Self.node)
                let spi = try LinuxSPIDevice(path: Self.node, config: SPIConfig(mode: .mode3, speedHz: 12_000_000))
                let tx = patternBytes(count: 1024)
                #expect(try spi.exchange(tx) == tx)
                #expect(fakes.lastIoctl == Ioctl.spiMessage(1))
            }
        }

        @Test("tx and rx of different lengths, or empty, are refused before the kernel")
        func mismatchedTransfer() throws {
            try withSeamFakes { fakes in
                fakes.loopbackDevice(Self.node)
                let spi = try LinuxSPIDevice(path: Self.node, config: SPIConfig())
                let ioctls = fakes.calls(CK_OP_IOCTL)
                var rx = [UInt8](repeating: 0, count: 3)
                let tx: [UInt8] = [1, 2]
                let error = #expect(throws: SPIError.self) {
                    try tx.withUnsafeBytes { t in
                        try rx.withUnsafeMutableBytes { r in
                            var span = MutableRawSpan(_unsafeBytes: r)
                            try spi.transfer(RawSpan(_unsafeBytes: t), into: &span)
                        }
                    }
                }
                #expect(error == .invalidTransfer(Self.node, reason: "tx and rx must have the same, non-zero length"))
                #expect(error?.kind == .invalidArgument)
                #expect(throws: SPIError.self) { _ = try spi.exchange([]) }
                #expect(fakes.calls(CK_OP_IOCTL) == ioctls)
            }
        }

        /// The QCA7000 burst: a 2-byte command, then data, under one chip select; a segment without tx
        /// clocks out zeros, one without rx throws the answer away.
        @Test("a multi-segment message keeps its segments in order in one SPI_IOC_MESSAGE(n)")
        func multiSegmentTransfer() throws {
            try withSeamFakes { fakes in
                fakes.loopbackDevice(Self.node)
                let spi = try LinuxSPIDevice(path: Self.node, config: SPIConfig(mode: .mode3, speedHz: 12_000_000))
                let command: [UInt8] = [0xDA, 0x00]
                let data = patternBytes(count: 300)
                var commandEcho = [UInt8](repeating: 0xEE, count: 2)
                var zerosIn = [UInt8](repeating: 0xEE, count: 4)
                let total = try command.withUnsafeBytes { cmd in
                    try commandEcho.withUnsafeMutableBytes { echo in
                        try data.withUnsafeBytes { payload in
                            try zerosIn.withUnsafeMutableBytes { zeros in
                                let segments = [
                                    SPISegment(tx: cmd, rx: echo, length: 2),
                                    SPISegment(tx: payload, rx: nil, length: 300, delayMicroseconds: 5),
                                    SPISegment(tx: nil, rx: zeros, length: 4, releaseChipSelect: true),
                                ]
                                return try segments.withUnsafeBufferPointer { try spi.transfer(segments: $0) }
                            }
                        }
                    }
                }
                #expect(total == 306)
                #expect(commandEcho == command)
                #expect(zerosIn == [0, 0, 0, 0], "a segment without tx clocks out zeros")
                #expect(fakes.lastIoctl == Ioctl.spiMessage(3))
            }
        }

        @Test("segment lists the HAL refuses: none, more than 16, an empty segment, a buffer shorter than its length")
        func refusedSegmentLists() throws {
            try withSeamFakes { fakes in
                fakes.loopbackDevice(Self.node)
                let spi = try LinuxSPIDevice(path: Self.node, config: SPIConfig())
                let ioctls = fakes.calls(CK_OP_IOCTL)
                let four: [UInt8] = [1, 2, 3, 4]
                try four.withUnsafeBytes { buf in
                    let cases: [[SPISegment]] = [
                        [],
                        Array(repeating: SPISegment(tx: buf, rx: nil, length: 1), count: 17),
                        [SPISegment(tx: buf, rx: nil, length: 0)],
                        [SPISegment(tx: buf, rx: nil, length: 5)],
                    ]
                    for segments in cases {
                        let error = #expect(throws: SPIError.self) {
                            _ = try segments.withUnsafeBufferPointer { try spi.transfer(segments: $0) }
                        }
                        #expect(error?.kind == .invalidArgument)
                    }
                }
                #expect(fakes.calls(CK_OP_IOCTL) == ioctls)
            }
        }
    }
}
