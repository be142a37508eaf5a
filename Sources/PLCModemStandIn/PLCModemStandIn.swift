import Buffers
import ControlLoop
import HAL
import HomePlugAV

/// A stand-in for a HomePlug Green PHY modem, for tests, the `sim` board and `boardctl slac` on a
/// veth pair, where no QCA7000 answers CM_SET_KEY and nothing measures attenuation (slac.md §11.5).
///
/// It sits between a host port (what the SLAC controller's link is joined to) and a wire (the
/// other modem's wire, or a real veth), and does what the modem would:
/// * answers CM_SET_KEY.REQ, VS_SW_VER.REQ and VS_RS_DEV.REQ that its host sends to
///   00:B0:52:00:00:01, and keeps the key;
/// * forwards every other frame both ways;
/// * as an EVSE's modem, injects one 85-byte CM_ATTEN_PROFILE.IND towards its host right after each
///   CM_MNBC_SOUND.IND it forwards from the wire.
///
/// With `emulatesFarEVSEModem` it also plays the modem of an EVSE whose host has none (pyslac's EVSE
/// at the other end of a veth): it answers CM_SET_KEY.REQ arriving from the wire, and after each
/// sound its own host sends it puts a CM_ATTEN_PROFILE.IND on the wire.
public final class PLCModemStandIn: IOSource {
    public let name: String
    public let host: any EthernetLink
    public let wire: any EthernetLink
    public var configuration: Configuration

    public enum Role: Sendable {
        /// The EVSE's modem: measures sounds from the wire into CM_ATTEN_PROFILE.IND for its host.
        case evse
        /// The EV's modem: sounds pass through.
        case ev
    }

    public struct Configuration: Sendable {
        public var role: Role
        /// The modem's own MAC (source of its answers).
        public var modemMAC: MACAddress
        /// CM_SET_KEY.CNF result: 0x01 as QCA firmware answers (slac.md §2.2).
        public var setKeyResult: UInt8 = SetKeyConfirm.qcaAccepted
        public var emulatesFarEVSEModem = false
        /// Attenuation of group g (0…57): `attenuationBase + g * attenuationSlope / 58 + jitter`, with
        /// jitter in 0…`attenuationJitter` from `seed` (EVerest's emulator draws 20…27 dB).
        public var attenuationBase = 20
        public var attenuationSlope = 10
        public var attenuationJitter = 7
        public var seed: UInt64 = 0x5EED
        public var firmwareVersion = "MAC-QCA7000-1.2.5.3207-00-20170803-CS (ChargeKit stand-in)"
        public init(role: Role, modemMAC: MACAddress) {
            self.role = role
            self.modemMAC = modemMAC
        }
    }

    /// The key the host set last.
    public private(set) var nid = NetworkID.zero
    public private(set) var nmk = NetworkMembershipKey.zero
    public private(set) var setKeyAnswers = 0
    public private(set) var profilesSent = 0
    public private(set) var framesForwarded = 0
    public private(set) var lastError: EthernetError?
    public private(set) var errorCount = 0

    private let frame = FrameBuffer(capacity: 2048)
    private let out = FrameBuffer(capacity: 2048)
    private var hostMAC = MACAddress.broadcast
    private var farHostMAC = MACAddress.broadcast
    private var state: UInt64

    public init(name: String = "plc-modem-stand-in", host: any EthernetLink, wire: any EthernetLink, configuration: Configuration) {
        self.name = name
        self.host = host
        self.wire = wire
        self.configuration = configuration
        state = configuration.seed
    }

    public var pollDescriptor: Int32? { wire.pollDescriptor ?? host.pollDescriptor }

    public func service(_ now: MonotonicInstant) { move() }

    public func service(_ now: MonotonicInstant, events: PollEvents) -> ServiceOutcome { .moved(move()) }

    public func pump(_ context: TickContext) { move() }

