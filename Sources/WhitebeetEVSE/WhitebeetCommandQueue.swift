import CoreTypes
import WhitebeetHCI
import WhitebeetHost
import Contracts

/// The commands an EVSE-role controller has for the module, sent one at a time through the host
/// link (whitebeet-hci.md §3.6: one outstanding command). A fixed ring, allocated once: queuing and
/// sending never allocate. A command may tolerate a non-zero result (the clean-start stops, §15).
struct WhitebeetCommandQueue {
    private var slots: [HCIRequest?]
    private var tolerant: [Bool]
    private var head = 0
    private(set) var count = 0
    /// The command in flight tolerates a non-zero result.
    private(set) var inFlightTolerant = false

    init(capacity: Int = 16) {
        slots = [HCIRequest?](repeating: nil, count: capacity)
        tolerant = [Bool](repeating: false, count: capacity)
    }

    var isEmpty: Bool { count == 0 }

    /// False when full (the command is dropped; the module's time-out then ends the step).
    @discardableResult
    mutating func enqueue(_ r: HCIRequest, tolerant t: Bool = false) -> Bool {
        guard count < slots.count else { return false }
        let slot = (head + count) % slots.count
        slots[slot] = r
        tolerant[slot] = t
        count += 1
        return true
    }

    mutating func removeAll() {
        for i in slots.indices { slots[i] = nil }
        head = 0
        count = 0
    }

    /// Submits the next command when the link is free.
    mutating func submitNext(to host: WhitebeetHostLink, _ now: MonotonicInstant) {
        guard !host.isBusy, count > 0, let next = slots[head] else { return }
        inFlightTolerant = tolerant[head]
        slots[head] = nil
        head = (head + 1) % slots.count
        count -= 1
        host.submit(next, now: now)
    }
}

extension PilotState {
    /// The CP state the module measured (0x29/0x81, §8).
    init(_ code: PilotStateCode) {
        self = switch code {
        case .a: .a
        case .b: .b
        case .c: .c
        case .d: .d
        case .e: .e
        case .f: .f
        case .unknown: .invalid
        }
    }
}

extension IdentificationToken {
    /// The vehicle token of a V2G session (0x80, §11.2/§12.2): the EVCC ID is the car's MAC (6 bytes)
    /// in DIN/ISO EIM sessions, otherwise its text.
    init(evccID: HCIText) {
        if evccID.count == 6 {
            var mac: UInt64 = 0
            for i in 0 ..< 6 { mac = mac << 8 | UInt64(evccID[i]) }
            self.init(vehicle: MACAddress(rawValue: mac))
        } else {
            self.init(.vehicleID, evccID.string)
        }
    }
}
