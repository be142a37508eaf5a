import ArgumentParser
import Contracts
import HAL
import V2GSession

/// `boardctl v2g`: one V2G session on a network interface — SDP, TCP, V2GTP and the session
/// controller — as the SECC (with the simulated power plant) or the EVCC (with its battery model).
/// It prints each message with its round trip and the power values. What the Josev interop runs
/// (`.ci/extra/josev-session.sh` passes `--protocol "$PROTOCOL"` in Josev's names).
struct V2GCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "v2g",
        abstract: "Run one V2G session (SDP, TCP, DIN 70121 or ISO 15118-2 DC) as SECC or EVCC on an interface.",
        discussion: """
            --role secc answers SDP on [ff02::1]:15118 of --interface, listens for TCP on its link-local \
            address (--port, default 61341) and charges from a simulated power plant; --role evcc \
            discovers the SECC by SDP, connects and charges a simulated battery. --protocol takes din, \
            iso2, or Josev's names DIN_SPEC_70121, ISO_15118_2 (as run-pair.sh's $PROTOCOL). \
            Exit codes: 0 the session reached the charge loop and ended with SessionStop; 1 it did not \
            (or no session); 2 a usage error.
            """
    )

    @Option(name: .long, help: "secc or evcc.")
    var role: String?

    @Option(name: .long, help: "The PLC interface (a veth end in tests), e.g. eth1.")
    var interface: String?

    @Option(name: .long, help: "din, iso2, DIN_SPEC_70121 or ISO_15118_2; a comma-separated list offers several.")
    var `protocol`: String?

    @Option(name: .long, help: "SECC: the V2G TCP port announced by SDP (49152-65535).")
    var port: Int = 61341

    @Option(name: .long, help: "Give up after this many seconds.")
    var seconds: Int = 90

    @Option(name: .long, help: "EVCC: the battery's state of charge at the start, %.")
    var soc: Double = 80

    @Option(name: .long, help: "EVCC: the state of charge at which the car ends the charge loop, %.")
    var targetSoc: Double = 81

    @Flag(name: .long, help: "EVCC: the peer is a simulated EVSE that does not follow the targets (Josev's SECC): EVCCQuirks.simulatedEVSE.")
    var simulatedEvse = false

    @Option(name: .long, help: "EVCC quirk: leave PreCharge after N rounds even if the voltage never matched (Josev's SECC answers 1 V throughout).")
    var prechargeRounds: Int?

    @Option(name: .long, help: "EVCC quirk: end the charge loop after N CurrentDemand rounds whatever the battery says (Josev's chargeLoopCycle).")
    var chargeLoopRounds: Int?

    @Option(name: .long, help: "EVCC: CurrentDemandRes timeout in ms instead of the standard's 250 (a slow bench peer).")
    var currentDemandTimeout: Int?

    @Option(name: .long, help: "After the session, keep TCP open this many seconds unless the peer closes it (Josev: 5 s).")
    var linger: Int = 7

    func run() throws {
        guard let roleName = role, let role = V2GRunner.Role(rawValue: roleName.lowercased()) else {
            usage("--role must be secc or evcc")
        }
        guard let interface, !interface.isEmpty else { usage("--interface is required") }
        guard let names = `protocol`, !names.isEmpty else { usage("--protocol is required (din, iso2, DIN_SPEC_70121, ISO_15118_2)") }
        var protocols: [V2GProtocol] = []
        for name in names.split(separator: ",") {
            guard let p = V2GProtocol(name: String(name)), p != .iso15118_20DC else {
                usage("unknown or unsupported protocol '\(name)': din, iso2, DIN_SPEC_70121 or ISO_15118_2")
            }
            protocols.append(p)
        }
        guard IPEndpoint.dynamicPorts.contains(UInt16(clamping: port)), port <= 65535 else { usage("--port must be in 49152-65535") }
        guard seconds > 0, seconds <= 3600 else { usage("--seconds must be in 1-3600") }
        guard linger >= 0, linger <= 60 else { usage("--linger must be in 0-60") }
        if let n = prechargeRounds, n < 1 { usage("--precharge-rounds must be at least 1") }
        if let t = currentDemandTimeout, t < 1 || t > 60_000 { usage("--current-demand-timeout must be in 1-60000 ms") }
        if let n = chargeLoopRounds, n < 1 { usage("--charge-loop-rounds must be at least 1") }
        guard soc >= 0, targetSoc <= 100, soc < targetSoc else { usage("--soc and --target-soc: 0 <= soc < target-soc <= 100") }

        let runner = V2GRunner(role: role, interface: interface, protocols: protocols, port: UInt16(port),
                               timeLimit: .seconds(Int64(seconds)), linger: .seconds(Int64(linger)))
        runner.startSoC = soc
        runner.targetSoC = targetSoc
        if simulatedEvse { runner.quirks = .simulatedEVSE }
        if let prechargeRounds { runner.quirks.prechargeRoundsBeforeProceeding = prechargeRounds }
        if let chargeLoopRounds { runner.quirks.chargeLoopRounds = chargeLoopRounds }
        runner.currentDemandTimeout = currentDemandTimeout.map { .milliseconds(Int64($0)) }
        let facts: V2GSessionFacts?
        do {
            facts = try runner.run()
        } catch {
            printToStandardError("boardctl: v2g: \(error)\n")
            throw ExitCode(1)
        }
        guard let facts else {
            print("RESULT: FAILED: no V2G session (no TCP connection)")
            throw ExitCode(1)
        }
        let protocolName = facts.negotiated.map(\.josevName) ?? "none"
        if facts.isCompleteSession {
            print("RESULT: complete session (\(protocolName)): \(facts.requests) requests, \(facts.currentDemands) CurrentDemand, ended by SessionStop")
        } else {
            print("RESULT: FAILED: \(facts.stopReason) in \(facts.phase) (\(protocolName)), \(facts.currentDemands) CurrentDemand")
            throw ExitCode(1)
        }
    }

    private func usage(_ message: String) -> Never {
        printToStandardError("boardctl: v2g: \(message)\n\(Self.helpMessage())\n")
        Self.exit(withError: ExitCode(2))
    }
}