    /// Moves everything waiting on either side; returns the number of frames taken.
    @discardableResult
    public func move() -> Int {
        var taken = 0
        do throws(EthernetError) {
            let buffer = frame
            while try host.receive(into: buffer) {
                taken += 1
                fromHost(buffer)
            }
            while try wire.receive(into: buffer) {
                taken += 1
                fromWire(buffer)
            }
        } catch {
            lastError = error
            errorCount &+= 1
        }
        return taken
    }

    // MARK: - Directions

    private func fromHost(_ buffer: FrameBuffer) {
        let parsed = try? HomePlugFrame.parse(buffer.bytes)
        if let parsed { hostMAC = parsed.source }
        if let parsed, parsed.destination == SlacConstants.localModem {
            answerLocal(parsed, on: host)
            return
        }
        forward(buffer, to: wire)
        if configuration.emulatesFarEVSEModem, let parsed, case .mnbcSoundIndication = parsed.message {
            sendProfile(for: parsed.source, to: farHostMAC, on: wire)
        }
    }

    private func fromWire(_ buffer: FrameBuffer) {
        let parsed = try? HomePlugFrame.parse(buffer.bytes)
        if let parsed, parsed.destination == SlacConstants.localModem {
            // Meant for the far host's own modem: on a powerline it never crosses.
            if configuration.emulatesFarEVSEModem {
                farHostMAC = parsed.source
                answerLocal(parsed, on: wire)
            }
            return
        }
        if configuration.emulatesFarEVSEModem, let parsed, case .slacParmConfirm = parsed.message { farHostMAC = parsed.source }
        forward(buffer, to: host)
        if configuration.role == .evse, let parsed, case .mnbcSoundIndication = parsed.message {
            sendProfile(for: parsed.source, to: hostMAC, on: host)
        }
    }

    private func forward(_ buffer: FrameBuffer, to link: any EthernetLink) {
        do throws(EthernetError) {
            if try link.send(buffer.bytes) { framesForwarded &+= 1 }
        } catch {
            lastError = error
            errorCount &+= 1
        }
    }

    // MARK: - What the modem answers itself

    private func answerLocal(_ request: HomePlugFrame, on link: any EthernetLink) {
        let reply: HomePlugMessage
        switch request.message {
        case .setKeyRequest(let req):
            nid = req.nid
            nmk = req.nmk
            setKeyAnswers &+= 1
            var cnf = SetKeyConfirm(result: configuration.setKeyResult)
            cnf.myNonce = req.yourNonce
            cnf.yourNonce = req.myNonce
            reply = .setKeyConfirm(cnf)
        case .softwareVersionRequest:
            reply = .softwareVersionConfirm(SoftwareVersionConfirm(version: configuration.firmwareVersion))
        case .resetDeviceRequest:
            reply = .resetDeviceConfirm(ResetDeviceConfirm(status: 0))
        default:
            return
        }
        send(HomePlugFrame(destination: request.source, source: configuration.modemMAC, message: reply), on: link)
    }

    /// One CM_ATTEN_PROFILE.IND with 58 groups (slac.md §2.8).
    private func sendProfile(for pev: MACAddress, to destination: MACAddress, on link: any EthernetLink) {
        var groups = AttenuationGroups(count: AttenuationGroups.standardCount, repeating: 0)
        let c = configuration
        var g = 0
        while g < AttenuationGroups.standardCount {
            let jitter = c.attenuationJitter > 0 ? Int(nextRandom() % UInt64(c.attenuationJitter + 1)) : 0
            groups[g] = UInt8(clamping: max(1, c.attenuationBase + g * c.attenuationSlope / 58 + jitter))
            g += 1
        }
        profilesSent &+= 1
        send(HomePlugFrame(destination: destination, source: c.modemMAC,
                           message: .attenProfileIndication(AttenProfileIndication(pevMAC: pev, groups: groups))), on: link)
    }

    private func send(_ f: HomePlugFrame, on link: any EthernetLink) {
        let buffer = out
        var span = buffer.mutableBytes
        guard let n = try? f.encode(into: &span) else { return }
        buffer.setCount(n)
        forward(buffer, to: link)
    }

    private func nextRandom() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
