import YAMLDocument

/// One charging station's settings, apart from its hardware (the board file): what it calls itself,
/// what it offers the car, who may charge, and how it logs (issue 18 item 1; `chargerd --config`).
/// Read once at start-up; the composition turns it into the SECC's configuration and an `Authorizer`.
public struct StationConfig: Sendable, Equatable {
    /// How the station decides whether a session may charge (through the `Authorizer`).
    public enum AuthorizationMode: String, Sendable, Equatable, CaseIterable {
        /// Free vending: every car charges.
        case free
        /// Asked of an outside system (a back end, an operator); pending until it answers or `timeout`.
        case external
        /// Nobody charges (a station out of service that still answers cars).
        case deny
    }

    /// Whose priority picks the protocol when several match (sdp-v2gtp.md §7.5).
    public enum ProtocolPriority: String, Sendable, Equatable, CaseIterable {
        case charger
        case vehicle
    }

    public enum LogFormat: String, Sendable, Equatable, CaseIterable {
        case text
        case json
    }

    /// Free text naming the station in logs and reports.
    public var station: String
    /// ISO 15118-2 EVSEID ("DE*CKT*E0001", at most 37 characters [V2G2-…]).
    public var evseID: String
    /// DIN 70121 EVSEID as octets (hexBinary, at most 32); nil: the firmware's default.
    public var dinEVSEID: [UInt8]?
    /// The DC output offered to the car; each is clamped to what the power hardware can do.
    public var maxVolts: Double
    public var minVolts: Double
    public var maxAmps: Double
    public var maxWatts: Double
    /// Protocols offered in the handshake, highest priority first: "din", "iso2".
    public var protocols: [String]
    public var priority: ProtocolPriority
    public var authorization: AuthorizationMode
    /// How long `external` waits for a decision before rejecting (seconds).
    public var authorizationTimeout: Double
    public var logFormat: LogFormat
    /// Where session reports (JSON + SVG) go; nil: none written.
    public var reportDirectory: String?
    /// Where chargerd keeps what must survive a restart (the out-of-service record); nil: nothing kept.
    public var stateDirectory: String?
    public var file: String

    /// The settings `chargerd` uses without `--config`.
    public init(file: String = "(defaults)") {
        station = "chargekit"
        evseID = "DE*CKT*E0001"
        dinEVSEID = nil
        maxVolts = 500
        minVolts = 50
        maxAmps = 200
        maxWatts = 100_000
        protocols = ["iso2", "din"]
        priority = .vehicle
        authorization = .free
        authorizationTimeout = 60
        logFormat = .text
        reportDirectory = nil
        stateDirectory = nil
        self.file = file
    }

    /// The protocol names a station may offer (the SECC speaks these two today).
    public static let protocolNames = ["din", "iso2"]
}

/// Reads a station config file (`Config/station.example.yaml` documents every key) with the same
/// line-precise, everything-at-once errors as board files (`BoardIssue`: `file:line:column: key: message`).
public enum StationConfigLoader {
    static let topLevelKeys = ["station", "evse_id", "din_evse_id", "limits", "protocols", "protocol_priority",
                               "authorization", "log", "report_dir", "state_dir"]
    static let limitKeys = ["max_volts", "min_volts", "max_amps", "max_watts"]
    static let authorizationKeys = ["mode", "timeout_s"]
    static let logKeys = ["format"]

    public static func load(path: String) throws(BoardFileError) -> StationConfig {
        let text: String
        do {
            text = try TextFile.read(path: path)
        } catch {
            throw BoardFileError(file: path, issues: [BoardIssue(file: path, location: nil, keyPath: "", message: "cannot read the station config: \(error)")])
        }
        return try load(text: text, file: path)
    }

    /// True when `text` is a station config (a mapping with the key `station`), not a board file.
    public static func isStationConfig(text: String) -> Bool {
        guard let root = try? YAMLNode.compose(yaml: text), case .mapping(let m) = root else { return false }
        return m.contains { k, _ in k.scalar?.string == "station" }
    }

