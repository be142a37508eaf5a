import Contracts
import ControlLoop
import CoreTypes
import Glibc
import Runtime
import SimBoard

/// Ticks the car (its link is up: no SLAC on an interface that already carries IP), prints each V2G
/// phase as it starts and a line a second in the charge loop, and stops the loop when the car has
/// left (session over and connection closed) or the time limit passed. Prints only on a change or
/// once a second.
final class EVSimDriver: TickController {
    let name = "evsim"
    let car: SimulatedEVCharging
    unowned let loop: TickLoop
    let limit: Nanoseconds
    private var start: MonotonicInstant?
    private var phase = V2GSessionPhase.idle
    private var nextLine = MonotonicInstant.zero

    init(car: SimulatedEVCharging, loop: TickLoop, limit: Nanoseconds) {
        self.car = car
        self.loop = loop
        self.limit = limit
    }

    func tick(_ context: TickContext) {
        let now = context.now
        if start == nil { start = now }
        car.tick(context, matched: true)
        let s = car.evcc.session
        let t = Double((now - start!).count) / 1e9
        if s.phase != phase {
            phase = s.phase
            print("[\(Self.fixed(t, 3)) s] \(phase)" + (phase == .ended ? " — \(s.stopReason)" : ""))
            fflush(nil)
        }
        if phase == .charging, now >= nextLine {
            nextLine = now + .seconds(1)
            print("[\(Self.fixed(t, 3)) s] \(Self.fixed(s.evsePresentVolts, 1)) V \(Self.fixed(s.evsePresentAmps, 1)) A, "
                  + "target \(Self.fixed(s.evTargetVolts, 1)) V \(Self.fixed(s.evTargetAmps, 1)) A, SoC \(Self.fixed(car.battery.soc, 2)) %, "
                  + "\(Self.fixed(car.battery.deliveredWattHours, 2)) Wh")
            fflush(nil)
        }
        switch car.phase {
        case .unplugged: loop.requestStop(.requested("session over"))
        case .failed(let why):
            print("car: \(why)")
            loop.requestStop(.requested("car failed"))
        default:
            if now - start! >= limit { loop.requestStop(.requested("--seconds elapsed")) }
        }
    }

    func safeStop(_ reason: StopReason) -> SafeStopReport { SafeStopReport(name, [car.safeStop()]) }

    static func fixed(_ x: Double, _ digits: Int) -> String {
        guard x.isFinite else { return "-" }
        var scale = 1.0
        for _ in 0..<digits { scale *= 10 }
        return "\((x * scale).rounded() / scale)"
    }
}
