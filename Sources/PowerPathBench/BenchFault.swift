import Contracts
import PowerPlantSim

/// A fault the bench can inject: one of the plant's, or the pilot lost (CP to A with an emergency stop).
public enum BenchFault: Sendable, Equatable, CustomStringConvertible {
    case plant(PlantFault)
    case pilotLost

    /// The faults of the matrix (issue 13's list, plus the pilot).
    public static let matrix: [BenchFault] = [
        .plant(.isolationDrops), .plant(.supplyTrips), .plant(.overshoot), .plant(.contactorWelds),
        .plant(.contactorDoesNotClose), .plant(.readingStops), .pilotLost,
    ]

    public init?(name: String) {
        if name == "pilot-lost" { self = .pilotLost; return }
        guard let f = PlantFault(rawValue: name) else { return nil }
        self = .plant(f)
    }

    public static var names: [String] { PlantFault.allCases.map(\.rawValue) + ["pilot-lost"] }

    public var description: String {
        switch self {
        case .plant(let f): f.rawValue
        case .pilotLost: "pilot-lost"
        }
    }
}

/// The phases a fault is injected in, and when after the phase starts.
public enum BenchPhase: String, Sendable, CaseIterable, CustomStringConvertible {
    case cableCheck = "cable-check"
    case precharge
    case charging
    case stop
    case welding

    public var phase: PowerPhase {
        switch self {
        case .cableCheck: .cableCheck
        case .precharge: .precharge
        case .charging: .charging
        case .stop: .stopping
        case .welding: .weldingCheck
        }
    }

    /// Ticks after the phase starts (charging: once current flows).
    public var injectAfterTicks: UInt64 { self == .charging ? 1000 : 0 }

    public var description: String { rawValue }
}
