import ArgumentParser
import ChargerAssembly
import CoreTypes
import Glibc
import HAL
import V2GSession
import WhitebeetEmulator
import WhitebeetHCI
import WhitebeetHost

/// `boardctl whitebeet`: bring-up tools for a WHITE-beet module on an Ethernet interface
/// (whitebeet-hci.md §1): read its firmware version, or emulate one so host code can be developed
/// without a module (e.g. on one end of a veth pair).
struct Whitebeet: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "whitebeet",
        abstract: "Talk to a WHITE-beet module over Ethernet (EtherType 0x6003), emulate one, or monitor a board's module.",
        subcommands: [Version.self, Emulate.self, Monitor.self])

    /// Reads the module's firmware version (0x10/0x41) over raw Ethernet.
    struct Version: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Read the module's firmware version over raw Ethernet (needs root or CAP_NET_RAW).")

        @Option(name: .long, help: "The host's interface on the module's link (e.g. eth1).")
        var interface: String

        @Option(name: .long, help: "The MAC printed on the module's label; its host interface is 2 below.")
        var labelMac: String?

        @Option(name: .long, help: "The module's host-interface MAC itself (default FreeV2G's 00:01:01:63:77:33).")
        var moduleMac: String?

        @Option(name: .long, help: "Seconds to wait for the answer.")
        var timeout: Double = 5

        func run() throws {
            let module: MACAddress
            if let labelMac {
                guard let label = MACAddress(labelMac) else { throw ValidationError("--label-mac: not a MAC address") }
                module = HCIEthernet.moduleMAC(fromLabel: label)
            } else {
                guard let mac = MACAddress(moduleMac ?? "00:01:01:63:77:33") else { throw ValidationError("--module-mac: not a MAC address") }
                module = mac
            }
            let link: LinuxEthernetLink
            do {
                link = try LinuxEthernetLink(interface: interface, etherType: HCIEthernet.etherType)
            } catch {
                printToStandardError("boardctl: whitebeet: \(error)\n")
                throw ExitCode(1)
            }
            var configuration = WhitebeetHostLink.Configuration()
            configuration.responseTimeout = .milliseconds(Int64(timeout * 1000))
            configuration.timeoutRetries = 0
            let host = WhitebeetHostLink(link: link, moduleMAC: module, configuration: configuration)
            let clock = SystemMonotonicClock()
            host.submit(.getFirmwareVersion, now: clock.now())
            while true {
                host.poll(clock.now())
                if let outcome = host.takeOutcome() {
                    if case .answered(let r) = outcome, case .firmwareVersion(let v) = r.body {
                        print("WHITE-beet \(module) on \(interface): firmware \(v)")
                        return
                    }
                    printToStandardError("boardctl: whitebeet: no firmware version from \(module) on \(interface): \(outcome)\n")
                    throw ExitCode(1)
                }
                usleep(1000)
            }
        }
    }

    /// Runs the module emulator (EVSE role) on an interface, in real time.
    struct Emulate: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Emulate a WHITE-beet-EI (EVSE role, firmware generation 2, a car on a battery model) or a WHITE-beet-PI (EV role, scripted charger) on an interface.",
            discussion: """
                Answers at the interface's own MAC. The car plugs in --plug-after seconds after the first \
                host frame and runs a DC session (authorisation, schedules, cable check, precharge, charge \
                loop, stop, welding detection). Its requests come from evsim's battery model (the pack of \
                the sim-whitebeet board's car: 1.5 kWh on the sim plant's voltage line); it asks to stop at \
                --target-soc. Prints each phase of the car's session and, at its end, the energy the pack took.
                """)

        @Option(name: .long, help: "Interface to answer on (e.g. one end of a veth pair).")
        var interface: String

        @Option(name: .long, help: "Role: evse (a WHITE-beet-EI with a scripted car) or ev (a WHITE-beet-PI with a scripted charger).")
        var role: String = "evse"

        @Option(name: .long, help: "Seconds to run.")
        var seconds: Double = 3600

        @Option(name: .long, help: "The EVSE firmware generation to play (evse role): gen2 (V02_01_00) or gen1 (V01_01_07, parameter requests with time-outs).")
        var firmware: String = "gen2"

        @Option(name: .long, help: "Seconds after the host's first frame until the car plugs in.")
        var plugAfter: Double = 1

        @Option(name: .long, help: "The car's SoC at plug-in, % (evse role).")
        var soc: Double?

        @Option(name: .long, help: "The SoC at which the car asks to stop, % (evse role).")
        var targetSoc: Double?

        @Option(name: .long, help: "The car's usable capacity, Wh (evse role).")
        var capacityWh: Double?

        func validate() throws {
            guard role == "evse" || role == "ev" else { throw ValidationError("--role: evse or ev") }
            guard let generation = EVSEFirmwareGeneration(rawValue: firmware) else { throw ValidationError("--firmware: gen1 or gen2") }
            guard generation == .gen2 || role == "evse" else { throw ValidationError("--firmware gen1 is an EVSE firmware (--role evse)") }
            guard seconds > 0 else { throw ValidationError("--seconds must be positive") }
        }

        func run() throws {
            let link: LinuxEthernetLink
            do {
                link = try LinuxEthernetLink(interface: interface, etherType: HCIEthernet.etherType)
            } catch {
                printToStandardError("boardctl: whitebeet: \(error)\n")
                throw ExitCode(1)
            }
            var pack = WhitebeetAssembly.carPack(Charger.simulatedPlant)
            if let soc { pack.initialSoC = soc }
            if let targetSoc { pack.targetSoC = targetSoc } else if soc != nil { pack.targetSoC = min(100, pack.initialSoC + 3) }
            pack.bulkSoC = pack.targetSoC
            if let capacityWh { pack.capacityWattHours = capacityWh }
            let battery = BenchBatteryModel(pack)
            let module = role == "ev" ? WhitebeetModuleEmulator(link: link, moduleMAC: link.macAddress, charger: ScriptedChargerSession())
                : firmware == "gen1" ? WhitebeetModuleEmulator(link: link, moduleMAC: link.macAddress, gen1Car: ScriptedGen1CarSession(battery: battery))
                : WhitebeetModuleEmulator(link: link, moduleMAC: link.macAddress, car: ScriptedCarSession(battery: battery))
            say("emulating a WHITE-beet-\(role == "ev" ? "PI" : "EI") (firmware \(module.firmwareVersion)) at \(link.macAddress) on \(interface)")
            var chargerPhase = module.charger.phase
            let clock = SystemMonotonicClock()
            let end = clock.now() + .milliseconds(Int64(seconds * 1000))
            var firstContact: MonotonicInstant?
            var phase = module.car.phase
            var gen1Phase = module.gen1Car.phase
            while clock.now() < end {
                let now = clock.now()
                module.tick(now)
                if firstContact == nil, module.hostMAC != nil {
                    firstContact = now
                    say("host \(module.hostMAC!) connected")
                }
                if let first = firstContact, !module.plugged, now - first >= .milliseconds(Int64(plugAfter * 1000)),
                   module.car.phase == .idle, module.gen1Car.phase == .idle {
                    module.plugIn()
                    say("car plugged in")
                }
                if module.car.phase != phase {
                    phase = module.car.phase
                    say("car: \(phase)")
                    if role == "evse", phase == .finished || phase.isFailure {
                        say("battery: SoC \(fixed(pack.initialSoC)) → \(fixed(battery.soc)) % (target \(fixed(pack.targetSoC)) %), "
                            + "delivered \(fixed(battery.deliveredWattHours)) Wh")
                    }
                }
                if module.gen1Car.phase != gen1Phase {
                    gen1Phase = module.gen1Car.phase
                    say("car: \(gen1Phase)")
                    if gen1Phase == .finished || module.gen1Car.timedOutWaitingFor != nil {
                        say("battery: SoC \(fixed(pack.initialSoC)) → \(fixed(battery.soc)) % (target \(fixed(pack.targetSoC)) %), "
                            + "delivered \(fixed(battery.deliveredWattHours)) Wh")
                    }
                }
                if module.charger.phase != chargerPhase {
                    chargerPhase = module.charger.phase
                    say("charger: \(chargerPhase)")
                }
                usleep(1000)
            }
            let s = module.statistics
            say("requests \(s.requests), responses \(s.responses), notifications \(s.notifications), ignored \(s.ignoredFrames)")
        }
    }
}

extension ScriptedCarSession.Phase {
    fileprivate var isFailure: Bool {
        if case .failed = self { return true }
        return false
    }
}

/// Two decimals, for the emulator's log.
private func fixed(_ v: Double) -> String {
    let hundredths = Int((v * 100).rounded())
    let fraction = abs(hundredths % 100)
    return "\(hundredths / 100).\(fraction < 10 ? "0" : "")\(fraction)"
}

/// One line on standard output, written at once (a long-running emulator's log must not wait in a
/// stdio buffer when it goes to a file or a pipe).
private func say(_ text: String) {
    var bytes = Array((text + "\n").utf8)
    var offset = 0
    while offset < bytes.count {
        let n = bytes.withUnsafeMutableBytes { write(1, $0.baseAddress! + offset, $0.count - offset) }
        if n <= 0 { return }
        offset += n
    }
}
