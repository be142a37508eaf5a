import Foundation
import Testing
import TestSupport

/// True when the main thread of `pid` blocks SIGINT and SIGTERM (the loop's SignalWatcher is up).
func blocksStopSignals(_ pid: Int32) -> Bool {
    guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8),
          let line = status.split(separator: "\n").first(where: { $0.hasPrefix("SigBlk:") }),
          let mask = UInt64(line.dropFirst("SigBlk:".count).trimmingCharacters(in: .whitespaces), radix: 16) else { return false }
    let wanted: UInt64 = 1 << (UInt64(SIGINT) - 1) | 1 << (UInt64(SIGTERM) - 1)
    return mask & wanted == wanted
}

/// Runs one of the package's executables as a user would, from the package root.
func runProduct(_ name: String, _ arguments: [String], timeout: Double = 60,
                whileRunning: ((Process) -> Void)? = nil) throws -> Subprocess.Output {
    let tool = try #require(PackageLayout.product(name), "\(name) is not built next to the test bundle")
    return try Subprocess.run([tool] + arguments, directory: PackageLayout.root(), timeout: timeout, whileRunning: whileRunning)
}

@Suite struct ChargerdProcess {
    /// SIGTERM (what systemd sends) ends the loop in an orderly way: controllers get their safe stop,
    /// the loop report is printed, the exit status is 0.
    @Test func sigtermStopsCleanly() throws {
        let result = try runProduct("chargerd", ["--board", "sim"], timeout: 30) { p in
            // Wait until the loop has SIGINT/SIGTERM routed to its signalfd, then ask it to stop.
            let deadline = Date().addingTimeInterval(20)
            while Date() < deadline, p.isRunning, !blocksStopSignals(p.processIdentifier) { usleep(50_000) }
            usleep(200_000)
            kill(p.processIdentifier, SIGTERM)
        }
        #expect(result.status == 0, "stderr: \(result.stderr)")
        #expect(result.stderr.contains("stopped (SIGTERM)"))
        #expect(result.stderr.contains("safe stop control-pilot: CP +12 V steady"))
        #expect(result.stderr.contains("loop: ticks "))
    }

    /// `chargerd --board sim` runs one whole session (issue 18): the pilot reaches B with 5 %, SLAC
    /// matches the simulated car, V2G goes through every phase to SessionStop, the car unplugs, and
    /// the process prints the summary line and exits 0 (`--seconds` only as a cap).
    @Test func simBoardChargesOneSessionAndExitsZero() throws {
        let result = try runProduct("chargerd", ["--board", "sim", "--seconds", "100"], timeout: 150)
        print(result.stdout)
        #expect(result.status == 0, "stdout: \(result.stdout)\nstderr: \(result.stderr)")
        let log = result.stderr
        #expect(log.contains("controllers, in tick order: control-pilot → slac-evse → v2g-connection → sdp-server → secc → power-path"))
        #expect(log.contains("pilot: state B"))
        #expect(log.contains("digital communication signalled"))
        // The sim board's EV link twin is the first locally administered MAC the factory hands out.
        #expect(log.contains("plc link: matched with 02:00:00:00:00:01"), "\(log)")
        let pilotB = try #require(log.range(of: "pilot: state B"))
        let matched = try #require(log.range(of: "plc link: matched"))
        #expect(pilotB.lowerBound < matched.lowerBound, "SLAC matched only after the pilot said B")
        #expect(log.contains("safe stop control-pilot: CP +12 V steady"))
        let out = result.stdout
        for phase in ["V2G: supportedAppProtocol", "V2G: CableCheck", "V2G: PreCharge", "V2G: CurrentDemand",
                      "V2G: WeldingDetection", "V2G: ended — completed", "car unplugged (pilot A)", "ready for the next car"] {
            #expect(out.contains(phase), "\(phase) missing from: \(out)")
        }
        #expect(out.contains(" Wh  (CurrentDemand)"), "a progress line while charging")
        let summary = try #require(out.split(separator: "\n").first(where: { $0.hasPrefix("session: protocol ") }))
        #expect(summary.contains("stop reason completed"), "\(summary)")
        #expect(summary.contains("energy ") && summary.contains("peak power "), "\(summary)")
    }

    /// SIGTERM in the middle of the sim session (what systemd sends): an orderly stop, exit 0, the SECC
    /// ends its session and the power path switches the supply off and opens the contactors.
    @Test func sigtermDuringTheSessionLeavesThePowerPathSafe() throws {
        let result = try runProduct("chargerd", ["--board", "sim"], timeout: 60) { p in
            let deadline = Date().addingTimeInterval(20)
            while Date() < deadline, p.isRunning, !blocksStopSignals(p.processIdentifier) { usleep(50_000) }
            usleep(8_000_000)  // well into the session (the charge loop, on an unloaded machine)
            kill(p.processIdentifier, SIGTERM)
        }
        print(result.stdout)
        #expect(result.status == 0, "stderr: \(result.stderr)")
        #expect(result.stderr.contains("stopped (SIGTERM)"))
        // The safe stop commands the supply off and the contactors open in the same call (the loop
        // runs no tick after it, so mid-charge the report says commanded, not yet confirmed).
        let log = result.stderr
        #expect(log.contains("safe stop secc: V2G session ended (EVSE shutdown)") || log.contains("safe stop secc: no V2G session running"), "\(log)")
        #expect(log.contains("safe stop power-path: supply off") || log.contains("off requested"), "\(log)")
        #expect(log.contains("contactors open") || log.contains("contactors commanded open"), "\(log)")
    }

    @Test func anUnknownBoardExitsTwo() throws {
        let result = try runProduct("chargerd", ["--board", "no-such-board"])
        #expect(result.status == 2)
        #expect(result.stderr.contains("no-such-board"))
    }

    /// A real board on a machine without its hardware: every missing device is named, exit 1.
    @Test func missingHardwareExitsOneNamingTheDevices() throws {
        let result = try runProduct("chargerd", ["--board", "rpi4-qca7000-esp32", "--seconds", "1"])
        #expect(result.status == 1)
        #expect(result.stderr.contains("cp_uart"))
        #expect(result.stderr.contains("did not open"))
    }
}

@Suite struct BoardctlLoopProcess {
    @Test func loopReportsTimingAsJSON() throws {
        let result = try runProduct("boardctl", ["loop", "--board", "sim", "--seconds", "0.3", "--json"])
        #expect(result.status == 0, "stderr: \(result.stderr)")
        let json = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any]
        let ticks = json?["ticks"] as? Int ?? 0
        #expect(ticks > 0)
        #expect((json?["jitter"] as? [String: Any])?["p99_ns"] != nil)
    }
}
