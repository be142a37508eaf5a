import CoreTypes

/// What the DC supply (the power modules) is asked to do.
@frozen
public enum DCSupplyMode: Sendable, Equatable, BitwiseCopyable, CustomStringConvertible {
    /// No power processing. The supply reports `off` only once its output current is safe for opening
    /// the contactors (power_supply_DC's setMode(Off) "returns only once current is safe to break",
    /// v2g-session.md §2 line 48, in the loop's non-blocking form).
    case off
    /// Energy to the vehicle: regulate to the voltage setpoint, never above the current setpoint.
    case export
    /// Energy from the vehicle (bidirectional supplies only; not used by the controllers yet).
    case `import`

    @inlinable public var ordinal: Int {
        switch self {
        case .off: 0
        case .export: 1
        case .import: 2
        }
    }

    @inlinable public static func == (a: Self, b: Self) -> Bool { a.ordinal == b.ordinal }

    public var description: String {
        switch self {
        case .off: "off"
        case .export: "export"
        case .import: "import"
        }
    }
}

/// A voltage target and a current limit for the supply, in volts and amperes.
@frozen
public struct DCSetpoint: Sendable, Equatable, BitwiseCopyable, CustomStringConvertible {
    public var volts: Double
    public var amps: Double

    @inlinable public init(volts: Double, amps: Double) {
        self.volts = volts
        self.amps = amps
    }

    @inlinable public static var zero: DCSetpoint { DCSetpoint(volts: 0, amps: 0) }

    public var description: String { "\(oneDecimal(volts)) V / \(oneDecimal(amps)) A" }
}

/// What the supply can deliver (power_supply_DC's capabilities).
@frozen
public struct DCSupplyCapabilities: Sendable, Equatable, BitwiseCopyable {
    public var maxVolts: Double
    public var minVolts: Double
    public var maxAmps: Double
    public var maxWatts: Double

    public init(maxVolts: Double, minVolts: Double = 0, maxAmps: Double, maxWatts: Double) {
        self.maxVolts = maxVolts
        self.minVolts = minVolts
        self.maxAmps = maxAmps
        self.maxWatts = maxWatts
    }
}

/// Why the supply stopped delivering on its own.
@frozen
public enum DCSupplyFault: Sendable, Equatable, BitwiseCopyable, CustomStringConvertible {
    /// The modules tripped (internal protection: over-current, over-temperature, hardware fault).
    case tripped
    /// The link to the modules is lost (CAN silence, UART silence).
    case communicationLost

    @inlinable public static func == (a: Self, b: Self) -> Bool {
        switch (a, b) {
        case (.tripped, .tripped), (.communicationLost, .communicationLost): true
        default: false
        }
    }

    public var description: String {
        switch self {
        case .tripped: "supply tripped"
        case .communicationLost: "supply link lost"
        }
    }
}

/// What the supply reports about itself.
@frozen
public struct DCSupplyReadback: Sendable, Equatable, BitwiseCopyable {
    /// The mode in force: after `setMode(.off)` it stays `export` until the output current is safe to
    /// break, then reads `off`.
    public var mode: DCSupplyMode
    /// The supply's own output voltage and current (its side of the contactors).
    public var volts: Double
    public var amps: Double
    public var fault: DCSupplyFault?
    /// When these values were measured.
    public var at: MonotonicInstant

    public init(mode: DCSupplyMode = .off, volts: Double = 0, amps: Double = 0, fault: DCSupplyFault? = nil,
                at: MonotonicInstant = .zero) {
        self.mode = mode
        self.volts = volts
        self.amps = amps
        self.fault = fault
        self.at = at
    }

    @inlinable public var isOff: Bool { mode.ordinal == 0 }
}

/// The DC supply behind the charger's output contactors: power modules over CAN, the ESP32 helper's
/// `dc.*` calls, or the simulated plant.
///
/// Contract: every call returns at once and never allocates. `setMode(.off)` starts the switch-off;
/// `readback.mode` reads `off` only once the current is safe for opening the contactors. Readback is
/// refreshed by the implementation's own pump, once per tick before the controllers.
public protocol DCSupply: AnyObject {
    var capabilities: DCSupplyCapabilities { get }
    func setMode(_ mode: DCSupplyMode)
    /// The export voltage target and current limit (taken whatever the mode; used in `export`).
    func setExport(_ setpoint: DCSetpoint)
    var readback: DCSupplyReadback { get }
}

/// One decimal, for logs ("412.5").
public func oneDecimal(_ value: Double) -> String {
    let tenths = (value * 10).rounded()
    let sign = tenths < 0 ? "-" : ""
    let a = abs(Int64(tenths))
    return "\(sign)\(a / 10).\(a % 10)"
}
