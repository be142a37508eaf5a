import HAL
import Testing

/// An SPI peripheral under test and what sits on MISO.
protocol SPIDeviceHarness {
    var device: any SPIDevice { get }
    /// What comes back for `tx` (a loopback echoes it; a bus with no peer reads zeros).
    func expectedReply(to tx: [UInt8]) -> [UInt8]
    /// Applies a new configuration (not part of the protocol).
    func configure(_ config: SPIConfig) throws
}

/// What every `SPIDevice` does, Linux or simulated.
enum SPIDeviceContract {
    /// One full-duplex transfer: rx is what the peer put on MISO, same length as tx.
    static func singleTransfer(_ h: some SPIDeviceHarness) throws {
        let tx: [UInt8] = (0..<64).map { UInt8($0 * 3 & 0xFF) }
        var rx = [UInt8](repeating: 0xEE, count: tx.count)
        try tx.withUnsafeBytes { t in
            try rx.withUnsafeMutableBytes { r in
                var span = MutableRawSpan(_unsafeBytes: r)
                try h.device.transfer(RawSpan(_unsafeBytes: t), into: &span)
            }
        }
        #expect(rx == h.expectedReply(to: tx))
    }

    /// Several segments in one message return the total and fill each segment's rx.
    static func segmentedTransfer(_ h: some SPIDeviceHarness) throws {
        let command: [UInt8] = [0xDA, 0x00]
        let payload: [UInt8] = Array(1...40)
        var commandIn = [UInt8](repeating: 0xEE, count: 2)
        var zerosIn = [UInt8](repeating: 0xEE, count: 3)
        let total = try command.withUnsafeBytes { c in
            try commandIn.withUnsafeMutableBytes { ci in
                try payload.withUnsafeBytes { p in
                    try zerosIn.withUnsafeMutableBytes { z in
                        let segments = [SPISegment(tx: c, rx: ci, length: 2),
                                        SPISegment(tx: p, rx: nil, length: 40),
                                        SPISegment(tx: nil, rx: z, length: 3, releaseChipSelect: true)]
                        return try segments.withUnsafeBufferPointer { try h.device.transfer(segments: $0) }
                    }
                }
            }
        }
        #expect(total == 45)
        #expect(commandIn == h.expectedReply(to: command))
        #expect(zerosIn == h.expectedReply(to: [0, 0, 0]), "a segment without tx clocks out zeros")
    }

    /// Malformed transfers are refused by the HAL: `.invalidTransfer`, kind `.invalidArgument`.
    static func malformedTransfersAreRefused(_ h: some SPIDeviceHarness) throws {
        var rx = [UInt8](repeating: 0, count: 3)
        let mismatched = #expect(throws: SPIError.self) {
            try [UInt8]([1, 2]).withUnsafeBytes { t in
                try rx.withUnsafeMutableBytes { r in
                    var span = MutableRawSpan(_unsafeBytes: r)
                    try h.device.transfer(RawSpan(_unsafeBytes: t), into: &span)
                }
            }
        }
        #expect(mismatched?.kind == .invalidArgument)
        let four: [UInt8] = [1, 2, 3, 4]
        try four.withUnsafeBytes { buf in
            for segments in [[], Array(repeating: SPISegment(tx: buf, rx: nil, length: 1), count: 17),
                             [SPISegment(tx: buf, rx: nil, length: 0)], [SPISegment(tx: buf, rx: nil, length: 5)]] {
                let error = #expect(throws: SPIError.self) { _ = try segments.withUnsafeBufferPointer { try h.device.transfer(segments: $0) } }
                guard case .invalidTransfer(let path, _)? = error else {
                    Issue.record("expected .invalidTransfer, got \(String(describing: error))")
                    continue
                }
                #expect(path == h.device.path)
                #expect(error?.kind == .invalidArgument)
            }
        }
    }

    /// A new configuration shows in `configuration` and transfers keep working.
    static func reconfigure(_ h: some SPIDeviceHarness, to config: SPIConfig) throws {
        try h.configure(config)
        #expect(h.device.configuration == config)
        try singleTransfer(h)
    }
}
