import Contracts
import Drivers
import CPHelperProtocol
import ControlLoop
import Glibc
import HAL

/// What a CP helper answered when probed.
public struct HelperProbeResult: Sendable {
    public var answeredPing: Bool
    public var status: HelperStatus?
    public var firmware: HelperRPCResult?
    public var badLines: Int
    public var errors: [HelperLinkError]
    /// The DC power modules the helper reports (firmware R3 `dc.discover`, R4 `dc.status`, §11); nil
    /// when the revision has none or the helper did not answer.
    public var modules: HelperDCModuleList?
    /// The board file names a revision without `ping` (R4, §11).
    public var pingRemoved = false

    /// It speaks the protocol (a pong or a status frame).
    public var answered: Bool { answeredPing || status != nil }

    public var summary: String {
        var parts: [String] = []
        parts.append(answeredPing ? "answers ping" : pingRemoved ? "no ping in this revision" : "no pong (firmware without ping?)")
        if let f = firmware {
            if f.firmware.count > 0 {
                parts.append("firmware \(f.firmware)" + (f.protocolVersion >= 0 ? " (proto \(f.protocolVersion))" : ""))
            } else {
                // R4 names no firmware in sys.info, only its capabilities (§11).
                parts.append("firmware unnamed" + (f.capabilities.contains(.dc) ? " (capabilities include dc)" : ""))
            }
        } else {
            parts.append("firmware unknown (no sys.info reply)")
        }
        if let s = status {
            parts.append("mode \(s.mode.map { "\($0)" } ?? "?")")
            parts.append("state \(s.state) at \(s.cpMillivolts) mV (pin)")
            if let out = s.pwm?.out { parts.append("PWM out \(out) %") }
        }
        if let m = modules {
            if m.isEmpty {
                parts.append("no DC modules on its CAN bus")
            } else {
                let list = (0..<m.count).map { i -> String in
                    let module = m[i]
                    var text = "#\(module.address) status \(module.status)"
                    if let mv = module.millivolts { text += " \(mv / 1000) V" }
                    return text
                }
                parts.append("\(m.count) DC module\(m.count == 1 ? "" : "s"): " + list.joined(separator: ", "))
            }
        }
        if badLines > 0 { parts.append("\(badLines) unreadable line\(badLines == 1 ? "" : "s")") }
        return parts.joined(separator: ", ")
    }
}

/// `boardctl probe` for the cp-helper role: asks the helper for a pong, a status frame and its
/// firmware (`sys.info`), through the same pump and link the charger uses, with a bounded wait. It
/// sends no output command: the helper's mode and PWM are left as they are.
public enum ESP32HelperProbe {
    public static func run(port: any SerialPort, timeout: Nanoseconds = .seconds(1),
                           revision: HelperFirmwareRevision? = nil) -> HelperProbeResult {
        let pump = SerialPump(name: "cp-helper-probe", port: port)
        let link = ESP32HelperLink(pump: pump)
        // R3/R4: ask for the modules once (a read-only call: nothing is switched).
        let collector = ModuleCollector()
        let discovery = revision?.moduleDiscovery
        if discovery != nil { link.powerSink = collector }
        var asked = false
        let clock = SystemMonotonicClock()
        let start = clock.now()
        var index: UInt64 = 0
        while true {
            let now = clock.now()
            let context = TickContext(now: now, index: index, period: .milliseconds(2))
            pump.pump(context)
            link.update(now)
            if let discovery, !asked { asked = discovery.encode(id: collector.firstRequestID, into: pump.transmit) }
            pump.pump(context)
            index += 1
            let pinged = link.lastPongAt != nil || revision == .r4 // R4 has no ping (§11)
            let complete = pinged && link.lastStatus != nil && link.firmware != nil && (discovery == nil || collector.modules != nil)
            if complete || now - start >= timeout { break }
            usleep(2_000)
        }
        var errors: [HelperLinkError] = []
        while let e = link.log.pop() { errors.append(e.error) }
        return HelperProbeResult(answeredPing: link.lastPongAt != nil, status: link.lastStatus, firmware: link.firmware,
                                 badLines: link.badLines + link.overlongLines, errors: errors, modules: collector.modules,
                                 pingRemoved: revision == .r4)
    }
}

/// Takes the module list out of the discovery reply.
private final class ModuleCollector: HelperMessageSink {
    let firstRequestID = 100
    var modules: HelperDCModuleList?
    func helperSent(_ message: HelperMessage) {
        if case .rpcResult(let id, let result) = message, id == Int64(firstRequestID) {
            modules = result.modules ?? HelperDCModuleList()
        }
    }
}
