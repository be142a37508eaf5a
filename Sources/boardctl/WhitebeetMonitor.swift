import ArgumentParser
import Boards
import ChargerAssembly
import CoreTypes
import Glibc
import HAL
import WhitebeetEmulator
import WhitebeetHCI
import WhitebeetHost

extension Whitebeet {
    /// `boardctl whitebeet monitor --board NAME`: the module's live state and every frame on the host
    /// link, raw (hex) and decoded, over the board's transport (Ethernet or SPI). It only asks
    /// (version, CP mode, CP state, duty cycle, V2G mode, §5 and §8); it configures nothing, so it can
    /// watch a module another host set up. On a simulated board the emulated module answers.
    struct Monitor: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show a WHITE-beet module's live state and the raw frames (hex and decoded) on a board's host link.",
            discussion: """
                Every --interval seconds the monitor asks the module for its firmware version, CP mode, CP state, \
                duty cycle and V2G mode, and prints a state line when an answer changes it. Each frame on the link \
                is printed as it passes: → host to module, ← module to host, hex then decoded. Runs until \
                --count frames were shown or --seconds passed (default: until interrupted).
                """)

        @Option(name: .long, help: "Board name (Boards/NAME.yaml) or path to a board file with vehicle_link: whitebeet.")
        var board: String

        @Option(name: .long, help: "Stop after this many frames (non-interactive use, e.g. tests).")
        var count: Int?

        @Option(name: .long, help: "Stop after this many seconds.")
        var seconds: Double?

        @Option(name: .long, help: "Seconds between rounds of state queries.")
        var interval: Double = 1

        func validate() throws {
            if let count, count <= 0 { throw ValidationError("--count must be positive") }
            if let seconds, !(seconds > 0) { throw ValidationError("--seconds must be positive") }
            guard interval > 0 else { throw ValidationError("--interval must be positive") }
        }

        func run() throws {
            let definition: BoardDefinition
            switch BoardTool.load(board, locator: .forCurrentProcess()) {
            case .success(let b): definition = b
            case .failure(let f):
                printToStandardError(f.errors)
                throw ExitCode(f.exitCode)
            }
            guard definition.vehicleLink == .whitebeet else {
                printToStandardError("boardctl: whitebeet monitor: \(definition.name) has vehicle_link \(definition.vehicleLink.rawValue), not whitebeet\n")
                throw ExitCode(BoardTool.exitBadBoard)
            }
            let devices: BoardDevices
            do throws(BoardOpenError) {
                devices = try BoardDevices.open(definition, factory: Charger.deviceFactory(for: definition))
            } catch {
                printToStandardError("boardctl: whitebeet monitor: \(error)\n")
                throw ExitCode(BoardTool.exitDevicesMissing)
            }
            // Frames of module 0x27 are read as the board's EVSE firmware generation (whitebeet-hci.md §0.1).
            let firmware = definition.device(role: .whitebeetHost)?.whitebeetFirmware ?? .gen2
            let wiring: WhitebeetWiring
            do throws(WhitebeetWiring.Failure) {
                wiring = try WhitebeetWiring.make(board: definition, device: WhitebeetWiring.lookup(devices),
                                                  gen1Car: firmware == .gen1 ? ScriptedGen1CarSession() : nil)
            } catch {
                printToStandardError("boardctl: whitebeet monitor: \(error)\n")
                throw ExitCode(BoardTool.exitDevicesMissing)
            }
            let clock = SystemMonotonicClock()
            let start = clock.now()
            var frames = 0
            let tap = WhitebeetFrameTap(wiring.transport) { direction, bytes in
                frames += 1
                writeLine("[\(elapsedText(clock.now() - start))] \(direction == .toModule ? "→" : "←") \(hexBytes(bytes)) | \(describeFrame(direction, bytes, firmware))")
            }
            var linkConfiguration = WhitebeetHostLink.Configuration()
            linkConfiguration.evseGeneration = firmware
            let host = WhitebeetHostLink(transport: tap, configuration: linkConfiguration)
            var state = ModuleState()
            writeLine("monitoring the WHITE-beet of \(definition.name) over \(wiring.summary)\(wiring.emulator != nil ? " (emulated module)" : "")")
            let queries: [HCIRequest] = [.getFirmwareVersion, .getPilotMode, .getPilotState, .getDutyCycle, .getV2GMode]
            var next = 0
            var roundAt = start
            let end = seconds.map { start + .milliseconds(Int64($0 * 1000)) }
            while count.map({ frames < $0 }) ?? true, end.map({ clock.now() < $0 }) ?? true {
                let now = clock.now()
                wiring.emulator?.tick(now)
                host.poll(now)
                if let outcome = host.takeOutcome() {
                    if case .answered(let r) = outcome { state.note(queries[(next + queries.count - 1) % queries.count], r.body) }
                    else { writeLine("[\(elapsedText(now - start))] \(queries[(next + queries.count - 1) % queries.count]): \(outcome)") }
                    state.printIfChanged(elapsedText(now - start))
                }
                while let n = host.takeNotification() {
                    state.note(n)
                    state.printIfChanged(elapsedText(now - start))
                }
                if !host.isBusy, now >= roundAt {
                    host.submit(queries[next], now: now)
                    next = (next + 1) % queries.count
                    if next == 0 { roundAt = now + .milliseconds(Int64(interval * 1000)) }
                }
                usleep(1000)
            }
            let s = host.statistics
            writeLine("frames \(frames); sent \(s.sent), busy retries \(s.busyRetries), timeout retries \(s.timeoutRetries), bad frames \(s.badFrames), notifications \(s.notifications)")
        }
    }
}

