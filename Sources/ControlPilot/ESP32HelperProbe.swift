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

    /// It speaks the protocol (a pong or a status frame).
    public var answered: Bool { answeredPing || status != nil }

    public var summary: String {
        var parts: [String] = []
        parts.append(answeredPing ? "answers ping" : "no pong (firmware without ping?)")
        if let f = firmware {
            parts.append("firmware \(f.firmware)" + (f.protocolVersion >= 0 ? " (proto \(f.protocolVersion))" : ""))
        } else {
            parts.append("firmware unknown (no sys.info reply)")
        }
        if let s = status {
            parts.append("mode \(s.mode.map { "\($0)" } ?? "?")")
            parts.append("state \(s.state) at \(s.cpMillivolts) mV (pin)")
            if let out = s.pwm?.out { parts.append("PWM out \(out) %") }
        }
        if badLines > 0 { parts.append("\(badLines) unreadable line\(badLines == 1 ? "" : "s")") }
        return parts.joined(separator: ", ")
    }
}

/// `boardctl probe` for the cp-helper role: asks the helper for a pong, a status frame and its
/// firmware (`sys.info`), through the same pump and link the charger uses, with a bounded wait. It
/// sends no output command: the helper's mode and PWM are left as they are.
public enum ESP32HelperProbe {
    public static func run(port: any SerialPort, timeout: Nanoseconds = .seconds(1)) -> HelperProbeResult {
        let pump = SerialPump(name: "cp-helper-probe", port: port)
        let link = ESP32HelperLink(pump: pump)
        let clock = SystemMonotonicClock()
        let start = clock.now()
        var index: UInt64 = 0
        while true {
            let now = clock.now()
            let context = TickContext(now: now, index: index, period: .milliseconds(2))
            pump.pump(context)
            link.update(now)
            pump.pump(context)
            index += 1
            let complete = link.lastPongAt != nil && link.lastStatus != nil && link.firmware != nil
            if complete || now - start >= timeout { break }
            usleep(2_000)
        }
        var errors: [HelperLinkError] = []
        while let e = link.log.pop() { errors.append(e.error) }
        return HelperProbeResult(answeredPing: link.lastPongAt != nil, status: link.lastStatus, firmware: link.firmware,
                                 badLines: link.badLines + link.overlongLines, errors: errors)
    }
}
