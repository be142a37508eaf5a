import Glibc
import HAL
import Synchronization

/// Two network namespaces made for one test and joined by a veth pair: the only wire the raw-Ethernet
/// tests put frames on. Nothing reaches the host's own interfaces.
///
/// AF_PACKET sockets belong to the namespace of the thread that creates them, and interface lookups
/// by name (`if_nametoindex`, SIOCGIF*) resolve in the calling thread's namespace too. So everything
/// that names an interface runs through `run(in:)`, which executes the closure on a short-lived thread
/// that has `setns()`ed into that namespace. A socket, once made, works from any thread (poll, send,
/// receive), which the tests rely on.
///
/// `remove()` deletes both namespaces (and with them the veth pair); call it in a `defer`. Namespaces
/// left by a crashed earlier run are recognised by their name (`cktest-<pid>-…`) and removed when
/// their process is gone.
final class VethPair {
    struct End {
        let namespace: String
        let interface: String
        let mac: MACAddress
    }

    let a: End
    let b: End
    private let ip: String
    private var removed = false

    private static let sequence = Atomic<Int>(0)

    /// Why these tests cannot run here, or nil when they can.
    static var unavailableReason: String? {
        if !Host.isRoot { return "raw Ethernet over veth needs root (network namespaces, CAP_NET_RAW)" }
        if Host.which("ip") == nil { return "the ip tool (iproute2) is not installed" }
        return nil
    }

    init() throws {
        guard let ip = Host.which("ip") else { throw Host.CommandFailed(command: ["ip"], status: 127, output: "not found") }
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
            try Host.run(ip, ["netns", "add", a.namespace])
            try Host.run(ip, ["netns", "add", b.namespace])
            try Host.run(ip, ["link", "add", a.interface, "netns", a.namespace, "address", "\(a.mac)", "type", "veth",
                              "peer", "name", b.interface, "netns", b.namespace, "address", "\(b.mac)"])
            try setUp(a, true)
            try setUp(b, true)
        } catch {
            remove()
            throw error
        }
    }

    deinit { remove() }

    /// Brings one end administratively up or down (`ip link set … up|down` in its namespace).
    func setUp(_ end: End, _ up: Bool) throws {
        try Host.run(ip, ["-n", end.namespace, "link", "set", end.interface, up ? "up" : "down"])
    }

    /// Deletes one end's interface, which deletes its peer too (a veth pair lives and dies together).
    func deleteInterface(_ end: End) throws {
        try Host.run(ip, ["-n", end.namespace, "link", "del", end.interface])
    }

    /// Deletes both namespaces. Safe to call more than once.
    func remove() {
        guard !removed else { return }
        removed = true
        for ns in [a.namespace, b.namespace] { _ = try? Host.run(ip, ["netns", "del", ns]) }
    }

    /// Runs `body` on a thread inside `end`'s namespace and waits for it.
    func run<R>(in end: End, _ body: () throws -> R) throws -> R {
        try NamespaceThread.run(inNamespaceFile: "/run/netns/\(end.namespace)", body)
    }

    private static func removeStaleNamespaces(ip: String) {
        guard let list = try? Host.run(ip, ["netns", "list"]) else { return }
        for line in list.split(separator: "\n") {
            let name = String(line.split(separator: " ").first ?? "")
            let parts = name.split(separator: "-")
            guard parts.count == 4, parts[0] == "cktest", let pid = Int32(parts[1]) else { continue }
            if pid != getpid(), kill(pid, 0) != 0, errno == ESRCH {
                _ = try? Host.run(ip, ["netns", "del", name])
            }
        }
    }
}

/// Runs a closure on a fresh thread that first joins a network namespace (setns affects only the
/// calling thread), then joins that thread.
enum NamespaceThread {
    struct SetnsFailed: Error, CustomStringConvertible {
        var path: String
        var errno: Int32
        var description: String { "cannot enter network namespace \(path): \(String(cString: strerror(errno)))" }
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
    static func run<R>(inNamespaceFile path: String?, _ body: () throws -> R) throws -> R {
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
}

extension NamespaceThread {
    /// Runs `body` on a fresh thread that stays in the caller's namespaces (to show per-thread effects).
    static func runPlain<R>(_ body: () throws -> R) throws -> R {
        try run(inNamespaceFile: nil, body)
    }
}
