import Contracts
import ControlLoop
import CoreTypes
import PowerPath

/// What the power path's own feedback said after the safe stop: the supply's readback off and the
/// contactors' auxiliary contacts open, or what was still not confirmed when the bound ran out.
/// The loop's safe stop only *commands* the supply off and the contactors open (IEC 61851-23 asks
/// that the output be de-energised; a service manager should learn whether it was).
public struct SafeStopConfirmation: Sendable, Equatable, CustomStringConvertible {
    /// True when every power path confirmed supply off and contactors open (or there is none).
    public var confirmed: Bool
    /// How long after the safe stop it was confirmed (or the bound, when not).
    public var after: Nanoseconds
    /// One line per power path.
    public var details: [String]

    public var description: String {
        let ms = after.count / 1_000_000
        return (confirmed ? "power path safe, confirmed after \(ms) ms" : "power path NOT confirmed safe within \(ms) ms")
            + (details.isEmpty ? "" : ": " + details.joined(separator: "; "))
    }
}

extension Charger {
    /// Every DC power path this charger composed (the SECC's, the ADVANTICS role's, the WHITE-beet role's).
    public var powerPaths: [PowerPathController] {
        var paths: [PowerPathController] = []
        if let p = secc?.powerPath { paths.append(p) }
        if let p = advantics?.powerPath { paths.append(p) }
        if let p = whitebeet?.powerPath { paths.append(p) }
        return paths
    }

    /// After the loop's safe stop: keeps pumping the I/O sources (the drivers and, on simulated
    /// boards, the plant — never the controllers, which are stopped) every `period` until each power
    /// path's feedback reads supply off and contactors open, for at most `bound`. `wait` sleeps one
    /// period (tests pass one that advances a `ManualClock`).
    public func confirmSafeStop(clock: any MonotonicClock, period: Nanoseconds, bound: Nanoseconds,
                                wait: (Nanoseconds) -> Void) -> SafeStopConfirmation {
        let paths = powerPaths
        let start = clock.now()
        var index: UInt64 = 0
        while true {
            let now = clock.now()
            if paths.allSatisfy({ $0.supply.readback.isOff && $0.contactors.status.isOpen }) {
                return SafeStopConfirmation(confirmed: true, after: now - start,
                                            details: paths.map { _ in "supply off, contactors open (feedback)" })
            }
            if now - start >= bound {
                return SafeStopConfirmation(confirmed: false, after: now - start, details: paths.map { p in
                    let r = p.supply.readback
                    let s = p.contactors.status
                    return (r.isOff ? "supply off" : "supply still \(r.mode) (\(r.amps) A)")
                        + (s.isOpen ? ", contactors open" : ", contactors \(s.position)\(s.fault.map { " (\($0))" } ?? "")")
                })
            }
            wait(period)
            let context = TickContext(now: clock.now(), index: index, period: period)
            for source in sources { source.pump(context) }
            index += 1
        }
    }
}
