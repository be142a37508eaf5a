import Contracts
import Drivers
import SimBoard
import ChargerAssembly
import Buffers
import ControlPilot
import Testing

/// Debounce, events, ventilation policy and emergency stops of the pure state machine.
@Suite struct PilotStateMachineBehaviour {
    final class Harness {
        var machine: PilotStateMachine
        let events = RingBuffer<PilotEvent>(capacity: 64, filler: .plugged)

        init(ventilation: VentilationPolicy = .refuse, confirmation: PilotConfirmation = PilotConfirmation(normal: 2, fault: 2)) {
            machine = PilotStateMachine(ventilation: ventilation, confirmation: confirmation)
        }

        /// Feeds `count` samples of `state` and returns the events they produced.
        @discardableResult
        func feed(_ state: PilotState, _ count: Int = 1, fault: PilotFault? = nil) -> [PilotEvent] {
            let f = fault ?? (state == .e ? .shortToEarth : state == .f ? .unavailable : state == .invalid ? .invalidVoltage : nil)
            for _ in 0..<count { machine.observe(PilotObservation(state: state, fault: f), events: events) }
            return drain()
        }

        func drain() -> [PilotEvent] {
            var out: [PilotEvent] = []
            while let e = events.pop() { out.append(e) }
            return out
        }
    }

    @Test func aSingleSampleGlitchIsRejected() {
        let h = Harness()
        h.feed(.a, 2)
        #expect(h.machine.state == .a)
        #expect(h.feed(.b, 1).isEmpty)
        #expect(h.feed(.a, 1).isEmpty)
        #expect(h.machine.state == .a)
        // A single E among A samples is a glitch too.
        #expect(h.feed(.e, 1).isEmpty)
        #expect(h.feed(.a, 3).isEmpty)
    }

    @Test func twoConsecutiveSamplesConfirm() {
        let h = Harness()
        h.feed(.a, 2)
        #expect(h.feed(.b, 1).isEmpty)
        #expect(h.feed(.b, 1) == [.plugged])
        #expect(h.machine.state == .b)
    }

    @Test func aFullSession() {
        let h = Harness()
        h.feed(.a, 2)
        #expect(h.feed(.b, 2) == [.plugged])
        h.machine.updateDigitalCommunication(onWire: true, events: h.events)
        #expect(h.drain() == [.readyForSLAC])
        h.machine.updateDigitalCommunication(onWire: true, events: h.events)
        #expect(h.drain().isEmpty) // once per stretch of 5 %
        #expect(h.feed(.c, 2) == [.evRequestsPower(ventilation: false)])
        h.machine.setEnergyTransfer(true, events: h.events)
        #expect(h.drain().isEmpty)
        #expect(h.feed(.b, 2) == [.evStoppedRequestingPower]) // a normal stop, not an emergency
        h.machine.setEnergyTransfer(false, events: h.events)
        #expect(h.feed(.a, 2) == [.unplugged])
    }

    @Test func ventilationRefusedIsAnError() {
        let h = Harness(ventilation: .refuse)
        h.feed(.a, 2)
        h.feed(.b, 2)
        #expect(h.feed(.d, 2) == [.error(.ventilationRefused)])
        #expect(h.machine.outputMustBeSafe)
        #expect(h.feed(.d, 4).isEmpty) // not raised again while it persists
        #expect(h.feed(.c, 2) == [.faultCleared, .evRequestsPower(ventilation: false)])
        h.machine.setEnergyTransfer(true, events: h.events)
        #expect(h.feed(.d, 2) == [.error(.ventilationRefused), .emergencyStop(.ventilationRefused)])
    }

    @Test func ventilationAllowedRequestsPower() {
        let h = Harness(ventilation: .allow)
        h.feed(.a, 2)
        #expect(h.feed(.d, 2) == [.plugged, .evRequestsPower(ventilation: true)])
    }

