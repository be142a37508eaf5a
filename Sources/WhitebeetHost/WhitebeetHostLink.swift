import Buffers
import CoreTypes
import HAL
import WhitebeetHCI

/// The host's end of the WHITE-beet host control interface (whitebeet-hci.md §3.3–3.6) over a
/// `WhitebeetTransport` (raw Ethernet or SPI): one command at a time, matched to its response by module, sub and request ID; busy
/// answers re-sent with a new ID a bounded number of times after a back-off (FreeV2G retries
/// forever without delay, §20.2); no answer within the timeout re-sent a bounded number of times,
/// then reported; notifications queued for the controller in arrival order.
///
/// Tick-driven and non-blocking: `submit` queues a command, `poll` (the only call that touches the
/// link) moves frames and time, and the outcome and notifications are taken by the caller — so a
/// controller uses the queue side and the composition pumps `poll`. Storage is allocated once.
public final class WhitebeetHostLink {
    public struct Configuration: Sendable {
        /// FreeV2G waits 5 s for every answer (§3.6).
        public var responseTimeout = Nanoseconds.seconds(5)
        /// Busy answers re-sent at most this often, `busyBackoff` apart.
        public var busyRetries = 5
        public var busyBackoff = Nanoseconds.milliseconds(50)
        /// Commands without an answer (a lost frame) re-sent at most this often.
        public var timeoutRetries = 1
        /// Notifications held for the controller; when full the oldest is dropped (counted).
        public var notificationSlots = 32
        /// The module's EVSE API (whitebeet-hci.md §0.1): module-0x27 frames are decoded as that
        /// generation's messages, never guessed from the bytes.
        public var evseGeneration = EVSEFirmwareGeneration.gen2
        public init() {}
    }

    /// How a submitted command ended.
    public enum Outcome: Equatable, Sendable {
        /// Result 0x00, with the response's data.
        case answered(HCIResponse)
        /// A non-zero result (`moduleReported`, also busy after the retries), a framing error from
        /// the module, or a command that could not be encoded.
        case failed(HCIError)
        /// No answer after every attempt.
        case timedOut(attempts: Int)
    }

    public struct Statistics: Sendable, Equatable {
        public var sent = 0
        public var busyRetries = 0
        public var timeoutRetries = 0
        /// Frames from the module that were not for the outstanding command (old IDs after a retry).
        public var unmatchedResponses = 0
        /// HCI frames failing the frame or message checks.
        public var badFrames = 0
        public var notifications = 0
        public var droppedNotifications = 0
        public var undecodedNotifications = 0
    }

    public let transport: any WhitebeetTransport
    public let configuration: Configuration
    public private(set) var statistics = Statistics()

    private var pending: HCIRequest?
    private var pendingID: UInt8 = 0
    private var attempts = 0
    private var busyCount = 0
    private var timeoutCount = 0
    private var deadline = MonotonicInstant.zero
    private var resendAt: MonotonicInstant?
    private var outcome: Outcome?
    private var nextID: UInt8 = 0
    private var notifications: [HCINotification?]
    private var head = 0
    private var count = 0
    private let hci = UnsafeMutableRawBufferPointer.allocate(byteCount: 1600, alignment: 8)

    public init(transport: any WhitebeetTransport, configuration: Configuration = Configuration()) {
        self.transport = transport
        self.configuration = configuration
        notifications = [HCINotification?](repeating: nil, count: max(1, configuration.notificationSlots))
    }

    /// Over raw Ethernet; `moduleMAC` is the module's host-interface MAC.
    public convenience init(link: any EthernetLink, moduleMAC: MACAddress, configuration: Configuration = Configuration()) {
        self.init(transport: WhitebeetEthernetTransport(link: link, moduleMAC: moduleMAC), configuration: configuration)
    }

    /// Over raw Ethernet, with the MAC printed on the module's label (the PLC chip's): the host
    /// interface is 2 below (§1.1).
    public convenience init(link: any EthernetLink, labelMAC: MACAddress, configuration: Configuration = Configuration()) {
        self.init(link: link, moduleMAC: HCIEthernet.moduleMAC(fromLabel: labelMAC), configuration: configuration)
    }

