import CoreTypes

/// The vehicle's limits as its protocol announced them (ChargeParameterDiscovery in DIN/ISO, the
/// EV_Information frames of ADVANTICS).
@frozen
public struct EVLimits: Sendable, Equatable, BitwiseCopyable {
    public var maxVolts: Double
    public var maxAmps: Double

    public init(maxVolts: Double, maxAmps: Double) {
        self.maxVolts = maxVolts
        self.maxAmps = maxAmps
    }

    @inlinable public static var unknown: EVLimits { EVLimits(maxVolts: 0, maxAmps: 0) }
}

/// One step a protocol layer asks of the power path.
@frozen
public enum PowerStep: Sendable, Equatable, BitwiseCopyable, CustomStringConvertible {
    /// Nothing; also acknowledges a failure (the power path leaves its safe stop for idle).
    case idle
    /// Cable check: close the contactors, apply the test voltage of Formula CC.1 (from `EVLimits`),
    /// self-test the IMD, measure the isolation, lower the output below the safe voltage.
    case cableCheck
    /// Regulate the output to `targetVolts` with at most the precharge current.
    case precharge(targetVolts: Double)
    /// Energy transfer: follow `targetVolts`/`targetAmps` within the vehicle's limits, ramping the current.
    case charge(targetVolts: Double, targetAmps: Double)
    /// Current to zero, then the contactors open.
    case stop
    /// Contactors open: the inlet voltage must decay below the safe voltage in time.
    case weldingCheck

    @inlinable public var ordinal: Int {
        switch self {
        case .idle: 0
        case .cableCheck: 1
        case .precharge: 2
        case .charge: 3
        case .stop: 4
        case .weldingCheck: 5
        }
    }

    public static func == (a: Self, b: Self) -> Bool {
        switch (a, b) {
        case (.idle, .idle), (.cableCheck, .cableCheck), (.stop, .stop), (.weldingCheck, .weldingCheck): true
        case (.precharge(let x), .precharge(let y)): x == y
        case (.charge(let v1, let i1), .charge(let v2, let i2)): v1 == v2 && i1 == i2
        default: false
        }
    }

    public var description: String {
        switch self {
        case .idle: "idle"
        case .cableCheck: "cable check"
        case .precharge(let v): "precharge to \(oneDecimal(v)) V"
        case .charge(let v, let i): "charge at \(oneDecimal(v)) V / \(oneDecimal(i)) A"
        case .stop: "stop"
        case .weldingCheck: "welding check"
        }
    }
}

/// What the way of reaching the car (our SECC, the WHITE-beet driver, the ADVANTICS driver) asks of
/// the power path (`ChargerFacts.powerRequest`). A new step gets a new `sequence`, so the requester
/// can tell the outcome of its own step in `PowerPathStatus.sequence`; a charge step keeps its
/// sequence while its targets change.
@frozen
public struct PowerRequest: Sendable, Equatable, BitwiseCopyable {
    public var sequence: UInt32
    public var step: PowerStep
    public var ev: EVLimits

    public init(sequence: UInt32 = 0, step: PowerStep = .idle, ev: EVLimits = .unknown) {
        self.sequence = sequence
        self.step = step
        self.ev = ev
    }
}
