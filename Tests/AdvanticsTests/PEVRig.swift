import AdvanticsCAN
import AdvanticsEmulator
import AdvanticsPEV
import ControlLoop
import CoreTypes
import Drivers
import HAL
import V2GSession

/// Our PEV role with a `LinearBatteryModel` and the simulated inlet (vehicle contactors + the charger
/// as the inlet sees it), against the scripted EVCC, on two simulated CAN twins joined into one bus,
/// under the manual clock: 1 tick = 1 ms. Order per tick: inlet physics, the EVCC, the CAN pump
/// (frames in, our queued frames out), our role.
final class PEVRig {
    let clock = ManualClock()
    let battery: any EVBatteryModel
    /// The pack when the rig was built bidirectional (D5), else nil.
    let bidirectional: BidirectionalBatteryModel?
    let inlet = SimulatedPEVInlet()
    let ourBus = SimulatedCANBus(interface: "can0")
    let evccBus = SimulatedCANBus(interface: "evcc0")
    let pump: CANPump
    let pev: AdvanticsPEV
    let evcc: ScriptedEVCC
    private(set) var index: UInt64 = 0
    /// Ticks at which a status round (EV_Information, DC_Status1, DC_Status2, AC_Status) was queued.
    private(set) var statusTicks: [UInt64] = []
    private(set) var stages: [ScriptedEVCC.Stage] = []
    /// Every frame our role put on the bus (when `recording`).
    private(set) var sent: [CANFrame] = []
    private(set) var contactorsEverClosed = false
    private(set) var peakAmps: Double = 0
    var recording = true
    /// The VCU hangs: its tick no longer runs.
    var pevRunning = true

    static func pack(_ change: (inout LinearBatteryModel.Parameters) -> Void = { _ in }) -> LinearBatteryModel.Parameters {
        var p = LinearBatteryModel.Parameters()
        p.capacityWattHours = 40_000
        change(&p)
        return p
    }

    init(script: EVCCScript = EVCCScript(), battery: LinearBatteryModel.Parameters = PEVRig.pack(),
         configuration: AdvanticsPEVConfiguration = AdvanticsPEVConfiguration(), scaling: PEVScaling = .reference,
         bidirectional: BidirectionalBatteryModel.Parameters? = nil) {
        let pack: any EVBatteryModel
        if let b = bidirectional {
            let model = BidirectionalBatteryModel(b)
            self.bidirectional = model
            pack = model
        } else {
            self.bidirectional = nil
            pack = LinearBatteryModel(battery)
        }
        self.battery = pack
        SimulatedCANBus.connect(ourBus, evccBus)
        pump = CANPump(name: "can0", bus: ourBus)
        pev = AdvanticsPEV(received: pump.received, transmit: pump.transmit, battery: self.battery, contactors: inlet, inlet: inlet,
                           configuration: configuration, codec: AdvanticsCANCodec(pevScaling: scaling))
        evcc = ScriptedEVCC(bus: evccBus, script: script, codec: AdvanticsCANCodec(pevScaling: scaling))
        let role = pev
        inlet.charger = { SimulatedPEVInlet.ChargerView(stage: role.stage, maxAmps: role.evse.maxAmps, requestAmps: role.requestAmps,
                                                          dischargeLimitAmps: role.dischargeLimitAmps) }
        inlet.batteryVolts = { pack.terminalVolts }
    }

    func step() {
        clock.advance(by: .milliseconds(1))
        index += 1
        let context = TickContext(now: clock.now(), index: index, period: .milliseconds(1))
        inlet.tick(context)
        evcc.tick(context)
        pump.pump(context)
        let rounds = pev.statusRounds
        if pevRunning { pev.tick(context) }
        if recording {
            if pev.statusRounds != rounds { statusTicks.append(index) }
            if stages.last != evcc.stage { stages.append(evcc.stage) }
            while let f = ourBus.backend.transmitted.pop() { sent.append(f) }
            if inlet.conducting { contactorsEverClosed = true }
            peakAmps = max(peakAmps, inlet.measurement.amps)
        } else {
            while ourBus.backend.transmitted.pop() != nil {}
        }
    }

    @discardableResult
    func run(_ limit: Int, until done: (PEVRig) -> Bool) -> Bool {
        for _ in 0..<limit {
            if done(self) { return true }
            step()
        }
        return done(self)
    }

    func ticks(_ limit: Int, until done: (PEVRig) -> Bool) -> Int? {
        for n in 0...limit {
            if done(self) { return n }
            step()
        }
        return nil
    }

    var charging: Bool { evcc.stage == .charging && inlet.measurement.amps > 20 }
    var discharging: Bool { evcc.stage == .charging && inlet.measurement.amps < -20 }

    /// A bidirectional 40 kWh pack (D5) with its V2X window and a departure time.
    static func bidirectionalPack(_ change: (inout BidirectionalBatteryModel.Parameters) -> Void = { _ in })
        -> BidirectionalBatteryModel.Parameters {
        var p = BidirectionalBatteryModel.Parameters()
        p.pack = PEVRig.pack()
        p.departureSeconds = 7_200
        change(&p)
        return p
    }

    /// The configuration of a bidirectional vehicle (`is_bidirectional`, ISO 15118-20 Dynamic mode).
    static var bidirectionalConfiguration: AdvanticsPEVConfiguration {
        var c = AdvanticsPEVConfiguration()
        c.bidirectional = true
        return c
    }

}
