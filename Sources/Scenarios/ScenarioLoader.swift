import Contracts
import CoreTypes
import PowerPlantSim
import V2G
import V2GSession
import YAMLDocument

/// One problem in a scenario file, as compilers print them (editors jump to it), the same form as
/// board files: `Scenarios/x.yaml:12:5: events[1].after_s: expected a number ≥ 0, got "soon"`.
public struct ScenarioIssue: Sendable, Equatable, CustomStringConvertible {
    public var file: String
    public var line: Int?
    public var column: Int?
    public var keyPath: String
    public var message: String

    public var description: String {
        var text = file
        if let line, let column { text += ":\(line):\(column)" }
        text += ": "
        if !keyPath.isEmpty { text += keyPath + ": " }
        return text + message
    }
}

/// Everything wrong with one scenario file (every problem, not just the first).
public struct ScenarioFileError: Error, Sendable, Equatable, CustomStringConvertible {
    public var issues: [ScenarioIssue]
    public var description: String { issues.map(\.description).joined(separator: "\n") }
}

/// Reads a scenario file into a `Scenario`: libyaml composes the nodes (which keep their positions), the
/// walk checks every key and value and goes on after a problem. Unknown keys are errors.
public enum ScenarioLoader {
    public static func load(path: String) throws(ScenarioFileError) -> Scenario {
        let text: String
        do {
            text = try TextFile.read(path: path)
        } catch {
            throw ScenarioFileError(issues: [ScenarioIssue(file: path, keyPath: "", message: "cannot read the scenario file: \(error)")])
        }
        return try load(text: text, file: path)
    }

    public static func load(text: String, file: String) throws(ScenarioFileError) -> Scenario {
        var walk = ScenarioWalk(file: file)
        let root: YAMLNode?
        do {
            root = try YAMLNode.compose(yaml: text)
        } catch {
            let issue = ScenarioIssue(file: file, line: error.mark?.line, column: error.mark?.column, keyPath: "",
                                      message: "malformed YAML: \(error.duplicateKey == nil ? error.problem : error.description)")
            throw ScenarioFileError(issues: [issue])
        }
        let scenario = walk.scenario(root)
        guard walk.issues.isEmpty else {
            throw ScenarioFileError(issues: walk.issues.sorted { ($0.line ?? 0, $0.column ?? 0) < ($1.line ?? 0, $1.column ?? 0) })
        }
        return scenario
    }

    /// The name a file stands for: without directory and `.yaml`.
    public static func name(forFile path: String) -> String {
        var name = path.split(separator: "/").last.map(String.init) ?? path
        for suffix in [".yaml", ".yml"] where name.hasSuffix(suffix) { name.removeLast(suffix.count) }
        return name
    }

    /// The names scenario files use for protocols, phases, requests and stop reasons.
    static let protocols: [String: V2GProtocol] = ["din": .din70121, "iso2": .iso15118_2]
    static let phases = Dictionary(uniqueKeysWithValues: V2GSessionPhase.allCases.map { ($0.description, $0) })
    static let requests = Dictionary(uniqueKeysWithValues: V2GRequestKind.allCases.map { ($0.description, $0) })
    static let stopReasons: [String: V2GStopReason] = {
        let all: [V2GStopReason] = [.completed, .noCommonProtocol, .timeout, .sequenceError, .decodeErrors, .linkLost, .pilotLost,
                                    .powerFault, .authorizationRejected, .evseShutdown, .peerFailed]
        return Dictionary(uniqueKeysWithValues: all.map { ($0.description, $0) })
    }()
}

struct ScenarioWalk {
    let file: String
    var issues: [ScenarioIssue] = []

    mutating func problem(_ node: YAMLNode?, _ path: String, _ message: String) {
        issues.append(ScenarioIssue(file: file, line: node?.mark.line, column: node?.mark.column, keyPath: path, message: message))
    }

    /// The mapping's entries, each key checked against `allowed`.
    mutating func entries(_ node: YAMLNode?, _ path: String, allowed: [String]) -> [(String, YAMLNode)] {
        guard let node else { return [] }
        guard let mapping = node.mapping else {
            problem(node, path, "expected a mapping with keys \(allowed.joined(separator: ", "))")
            return []
        }
        var out: [(String, YAMLNode)] = []
        for (key, value) in mapping {
            let name = key.scalar?.string ?? "?"
            if allowed.contains(name) {
                out.append((name, value))
            } else {
                problem(key, path.isEmpty ? name : "\(path).\(name)", "unknown key (expected one of \(allowed.joined(separator: ", ")))")
            }
        }
        return out
    }

