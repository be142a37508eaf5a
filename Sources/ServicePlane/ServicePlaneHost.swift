import Contracts
import ServiceLink

/// The one service plane of a charger (issue 20 item 1): it makes the loop's single `ServiceBridge`
/// and the `ServicePlane` once, takes every service (OCPP, the HTTP API, site sharing) before it
/// runs, starts them once after all are added and stops them once, in reverse order, before the
/// plane's thread goes. One bridge means one writer of `ChargerFacts.station` and one producer of the
/// command ring (this thread until `start`, the plane's thread after it), however many services run.
///
/// Register `bridge` on the loop (after the charger's controllers) before the loop runs.
public final class ServicePlaneHost {
    public let bridge: ServiceBridge
    public let plane: ServicePlane

    /// One service: what the plane feeds (nil for a part that only starts and stops, such as a
    /// server), and what its start and stop do besides.
    private struct Member {
        let name: String
        let service: (any PlaneService)?
        let start: () throws -> Void
        let stop: () -> Void
    }

    private var members: [Member] = []
    private var started: [Member] = []
    public private(set) var isRunning = false
    private var isStopped = false

    public init(facts: ChargerFacts, authorizer: ServiceAuthorizer?) {
        bridge = ServiceBridge(facts: facts, authorizer: authorizer)
        plane = ServicePlane(bridge: bridge)
    }

    /// The services added, in start order.
    public var names: [String] { members.map(\.name) }

    /// Adds a service before `start`. `start` runs after the plane's poll has begun (in the order the
    /// services were added), `stop` before the plane shuts down (in reverse order). Until `start`, the
    /// caller's thread may push into `bridge.commands` (an initial limit); after it, only the plane.
    public func add(_ name: String, _ service: (any PlaneService)?, start: @escaping () throws -> Void = {},
                    stop: @escaping () -> Void = {}) {
        precondition(!isRunning && !isStopped, "services are added before the host starts")
        members.append(Member(name: name, service: service, start: start, stop: stop))
    }

    /// Starts the plane, then each service's own start. A start that throws stops the ones already
    /// started (reverse order) and the plane, and the error goes to the caller.
    public func start() throws {
        precondition(!isRunning && !isStopped, "a host starts once")
        for m in members { if let s = m.service { plane.add(s) } }
        plane.start()
        isRunning = true
        do {
            for m in members {
                try m.start()
                started.append(m)
            }
        } catch {
            stop()
            throw error
        }
    }

    /// Stops every started service in reverse order, then the plane (also a plane that never started:
    /// its thread exists from `init`). Once; later calls do nothing.
    public func stop() {
        guard !isStopped else { return }
        isStopped = true
        isRunning = false
        for m in started.reversed() { m.stop() }
        started = []
        plane.shutdown()
    }
}