    deinit { hci.deallocate() }

    /// A command is outstanding (submit waits until its outcome is taken).
    public var isBusy: Bool { pending != nil || outcome != nil }

    /// Queues `request`; the next `poll` sends it. False while another command is outstanding or its
    /// outcome not taken.
    @discardableResult
    public func submit(_ request: HCIRequest, now: MonotonicInstant) -> Bool {
        guard !isBusy else { return false }
        pending = request
        attempts = 0
        busyCount = 0
        timeoutCount = 0
        // Sent by the next `poll`: a controller queues, the I/O happens where the link is pumped.
        resendAt = now
        return true
    }

    /// The outcome of the submitted command, once (nil while it is under way).
    public func takeOutcome() -> Outcome? {
        defer { outcome = nil }
        return outcome
    }

    /// The oldest notification not yet taken.
    public func takeNotification() -> HCINotification? {
        guard count > 0 else { return nil }
        defer {
            notifications[head] = nil
            head = (head + 1) % notifications.count
            count -= 1
        }
        return notifications[head]
    }

    /// Receives every waiting frame and acts on deadlines: re-sends after busy or a timeout.
    public func poll(_ now: MonotonicInstant) {
        while let frame = transport.receive() { handleFrame(frame, now) }
        guard pending != nil else { return }
        if let at = resendAt {
            if now >= at {
                resendAt = nil
                transmit(now)
            }
        } else if now >= deadline {
            if timeoutCount < configuration.timeoutRetries {
                timeoutCount += 1
                statistics.timeoutRetries += 1
                transmit(now)
            } else {
                finish(.timedOut(attempts: attempts))
            }
        }
    }

    /// Every attempt takes a fresh request ID (§3.3): 1…254, never 0 (older firmware's notification
    /// ID) or 0xFF (the module's).
    private func takeID() -> UInt8 {
        nextID = nextID >= 254 ? 1 : nextID + 1
        return nextID
    }

    private func transmit(_ now: MonotonicInstant) {
        guard let request = pending else { return }
        pendingID = takeID()
        attempts += 1
        deadline = now + configuration.responseTimeout
        do throws(HCIError) {
            let n = try request.encode(requestID: pendingID, into: hci)
            // A frame that could not go out is a lost frame: the timeout sends it again.
            if transport.send(UnsafeRawBufferPointer(rebasing: hci[0 ..< n])) { statistics.sent += 1 }
        } catch {
            finish(.failed(error))
        }
    }

    private func finish(_ o: Outcome) {
        pending = nil
        resendAt = nil
        outcome = o
    }

    private func handleFrame(_ bytes: UnsafeRawBufferPointer, _ now: MonotonicInstant) {
        let message: HCIModuleMessage
        do throws(HCIError) {
            message = try HCIModuleMessage.decode(frame: bytes, evse: configuration.evseGeneration)
        } catch {
            if case .unsupportedLayout = error { statistics.undecodedNotifications += 1 } else { statistics.badFrames += 1 }
            return
        }
        switch message {
        case .notification(let n, _):
            statistics.notifications += 1
            if count == notifications.count {
                head = (head + 1) % notifications.count
                count -= 1
                statistics.droppedNotifications += 1
            }
            notifications[(head + count) % notifications.count] = n
            count += 1
        case .framingError(let status, let id):
            guard pending != nil, id == pendingID else {
                statistics.unmatchedResponses += 1
                return
            }
            finish(.failed(.framingError(status: status, requestID: id)))
        case .response(let r):
            guard let request = pending, resendAt == nil, r.requestID == pendingID, r.module == request.ids.module,
                  r.sub == HCIResponse.responseSub(module: request.ids.module, sub: request.ids.sub) else {
                statistics.unmatchedResponses += 1
                return
            }
            if r.result == .success {
                finish(.answered(r))
            } else if r.result == .busy, busyCount < configuration.busyRetries {
                busyCount += 1
                statistics.busyRetries += 1
                resendAt = now + configuration.busyBackoff
            } else {
                finish(.failed(.moduleReported(module: r.module, sub: r.sub, requestID: r.requestID, result: r.result)))
            }
        }
    }
}
