import Contracts
import Drivers
import SimBoard
import ChargerAssembly
import Boards
import ControlPilot
import HAL

/// The far side of the direct Pi CP board for tests: a vehicle on the CP line, the ±12 V driver fed by
/// the simulated PWM channel, and the two peak-hold channels into a simulated ADS1115 (register-level:
/// config writes select the input, conversion reads return the code for that input's voltage).
final class DirectPilotModel {
    enum Vehicle { case a, b, c, d, e, f }

    let pwm: SimulatedPWMChannel
    let i2c: SimulatedI2CDevice
    let calibration: PilotADCCalibration
    let fullScale: ADS1115.FullScale = .millivolts4096
    var vehicle = Vehicle.a
    var diodePresent = true
    /// The driver stage inverts the PWM pin (the front end must write period − duty).
    var driverInverts = false
    /// Added to the next high-plateau conversion only (a one-sample glitch), then cleared.
    var glitchNextHigh: Int32?
    /// Conversions that never finish (OS stays 0).
    var stuck = false
    private(set) var config: UInt16 = 0x8583
    private(set) var conversions = 0

    init(calibration: PilotADCCalibration = PilotADCCalibration(), pwm: SimulatedPWMChannel = SimulatedPWMChannel(),
         i2c: SimulatedI2CDevice = SimulatedI2CDevice(bus: "/dev/i2c-1", address: 0x48)) {
        self.calibration = calibration
        self.pwm = pwm
        self.i2c = i2c
        i2c.backend.onWrite = { [unowned self] register, word in
            if register == ADS1115.Register.config.rawValue { config = word.byteSwapped }
        }
        i2c.backend.onRead = { [unowned self] register in
            switch register {
            case ADS1115.Register.config.rawValue:
                return (stuck ? config & 0x7FFF : config | 0x8000).byteSwapped
            case ADS1115.Register.conversion.rawValue:
                conversions += 1
                let input = ADS1115.input(ofConfig: config)
                var line = input == .ain0 ? highPlateau : lowPlateau
                if input == .ain0, let g = glitchNextHigh {
                    line = g
                    glitchNextHigh = nil
                }
                let code = ADS1115.code(microvolts: calibration.pinMicrovolts(lineMillivolts: line), fullScale: fullScale)
                return UInt16(bitPattern: code).byteSwapped
            default:
                return nil
            }
        }
    }

    /// The positive plateau on the CP line, mV.
    var highPlateau: Int32 {
        let pin = pwm.backend.dutyPermille
        if (driverInverts ? 1000 - pin : pin) == 0 { return -12_000 } // steady −12 V (or off)
        switch vehicle {
        case .a: return 12_000
        case .b: return 9_000
        case .c: return 6_000
        case .d: return 3_000
        case .e: return 0
        case .f: return -12_000
        }
    }

    /// The negative plateau, mV: −12 V through the vehicle's diode; with the diode shorted the
    /// vehicle's resistor loads the negative half-wave too.
    var lowPlateau: Int32 {
        switch vehicle {
        case .a, .f: return -12_000
        case .e: return 0
        case .b, .c, .d: return diodePresent ? -12_000 : -highPlateau
        }
    }
}

/// A direct-board charger: model + front end + controller in a deterministic 1 ms loop.
final class DirectBench: PilotBench {
    let model: DirectPilotModel
    let frontEnd: DirectPilotFrontEnd

    init(configuration: ControlPilotConfiguration = ControlPilotConfiguration(),
         frontEnd feConfiguration: DirectPilotConfiguration = DirectPilotConfiguration(), facts: ChargerFacts? = nil) {
        model = DirectPilotModel(calibration: feConfiguration.calibration)
        model.driverInverts = feConfiguration.invertedDriver
        frontEnd = DirectPilotFrontEnd(pwm: model.pwm, adc: ADS1115(device: model.i2c), configuration: feConfiguration)
        super.init(source: frontEnd, pilot: ControlPilot(frontEnd: frontEnd, facts: facts, configuration: configuration),
                   defaultLimit: 2_000)
    }

    func startCharging() -> Bool {
        step(20)
        model.vehicle = .b
        guard run(until: .readyForSLAC) != nil else { return false }
        model.vehicle = .c
        guard run(until: .evRequestsPower(ventilation: false)) != nil else { return false }
        pilot.setEnergyTransfer(true)
        step(50)
        return pilot.state == .c && !pilot.emergencyStopLatched
    }
}
