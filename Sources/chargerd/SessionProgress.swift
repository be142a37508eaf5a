import ChargerAssembly
import Contracts
import ControlLoop
import CoreTypes
import Glibc
import Runtime
import SimBoard

/// What a person watching `chargerd --board sim` sees: each V2G phase as it starts, and about once a
/// second the voltage, current, SoC and energy — on one redrawn line with a bar when stdout is a
/// terminal. Stops the loop once the simulated car has unplugged and the charger is ready again
/// (pilot A, power path idle), unless it `stays` for the bench (`--bench`): then a replugged car
/// (`POST /api/bench/start`) starts the next session and its lines. Registered last; prints at most
/// once a second (allocating then, never in the ticks between).
final class SessionProgress: TickController {
    let name = "session-progress"
    let charger: Charger
    unowned let loop: TickLoop
    let start: MonotonicInstant
    let terminal = isatty(1) != 0
    /// `--bench`: the loop runs on after the car left, for the next session.
    let stays: Bool
    private var replugsSeen = 0
    private var nextLine: MonotonicInstant
    private var barShown = false
    private var lastPilot: PilotState?
    private(set) var carUnplugged = false
    private(set) var readyAgainAt: MonotonicInstant?
    /// The car left and the power path is out of service (a latched fault): no next car.
    private(set) var outOfServiceAt: MonotonicInstant?
    /// The charger started out of service (a record in the state directory): the car plugs in to
    /// state F and gets no session; the run stops after `ServiceState.simulatedOutOfServiceWindow`…
    var startedOutOfService = false
    /// …unless a service plane runs that can take the reset: then it waits, and the car charges after it.
    var waitsForServiceReset = false

    init(charger: Charger, loop: TickLoop, start: MonotonicInstant, stays: Bool = false) {
        self.charger = charger
        self.loop = loop
        self.start = start
        self.stays = stays
        nextLine = start
    }

    func tick(_ context: TickContext) {
        let now = context.now
        charger.recorder.takePhaseChanges { phase, at in
            guard phase != .idle else { return }
            clearBar()
            let s = charger.facts.v2g.value
            var line = "[\(Chargerd.elapsed(at - start))] V2G: \(phase)"
            if phase == .handshake || phase == .sessionSetup, let p = s.negotiated { line += " (\(p.josevName))" }
            if phase == .ended { line += " — \(s.stopReason)" }
            print(line)
        }
        let s = charger.facts.v2g.value
        let running = s.phase.rawValue >= V2GSessionPhase.cableCheck.rawValue && s.phase != .ended
        if running, now >= nextLine {
            nextLine = now + .seconds(1)
            progressLine(now)
        }
        if startedOutOfService, !waitsForServiceReset, outOfServiceAt == nil, now - start >= ServiceState.simulatedOutOfServiceWindow,
           let fault = charger.facts.power.value.latchedFault {
            outOfServiceAt = now
            let p = charger.facts.pilot.value
            print("[\(Chargerd.elapsed(now - start))] OUT OF SERVICE since the start: \(fault) — the car plugged in sees pilot \(p.state) "
                  + "(output \(p.commandedPWM)), no PWM, no SLAC; no session until a service reset")
            loop.requestStop(.requested("started out of service"))
        }
        if let car = charger.vehicle?.charging {
            if car.replugs != replugsSeen {
                // The bench plugged the car in again: the next session.
                replugsSeen = car.replugs
                carUnplugged = false
                readyAgainAt = nil
                clearBar()
                print("[\(Chargerd.elapsed(now - start))] bench: the car plugged in again (session \(car.replugs + 1))")
            }
            if !carUnplugged, case .unplugged = car.phase { carUnplugged = true }
            if !carUnplugged, case .failed(let why) = car.phase {
                clearBar()
                print("[\(Chargerd.elapsed(now - start))] simulated car: \(why); it unplugs")
                carUnplugged = true
            }
        } else if let car = charger.whitebeet?.car {
            // sim-whitebeet: the emulated module's car leaves once its session ended.
            if !carUnplugged, car.unplugged { carUnplugged = true }
        } else {
            return
        }
        let pilot = charger.facts.pilot.value.state
        if carUnplugged, pilot != lastPilot, pilot == .a {
            clearBar()
            print("[\(Chargerd.elapsed(now - start))] car unplugged (pilot A)")
        }
        lastPilot = pilot
        // Out of service, our pilot signals F (OutOfServicePilot): the car's leaving shows as F, not A.
        if carUnplugged, outOfServiceAt == nil, readyAgainAt == nil, pilot == .a || pilot == .f,
           let fault = charger.facts.power.value.latchedFault {
            outOfServiceAt = now
            print("[\(Chargerd.elapsed(now - start))] OUT OF SERVICE: \(fault) — no session for the next car until a service reset or restart")
            loop.requestStop(.requested("the simulated car unplugged; out of service"))
        }
        if carUnplugged, readyAgainAt == nil, pilot == .a, charger.facts.power.value.phase == .idle,
           charger.facts.plcLink.value.matchedEV == nil {
            readyAgainAt = now
            if stays {
                print("[\(Chargerd.elapsed(now - start))] ready for the next car (bench: POST /api/bench/start)")
            } else {
                print("[\(Chargerd.elapsed(now - start))] ready for the next car")
                loop.requestStop(.requested("the simulated car unplugged"))
            }
        }
    }