    mutating func string(_ node: YAMLNode, _ path: String) -> String? {
        guard let s = node.scalar?.string else {
            problem(node, path, "expected a string")
            return nil
        }
        return s
    }

    mutating func number(_ node: YAMLNode, _ path: String, in range: ClosedRange<Double>) -> Double? {
        guard let s = node.scalar?.string, let x = Double(s), range.contains(x) else {
            problem(node, path, "expected a number in \(range.lowerBound)…\(range.upperBound), got \"\(node.scalar?.string ?? "a collection")\"")
            return nil
        }
        return x
    }

    mutating func seconds(_ node: YAMLNode, _ path: String) -> Nanoseconds? {
        number(node, path, in: 0...3600).map { Nanoseconds(Int64(($0 * 1e9).rounded())) }
    }

    mutating func bool(_ node: YAMLNode, _ path: String) -> Bool? {
        switch node.scalar?.string {
        case "true": return true
        case "false": return false
        default:
            problem(node, path, "expected true or false")
            return nil
        }
    }

    mutating func named<T>(_ node: YAMLNode, _ path: String, _ table: [String: T], what: String) -> T? {
        guard let s = node.scalar?.string, let value = table[s] else {
            problem(node, path, "unknown \(what) \"\(node.scalar?.string ?? "?")\" (one of: \(table.keys.sorted().joined(separator: ", ")))")
            return nil
        }
        return value
    }

    mutating func list(_ node: YAMLNode, _ path: String) -> [YAMLNode] {
        guard let s = node.sequence else {
            problem(node, path, "expected a list")
            return []
        }
        return Array(s)
    }

    mutating func scenario(_ root: YAMLNode?) -> Scenario {
        var s = Scenario(name: ScenarioLoader.name(forFile: file))
        guard let root else {
            problem(nil, "", "empty scenario file")
            return s
        }
        var sawExpect = false
        for (key, value) in entries(root, "", allowed: ["scenario", "description", "car", "plant", "events", "expect"]) {
            switch key {
            case "scenario":
                if let name = string(value, key), name != s.name {
                    problem(value, key, "\"\(name)\" is not the file's name \"\(s.name)\"")
                }
            case "description": s.description = string(value, key) ?? ""
            case "car": car(value, into: &s)
            case "plant":
                for (k, v) in entries(value, "plant", allowed: ["voltage_slew"]) {
                    s.plant.voltageSlew = number(v, "plant.\(k)", in: 0.1...100_000)
                }
            case "events":
                for (i, e) in list(value, key).enumerated() {
                    if let event = event(e, "events[\(i)]") { s.events.append(event) }
                }
            case "expect":
                sawExpect = true
                expect(value, into: &s.expect)
            default: break
            }
        }
        if !sawExpect { problem(root, "expect", "missing: every scenario states its outcome") }
        return s
    }

    mutating func car(_ node: YAMLNode, into s: inout Scenario) {
        for (key, value) in entries(node, "car", allowed: ["protocols", "battery", "session_stop_after"]) {
            let path = "car.\(key)"
            switch key {
            case "protocols":
                let ps = list(value, path).enumerated().compactMap { named($1, "\(path)[\($0)]", ScenarioLoader.protocols, what: "protocol") }
                if ps.isEmpty { problem(value, path, "at least one protocol (din, iso2)") } else { s.protocols = ps }
            case "battery": battery(value, into: &s.battery)
            case "session_stop_after": s.sessionStopAfter = named(value, path, ScenarioLoader.requests, what: "request")
            default: break
            }
        }
    }

    mutating func battery(_ node: YAMLNode, into b: inout BatterySettings) {
        let keys = ["capacity_wh", "initial_soc", "target_soc", "bulk_soc", "max_volts", "max_amps", "max_watts", "charge_volts",
                    "termination_amps", "internal_resistance", "ocv_curve", "stop_after_s", "low_target_for_s",
                    "low_target_offset_v"]
        for (key, value) in entries(node, "car.battery", allowed: keys) {
            let path = "car.battery.\(key)"
            switch key {
            case "capacity_wh": b.capacityWattHours = number(value, path, in: 1...1_000_000)
            case "initial_soc": b.initialSoC = number(value, path, in: 0...100)
            case "target_soc": b.targetSoC = number(value, path, in: 0...100)
            case "bulk_soc": b.bulkSoC = number(value, path, in: 0...100)
            case "max_volts": b.maxVolts = number(value, path, in: 0...1500)
            case "max_amps": b.maxAmps = number(value, path, in: 0...1000)
            case "max_watts": b.maxWatts = number(value, path, in: 0...1_000_000)
            case "charge_volts": b.chargeVolts = number(value, path, in: 0...1500)
            case "termination_amps": b.terminationAmps = number(value, path, in: 0...1000)
            case "internal_resistance": b.internalResistance = number(value, path, in: 0...10)
            case "stop_after_s": b.stopAfterCharging = seconds(value, path)
            case "low_target_for_s": b.lowTargetFor = seconds(value, path)
            case "low_target_offset_v": b.lowTargetOffsetVolts = number(value, path, in: -1500...1500)
            case "ocv_curve":
                var points: [BenchBatteryModel.CurvePoint] = []
                for (i, p) in list(value, path).enumerated() {
                    let pair = list(p, "\(path)[\(i)]")
                    guard pair.count == 2 else {
                        problem(p, "\(path)[\(i)]", "expected [soc %, volts]")
                        continue
                    }
                    guard let soc = number(pair[0], "\(path)[\(i)]", in: 0...100),
                          let volts = number(pair[1], "\(path)[\(i)]", in: 0...1500) else { continue }
                    if let last = points.last, soc <= last.soc { problem(p, "\(path)[\(i)]", "SoC must rise from point to point") }
                    points.append(.init(soc: soc, volts: volts))
                }
                if points.isEmpty { problem(value, path, "at least one point") } else { b.curve = points }
            default: break
            }
        }
    }

