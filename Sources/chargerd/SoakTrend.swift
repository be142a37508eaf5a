import Boards
import YAMLDocument

/// What the soak benchmark measures after each session, at the same point of every session (its
/// composition released): resident memory, open descriptors and threads. (A composition that outlives
/// its session is caught by weak references in `runSessions`.)
struct SoakSample {
    var session: Int
    var rss: Int
    var fds: Int
    var threads: Int

    static func now(session: Int) -> SoakSample {
        SoakSample(session: session, rss: processStatus("VmRSS:") * 1024, fds: ProcessEnvironment.directoryEntries("/proc/self/fd").count - 1, threads: processStatus("Threads:"))
    }

    var line: String {
        "session \(session): RSS \(rss / 1024) KiB, \(fds) descriptors, \(threads) threads"
    }
}

/// The soak's verdict on memory and descriptors (issue 18): after `warmUp` sessions (first use of
/// every path: metadata caches, the allocator's arenas, the emulator's thread stack), resident
/// memory grows by at most `allowancePer10` per 10 sessions and descriptors and threads stay flat;
/// and, the issue's own check, resident memory at the end within 1 MiB of session 10's.
struct SoakTrend {
    static let warmUp = 3
    static let allowancePer10 = 64 * 1024
    static let endAllowance = 1 << 20

    let samples: [SoakSample]

    /// The first sample after the warm-up (the baseline), or the first when the run is shorter.
    var baseline: SoakSample? { samples.count > Self.warmUp ? samples[Self.warmUp] : samples.first }
    var middle: SoakSample? {
        guard !samples.isEmpty else { return nil }
        return samples[(min(Self.warmUp, samples.count - 1) + samples.count - 1) / 2]
    }
    var last: SoakSample? { samples.last }

    /// Resident growth per 10 sessions from the baseline to the end (0 with fewer than 2 sessions after it).
    var rssGrowthPer10: Int {
        guard let b = baseline, let l = last, l.session > b.session else { return 0 }
        return (l.rss - b.rss) * 10 / (l.session - b.session)
    }

    /// Resident growth from session 10 to the end (the check); nil with fewer than 11 sessions.
    var rssGrowthAfter10: Int? {
        guard samples.count > 10, let l = last else { return nil }
        return l.rss - samples[9].rss
    }

    /// Why the run fails on memory or descriptors; empty when it holds.
    var failures: [String] {
        // Within the warm-up nothing is judged: first uses still grow the process.
        guard samples.count > Self.warmUp + 1, let b = baseline, let l = last else { return [] }
        var f: [String] = []
        // Below 10 sessions after the warm-up one page of noise is a large rate: judge the total instead.
        let measured = l.session - b.session
        if measured >= 10, rssGrowthPer10 > Self.allowancePer10 {
            f.append("RSS grew \(rssGrowthPer10 / 1024) KiB per 10 sessions after the warm-up (allowed \(Self.allowancePer10 / 1024))")
        } else if measured < 10, l.rss - b.rss > Self.allowancePer10 {
            f.append("RSS grew \((l.rss - b.rss) / 1024) KiB over \(measured) sessions after the warm-up (allowed \(Self.allowancePer10 / 1024))")
        }
        if let g = rssGrowthAfter10, g > Self.endAllowance { f.append("RSS grew \(g / 1024) KiB after session 10 (allowed 1024)") }
        if l.fds > b.fds { f.append("descriptors \(b.fds) → \(l.fds)") }
        if l.threads > b.threads { f.append("threads \(b.threads) → \(l.threads)") }
        return f
    }

    /// The trend lines: first after the warm-up, middle, last, and the growth rates.
    var report: [String] {
        var lines: [String] = []
        for (label, s) in [("first", baseline), ("middle", middle), ("last", last)] {
            if let s { lines.append("soak trend \(label): \(s.line)") }
        }
        var rates = "soak trend: after \(Self.warmUp) warm-up sessions RSS \(signed(rssGrowthPer10 / 1024)) KiB per 10 sessions"
        if let g = rssGrowthAfter10 { rates += "; RSS since session 10 \(signed(g / 1024)) KiB" }
        lines.append(rates)
        return lines
    }

    private func signed(_ n: Int) -> String { n >= 0 ? "+\(n)" : "\(n)" }
}

/// A number field of /proc/self/status (`VmRSS:` in KiB, `Threads:`), 0 when absent.
func processStatus(_ key: String) -> Int {
    guard let text = try? TextFile.read(path: "/proc/self/status") else { return 0 }
    for line in text.split(separator: "\n") where line.hasPrefix(key) {
        let digits = line.dropFirst(key.count).filter(\.isNumber)
        return Int(String(digits)) ?? 0
    }
    return 0
}
