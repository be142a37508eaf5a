import Foundation
import Glibc

/// Two network namespaces joined by a veth pair: the EVSE end and the EV end, the powerline of the
/// interop tests. Everything is deleted in `delete()` (also on failure: call it in a `defer`).
final class NetworkNamespacePair {
    let evseNamespace: String
    let evNamespace: String
    let evseInterface: String
    let evInterface: String
    private(set) var evseMAC = ""
    private(set) var evMAC = ""

    /// Creates the pair; nil (after cleaning up) when the kernel or `ip` refuses.
    init?(tag: String) {
        let id = String(UInt32(getpid()) % 10_000) + tag
        evseNamespace = "ck-evse-\(id)"
        evNamespace = "ck-ev-\(id)"
        evseInterface = "cke\(id)".prefix(15).description
        evInterface = "ckv\(id)".prefix(15).description
        let steps: [[String]] = [
            ["ip", "netns", "add", evseNamespace],
            ["ip", "netns", "add", evNamespace],
            ["ip", "link", "add", evseInterface, "type", "veth", "peer", "name", evInterface],
            ["ip", "link", "set", evseInterface, "netns", evseNamespace],
            ["ip", "link", "set", evInterface, "netns", evNamespace],
            ["ip", "-n", evseNamespace, "link", "set", evseInterface, "up"],
            ["ip", "-n", evNamespace, "link", "set", evInterface, "up"],
            ["ip", "-n", evseNamespace, "link", "set", "lo", "up"],
            ["ip", "-n", evNamespace, "link", "set", "lo", "up"],
        ]
        for s in steps {
            let r = Shell.run(["/usr/bin/env"] + s, timeout: 10)
            if r.status != 0 {
                print("interop: \(s.joined(separator: " ")) failed: \(r.output)")
                delete()
                return nil
            }
        }
        evseMAC = Self.mac(evseNamespace, evseInterface)
        evMAC = Self.mac(evNamespace, evInterface)
    }

    private static func mac(_ ns: String, _ interface: String) -> String {
        let r = Shell.run(["/usr/bin/env", "ip", "-n", ns, "-o", "link", "show", interface], timeout: 5)
        guard let range = r.output.range(of: "link/ether ") else { return "" }
        return String(r.output[range.upperBound...].prefix(17))
    }

    /// `ip netns exec NS` + arguments.
    func inEVSE(_ arguments: [String]) -> [String] { ["/usr/bin/env", "ip", "netns", "exec", evseNamespace] + arguments }
    func inEV(_ arguments: [String]) -> [String] { ["/usr/bin/env", "ip", "netns", "exec", evNamespace] + arguments }

    /// Kills whatever still runs in the namespaces and deletes them (the veth goes with them).
    func delete() {
        for ns in [evseNamespace, evNamespace] {
            let pids = Shell.run(["/usr/bin/env", "ip", "netns", "pids", ns], timeout: 5).output
            for p in pids.split(separator: "\n") { if let pid = Int32(p) { kill(pid, SIGKILL) } }
            Shell.run(["/usr/bin/env", "ip", "netns", "delete", ns], timeout: 10)
        }
    }
}
