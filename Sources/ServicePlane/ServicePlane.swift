import Contracts
import CoreTypes
import NIOCore
import NIOPosix
import ServiceLink
import Synchronization

/// A service beside the real-time loop (OCPP, later HTTP and MQTT): it sees the loop's snapshots and
/// events on the service plane's event loop and posts commands back through `ServicePlane.post`.
public protocol PlaneService: AnyObject {
    /// The newest snapshot (older ones drained in the same poll are skipped: facts are levels).
    func snapshot(_ snapshot: FactsSnapshot)
    func event(_ event: ServiceEvent)
}

/// The service plane (issue 20 item 1): one swift-nio event loop thread of its own that polls the
/// `ServiceBridge`'s rings every `pollInterval`, hands snapshots and events to its services, and is
/// the single producer of the bridge's command ring. Nothing here ever runs on the loop's thread,
/// so whatever a service allocates, logs or waits for, the tick does not see it.
public final class ServicePlane: @unchecked Sendable {
    public let bridge: ServiceBridge
    public let group: MultiThreadedEventLoopGroup
    /// The event loop every service runs on; `post` must be called on it.
    public let eventLoop: any EventLoop
    public let pollInterval: TimeAmount
    private var services: [any PlaneService] = []
    private var task: RepeatedTask?
    /// Commands refused because the ring was full (posted again on the next poll).
    private var backlog: [ServiceCommand] = []
    public private(set) var snapshotsSeen = 0
    public private(set) var eventsSeen = 0

    public init(bridge: ServiceBridge, pollInterval: TimeAmount = .milliseconds(10)) {
        self.bridge = bridge
        self.pollInterval = pollInterval
        group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        eventLoop = group.next()
    }

    /// Adds a service (before `start`, or on the event loop).
    public func add(_ service: any PlaneService) { services.append(service) }

    public func start() {
        eventLoop.execute {
            self.task = self.eventLoop.scheduleRepeatedTask(initialDelay: .zero, delay: self.pollInterval) { _ in self.poll() }
        }
    }

    /// Posts a command to the loop (on `eventLoop` only: the ring has one producer). Never lost: a full
    /// ring keeps it for the next poll.
    public func post(_ command: ServiceCommand) {
        eventLoop.preconditionInEventLoop()
        if !backlog.isEmpty || !bridge.commands.push(command) { backlog.append(command) }
    }

    /// One poll: the backlog, the events in order, the newest snapshot.
    public func poll() {
        while let c = backlog.first, bridge.commands.push(c) { backlog.removeFirst() }
        while let e = bridge.events.pop() {
            eventsSeen += 1
            for s in services { s.event(e) }
        }
        var newest: FactsSnapshot?
        while let s = bridge.snapshots.pop() { newest = s }
        if let newest {
            snapshotsSeen += 1
            for s in services { s.snapshot(newest) }
        }
    }

    private let stopped = Atomic<Bool>(false)

    /// Runs `body` on the plane's event loop unless the plane was shut down (a connection's task
    /// that outlives the plane by a moment).
    public func execute(_ body: @escaping @Sendable () -> Void) {
        guard !stopped.load(ordering: .acquiring) else { return }
        eventLoop.execute(body)
    }

    public func shutdown() {
        stopped.store(true, ordering: .releasing)
        let done = eventLoop.submit { self.task?.cancel() }
        _ = try? done.wait()
        try? group.syncShutdownGracefully()
    }
}
