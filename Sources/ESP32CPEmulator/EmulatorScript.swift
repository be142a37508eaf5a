import HAL

/// A timed list of things the emulated vehicle and helper do, for the bench tool and the `sim`
/// board. Text form, one action per line, `#` comments:
///
///     0      A            # vehicle state A…F
///     500    B
///     2000   C
///     4000   noise 60     # peak-to-peak mV on every burst
///     6000   garbage 32   # 32 random-looking bytes on the wire
///     6500   line {"type":"bogus"}
///     7000   silent on    # stop transmitting
///     8000   silent off
///     9000   reboot
///     12000  A
public struct EmulatorScript: Sendable, Equatable {
    public enum Action: Sendable, Equatable {
        case vehicle(EmulatedPilotState)
        case noise(Int32)
        case silent(Bool)
        case garbage([UInt8])
        case line(String)
        case reboot
        /// R3/R4 fault hooks (§11): the DC modules trip, the contactor welds / will not close / works,
        /// the helper's E-stop input is pressed, the car's battery is connected or not.
        case moduleFault
        case contactor(EmulatedDCStage.ContactorFault)
        case emergencyStop
        case battery(Bool)
    }

    public struct Step: Sendable, Equatable {
        public var at: Nanoseconds
        public var action: Action

        public init(at: Nanoseconds, action: Action) {
            self.at = at
            self.action = action
        }
    }

    public enum ParseError: Error, Equatable, CustomStringConvertible {
        case badLine(number: Int, text: String)
        public var description: String {
            switch self {
            case let .badLine(n, t): "script line \(n): cannot read \"\(t)\" (want: <ms> A|B|C|D|E|F|noise N|garbage N|line TEXT|silent on|off|reboot|module-fault|contactor ok|welded|stuck-open|estop|battery on|off)"
            }
        }
    }

    public var actions: [Step]

    public init(actions: [Step]) { self.actions = actions.sorted { $0.at < $1.at } }

    public init(parsing text: String) throws(ParseError) {
        var steps: [Step] = []
        for (i, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let content = raw.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
            let words = content.split(separator: " ", omittingEmptySubsequences: true)
            guard !words.isEmpty else { continue }
            guard words.count >= 2, let ms = Int64(words[0]), ms >= 0 else {
                throw .badLine(number: i + 1, text: String(raw))
            }
            let verb = String(words[1])
            let argument = words.count > 2 ? String(words[2]) : nil
            let action: Action
            if let s = EmulatedPilotState(rawValue: verb.uppercased()), words.count == 2 {
                action = .vehicle(s)
            } else if verb == "noise", let a = argument, let mv = Int32(a) {
                action = .noise(mv)
            } else if verb == "silent", let a = argument, a == "on" || a == "off" {
                action = .silent(a == "on")
            } else if verb == "garbage", let a = argument, let n = Int(a), n > 0, n <= 4096 {
                action = .garbage((0..<n).map { UInt8(truncatingIfNeeded: $0 &* 37 &+ 0x81) })
            } else if verb == "line", words.count > 2 {
                action = .line(words[2...].joined(separator: " "))
            } else if verb == "reboot", words.count == 2 {
                action = .reboot
            } else if verb == "module-fault", words.count == 2 {
                action = .moduleFault
            } else if verb == "contactor", let a = argument, ["ok", "welded", "stuck-open"].contains(a) {
                action = .contactor(a == "ok" ? .none : a == "welded" ? .welded : .doesNotClose)
            } else if verb == "estop", words.count == 2 {
                action = .emergencyStop
            } else if verb == "battery", let a = argument, a == "on" || a == "off" {
                action = .battery(a == "on")
            } else {
                throw .badLine(number: i + 1, text: String(raw))
            }
            steps.append(Step(at: .milliseconds(ms), action: action))
        }
        self.init(actions: steps)
    }

    /// A plug-in and charge cycle: A → B → C → B → A over 10 s.
    public static let plugChargeUnplug = EmulatorScript(actions: [
        Step(at: .zero, action: .vehicle(.a)),
        Step(at: .milliseconds(1000), action: .vehicle(.b)),
        Step(at: .milliseconds(3000), action: .vehicle(.c)),
        Step(at: .milliseconds(7000), action: .vehicle(.b)),
        Step(at: .milliseconds(9000), action: .vehicle(.a)),
    ])
}
