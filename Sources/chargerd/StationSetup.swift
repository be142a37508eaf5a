import Boards
import ChargerAssembly
import Contracts
import CoreTypes
import Glibc
import Logging
import V2G
import V2GSession

/// Turns the station config (`--config FILE`, issue 18 item 1) into what the composition takes: the
/// SECC's offer (EVSE IDs, limits clamped to the power hardware, protocols and whose priority) and the
/// `Authorizer` for the authorisation mode.
enum StationSetup {
    /// Reads `path` (nil: the defaults). A bad file prints every problem as FILE:LINE:COLUMN: KEY:
    /// MESSAGE on stderr and exits 2 (a configuration error: systemd's unit should not restart it).
    static func load(_ path: String?) throws -> StationConfig {
        guard let path else { return StationConfig() }
        do throws(BoardFileError) {
            return try StationConfigLoader.load(path: path)
        } catch {
            let n = error.issues.count
            writeStandardError("\(error)\n\(path): \(n) problem\(n == 1 ? "" : "s"); not started\n")
            throw ChargerdExit.configuration
        }
    }

    /// swift-log's handler for the chosen format: text (swift-log's stream handler) or JSON lines.
    static func bootstrapLogging(_ format: StationConfig.LogFormat) {
        switch format {
        case .text: LoggingSystem.bootstrap(StreamLogHandler.standardError)
        case .json: LoggingSystem.bootstrap { JSONLogHandler(label: $0) }
        }
    }

    /// The composition's options for this station; `notes` says what was clamped.
    static func options(_ station: StationConfig, board: BoardDefinition, notes: inout [String]) -> Charger.Options {
        var options = Charger.Options()
        var secc = options.secc
        secc.evseID = station.evseID
        if let din = station.dinEVSEID { secc.dinEVSEID = din }
        // The offer never exceeds what the power hardware can deliver (on the sim board the simulated
        // plant's supply; real boards' power drivers are planned, so their limits are taken as given).
        let hardware: DCSupplyCapabilities? = board.simulated ? options.plant.supply : nil
        func clamp(_ name: String, _ wanted: Double, _ limit: Double?) -> Double {
            guard let limit, wanted > limit else { return wanted }
            notes.append("station \(name) \(wanted) clamped to the supply's \(limit)")
            return limit
        }
        secc.maxVolts = clamp("max_volts", station.maxVolts, hardware?.maxVolts)
        secc.minVolts = max(station.minVolts, hardware?.minVolts ?? 0)
        secc.maxAmps = clamp("max_amps", station.maxAmps, hardware?.maxAmps)
        secc.maxWatts = clamp("max_watts", station.maxWatts, hardware?.maxWatts)
        secc.protocols = station.protocols.compactMap { V2GProtocol(name: $0) }
        secc.preference = station.priority == .charger ? .charger : .vehicle
        options.secc = secc
        switch station.authorization {
        case .free: options.authorizer = FreeVendAuthorizer()
        case .external: options.authorizer = DeferredAuthorizer(timeout: .nanoseconds(Int64(station.authorizationTimeout * 1e9)))
        case .deny: options.authorizer = DenyAllAuthorizer()
        }
        return options
    }
}

/// `authorization: mode: deny`: every identifier is rejected (a station out of service that still
/// answers cars, so they show "not authorised" instead of a communication error).
final class DenyAllAuthorizer: Authorizer {
    func authorize(_ token: IdentificationToken, now: MonotonicInstant) -> AuthorizationDecision { .rejected(.blocked) }
    func cancel(_ token: IdentificationToken) {}
}

func writeStandardError(_ text: String) {
    var bytes = Array(text.utf8)
    bytes.withUnsafeMutableBytes { b in _ = write(2, b.baseAddress!, b.count) }
}
