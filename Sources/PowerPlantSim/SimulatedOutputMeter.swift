import Contracts
import CoreTypes

/// The plant's output meter (inlet side of the contactors) behind the `OutputMeter` contract.
public final class SimulatedOutputMeter: OutputMeter {
    public internal(set) var measurement = OutputMeasurement()
    init() {}
}
