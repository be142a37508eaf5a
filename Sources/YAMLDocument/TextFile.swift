import Glibc

/// Reads a whole configuration file as UTF-8 text with libc alone (issue 18: the firmware does not
/// load Foundation for `String(contentsOfFile:)`).
public enum TextFile {
    /// Why a file could not be read, worded for a person fixing it.
    public struct ReadError: Error, Sendable, Equatable, CustomStringConvertible {
        /// `errno` of the failed call, or 0 when the bytes were not UTF-8.
        public var errno: Int32
        public init(errno: Int32) { self.errno = errno }
        public var description: String {
            switch errno {
            case 0: "not readable as UTF-8 text"
            case ENOENT: "no such file"
            case EACCES: "permission denied"
            case EISDIR: "a directory, not a file"
            default: String(cString: strerror(errno))
            }
        }
    }

    /// Files larger than this are refused (EFBIG): a board, station or scenario file is a few KiB.
    public static let maximumSize = 4 << 20

    public static func read(path: String) throws(ReadError) -> String {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw ReadError(errno: Glibc.errno) }
        defer { close(fd) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 16 << 10)
        while true {
            let n = chunk.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            if n < 0 {
                if Glibc.errno == EINTR { continue }
                throw ReadError(errno: Glibc.errno)
            }
            if n == 0 { break }
            bytes.append(contentsOf: chunk[0..<n])
            guard bytes.count <= maximumSize else { throw ReadError(errno: EFBIG) }
        }
        guard let text = String(validating: bytes, as: UTF8.self) else { throw ReadError(errno: 0) }
        return text
    }

    /// Whether `path` names something that exists (stat(2) succeeds).
    public static func exists(_ path: String) -> Bool {
        var s = stat()
        return stat(path, &s) == 0
    }
}
