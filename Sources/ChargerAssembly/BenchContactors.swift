import Boards
import Contracts
import ControlLoop
import HAL
import PowerDrivers
import PowerPlantSim

/// The contactors of a bench board with `simulated_power_plant: true`: the board's real coil outputs
/// and auxiliary contacts (`GPIOContactors`), with every command also given to the simulated plant's
/// poles so the simulated DC side (inlet voltage, battery current) follows what the coils were told.
/// The power path judges the real auxiliary contacts only: a coil that is commanded but whose contact
/// does not follow is a fault, as on a real charger.
public final class BenchContactors: DCContactors {
    public let gpio: GPIOContactors
    private let plant: SimulatedContactors

    public init(gpio: GPIOContactors, plant: SimulatedContactors) {
        self.gpio = gpio
        self.plant = plant
    }

    /// The board's four contactor lines (coils and auxiliary contacts by role), when all four opened.
    public static func gpioContactors(_ devices: BoardDevices) -> GPIOContactors? {
        func line(_ role: DeviceRole) -> (any GPIOLine)? {
            guard let d = devices.board.device(role: role), case .gpio(let l)? = devices[d.name] else { return nil }
            return l
        }
        guard let plus = line(.contactorDCPlus), let minus = line(.contactorDCMinus),
              let plusFeedback = line(.contactorDCPlusFeedback), let minusFeedback = line(.contactorDCMinusFeedback) else { return nil }
        return GPIOContactors(plus: plus, minus: minus, plusFeedback: plusFeedback, minusFeedback: minusFeedback)
    }

    public func close(_ now: MonotonicInstant) {
        gpio.close(now)
        plant.close(now)
    }

    public func open(_ now: MonotonicInstant) {
        gpio.open(now)
        plant.open(now)
    }

    public var status: ContactorStatus { gpio.status }
}
