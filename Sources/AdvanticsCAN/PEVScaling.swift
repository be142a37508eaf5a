/// The PEV interface's firmware-release variants (advantics-can.md §2.8 and the field-order conflict
/// of §2.5): which resolution the installed EVCC firmware uses is not stated anywhere, so it is an
/// explicit setting (a board file's `pev_scaling`), never a guess. The default is the reference
/// database, revision 2.5.
public struct PEVScaling: Sendable, Equatable, CustomStringConvertible {
    /// `EVSE_Information.Max_Current`, `DC_Status1.Max_Charge_Current` and `Present_Current` per bit.
    public enum CurrentResolution: Sendable, Equatable { case oneAmp, tenthAmp }
    /// `Energy_Capacity` and the energy requests per bit.
    public enum EnergyResolution: Sendable, Equatable { case tenthKilowattHour, hundredthKilowattHour }
    /// Where `EV_Energy_Request` puts Maximum and Minimum: the databases (Maximum at bit 16) or the
    /// example simulator (Minimum at bit 16).
    public enum EnergyFieldOrder: Sendable, Equatable { case database, exampleSimulator }

    public var current: CurrentResolution
    public var energy: EnergyResolution
    public var energyOrder: EnergyFieldOrder

    public init(current: CurrentResolution = .oneAmp, energy: EnergyResolution = .tenthKilowattHour,
                energyOrder: EnergyFieldOrder = .database) {
        self.current = current
        self.energy = energy
        self.energyOrder = energyOrder
    }

    /// DB revision 2.5, the documented default (1 A, 0.1 kWh, database order).
    public static let reference = PEVScaling()
    /// The early v2 database of the example monitor and simulator (0.1 A, 0.01 kWh).
    public static let exampleDatabase = PEVScaling(current: .tenthAmp, energy: .hundredthKilowattHour)

    /// The board-file spelling: `v2.5` (default), `v2-early` (the example database), or
    /// `amps=1|0.1,kwh=0.1|0.01,energy-order=database|simulator`.
    public init?(boardValue: String) {
        switch boardValue {
        case "v2.5", "reference": self = .reference
        case "v2-early", "example": self = .exampleDatabase
        default:
            var s = PEVScaling()
            for part in boardValue.split(separator: ",") {
                let kv = part.split(separator: "=", maxSplits: 1).map(String.init)
                guard kv.count == 2 else { return nil }
                switch (kv[0], kv[1]) {
                case ("amps", "1"): s.current = .oneAmp
                case ("amps", "0.1"): s.current = .tenthAmp
                case ("kwh", "0.1"): s.energy = .tenthKilowattHour
                case ("kwh", "0.01"): s.energy = .hundredthKilowattHour
                case ("energy-order", "database"): s.energyOrder = .database
                case ("energy-order", "simulator"): s.energyOrder = .exampleSimulator
                default: return nil
                }
            }
            self = s
        }
    }

    public var ampsPerBit: Double { current == .oneAmp ? 1 : 0.1 }
    public var kilowattHoursPerBit: Double { energy == .tenthKilowattHour ? 0.1 : 0.01 }

    public var description: String {
        "\(current == .oneAmp ? "1" : "0.1") A/bit, \(energy == .tenthKilowattHour ? "0.1" : "0.01") kWh/bit, "
            + "energy order \(energyOrder == .database ? "database" : "example simulator")"
    }
}

extension PEVInterfaceV2 {
    static let currentSignals: Set<String> = ["Max_Current", "Max_Charge_Current", "Present_Current"]
    static let energySignals: Set<String> = ["Energy_Capacity", "Target_Energy_Request", "Maximum_Energy_Request",
                                             "Minimum_Energy_Request", "Minimum_V2X_Energy_Request",
                                             "Maximum_V2X_Energy_Request"]

    /// The messages at the resolutions `scaling` names (setup time; allocates).
    public static func messages(_ scaling: PEVScaling) -> [CANMessageLayout] {
        if scaling == .reference { return reference }
        return reference.map { m in
            let signals = m.signals.map { s -> CANSignalLayout in
                let name = s.name.description
                var s = s
                if currentSignals.contains(name), scaling.current == .tenthAmp { s = s.rescaled(0.1) }
                if energySignals.contains(name), scaling.energy == .hundredthKilowattHour { s = s.rescaled(0.01) }
                if scaling.energyOrder == .exampleSimulator {
                    if name == "Maximum_Energy_Request" { s = s.moved(to: 32) }
                    if name == "Minimum_Energy_Request" { s = s.moved(to: 16) }
                }
                return s
            }
            return CANMessageLayout(m.name, id: m.id, extended: m.isExtended, length: m.length,
                                    fromController: m.fromController, cycleMilliseconds: m.cycleMilliseconds,
                                    signals: signals)
        }
    }
}
