import Boards
import Contracts
import PowerPlantSim
import Scenarios
import SimBoard
import V2GSession

/// How a scenario file reaches the `sim` composition: its plant settings go to the simulated plant,
/// its car (protocols, battery, scripted stop) to the simulated car, its events to a
/// `ScenarioDirector` registered after the car; at the end `scenarioObservation` gathers what its
/// expectation is checked against.
extension Charger {
    /// What the scenario's expectation is checked against, now (call after the run).
    public func scenarioObservation() -> ScenarioObservation? {
        guard let director = scenarioDirector, let plant, let car = vehicle?.charging else { return nil }
        let v2g = facts.v2g.value
        let session = recorder.last ?? recorder.current
        return ScenarioObservation(
            stopReason: v2g.stopReason, negotiated: v2g.negotiated ?? session.negotiated, reachedPhases: director.reachedPhases,
            powerFault: director.firstPowerFault, supplyOff: plant.supply.readback.isOff, contactorsOpen: plant.contactors.status.isOpen,
            carContactorsOpen: !plant.vehicleContactorsClosed, soc: car.battery.soc, targetSoC: car.battery.targetSoC,
            meterWattHours: session.energyWattHours, batteryWattHours: car.battery.deliveredWattHours, readyAgain: director.readyAgain)
    }
}

extension Charger {
    /// Opens a simulated board with `scenario` played on it (the defaults otherwise): what
    /// `chargerd --board sim --scenario FILE` and the scenario tests compose.
    /// `carTimers` replaces the car's V2G timers (tests on a loaded machine: the 250 ms CurrentDemandRes
    /// timer is a wall-clock limit there, and scenarios are about outcomes, not timing).
    public static func open(_ board: BoardDefinition, scenario: Scenario,
                            carTimers: EVCCTimers? = nil) throws(ChargerAssemblyError) -> Charger {
        var options = Options()
        options.scenario = scenario
        if let carTimers { options.vehicleEVCC.timers = carTimers }
        return try open(board, options: options)
    }
}