    private func progressLine(_ now: MonotonicInstant) {
        let p = charger.facts.power.value
        let s = charger.facts.v2g.value
        let energy = charger.recorder.current.energyWattHours
        let soc = s.soc.map { "\($0) %" } ?? "-"
        let text = "\(fixed(p.volts, 1)) V \(fixed(p.amps, 1)) A  SoC \(soc)  \(fixed(energy, 1)) Wh  (\(s.phase))"
        if terminal {
            let fraction = s.soc.map { Double($0) / 100 } ?? 0
            let width = 24
            let filled = min(width, max(0, Int(fraction * Double(width))))
            let bar = String(repeating: "#", count: filled) + String(repeating: "-", count: width - filled)
            print("\r[\(bar)] \(Chargerd.elapsed(now - start))  \(text)\u{1B}[K", terminator: "")
            fflush(nil)
            barShown = true
        } else {
            print("[\(Chargerd.elapsed(now - start))] \(text)")
        }
    }

    private func clearBar() {
        if barShown {
            print("\r\u{1B}[K", terminator: "")
            barShown = false
        }
    }

    /// The one summary line of the session.
    static func summary(_ s: ChargingSessionSummary) -> String {
        let seconds = Double(s.duration.count) / 1e9
        return "session: protocol \(s.negotiated?.josevName ?? "none"), duration \(fixed(seconds, 1)) s, "
            + "energy \(fixed(s.energyWattHours, 1)) Wh, peak power \(fixed(s.peakWatts / 1000, 1)) kW, "
            + "stop reason \(s.stopReason), \(s.requests) requests, \(s.currentDemands) CurrentDemand"
            + (s.finalSoC.map { ", final SoC \($0) %" } ?? "")
            + (s.powerFault.map { ", power fault: \($0)" } ?? "")
            + (s.outOfService.map { "; OUT OF SERVICE (\($0)) until a service reset" } ?? "")
    }

    func safeStop(_ reason: StopReason) -> SafeStopReport {
        clearBar()
        return SafeStopReport(name, [])
    }
}

func fixed(_ x: Double, _ digits: Int) -> String {
    guard x.isFinite else { return "-" }
    var scale = 1.0
    for _ in 0..<digits { scale *= 10 }
    let t = Int((abs(x) * scale).rounded())
    let whole = t / Int(scale)
    let frac = String(t % Int(scale))
    let sign = x < 0 && t != 0 ? "-" : ""
    return digits == 0 ? "\(sign)\(whole)" : "\(sign)\(whole)." + String(repeating: "0", count: digits - frac.count) + frac
}
