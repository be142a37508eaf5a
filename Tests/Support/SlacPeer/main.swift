// slac-peer: our side of the SLAC interop tests, run inside a network namespace (`ip netns exec`).
// The same runner as `boardctl slac`, with a minimal option parser so the tests do not depend on
// the boardctl root command.
//   slac-peer --role evse|ev --interface IF [--modem none|keys|modem|far-evse] [--pilot-delay-ms N]
//             [--time-limit-s N] [--hold-ms N]
import Glibc
import HAL
import SlacRunner

var options = SlacRunner.Options(role: .ev)
var interface: String?
var args = CommandLine.arguments.dropFirst()
func fail(_ s: String) -> Never {
    var line = "slac-peer: \(s)\n"
    line.withUTF8 { _ = write(2, $0.baseAddress, $0.count) }
    exit(2)
}
@MainActor func value() -> String {
    guard let v = args.popFirst() else { fail("missing value") }
    return v
}
while let a = args.popFirst() {
    switch a {
    case "--role": options.role = SlacRunner.Role(rawValue: value()) ?? .ev
    case "--interface": interface = value()
    case "--modem": options.standIn = SlacRunner.ModemStandIn(rawValue: value()) ?? .modem
    case "--pilot-delay-ms": options.pilotDelay = .milliseconds(Int64(value()) ?? 0)
    case "--time-limit-s": options.timeLimit = .seconds(Int64(value()) ?? 30)
    case "--hold-ms": options.hold = .milliseconds(Int64(value()) ?? 300)
    default: fail("unknown option \(a)")
    }
}
options.interface = interface
do {
    let outcome = try SlacRunner.run(options) {
        print($0)
        fflush(nil) // the test reads the lines as they come
    }
    exit(outcome.matched == nil ? 1 : 0)
} catch {
    fail("\(error)")
}
