import Boards
import CoreTypes
import Glibc
import HAL
import WhitebeetEmulator
import WhitebeetHCI
import WhitebeetHost

/// `boardctl probe` on a `whitebeet-host` device: asks the module for its firmware version
/// (0x10/0x41, whitebeet-hci.md §5) over the board's transport, Ethernet or SPI, which tells a maker
/// that the link, the strapping and the MAC are right and which API generation (§0.1) the module
/// speaks. On a simulated board the emulated module answers.
public enum WhitebeetProbe {
    /// Sends the version request and waits for its outcome, ticking `module` (an emulator) in step.
    public static func firmwareVersion(host: WhitebeetHostLink, module: WhitebeetModuleEmulator?, timeout: Nanoseconds,
                                       clock: any MonotonicClock = SystemMonotonicClock()) -> WhitebeetHostLink.Outcome {
        let start = clock.now()
        host.submit(.getFirmwareVersion, now: start)
        while true {
            let now = clock.now()
            module?.tick(now)
            host.poll(now)
            if let outcome = host.takeOutcome() { return outcome }
            if now - start > timeout + .milliseconds(100) { return .timedOut(attempts: 0) }
            usleep(500)
        }
    }

    /// The role probe: adds the firmware version to the device's report, or turns it to an error
    /// that says what to check. `devices` are the board's devices the probe opened.
    public static func roleProbe(_ devices: ProbedDevices) -> RoleProbe {
        { _, definition, probe in
            guard let board = devices.board else { return }
            let wiring: WhitebeetWiring
            do throws(WhitebeetWiring.Failure) {
                wiring = try WhitebeetWiring.make(board: board, device: devices.lookup,
                                                  gen1Car: definition.whitebeetFirmware == .gen1 ? ScriptedGen1CarSession() : nil)
            } catch {
                probe.status = .error
                probe.errorKind = .invalidArgument
                probe.details += "; " + error.description
                return
            }
            var configuration = WhitebeetHostLink.Configuration()
            configuration.responseTimeout = .milliseconds(500)
            configuration.timeoutRetries = 1
            let host = WhitebeetHostLink(transport: wiring.transport, configuration: configuration)
            let outcome = firmwareVersion(host: host, module: wiring.emulator, timeout: .seconds(1))
            if case .answered(let r) = outcome, case .firmwareVersion(let v) = r.body {
                let api = EVSEFirmwareGeneration(firmwareVersion: v)
                let generation = api == .gen1 ? "generation 1" : "generation 2"
                probe.details += "; WHITE-beet firmware \(v) (\(wiring.summary)\(wiring.emulator != nil ? ", emulated" : ""))"
                // The board's `firmware:` must name the API the module speaks, or chargerd refuses it (§0.1).
                if let api, api != definition.whitebeetFirmware {
                    probe.status = .error
                    probe.errorKind = .invalidArgument
                    probe.details += ": the module speaks EVSE \(generation), the board says firmware: \(definition.whitebeetFirmware.rawValue)"
                        + " (set firmware: \(api.rawValue) on \(definition.name))"
                }
                probe.identity["whitebeet_firmware"] = v.string
                probe.identity["whitebeet_transport"] = wiring.summary
                if v.count >= 1, v[0] == UInt8(ascii: "V") { probe.identity["whitebeet_evse_api"] = generation }
            } else {
                probe.status = .error
                probe.errorKind = .timeout
                let hint = definition.kind == .spi
                    ? "powered, strapped for SPI host mode (PC2 high, PA4 low), RX_READY/TX_PENDING wired?"
                    : "powered, cabled to this interface, peer_mac = label MAC − 2?"
                probe.details += "; no firmware version from the WHITE-beet over \(wiring.summary) (\(outcome)): \(hint)"
            }
        }
    }
}

/// The devices a probe opened, by role, recorded by wrapping the board's device factory (a role
/// probe sees one device; the SPI host interface needs its three lines as well).
public final class ProbedDevices: DeviceFactory {
    public private(set) var board: BoardDefinition?
    private var inner: (any DeviceFactory)?
    private var opened: [String: OpenedDevice] = [:]

    public init() {}

    /// Wraps `factory` for `board` (the `factory:` argument of `BoardTool.probe`).
    public func wrap(_ board: BoardDefinition, _ factory: any DeviceFactory) -> any DeviceFactory {
        self.board = board
        inner = factory
        return self
    }

    public func lookup(_ role: DeviceRole) -> (DeviceDefinition, OpenedDevice)? {
        guard let d = board?.device(role: role), let o = opened[d.name] else { return nil }
        return (d, o)
    }

    public func openSPI(_ spec: SPIDeviceSpec, for device: DeviceDefinition) throws(SPIError) -> any SPIDevice {
        let d = try inner!.openSPI(spec, for: device)
        opened[device.name] = .spi(d)
        return d
    }

    public func openSerial(_ spec: SerialDeviceSpec, for device: DeviceDefinition) throws(SerialError) -> any SerialPort {
        let d = try inner!.openSerial(spec, for: device)
        opened[device.name] = .serial(d)
        return d
    }

    public func openGPIO(_ spec: GPIODeviceSpec, for device: DeviceDefinition) throws(GPIOError) -> any GPIOLine {
        let d = try inner!.openGPIO(spec, for: device)
        opened[device.name] = .gpio(d)
        return d
    }

    public func openCAN(_ spec: CANDeviceSpec, for device: DeviceDefinition) throws(CANError) -> any CANBus {
        let d = try inner!.openCAN(spec, for: device)
        opened[device.name] = .can(d)
        return d
    }

    public func openEthernet(_ spec: EthernetDeviceSpec, for device: DeviceDefinition) throws(EthernetError) -> any EthernetLink {
        let d = try inner!.openEthernet(spec, for: device)
        opened[device.name] = .ethernet(d)
        return d
    }

    public func openI2C(_ spec: I2CDeviceSpec, for device: DeviceDefinition) throws(I2CError) -> any I2CDevice {
        let d = try inner!.openI2C(spec, for: device)
        opened[device.name] = .i2c(d)
        return d
    }

    public func openPWM(_ spec: PWMDeviceSpec, for device: DeviceDefinition) throws(PWMError) -> any PWMChannel {
        let d = try inner!.openPWM(spec, for: device)
        opened[device.name] = .pwm(d)
        return d
    }

    public func gpioChipInfo(_ chip: String) throws(GPIOError) -> GPIOChipSummary {
        try inner!.gpioChipInfo(chip)
    }
}
