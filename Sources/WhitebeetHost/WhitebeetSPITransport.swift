import Buffers
import CoreTypes
import HAL
import WhitebeetHCI

/// HCI over SPI (whitebeet-hci.md §2): mode 0, chip select on a GPIO we drive (low during each
/// transfer; FreeV2G avoids the kernel's CS), RX_READY (module ready for a transfer) and TX_PENDING
/// (module has a frame) as input lines. Every exchange is a 4-byte size transfer then a data
/// transfer of 4 + max(host, module) bytes; the module's size is a big-endian u16 (not FreeV2G's
/// ×255, §20.1). A transfer that does not start with its header means the link is out of step: it
/// is counted and the exchange dropped (§2.3).
public final class WhitebeetSPITransport: WhitebeetTransport {
    public let spi: any SPIDevice
    public let chipSelect: any GPIOLine
    public let rxReady: any GPIOLine
    public let txPending: any GPIOLine
    /// The logical value written to `chipSelect` to select the module (NSS electrically low): false
    /// on a line as it is, true on one the board file requests `active_low` (rpi4-whitebeet-spi).
    public let selectLevel: Bool
    public private(set) var ignoredFrames = 0
    public private(set) var outOfStep = 0
    public private(set) var exchanges = 0
    /// The last SPI or GPIO error.
    public private(set) var deviceError: (any DeviceError)?
    private let mosi = UnsafeMutableRawBufferPointer.allocate(byteCount: 1600, alignment: 8)
    private let miso = UnsafeMutableRawBufferPointer.allocate(byteCount: 1600, alignment: 8)
    private let received = FrameQueue(slots: 8, maxFrameLength: 1600)
    private let frame = FrameBuffer(capacity: 1600)

    public init(spi: any SPIDevice, chipSelect: any GPIOLine, rxReady: any GPIOLine, txPending: any GPIOLine,
                selectLevel: Bool = false) {
        self.selectLevel = selectLevel
        self.spi = spi
        self.chipSelect = chipSelect
        self.rxReady = rxReady
        self.txPending = txPending
    }

    deinit {
        mosi.deallocate()
        miso.deallocate()
    }

    public func send(_ frame: UnsafeRawBufferPointer) -> Bool {
        exchange(frame)
    }

    public func receive() -> UnsafeRawBufferPointer? {
        if received.isEmpty, (try? txPending.read()) == true {
            _ = exchange(nil)
        }
        guard received.popFront(into: frame) else { return nil }
        return frame.unsafeBytes
    }

    /// One size exchange and, when either side has a frame, one data exchange. False when the
    /// module was not ready or the link failed (the host frame did not go out).
    private func exchange(_ hostFrame: UnsafeRawBufferPointer?) -> Bool {
        guard (try? rxReady.read()) == true else { return false }
        let hostSize = hostFrame?.count ?? 0
        guard let n = try? HCISPI.sizeRequest(hostSize: hostSize, into: mosi), clock(n) else { return false }
        let moduleSize: Int
        do throws(HCIError) {
            moduleSize = try HCISPI.decodeSize(UnsafeRawBufferPointer(rebasing: miso[0 ..< 4]))
        } catch {
            outOfStep += 1
            return false
        }
        exchanges += 1
        let length = HCISPI.dataTransferLength(hostSize: hostSize, moduleSize: moduleSize)
        guard length > 0 else { return true }
        guard length <= mosi.count else {
            outOfStep += 1
            return false
        }
        // The module raises RX_READY again when it is ready for the data transfer (§2.3 [obs]).
        guard (try? rxReady.read()) == true,
              (try? HCISPI.dataTransfer(hostFrame ?? UnsafeRawBufferPointer(start: nil, count: 0), length: length, into: mosi)) != nil,
              clock(length) else { return false }
        if moduleSize > 0 {
            let reply = UnsafeRawBufferPointer(rebasing: miso[0 ..< length])
            do throws(HCIError) {
                try HCISPI.checkDataTransfer(reply)
                if !received.push(RawSpan(_unsafeBytes: UnsafeRawBufferPointer(rebasing: reply[4 ..< 4 + moduleSize]))) { ignoredFrames += 1 }
            } catch {
                outOfStep += 1
            }
        }
        return true
    }

    /// One chip-select cycle of `count` bytes from `mosi` into `miso`.
    private func clock(_ count: Int) -> Bool {
        do throws(GPIOError) {
            try chipSelect.write(selectLevel)
        } catch {
            deviceError = error
            return false
        }
        var ok = true
        do throws(SPIError) {
            var rx = MutableRawSpan(_unsafeBytes: UnsafeMutableRawBufferPointer(rebasing: miso[0 ..< count]))
            try spi.transfer(RawSpan(_unsafeBytes: UnsafeRawBufferPointer(rebasing: mosi[0 ..< count])), into: &rx)
        } catch {
            deviceError = error
            ok = false
        }
        do throws(GPIOError) {
            try chipSelect.write(!selectLevel)
        } catch {
            deviceError = error
            ok = false
        }
        return ok
    }
}
