/// A PWM duty cycle in per mille (0 … 1000): 50 = 5 %, 1000 = steady high.
public struct DutyCycle: Sendable, Equatable, Comparable, Hashable, BitwiseCopyable, CustomStringConvertible {
    public var permille: Int16

    @inlinable public init(permille: Int16) { self.permille = min(max(permille, 0), 1000) }
    @inlinable public init(percent: Int) { self.init(permille: Int16(clamping: percent * 10)) }

    public static let steadyHigh = DutyCycle(permille: 1000)
    public static let steadyLow = DutyCycle(permille: 0)
    /// 5 %: digital communication required (IEC 61851-1 Annex A; ISO 15118-3).
    public static let digitalCommunication = DutyCycle(permille: 50)

    @inlinable public static func < (a: Self, b: Self) -> Bool { a.permille < b.permille }

    public var description: String {
        permille % 10 == 0 ? "\(permille / 10) %" : "\(permille / 10).\(permille % 10) %"
    }
}

/// What the charger puts on the CP line.
public enum PilotPWM: Sendable, Equatable, Hashable, BitwiseCopyable, CustomStringConvertible {
    /// Steady +12 V, no PWM ("off": states A1/B1/C1, and the safe state).
    case steadyHigh
    /// 5 % PWM: digital communication required — what a DC charger signals for ISO 15118/DIN 70121.
    case digitalCommunication
    /// An AC current offer: a duty cycle from `PilotCurrent.dutyCycle(forMilliamps:)`.
    case currentLimit(DutyCycle)
    /// Steady −12 V: state F, "EVSE not available" (also the E/F step of ISO 15118-3 retries).
    case steadyLow

    public var dutyCycle: DutyCycle {
        switch self {
        case .steadyHigh: .steadyHigh
        case .digitalCommunication: .digitalCommunication
        case .currentLimit(let d): d
        case .steadyLow: .steadyLow
        }
    }

    /// True when the generator oscillates (so there is a negative half-wave to measure).
    public var oscillates: Bool { dutyCycle.permille > 0 && dutyCycle.permille < 1000 }

    public var description: String {
        switch self {
        case .steadyHigh: "off (+12 V)"
        case .digitalCommunication: "5 % (digital communication)"
        case .currentLimit(let d): "\(d) (\(PilotCurrent.meaning(of: d)))"
        case .steadyLow: "-12 V (state F)"
        }
    }
}

/// What a duty cycle tells the vehicle (IEC 61851-1:2017 Annex A, Table A.8 "pilot duty cycle
/// provided by the EVSE"; band edges as listed by the Fluke FEV300 manual, p. 11, which reproduces it).
public enum DutyMeaning: Sendable, Equatable, CustomStringConvertible {
    /// < 3 %, 7 % < d < 8 %, 97 % < d < 100 %: no charging allowed.
    case notAllowed
    /// 3 % … 7 %: digital communication required (5 % nominal).
    case digitalCommunication
    /// The maximum current the vehicle may draw, in milliamps.
    case current(milliamps: Int32)
    /// 100 %: no PWM; the vehicle may not charge.
    case steadyHigh

    public var description: String {
        switch self {
        case .notAllowed: "not allowed"
        case .digitalCommunication: "digital communication"
        case .current(let ma): "\(ma / 1000).\(ma % 1000 / 100) A"
        case .steadyHigh: "no PWM"
        }
    }
}

/// Why a current cannot be offered.
public enum PilotDutyError: Error, Sendable, Equatable {
    /// Below the 6 A minimum of the table: pause with steady +12 V instead.
    case belowMinimum(milliamps: Int32)
}

/// The duty-cycle ⇄ current formulas of IEC 61851-1 Annex A (Table A.8 in the 2017 edition), in exact
/// integer arithmetic on per mille and milliamps:
///
/// | duty d            | meaning                                  |
/// |-------------------|------------------------------------------|
/// | d < 3 %           | not allowed                              |
/// | 3 % ≤ d ≤ 7 %     | digital communication (5 % nominal)      |
/// | 7 % < d < 8 %     | not allowed                              |
/// | 8 % ≤ d < 10 %    | 6 A                                      |
/// | 10 % ≤ d ≤ 85 %   | I = d × 0.6 A      (= 60 mA per ‰)       |
/// | 85 % < d ≤ 96 %   | I = (d − 64) × 2.5 A (= 250 mA per ‰ above 640 ‰) |
/// | 96 % < d ≤ 97 %   | 80 A                                     |
/// | 97 % < d < 100 %  | not allowed                              |
/// | d = 100 %         | no PWM                                   |
public enum PilotCurrent {
    public static let minimumMilliamps: Int32 = 6_000
    public static let maximumMilliamps: Int32 = 80_000

    /// What `duty` tells the vehicle.
    @_noAllocation @_noLocks
    public static func meaning(of duty: DutyCycle) -> DutyMeaning {
        let p = Int32(duty.permille)
        if p < 30 { return .notAllowed }
        if p <= 70 { return .digitalCommunication }
        if p < 80 { return .notAllowed }
        if p < 100 { return .current(milliamps: 6_000) }
        if p <= 850 { return .current(milliamps: p * 60) }
        if p <= 960 { return .current(milliamps: (p - 640) * 250) }
        if p <= 970 { return .current(milliamps: 80_000) }
        if p < 1000 { return .notAllowed }
        return .steadyHigh
    }

    /// The duty cycle offering at most `milliamps`: the largest whole per mille whose meaning does not
    /// exceed the request (never offer more than is available). Above 80 A the offer is 80 A (96 %);
    /// between 51 A and 52.75 A it is 51 A (85 %), because no duty cycle means anything in between.
    @_noAllocation @_noLocks
    public static func dutyCycle(forMilliamps milliamps: Int32) throws(PilotDutyError) -> DutyCycle {
        guard milliamps >= minimumMilliamps else { throw .belowMinimum(milliamps: milliamps) }
        if milliamps <= 51_000 { return DutyCycle(permille: Int16(milliamps / 60)) }
        let capped = min(milliamps, maximumMilliamps)
        return DutyCycle(permille: Int16(max(850, capped / 250 + 640)))
    }
}
