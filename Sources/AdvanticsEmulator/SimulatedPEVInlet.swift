import AdvanticsCAN
import Contracts
import ControlLoop
import CoreTypes

/// The vehicle's DC inlet on a PEV bench without hardware: the charger's output as the inlet sees it
/// and the vehicle's DC contactors, behind the `OutputMeter` and `DCContactors` contracts the PEV role
/// is given. The charger behind the ADVANTICS EVCC follows the stage the EVCC reports
/// (advantics-can.md §2.7): the insulation test voltage on the open inlet (D1), precharge to the
/// battery (D2), with the contactors closed the current the vehicle asks for, capped by
/// `EVSE_Information.Max_Current` (D4), then the output discharged (D8). Bidirectional (D5): a negative
/// `Max_Current` (the emulator's signed setpoint) draws that current out of the battery, within the
/// vehicle's discharge limit. The view of the stage comes
/// from a closure the composition wires to the PEV role, so the same model serves an in-process EVCC
/// and one in another process. A simulator: composed in, never imported by the role.
public final class SimulatedPEVInlet: TickController, OutputMeter, DCContactors {
    /// What the charger is doing, as the vehicle side knows it.
    public struct ChargerView: Sendable, Equatable {
        public var stage: CommunicationStage
        public var maxAmps: Double
        public var requestAmps: Double
        /// What the vehicle lets the charger take back (`Max_Discharge_Current`, D5).
        public var dischargeLimitAmps: Double

        public init(stage: CommunicationStage, maxAmps: Double, requestAmps: Double, dischargeLimitAmps: Double = 0) {
            self.stage = stage
            self.maxAmps = maxAmps
            self.requestAmps = requestAmps
            self.dischargeLimitAmps = dischargeLimitAmps
        }
    }

    public let name = "simulated pev inlet"
    public var charger: () -> ChargerView = { ChargerView(stage: .initialising, maxAmps: 0, requestAmps: 0) }
    public var batteryVolts: () -> Double = { 380 }
    /// The charger's insulation test voltage (D1: typically 500 V).
    public var testVolts: Double = 500
    /// Output voltage slew and the current's slope (the EVCC ramps `Max_Current` itself).
    public var voltsPerSecond: Double = 2000
    public var ampsPerSecond: Double = 2000
    /// The pack's internal resistance seen at the inlet with the contactors closed.
    public var internalResistance: Double = 0.05
    /// Contactor mechanics and supervision (as the plant's).
    public var closeTime: Nanoseconds = .milliseconds(30)
    public var openTime: Nanoseconds = .milliseconds(20)
    /// Fault injection: the plus pole stays closed (welded).
    public var welded = false

    public private(set) var measurement = OutputMeasurement()
    public private(set) var coilClosed = false
    private var coilChangedAt: MonotonicInstant = .zero
    private var polesClosed = false
    private var supervision = ContactorSupervision(closeTimeout: .milliseconds(250), openTimeout: .milliseconds(250))
    private var lastAt: MonotonicInstant?

    public init() {}

    public func close(_ now: MonotonicInstant) {
        if !coilClosed { coilChangedAt = now }
        coilClosed = true
        supervision.command(closed: true, now)
    }

    public func open(_ now: MonotonicInstant) {
        if coilClosed { coilChangedAt = now }
        coilClosed = false
        supervision.command(closed: false, now)
    }

    public var status: ContactorStatus { supervision.status }
    public var conducting: Bool { polesClosed }

    public func tick(_ context: TickContext) {
        let now = context.now
        let dt = lastAt.map { Double((now - $0).count) / 1e9 } ?? 0
        lastAt = now
        if now - coilChangedAt >= (coilClosed ? closeTime : openTime) { polesClosed = coilClosed }
        if welded { polesClosed = true }
        supervision.evaluate(plusClosed: polesClosed, minusClosed: polesClosed, now)

        let view = charger()
        let battery = batteryVolts()
        var volts = measurement.volts
        var amps = measurement.amps
        if polesClosed {
            let target: Double = if view.stage != .charging {
                0
            } else if view.maxAmps < 0 {
                max(view.maxAmps, -view.dischargeLimitAmps)
            } else {
                max(0, min(view.requestAmps, view.maxAmps))
            }
            amps = approach(amps, target, ampsPerSecond * dt)
            volts = battery + amps * internalResistance
        } else {
            amps = 0
            let target: Double = switch view.stage {
            case .insulationTest: testVolts
            case .precharge, .waitingForCharge, .charging: battery
            default: 0
            }
            volts = approach(volts, target, voltsPerSecond * dt)
        }
        measurement = OutputMeasurement(volts: volts, amps: amps, at: now)
    }

    public func safeStop(_ reason: StopReason) -> SafeStopReport {
        SafeStopReport(name, ["inlet \(measurement.volts) V \(measurement.amps) A, contactors \(polesClosed ? "closed" : "open")"])
    }
}

@inline(__always)
private func approach(_ value: Double, _ target: Double, _ step: Double) -> Double {
    if value < target { return min(target, value + step) }
    return max(target, value - step)
}
