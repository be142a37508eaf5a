import Buffers
import Contracts
import ControlLoop
import Drivers
import ESP32CPEmulator
import HAL
import PowerPlantSim
import V2GLink
import V2GSession

/// The simulated car's V2G side, after its SLAC has matched: SDP to find the charger, one TCP
/// connection, our `EVCCSession` with its battery model (`LinearBatteryModel` by default, the
/// `BenchBatteryModel` of a scenario), all over the sim board's
/// `SimulatedIPNetwork`. It plays the car's part of the plant — its own contactors follow the EVCC
/// (closed from PowerDelivery(start) to PowerDelivery(stop)) — and of the pilot through the CP helper
/// emulator: C while it takes energy (cable check to welding detection, IEC 61851-1 / ISO 15118-2
/// §8.8.2), B otherwise, and A once the session is over and the connection closed: it unplugs, and
/// the charger is ready for the next car.
///
/// `boardctl v2g --role evcc` runs the same composition on a real interface (a veth end, no SLAC,
/// no plant, no CP helper: `matched` always true), so the EV side is wired in one place.
public final class SimulatedEVCharging {
    public enum Phase: Sendable, Equatable {
        case waitingForSLAC, discovering, connecting, inSession, unplugged
        case failed(String)
    }

    public let sdpPump: DatagramPump
    public let sdp: SDPClient
    public let tcp: StreamPump
    public let evcc: EVCCSession
    public let battery: any MeteredEVBattery
    public private(set) var phase = Phase.waitingForSLAC
    public private(set) var unpluggedAt: MonotonicInstant?
    /// After a session that ended with SessionStop, keep the connection this long unless the charger
    /// closes it first (zero: close once the last request has left). Josev's SECC keeps it 5 s after
    /// SessionStopRes and logs an earlier close by the car as the session's stop reason.
    public var lingerAfterSessionStop = Nanoseconds.zero
    let ip: any IPInterface
    /// The sim board's plant (nil for `evsim` on a real interface: the charger's hardware is real).
    let plant: SimulatedPowerPlant?
    let helper: EmulatedHelperPort?
    private var open = false
    private var finishing = false
    private var finishedAt: MonotonicInstant?
    private var presented = EmulatedPilotState.b
    /// A pilot fault the car shows instead of B/C (a scenario's CP fault), until it unplugs.
    public var pilotFault: EmulatedPilotState?
    private var openingSince: MonotonicInstant?
    private var lastContactorStep: MonotonicInstant?
    /// When the car plugs in again after a bench replug (nil: it stays as it is).
    public private(set) var plugInAt: MonotonicInstant?
    /// Bench replugs done, and those refused because the car's session was still running.
    public private(set) var replugs = 0
    public private(set) var replugsRefused = 0

    /// Register after the charger's sources.
    public var sources: [any IOSource] { [sdpPump, tcp] }

    /// The default pack of the `sim` board's car, on a compressed time scale: a 1.5 kWh battery from
    /// 70 % to 78 % at up to 120 A takes about 15 s (the OCV curve and resistance are the plant's).
    public static func compressedPack(_ plant: PlantParameters) -> LinearBatteryModel.Parameters {
        var pack = LinearBatteryModel.Parameters()
        pack.emptyVolts = plant.battery.emptyVolts
        pack.fullVolts = plant.battery.fullVolts
        pack.internalResistance = plant.battery.internalResistance
        pack.maxVolts = plant.battery.maxVolts
        pack.capacityWattHours = 1_500
        pack.initialSoC = plant.battery.initialSoC * 100
        pack.bulkSoC = 76
        pack.targetSoC = 78
        pack.maxAmps = 120
        pack.maxWatts = 50_000
        return pack
    }

    /// - Parameters:
    ///   - ip: the car's PLC interface (the sim network's, or a real one for `boardctl v2g`).
    ///   - plant: the plant whose car contactors follow the EVCC (nil: no plant, a bench peer's).
    public init(ip: any IPInterface, plant: SimulatedPowerPlant?, helper: EmulatedHelperPort?,
                battery: any MeteredEVBattery, configuration: EVCCConfiguration = EVCCConfiguration()) throws(SocketError) {
        self.ip = ip
        self.plant = plant
        self.helper = helper
        self.battery = battery
        sdpPump = DatagramPump(name: "sim-ev-sdp", socket: try ip.openDatagramSocket(port: 0, joinAllNodes: false))
        sdp = SDPClient(name: "sim-ev-sdp-client", pump: sdpPump)
        tcp = StreamPump(name: "sim-ev-tcp", receiveCapacity: 16 * 1024, transmitCapacity: 16 * 1024)
        evcc = EVCCSession(received: tcp.received, transmit: tcp.transmit, battery: battery, configuration: configuration)
    }

    /// One tick of the car's V2G side; `matched` says its SLAC holds a match.
    public func tick(_ context: TickContext, matched: Bool) {
        let now = context.now
        if let at = plugInAt, now >= at { plugIn(now) }
        switch phase {
        case .waitingForSLAC:
            if matched {
                sdp.start()
                phase = .discovering
            }
        case .discovering:
            switch sdp.state {
            case .found(let secc, _):
                do throws(SocketError) {
                    tcp.attach(try ip.connect(to: secc))
                    phase = .connecting
                } catch {
                    phase = .failed("TCP connect to \(secc): \(error)")
                }
            case .failed: phase = .failed("SDP: no answer to \(sdp.requestsSent) requests")
            case .idle, .discovering: break
            }
        case .connecting:
            if tcp.state == .open {
                open = true
                phase = .inSession
                evcc.connectionOpened(at: now)
            } else if tcp.state.isFinished {
                phase = .failed("TCP connection \(tcp.state)")
            }
        case .inSession:
            // The EVCC reads what arrived before the close itself (`EVCCSession.connectionClosed`): a
            // charger that closes right behind its SessionStopRes ended the session.
            if open, tcp.state.isFinished {
                open = false
                evcc.connectionClosed(at: now)
            }
        case .unplugged, .failed:
            break
        }
        sdp.tick(context)
        evcc.tick(context)
        followSession(now)
    }

