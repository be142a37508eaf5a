import Boards
import Contracts
import ControlLoop
import ControlPilot
import Drivers
import HAL

/// Why a board's control pilot could not be put together.
public enum PilotAssemblyError: Error, CustomStringConvertible {
    /// Neither a cp-helper nor a cp-pwm + cp-adc pair is open.
    case noControlPilot(board: String)
    /// The board has a cp-helper but no pump moves its bytes.
    case noPump(device: String)
    /// A cp-pwm without a cp-adc (or the reverse).
    case incomplete(board: String, missing: DeviceRole)

    public var description: String {
        switch self {
        case .noControlPilot(let b): "board \(b) has no open control-pilot hardware (role cp-helper, or cp-pwm with cp-adc)"
        case .noPump(let d): "no serial pump for \(d)"
        case .incomplete(let b, let r): "board \(b): the direct CP front end needs a device with role \(r.rawValue)"
        }
    }
}

/// The control pilot of a board, wired from its devices by role: the ESP32 helper link over the
/// cp-helper's serial pump, or the direct front end over cp-pwm and cp-adc (the helper wins when a
/// board has both).
public struct PilotAssembly {
    public let controller: ControlPilot
    public let frontEnd: any PilotFrontEnd
    /// Sources to add to the loop besides the board's pumps (the direct front end does its own I/O).
    public let sources: [any IOSource]
    public let helperLink: ESP32HelperLink?
    public let direct: DirectPilotFrontEnd?

    public static func make(devices: BoardDevices, pumps: [any IOSource], facts: ChargerFacts? = nil,
                            configuration: ControlPilotConfiguration = ControlPilotConfiguration(),
                            helper: ESP32HelperLinkConfiguration = ESP32HelperLinkConfiguration()) throws(PilotAssemblyError) -> PilotAssembly {
        let board = devices.board
        if let d = board.device(role: .cpHelper), devices[d.name] != nil {
            guard let pump = pumps.lazy.compactMap({ $0 as? SerialPump }).first(where: { $0.name == d.name }) else {
                throw .noPump(device: d.name)
            }
            let link = ESP32HelperLink(name: d.name, pump: pump, configuration: helper)
            return PilotAssembly(controller: ControlPilot(frontEnd: link, facts: facts, configuration: configuration), frontEnd: link,
                                 sources: [], helperLink: link, direct: nil)
        }
        let pwm = devices.pwm(.cpPWM)
        let adc = devices.i2c(.cpADC)
        if pwm == nil, adc == nil { throw .noControlPilot(board: board.name) }
        guard let pwm else { throw .incomplete(board: board.name, missing: .cpPWM) }
        guard let adc else { throw .incomplete(board: board.name, missing: .cpADC) }
        var direct = DirectPilotConfiguration()
        if case .pwm(let spec)? = board.device(role: .cpPWM)?.spec {
            direct.period = Nanoseconds(spec.periodNanoseconds)
            direct.invertedDriver = spec.inverted
        }
        let frontEnd = DirectPilotFrontEnd(name: board.device(role: .cpPWM)?.name ?? "cp", pwm: pwm,
                                           adc: ADS1115(device: adc), configuration: direct)
        return PilotAssembly(controller: ControlPilot(frontEnd: frontEnd, facts: facts, configuration: configuration), frontEnd: frontEnd,
                             sources: [frontEnd], helperLink: nil, direct: frontEnd)
    }
}