    mutating func event(_ node: YAMLNode, _ path: String) -> ScenarioEvent? {
        var trigger: ScenarioEvent.Trigger?
        var after = Nanoseconds.zero
        var action: ScenarioEvent.Action?
        var sawAction = false
        for (key, value) in entries(node, path, allowed: ["when", "after_s", "unplug", "pilot", "plant_fault", "clear_plant_fault"]) {
            let p = "\(path).\(key)"
            switch key {
            case "when":
                if value.scalar?.string == "start" { trigger = .start } else {
                    trigger = named(value, p, ScenarioLoader.phases, what: "V2G phase (or start)").map { .phase($0) }
                }
            case "after_s": after = seconds(value, p) ?? .zero
            default:
                if sawAction { problem(value, p, "one action per event") }
                sawAction = true
                switch key {
                case "unplug": if bool(value, p) == true { action = .unplug }
                case "pilot":
                    action = named(value, p, ["E": ScenarioEvent.PilotFaultState.e, "F": .f], what: "pilot fault state").map { .pilot($0) }
                case "plant_fault", "clear_plant_fault":
                    let names = Dictionary(uniqueKeysWithValues: PlantFault.allCases.map { ($0.rawValue, $0) })
                    if let f = named(value, p, names, what: "plant fault") {
                        action = key == "plant_fault" ? .plantFault(f) : .clearPlantFault(f)
                    }
                default: break
                }
            }
        }
        if trigger == nil, issues.allSatisfy({ !$0.keyPath.hasPrefix("\(path).when") }) { problem(node, "\(path).when", "missing: start or a V2G phase") }
        if !sawAction { problem(node, path, "missing an action: unplug, pilot, plant_fault or clear_plant_fault") }
        guard let trigger, let action else { return nil }
        return ScenarioEvent(trigger: trigger, after: after, action: action)
    }

    mutating func expect(_ node: YAMLNode, into e: inout ScenarioExpectation) {
        let keys = ["stop_reason", "negotiated", "reached", "not_reached", "power_fault", "supply_off", "contactors_open", "car_contactors_open",
                    "target_soc_reached", "energy_tolerance_percent", "min_energy_wh", "ready_again"]
        for (key, value) in entries(node, "expect", allowed: keys) {
            let path = "expect.\(key)"
            switch key {
            case "stop_reason": e.stopReason = named(value, path, ScenarioLoader.stopReasons, what: "stop reason")
            case "negotiated": e.negotiated = named(value, path, ScenarioLoader.protocols, what: "protocol")
            case "reached", "not_reached":
                let ps = list(value, path).enumerated().compactMap { named($1, "\(path)[\($0)]", ScenarioLoader.phases, what: "V2G phase") }
                if key == "reached" { e.reached = ps } else { e.notReached = ps }
            case "power_fault": e.powerFault = string(value, path)
            case "supply_off": e.supplyOff = bool(value, path)
            case "contactors_open": e.contactorsOpen = bool(value, path)
            case "car_contactors_open": e.carContactorsOpen = bool(value, path)
            case "target_soc_reached": e.targetSoCReached = bool(value, path)
            case "energy_tolerance_percent":
                e.energyTolerancePercent = value.scalar?.string == "null" ? nil : number(value, path, in: 0...100)
            case "min_energy_wh": e.minimumEnergyWattHours = number(value, path, in: 0...1_000_000)
            case "ready_again": e.readyAgain = bool(value, path)
            default: break
            }
        }
    }
}
