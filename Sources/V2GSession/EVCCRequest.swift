import CoreTypes
import V2G

/// Everything the EVCC puts into its next request, whatever the protocol: the battery's demand
/// and what earlier responses fixed (the charge service, the schedule). Fixed size, rebuilt per
/// request by `EVCCSession` and encoded by `EVCCDINMessages`/`EVCCISO2Messages`.
@frozen
public struct EVCCRequest: Sendable, Equatable, BitwiseCopyable {
    public var kind: V2GRequestKind = .sessionSetup
    /// EVCCID: the car's MAC address.
    public var evccID: MACAddress = .zero
    /// The battery's demand at the time of sending (targets, limits, SoC, completion).
    public var demand = EVChargeDemand()
    /// PreChargeReq: the voltage to reach (the battery's) and the current allowed (≤ 2 A).
    public var prechargeVolts: Double = 0
    public var prechargeAmps: Double = 0
    /// ChargeParameterDiscoveryReq: EVEnergyCapacity, EVEnergyRequest (Wh), FullSOC, BulkSOC (%).
    public var energyCapacityWattHours: Double = 0
    public var energyRequestWattHours: Double = 0
    public var fullSoC: Double = 100
    public var bulkSoC: Double = 80
    /// From ServiceDiscoveryRes: the charge service to select.
    public var chargeServiceID: UInt16 = 1
    /// From ChargeParameterDiscoveryRes (ISO 15118-2): the schedule to follow, and its PMax for
    /// the ChargingProfile (NaN: none offered).
    public var scheduleTupleID: UInt8 = 1
    public var scheduleMaxWatts: Double = .nan
    public var sendsChargingProfile = true

    public init() {}
}
