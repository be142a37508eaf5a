/// The SPI wrapping (whitebeet-hci.md §2.2): every exchange is two chip-select cycles. First a
/// 4-byte size exchange (`AA AA` + u16 size each way), then a data exchange of 4 + max(host, module)
/// bytes (`55 55 00 00` + frame + zero fill). Sizes are big-endian u16 — not FreeV2G's ×255 (§20.1).
public enum HCISPI {
    public static let sizeTransferLength = 4
    public static let dataHeaderLength = 4

    /// MOSI of the size exchange: `AA AA` + the host's frame length (0 to only read).
    public static func sizeRequest(hostSize: Int, into storage: UnsafeMutableRawBufferPointer) throws(HCIError) -> Int {
        guard hostSize >= 0, hostSize <= 0xFFFF else { throw .payloadTooLong(announced: hostSize, limit: 0xFFFF) }
        guard storage.count >= 4 else { throw .bufferTooSmall(needed: 4, capacity: storage.count) }
        storage[0] = 0xAA
        storage[1] = 0xAA
        storage[2] = UInt8(truncatingIfNeeded: hostSize >> 8)
        storage[3] = UInt8(truncatingIfNeeded: hostSize)
        return 4
    }

    /// The size in a size-exchange transfer (either direction): `AA AA` + u16 big-endian.
    public static func decodeSize(_ transfer: UnsafeRawBufferPointer) throws(HCIError) -> Int {
        guard transfer.count >= 4 else { throw .truncated(length: transfer.count, needed: 4) }
        guard transfer[0] == 0xAA, transfer[1] == 0xAA else { throw .spiOutOfSync(header: header(transfer)) }
        return Int(transfer[2]) << 8 | Int(transfer[3])
    }

    /// Length of the data exchange after sizes `host` and `module`; 0 when both are 0 (no data
    /// transfer then, §2.3 [inferred]).
    public static func dataTransferLength(hostSize: Int, moduleSize: Int) -> Int {
        let n = max(hostSize, moduleSize)
        return n == 0 ? 0 : dataHeaderLength + n
    }

    /// MOSI (or MISO) of the data exchange: `55 55 00 00` + `frame` + zeros up to `length`.
    public static func dataTransfer(_ frame: UnsafeRawBufferPointer, length: Int, into storage: UnsafeMutableRawBufferPointer) throws(HCIError) -> Int {
        let needed = max(length, dataHeaderLength + frame.count)
        guard storage.count >= needed else { throw .bufferTooSmall(needed: needed, capacity: storage.count) }
        storage[0] = 0x55
        storage[1] = 0x55
        storage[2] = 0
        storage[3] = 0
        for i in 0 ..< frame.count { storage[dataHeaderLength + i] = frame[i] }
        for i in dataHeaderLength + frame.count ..< needed { storage[i] = 0 }
        return needed
    }

    /// Checks a data-exchange transfer's header; the HCI frame starts at offset 4 (the sender's size
    /// says how long it is; parse it with `HCIFrame.parse`).
    public static func checkDataTransfer(_ transfer: UnsafeRawBufferPointer) throws(HCIError) {
        guard transfer.count > dataHeaderLength else { throw .truncated(length: transfer.count, needed: dataHeaderLength + 1) }
        guard transfer[0] == 0x55, transfer[1] == 0x55, transfer[2] == 0, transfer[3] == 0 else {
            throw .spiOutOfSync(header: header(transfer))
        }
    }

    static func header(_ t: UnsafeRawBufferPointer) -> UInt32 {
        var v: UInt32 = 0
        for i in 0 ..< min(4, t.count) { v = v << 8 | UInt32(t[i]) }
        return v
    }
}