/// The module's state as the monitor last read it.
private struct ModuleState {
    var firmware = "?"
    var pilotMode = "?"
    var pilotState = "?"
    var duty = "?"
    var v2gMode = "?"
    var printed = ""

    mutating func note(_ request: HCIRequest, _ body: HCIResponseBody) {
        switch (request, body) {
        case (.getFirmwareVersion, .firmwareVersion(let v)): firmware = v.string
        case (.getPilotMode, .mode(let m)): pilotMode = role(m)
        case (.getPilotState, .pilotState(let p)): pilotState = "\(p)"
        case (.getDutyCycle, .dutyCycle(let d)): duty = "\(Double(d) / 10) %"
        case (.getV2GMode, .mode(let m)): v2gMode = role(m)
        default: break
        }
    }

    mutating func note(_ n: HCINotification) {
        if case .pilotStateChanged(let p) = n { pilotState = "\(p)" }
    }

    mutating func printIfChanged(_ at: String) {
        let line = "state: firmware \(firmware), CP mode \(pilotMode), CP state \(pilotState), duty cycle \(duty), V2G mode \(v2gMode)"
        guard line != printed else { return }
        printed = line
        writeLine("[\(at)] \(line)")
    }

    func role(_ m: UInt8) -> String { ModuleRole(rawValue: m).map { "\($0)" } ?? "unset (\(m))" }
}

/// A transport that shows every frame passing through it (the monitor's raw view).
final class WhitebeetFrameTap: WhitebeetTransport {
    enum Direction { case toModule, toHost }
    let inner: any WhitebeetTransport
    let show: (Direction, UnsafeRawBufferPointer) -> Void

    init(_ inner: any WhitebeetTransport, show: @escaping (Direction, UnsafeRawBufferPointer) -> Void) {
        self.inner = inner
        self.show = show
    }

    var ignoredFrames: Int { inner.ignoredFrames }

    func send(_ frame: UnsafeRawBufferPointer) -> Bool {
        show(.toModule, frame)
        return inner.send(frame)
    }

    func receive() -> UnsafeRawBufferPointer? {
        guard let frame = inner.receive() else { return nil }
        show(.toHost, frame)
        return frame
    }
}

private func describeFrame(_ direction: WhitebeetFrameTap.Direction, _ bytes: UnsafeRawBufferPointer, _ evse: EVSEFirmwareGeneration) -> String {
    switch direction {
    case .toModule:
        do throws(HCIError) {
            let (request, id) = try HCIRequest.decode(frame: bytes, evse: evse)
            return withoutModulePrefix("\(request) (request \(id))")
        } catch { return "undecodable: \(error)" }
    case .toHost:
        do throws(HCIError) {
            return withoutModulePrefix("\(try HCIModuleMessage.decode(frame: bytes, evse: evse))")
        } catch { return "undecodable: \(error)" }
    }
}

/// Drops the "WhitebeetHCI." qualifiers Swift prints inside nested values (shorter lines).
private func withoutModulePrefix(_ text: String) -> String {
    let prefix = Array("WhitebeetHCI.".utf8)
    let bytes = Array(text.utf8)
    var out = [UInt8]()
    out.reserveCapacity(bytes.count)
    var i = 0
    while i < bytes.count {
        if i + prefix.count <= bytes.count, bytes[i ..< i + prefix.count].elementsEqual(prefix) {
            i += prefix.count
        } else {
            out.append(bytes[i])
            i += 1
        }
    }
    return String(decoding: out, as: UTF8.self)
}

private func hexBytes(_ bytes: UnsafeRawBufferPointer) -> String {
    let digits = Array("0123456789abcdef".utf8)
    var out = [UInt8]()
    out.reserveCapacity(bytes.count * 3)
    for (i, b) in bytes.enumerated() {
        if i > 0 { out.append(0x20) }
        out.append(digits[Int(b >> 4)])
        out.append(digits[Int(b & 0xF)])
    }
    return String(decoding: out, as: UTF8.self)
}

private func elapsedText(_ d: Nanoseconds) -> String {
    let ms = d.count / 1_000_000
    return "\(ms / 1000).\(String(ms % 1000 + 1000).dropFirst()) s"
}

/// One line on standard output at once (the monitor is read live through pipes and files).
private func writeLine(_ text: String) {
    let bytes = Array((text + "\n").utf8)
    var offset = 0
    while offset < bytes.count {
        let n = bytes.withUnsafeBytes { write(1, $0.baseAddress! + offset, $0.count - offset) }
        if n <= 0 { return }
        offset += n
    }
}
