import Glibc
import OCPP16

/// The transaction messages (StartTransaction, MeterValues of a transaction, StopTransaction) not yet
/// confirmed by the central system, oldest first, kept in a file so that a lost connection or a
/// restart loses none and they are delivered in order afterwards (OCPP 1.6 §3.16 "Transaction-related
/// messages"). One JSON line per message, `[action, payload]`; rewritten whole on each change
/// (a few kB at most; a temporary file renamed over the old one, so a crash leaves one or the other).
public final class OfflineQueue {
    public let path: String
    public private(set) var messages: [ChargePointRequest] = []

    public init(path: String) {
        self.path = path
        load()
    }

    public var isEmpty: Bool { messages.isEmpty }
    public var first: ChargePointRequest? { messages.first }

    public func append(_ m: ChargePointRequest) {
        messages.append(m)
        save()
    }

    public func removeFirst() {
        guard !messages.isEmpty else { return }
        messages.removeFirst()
        save()
    }

    /// Replaces the provisional transaction id of queued messages (StartTransaction.conf arrived).
    public func assignTransactionId(_ id: Int) {
        messages = messages.map { $0.withTransactionId(id) }
        save()
    }

    private func load() {
        guard let f = fopen(path, "r") else { return }
        defer { fclose(f) }
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let n = fread(&buffer, 1, buffer.count, f)
            if n <= 0 { break }
            bytes += buffer[0..<n]
        }
        for line in bytes.split(separator: 0x0A) {
            guard let j = try? JSON.parse(bytes: Array(line)), let a = j.array, a.count == 2, let action = a[0].string,
                  let m = try? ChargePointRequest.decode(action: action, payload: a[1]) else { continue }
            messages.append(m)
        }
    }

    private func save() {
        var text = ""
        for m in messages { text += JSON.array([.string(m.action), m.payload]).text + "\n" }
        let tmp = path + ".tmp"
        guard let f = fopen(tmp, "w") else { return }
        let bytes = Array(text.utf8)
        _ = bytes.withUnsafeBytes { fwrite($0.baseAddress, 1, $0.count, f) }
        fflush(f)
        fsync(fileno(f))
        fclose(f)
        rename(tmp, path)
    }
}