    public static func load(text: String, file: String) throws(BoardFileError) -> StationConfig {
        var c = BoardChecker(file: file)
        let root: YAMLNode?
        do {
            root = try YAMLNode.compose(yaml: text)
        } catch {
            throw BoardFileError(file: file, issues: [c.issue(forYAMLError: error)])
        }
        let start = FilePosition(line: 1, column: 1)
        guard let root, case .mapping(let mapping) = root else {
            c.report(start, "", "expected a mapping with the keys \(topLevelKeys.joined(separator: ", "))")
            throw BoardFileError(file: file, issues: c.sortedIssues)
        }
        var config = StationConfig(file: file)
        let entries = c.keyed(mapping, path: "")
        for (key, entry) in entries {
            let v = entry.value
            switch key {
            case "station": if let s = c.string(v, key) { config.station = s }
            case "evse_id":
                if let s = c.string(v, key) {
                    if s.utf8.count > 37 || !s.allSatisfy({ $0.isASCII && !$0.isWhitespace }) {
                        c.report(c.location(v), key, "expected at most 37 ASCII characters without spaces (ISO 15118-2 EVSEID, e.g. DE*CKT*E0001), got \"\(s)\"")
                    } else {
                        config.evseID = s
                    }
                }
            case "din_evse_id":
                if let s = c.string(v, key) {
                    if let octets = hexOctets(s), !octets.isEmpty, octets.count <= 32 {
                        config.dinEVSEID = octets
                    } else {
                        c.report(c.location(v), key, "expected 1…32 octets as hex digits (DIN 70121 EVSEID, e.g. 49A89A6360), got \"\(s)\"")
                    }
                }
            case "limits":
                guard case .mapping(let m) = v else { c.report(c.location(v), key, "expected a mapping with \(limitKeys.joined(separator: ", ")), got \(c.got(v))"); continue }
                for (k, e) in c.keyed(m, path: key) {
                    let path = "limits.\(k)"
                    switch k {
                    case "max_volts": if let x = c.number(e.value, path, 50...1500) { config.maxVolts = x }
                    case "min_volts": if let x = c.number(e.value, path, 0...1500) { config.minVolts = x }
                    case "max_amps": if let x = c.number(e.value, path, 1...1000) { config.maxAmps = x }
                    case "max_watts": if let x = c.number(e.value, path, 100...1_000_000) { config.maxWatts = x }
                    default: c.unknownKey(k, e.key, path: key, allowed: limitKeys)
                    }
                }
                if config.minVolts >= config.maxVolts, let e = entries["limits"] {
                    c.report(c.location(e.value), "limits", "min_volts (\(config.minVolts)) must be below max_volts (\(config.maxVolts))")
                }
            case "protocols":
                guard case .sequence(let seq) = v, !seq.isEmpty else {
                    c.report(c.location(v), key, "expected a list of protocols, highest priority first (\(StationConfig.protocolNames.joined(separator: ", "))), got \(c.got(v))")
                    continue
                }
                var names: [String] = []
                for (i, item) in seq.enumerated() {
                    guard let w = c.word(item, "protocols[\(i)]", StationConfig.protocolNames) else { continue }
                    if names.contains(w) { c.report(c.location(item), "protocols[\(i)]", "\(w) is listed twice") } else { names.append(w) }
                }
                if !names.isEmpty { config.protocols = names }
            case "protocol_priority": if let p = c.choice(v, key, StationConfig.ProtocolPriority.self) { config.priority = p }
            case "authorization":
                guard case .mapping(let m) = v else { c.report(c.location(v), key, "expected a mapping with \(authorizationKeys.joined(separator: ", ")), got \(c.got(v))"); continue }
                for (k, e) in c.keyed(m, path: key) {
                    switch k {
                    case "mode": if let mode = c.choice(e.value, "authorization.mode", StationConfig.AuthorizationMode.self) { config.authorization = mode }
                    case "timeout_s": if let x = c.number(e.value, "authorization.timeout_s", 1...3600) { config.authorizationTimeout = x }
                    default: c.unknownKey(k, e.key, path: key, allowed: authorizationKeys)
                    }
                }
            case "log":
                guard case .mapping(let m) = v else { c.report(c.location(v), key, "expected a mapping with \(logKeys.joined(separator: ", ")), got \(c.got(v))"); continue }
                for (k, e) in c.keyed(m, path: key) {
                    switch k {
                    case "format": if let f = c.choice(e.value, "log.format", StationConfig.LogFormat.self) { config.logFormat = f }
                    default: c.unknownKey(k, e.key, path: key, allowed: logKeys)
                    }
                }
            case "report_dir": if let s = c.string(v, key) { config.reportDirectory = s }
            case "state_dir": if let s = c.string(v, key) { config.stateDirectory = s }
            default: c.unknownKey(key, entry.key, path: "", allowed: topLevelKeys)
            }
        }
        if entries["station"] == nil { c.report(start, "station", "missing required key (a string naming the station; it marks the file as a station config)") }
        guard c.issues.isEmpty else { throw BoardFileError(file: file, issues: c.sortedIssues) }
        return config
    }

    static func hexOctets(_ s: String) -> [UInt8]? {
        let digits = Array(s.utf8)
        guard digits.count % 2 == 0 else { return nil }
        var out: [UInt8] = []
        var i = 0
        while i < digits.count {
            guard let b = UInt8(String(decoding: digits[i..<i + 2], as: UTF8.self), radix: 16) else { return nil }
            out.append(b)
            i += 2
        }
        return out
    }
}

extension BoardChecker {
    /// A plain number (integer or decimal) in `range`.
    mutating func number(_ node: YAMLNode, _ path: String, _ range: ClosedRange<Double>) -> Double? {
        let value: Double? = if case .scalar(let s) = node, s.style == .plain { Double(String(s.string.filter { $0 != "_" })) } else { nil }
        guard let value, value.isFinite, range.contains(value) else {
            report(location(node), path, "expected a number \(fmt(range.lowerBound))…\(fmt(range.upperBound)), got \(got(node))")
            return nil
        }
        return value
    }

    private func fmt(_ x: Double) -> String { x == x.rounded() ? String(Int64(x)) : String(x) }
}
