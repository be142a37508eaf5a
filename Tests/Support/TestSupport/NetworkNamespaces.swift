import Foundation
import Glibc
import HAL
import Synchronization

/// Two network namespaces made for one test and joined by a veth pair: the only wire the raw-Ethernet
/// and SLAC interop tests put frames on. Nothing reaches the host's own interfaces.
///
/// Two ways into a namespace: `run(in:)` executes a closure on a short-lived thread that has
/// `setns()`ed into it (AF_PACKET sockets and interface lookups by name belong to the namespace of
/// the calling thread; a socket, once made, works from any thread), and `command(in:_:)` prefixes a
/// command line with `ip netns exec` for a process of its own.
///
/// `remove()` stops whatever still runs in the namespaces and deletes them (and with them the veth
/// pair); call it in a `defer`. Namespaces left by a crashed earlier run are recognised by their name
/// (`cktest-<pid>-…`) and removed when their process is gone.
public final class VethPair {
    public struct End: Sendable {
        public let namespace: String
        public let interface: String
        public let mac: MACAddress
    }

    public let a: End
    public let b: End
    private let ip: String
    private var removed = false

    private static let sequence = Atomic<Int>(0)

    /// Why these tests cannot run here, or nil when they can.
    public static var unavailableReason: String? {
        if !Subprocess.isRoot { return "raw Ethernet over veth needs root (network namespaces, CAP_NET_RAW)" }
        if Subprocess.which("ip") == nil { return "the ip tool (iproute2) is not installed" }
        return nil
    }

    public init() throws {
        guard let ip = Subprocess.which("ip") else { throw Subprocess.CommandFailed(command: ["ip"], status: 127, output: "not found") }
        self.ip = ip
        Self.removeStaleNamespaces(ip: ip)
        let n = Self.sequence.add(1, ordering: .relaxed).newValue
        let pid = getpid()
        let tag = "\(pid % 100_000)n\(n % 100)"                      // interface names: at most 15 bytes
        a = End(namespace: "cktest-\(pid)-\(n)-a", interface: "ck\(tag)a",
                mac: MACAddress(0x02, 0x43, 0x4B, UInt8(truncatingIfNeeded: n), 0x00, 0x0A))
        b = End(namespace: "cktest-\(pid)-\(n)-b", interface: "ck\(tag)b",
                mac: MACAddress(0x02, 0x43, 0x4B, UInt8(truncatingIfNeeded: n), 0x00, 0x0B))
        do {
            try Subprocess.check([ip, "netns", "add", a.namespace])
            try Subprocess.check([ip, "netns", "add", b.namespace])
            try Subprocess.check([ip, "link", "add", a.interface, "netns", a.namespace, "address", "\(a.mac)", "type", "veth",
                                  "peer", "name", b.interface, "netns", b.namespace, "address", "\(b.mac)"])
            for end in [a, b] {
                try Subprocess.check([ip, "-n", end.namespace, "link", "set", "lo", "up"])
                try setUp(end, true)
            }
        } catch {
            remove()
            throw error
        }
    }

    deinit { remove() }

    /// Brings one end administratively up or down (`ip link set … up|down` in its namespace).
    public func setUp(_ end: End, _ up: Bool) throws {
        try Subprocess.check([ip, "-n", end.namespace, "link", "set", end.interface, up ? "up" : "down"])
    }

    /// Deletes one end's interface, which deletes its peer too (a veth pair lives and dies together).
    public func deleteInterface(_ end: End) throws {
        try Subprocess.check([ip, "-n", end.namespace, "link", "del", end.interface])
    }

    /// Makes the pair again, same names and MACs, after `deleteInterface`: the kernel gives the new ends new
    /// indexes (a netdev that comes back, as a re-bound `qcaspi`).
    public func recreate() throws {
        try Subprocess.check([ip, "link", "add", a.interface, "netns", a.namespace, "address", "\(a.mac)", "type", "veth",
                              "peer", "name", b.interface, "netns", b.namespace, "address", "\(b.mac)"])
        try setUp(a, true)
        try setUp(b, true)
    }

