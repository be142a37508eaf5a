import Contracts
import PowerPath

extension Charger {
    /// Out of service from the first tick: an earlier run recorded that the power path latched `fault`
    /// (`OutOfServiceRecord`, chargerd's state directory), and a restart must not hide a welded
    /// contactor. Every power path refuses every step until a service reset, and our pilot (own-stack
    /// boards) signals state F from the first tick. Call before the loop runs.
    public func startOutOfService(_ fault: PowerFault) {
        for p in powerPaths { p.startOutOfService(fault) }
        outOfServicePilot?.holdUnavailable()
    }
}
