import Buffers
import ControlLoop
import HAL

/// The user-space QCA7000's frames, split by EtherType: HomePlug AV management frames (0x88E1) go to
/// SLAC's queues, everything else (IPv6 for SDP and V2G) to a TAP the kernel owns, and back
/// (issue 14, item 2). The kernel's IPv6/TCP then run V2G over the power line exactly as on a
/// `qcaspi` board, whose netdev carries both.
///
/// Replaces the frame pump on the driver for SLAC: `received`/`transmit` are SLAC's queues. Frames
/// the far side cannot take this tick are dropped and counted — the power line is lossy anyway, and
/// TCP retransmits; nothing here blocks or allocates.
public final class PLCFrameSplitter: IOSource {
    public let name: String
    /// The PLC link (the `QCA7000Driver`).
    public let plc: any EthernetLink
    /// The kernel's side (a `LinuxTapLink`, or a twin in tests).
    public let tap: any EthernetLink
    /// HomePlug frames for SLAC, and SLAC's frames to send.
    public let received: FrameQueue
    public let transmit: FrameQueue
    public struct Counters: Sendable, Equatable {
        public var toSLAC = 0
        public var toKernel = 0
        public var fromKernel = 0
        public var fromSLAC = 0
        /// Frames dropped because the other side was full.
        public var dropped = 0
        public var errors = 0
    }

    public private(set) var counters = Counters()
    public private(set) var lastError: EthernetError?
    private let scratch = FrameBuffer(capacity: EthernetFrameLayout.maximumLength)
    public static let homePlugEtherType: UInt16 = 0x88E1

    public init(name: String = "plc-splitter", plc: any EthernetLink, tap: any EthernetLink, slots: Int = 32) {
        self.name = name
        self.plc = plc
        self.tap = tap
        received = FrameQueue(slots: slots, maxFrameLength: EthernetFrameLayout.maximumLength)
        transmit = FrameQueue(slots: slots, maxFrameLength: EthernetFrameLayout.maximumLength)
    }

    /// The kernel's frames wake the loop; the PLC side arrives through the driver's own source.
    public var pollDescriptor: Int32? { tap.pollDescriptor }

    public func service(_ now: MonotonicInstant) { fromKernel() }

    public func pump(_ context: TickContext) {
        fromPLC()
        fromKernel()
        fromSLAC()
    }

    private func fromPLC() {
        let buffer = scratch, queue = received, kernel = tap
        do throws(EthernetError) {
            while try plc.receive(into: buffer) {
                guard buffer.count >= EthernetFrameLayout.headerLength else { continue }
                if etherType(buffer) == Self.homePlugEtherType {
                    if queue.push(buffer.bytes) { counters.toSLAC &+= 1 } else { counters.dropped &+= 1 }
                } else {
                    if try kernel.send(buffer.bytes) { counters.toKernel &+= 1 } else { counters.dropped &+= 1 }
                }
            }
        } catch {
            note(error)
        }
    }

    private func fromKernel() {
        let buffer = scratch, link = plc
        do throws(EthernetError) {
            while try tap.receive(into: buffer) {
                if try link.send(buffer.bytes) { counters.fromKernel &+= 1 } else { counters.dropped &+= 1 }
            }
        } catch {
            note(error)
        }
    }

    private func fromSLAC() {
        let queue = transmit, link = plc
        do throws(EthernetError) {
            while !queue.isEmpty {
                guard try link.send(queue.front) else { break }
                queue.dropFront()
                counters.fromSLAC &+= 1
            }
        } catch {
            note(error)
            switch error {
            case .frameTooLong, .frameTooShort: queue.dropFront()
            default: break
            }
        }
    }

    private func etherType(_ buffer: FrameBuffer) -> UInt16 {
        let frame = buffer.bytes
        return UInt16(frame.unsafeLoad(fromByteOffset: 12, as: UInt8.self)) << 8
            | UInt16(frame.unsafeLoad(fromByteOffset: 13, as: UInt8.self))
    }

    private func note(_ error: EthernetError) {
        lastError = error
        counters.errors &+= 1
    }
}