    /// Kills whatever still runs in the namespaces and deletes them. Safe to call more than once.
    public func remove() {
        guard !removed else { return }
        removed = true
        for ns in [a.namespace, b.namespace] {
            let pids = (try? Subprocess.check([ip, "netns", "pids", ns], timeout: 5)) ?? ""
            for p in pids.split(separator: "\n") { if let pid = Int32(p) { kill(pid, SIGKILL) } }
            _ = try? Subprocess.check([ip, "netns", "del", ns], timeout: 10)
        }
    }

    /// Runs `body` on a thread inside `end`'s namespace and waits for it.
    public func run<R>(in end: End, _ body: () throws -> R) throws -> R {
        try NamespaceThread.run(inNamespaceFile: "/run/netns/\(end.namespace)", body)
    }

    /// `command` as a process inside `end`'s namespace (`ip netns exec NS command…`).
    public func command(in end: End, _ command: [String]) -> [String] {
        [ip, "netns", "exec", end.namespace] + command
    }

    private static func removeStaleNamespaces(ip: String) {
        guard let list = try? Subprocess.check([ip, "netns", "list"]) else { return }
        for line in list.split(separator: "\n") {
            let name = String(line.split(separator: " ").first ?? "")
            let parts = name.split(separator: "-")
            guard parts.count == 4, parts[0] == "cktest", let pid = Int32(parts[1]) else { continue }
            if pid != getpid(), kill(pid, 0) != 0, errno == ESRCH {
                _ = try? Subprocess.check([ip, "netns", "del", name])
            }
        }
    }
}

/// Runs a closure on a fresh thread that first joins a network namespace (setns affects only the
/// calling thread), then joins that thread.
public enum NamespaceThread {
    public struct SetnsFailed: Error, CustomStringConvertible {
        public var path: String
        public var errno: Int32
        public var description: String { "cannot enter network namespace \(path): \(String(cString: strerror(errno)))" }
    }

    /// glibc's setns(2) wrapper is declared only under _GNU_SOURCE, which Swift's Glibc module does
    /// not see; look it up by name instead.
    fileprivate static let setns: (@convention(c) (Int32, Int32) -> Int32)? = {
        guard let symbol = dlsym(nil, "setns") else { return nil }   // nil handle = RTLD_DEFAULT
        return unsafeBitCast(symbol, to: (@convention(c) (Int32, Int32) -> Int32).self)
    }()
    /// CLONE_NEWNET from <sched.h> (also GNU-only).
    fileprivate static let cloneNewNet: Int32 = 0x4000_0000

    private class Job {
        func execute() {}
    }

    private final class TypedJob<R>: Job {
        let path: String?
        let body: () throws -> R
        var result: Result<R, any Error>?
        init(path: String?, body: @escaping () throws -> R) {
            self.path = path
            self.body = body
        }
        override func execute() {
            guard let path else {
                result = Result { try body() }
                return
            }
            let fd = open(path, O_RDONLY | O_CLOEXEC)
            guard fd >= 0 else {
                result = .failure(SetnsFailed(path: path, errno: errno))
                return
            }
            defer { close(fd) }
            guard let setns = NamespaceThread.setns, setns(fd, NamespaceThread.cloneNewNet) == 0 else {
                result = .failure(SetnsFailed(path: path, errno: errno))
                return
            }
            result = Result { try body() }
        }
    }

    /// `path` nil: no setns, the thread keeps the caller's namespaces.
    public static func run<R>(inNamespaceFile path: String?, _ body: () throws -> R) throws -> R {
        try withoutActuallyEscaping(body) { escapable in
            let job = TypedJob(path: path, body: escapable)
            var thread = pthread_t()
            let context = Unmanaged.passRetained(job as Job).toOpaque()
            let rc = pthread_create(&thread, nil, { raw in
                let job = Unmanaged<Job>.fromOpaque(raw!).takeRetainedValue()
                job.execute()
                return nil
            }, context)
            guard rc == 0 else {
                Unmanaged<Job>.fromOpaque(context).release()
                throw SetnsFailed(path: path ?? "(none)", errno: rc)
            }
            pthread_join(thread, nil)
            return try job.result!.get()
        }
    }

    /// Runs `body` on a fresh thread that stays in the caller's namespaces (to show per-thread effects).
    public static func runPlain<R>(_ body: () throws -> R) throws -> R {
        try run(inNamespaceFile: nil, body)
    }
}
