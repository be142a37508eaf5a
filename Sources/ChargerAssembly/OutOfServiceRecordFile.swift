import Dispatch
import Glibc

/// Where an out-of-service record is kept by `OutOfServiceRecordKeeper`: a file in chargerd's state
/// directory, or anything a test supplies.
public protocol OutOfServiceRecordStore: AnyObject {
    /// Keep `record`. Called on the loop thread: may return before it is on disk.
    func save(_ record: OutOfServiceRecord)
    /// Drop the record: the charger is back in service. Called on the loop thread, like `save`.
    func clear()
}

/// Why the record file could not be read, written or removed.
public enum OutOfServiceRecordFileError: Error, CustomStringConvertible {
    /// A system call failed (path, what was done, the errno text).
    case io(String, String, String)
    /// The file is there but its text is not a record (`OutOfServiceRecord.decode`).
    case unreadable(String, OutOfServiceRecordError)
    /// Bigger than any record: not ours.
    case tooLarge(String)

    public var description: String {
        switch self {
        case .io(let path, let what, let why): "\(path): cannot \(what): \(why)"
        case .unreadable(let path, let e): "\(path): \(e)"
        case .tooLarge(let path): "\(path): larger than an out-of-service record"
        }
    }
}

/// The record as `STATE_DIR/out-of-service`. Written atomically — a temporary file, `fsync`, `rename`
/// over the old name, `fsync` of the directory — so a power cut leaves the old record or the new one,
/// never half of one; and a half one reads as an error, which keeps the charger out of service.
/// `read`, `write` and `remove` act at once (start-up, `chargerd --service-reset`); `save` and
/// `clear`, the loop's calls, hand the work to a serial queue of their own so the tick never waits
/// on the disk (`drain` waits for it, before exit).
public final class OutOfServiceRecordFile: OutOfServiceRecordStore, @unchecked Sendable {
    public static let fileName = "out-of-service"
    public let directory: String
    public var path: String { directory + "/" + Self.fileName }
    /// Told (on the writer's queue) what each `save` or `clear` did, for the log.
    public var report: (@Sendable (String) -> Void)?
    private let queue = DispatchQueue(label: "chargekit.out-of-service-record")

    public init(directory: String) {
        var d = directory
        while d.count > 1, d.hasSuffix("/") { d.removeLast() }
        self.directory = d
    }

    /// The record, nil when there is none.
    public func read() throws(OutOfServiceRecordFileError) -> OutOfServiceRecord? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        if fd < 0 {
            if errno == ENOENT { return nil }
            throw .io(path, "open", errnoText())
        }
        defer { close(fd) }
        var bytes = [UInt8](repeating: 0, count: 4096)
        var count = 0
        while count < bytes.count {
            let n = bytes.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress! + count, $0.count - count) }
            if n < 0 {
                if errno == EINTR { continue }
                throw .io(path, "read", errnoText())
            }
            if n == 0 { break }
            count += n
        }
        if count == bytes.count { throw .tooLarge(path) }
        do throws(OutOfServiceRecordError) {
            return try OutOfServiceRecord.decode(String(decoding: bytes[..<count], as: UTF8.self))
        } catch {
            throw .unreadable(path, error)
        }
    }

    /// Writes `record` atomically (making the directory if it is missing).
    public func write(_ record: OutOfServiceRecord) throws(OutOfServiceRecordFileError) {
        if mkdir(directory, 0o755) != 0, errno != EEXIST { throw .io(directory, "create the directory", errnoText()) }
        let temporary = directory + "/." + Self.fileName + ".tmp"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw .io(temporary, "create", errnoText()) }
        var bytes = Array(record.text.utf8)
        var offset = 0
        while offset < bytes.count {
            let n = bytes.withUnsafeMutableBytes { Glibc.write(fd, $0.baseAddress! + offset, $0.count - offset) }
            if n < 0 {
                if errno == EINTR { continue }
                let why = errnoText()
                close(fd)
                throw .io(temporary, "write", why)
            }
            offset += n
        }
        if fsync(fd) != 0 {
            let why = errnoText()
            close(fd)
            throw .io(temporary, "fsync", why)
        }
        close(fd)
        guard rename(temporary, path) == 0 else { throw .io(path, "rename \(temporary) to it", errnoText()) }
        syncDirectory()
    }

    /// Removes the record (none there is fine).
    public func remove() throws(OutOfServiceRecordFileError) {
        if unlink(path) != 0, errno != ENOENT { throw .io(path, "remove", errnoText()) }
        syncDirectory()
    }

    public func save(_ record: OutOfServiceRecord) {
        queue.async { [self] in
            do throws(OutOfServiceRecordFileError) {
                try write(record)
                report?("out-of-service record written: \(path) (\(record.fault))")
            } catch {
                report?("out-of-service record NOT written: \(error)")
            }
        }
    }

    public func clear() {
        queue.async { [self] in
            do throws(OutOfServiceRecordFileError) {
                try remove()
                report?("out-of-service record removed: \(path)")
            } catch {
                report?("out-of-service record NOT removed: \(error)")
            }
        }
    }

    /// Waits until every `save` and `clear` so far is done.
    public func drain() { queue.sync {} }

    private func syncDirectory() {
        let fd = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { return }
        _ = fsync(fd)
        close(fd)
    }
}

private func errnoText() -> String { String(cString: strerror(errno)) }