    /// The car's contactors, its pilot state, and the unplug after the session.
    private func followSession(_ now: MonotonicInstant) {
        if let plant { followContactors(plant, now) }
        let s = evcc.session
        let drawing = s.phase.rawValue >= V2GSessionPhase.cableCheck.rawValue && s.phase.rawValue <= V2GSessionPhase.weldingDetection.rawValue
        var wanted: EmulatedPilotState = drawing ? .c : .b
        if phase == .inSession, s.isFinished {
            if finishedAt == nil { finishedAt = now }
            let linger = s.stopReason == .completed ? lingerAfterSessionStop : .zero
            if open, !finishing, tcp.transmit.isEmpty, now - finishedAt! >= linger {
                finishing = true
                tcp.finish()
            }
            // Unplug once the charger closed its side (or a second after our close).
            if !open || now - finishedAt! > linger + .seconds(1) {
                phase = .unplugged
                unpluggedAt = now
                sdp.stop()
            }
        }
        if let pilotFault { wanted = pilotFault }
        if case .failed = phase { wanted = .a }
        if phase == .unplugged { wanted = .a }
        if wanted != presented {
            presented = wanted
            helper?.present(wanted)
        }
    }

    /// The car's contactors follow its EVCC, but open only once the current has fallen to 1 A or less
    /// (no car breaks a DC current under load; on an unplug the CP pin, the shortest, parts first), or
    /// `contactorOpenWait` after the EVCC let go whatever flows. Until then the pack takes what flows,
    /// as the car's own current sensor measures it, so the battery model counts the ramp-down too.
    private func followContactors(_ plant: SimulatedPowerPlant, _ now: MonotonicInstant) {
        defer { lastContactorStep = now }
        // A session that ended (a timeout, a failure answer) no longer holds them closed either.
        if evcc.contactorsClosed, !evcc.session.isFinished {
            if !plant.vehicleContactorsClosed { plant.closeVehicleContactors() }
            openingSince = nil
            return
        }
        guard plant.vehicleContactorsClosed else { return }
        let m = plant.meter.measurement
        if let last = lastContactorStep, m.amps > 0 { battery.deliver(amps: m.amps, volts: m.volts, for: now - last) }
        if openingSince == nil { openingSince = now }
        if abs(m.amps) <= 1 || now - openingSince! >= Self.contactorOpenWait {
            plant.openVehicleContactors()
            openingSince = nil
        }
    }

    /// The longest the car waits for the current to fall before it opens its contactors anyway.
    public static let contactorOpenWait = Nanoseconds.seconds(3)

    /// The car is unplugged now, whatever the session is doing (a scenario's unplug during charge): the
    /// pilot goes to A at once (the CP pin parts first), its EVCC stops, and its contactors (the DC
    /// pins) open once the charger has cut the current.
    public func unplug(at now: MonotonicInstant) {
        guard phase != .unplugged else { return }
        _ = evcc.safeStop(.requested("unplugged"))
        sdp.stop()
        phase = .unplugged
        unpluggedAt = now
        presented = .a
        helper?.present(.a)
    }

    /// How long a replugged car stays unplugged (pilot A) before it plugs in again: long enough for the
    /// charger to see A through the CP helper (its SLAC, SECC and power path let the last car go), as a
    /// driver pulling the plug and pushing it back would.
    public static let replugPause = Nanoseconds.seconds(1)

    /// The bench's next session (`POST /api/bench/start` on the sim board): once the car's session is
    /// over (ended, or the car gave up), it unplugs if it has not, and plugs in again `replugPause`
    /// later, its pack (the car's model and the plant's) back at the SoC it first arrived with. Refused (false, counted) while its session
    /// runs — SLAC, SDP, the connection or the V2G session — or a replug is already pending.
    @discardableResult
    public func replug(at now: MonotonicInstant) -> Bool {
        guard plugInAt == nil else {
            replugsRefused += 1
            return false
        }
        switch phase {
        case .unplugged: break
        case .failed:
            presented = .a
            helper?.present(.a)
            phase = .unplugged
            unpluggedAt = now
        case .inSession where evcc.session.isFinished:
            unplug(at: now)
        case .waitingForSLAC, .discovering, .connecting, .inSession:
            replugsRefused += 1
            return false
        }
        plugInAt = now + Self.replugPause
        return true
    }

    /// Plugged in again: a fresh connection's worth of state, the pack as on arrival, pilot B; SLAC, SDP
    /// and the session follow
    /// as after the first plug-in.
    private func plugIn(_ now: MonotonicInstant) {
        plugInAt = nil
        tcp.close()
        sdp.stop()
        open = false
        finishing = false
        finishedAt = nil
        openingSince = nil
        pilotFault = nil
        unpluggedAt = nil
        battery.arriveAgain()
        plant?.batteryArrivesAgain()
        phase = .waitingForSLAC
        presented = .b
        helper?.present(.b)
        replugs += 1
    }

    public func safeStop() -> String {
        let wasClosed = plant?.vehicleContactorsClosed ?? evcc.contactorsClosed
        _ = evcc.safeStop(.requested("simulation stopped"))
        plant?.openVehicleContactors()
        sdp.stop()
        return wasClosed ? "car contactors opened" : "car contactors open"
    }
}