    /// E/F, invalid, a missing diode and unplugging during energy transfer: the emergency stop comes
    /// with the observation that confirms the fault — the same step, no later.
    @Test(arguments: [(PilotState.e, PilotFault.shortToEarth), (.f, .unavailable), (.invalid, .invalidVoltage),
                      (.e, .diodeMissing)])
    func faultDuringTransferStopsInTheSameStep(_ state: PilotState, _ fault: PilotFault) {
        let h = Harness()
        h.feed(.a, 2)
        h.feed(.b, 2)
        h.feed(.c, 2)
        h.machine.setEnergyTransfer(true, events: h.events)
        #expect(h.feed(state, 1, fault: fault).isEmpty) // one sample: could be a glitch
        #expect(h.feed(state, 1, fault: fault) == [.error(fault), .emergencyStop(fault)])
        #expect(h.machine.emergencyStopLatched)
        #expect(h.feed(state, 3, fault: fault).isEmpty)
    }

    @Test func unplugDuringTransferIsPilotLost() {
        let h = Harness()
        h.feed(.a, 2)
        h.feed(.c, 2)
        h.machine.setEnergyTransfer(true, events: h.events)
        #expect(h.feed(.a, 2) == [.unplugged, .emergencyStop(.pilotLost)])
    }

    @Test func faultsOutsideTransferAreErrorsOnly() {
        let h = Harness()
        h.feed(.a, 2)
        h.feed(.b, 2)
        #expect(h.feed(.e, 2) == [.error(.shortToEarth)])
        #expect(h.feed(.b, 2) == [.faultCleared])
        #expect(h.feed(.f, 2) == [.error(.unavailable)])
        #expect(h.feed(.a, 2) == [.faultCleared, .unplugged])
    }

    @Test func helperConfirmationTakesFaultsAtOnce() {
        let h = Harness(confirmation: PilotConfirmation(normal: 2, fault: 1))
        h.feed(.a, 2)
        h.feed(.c, 2)
        h.machine.setEnergyTransfer(true, events: h.events)
        #expect(h.feed(.e, 1) == [.error(.shortToEarth), .emergencyStop(.shortToEarth)])
    }

    @Test func frontEndLossDuringTransferStopsAtOnce() {
        let h = Harness()
        h.feed(.a, 2)
        h.feed(.c, 2)
        h.machine.setEnergyTransfer(true, events: h.events)
        h.machine.frontEndFailed(.helperLost, events: h.events)
        #expect(h.drain() == [.error(.helperLost), .emergencyStop(.helperLost)])
        #expect(h.machine.state == .invalid && h.machine.outputMustBeSafe)
        h.machine.frontEndFailed(.helperLost, events: h.events)
        #expect(h.drain().isEmpty)
        // Back: the output stays safe until a state is confirmed again.
        h.machine.frontEndRecovered()
        #expect(h.machine.outputMustBeSafe)
        #expect(h.feed(.c, 2) == [.faultCleared, .evRequestsPower(ventilation: false)])
        #expect(!h.machine.outputMustBeSafe)
    }

    @Test func startingTransferOnABadPilotStopsIt() {
        let h = Harness()
        h.feed(.a, 2)
        h.machine.setEnergyTransfer(true, events: h.events)
        #expect(h.drain() == [.emergencyStop(.pilotLost)])
        h.machine.setEnergyTransfer(false, events: h.events)
        h.feed(.b, 2)
        h.feed(.e, 2)
        _ = h.drain()
        h.machine.setEnergyTransfer(true, events: h.events)
        #expect(h.drain() == [.emergencyStop(.shortToEarth)])
    }

    @Test func readyForSLACAgainAfterTheHint() {
        let h = Harness()
        h.feed(.a, 2)
        h.feed(.b, 2)
        h.machine.updateDigitalCommunication(onWire: true, events: h.events)
        h.machine.updateDigitalCommunication(onWire: false, events: h.events) // hint: steady +12 V
        h.machine.updateDigitalCommunication(onWire: true, events: h.events)
        #expect(h.drain() == [.readyForSLAC, .readyForSLAC])
    }
}
