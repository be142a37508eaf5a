@preconcurrency import CGpiod
@preconcurrency import CI2C
@preconcurrency import CSocketCAN

/// Scoped replacement of the library seams (`ck_gpio_backend`, `ck_socketcan_backend`,
/// `ck_i2c_backend`): `edit` changes entries, `body` runs, the defaults come back. Only for tests nested
/// in `ShimSeam` (the tables are process-wide). Entries are C function pointers, so they cannot capture;
/// what a fake needs to remember lives in a `nonisolated(unsafe)` global of the test file.
enum LibraryBackends {
    static func withGPIO<R>(_ edit: (inout ck_gpio_backend) -> Void, _ body: () throws -> R) rethrows -> R {
        let saved = ck_gpio_backend
        edit(&ck_gpio_backend)
        defer { ck_gpio_backend = saved }
        return try body()
    }

    static func withSocketCAN<R>(_ edit: (inout ck_socketcan_backend) -> Void, _ body: () throws -> R) rethrows -> R {
        let saved = ck_socketcan_backend
        edit(&ck_socketcan_backend)
        defer { ck_socketcan_backend = saved }
        return try body()
    }

    static func withI2C<R>(_ edit: (inout ck_i2c_backend) -> Void, _ body: () throws -> R) rethrows -> R {
        let saved = ck_i2c_backend
        edit(&ck_i2c_backend)
        defer { ck_i2c_backend = saved }
        return try body()
    }
}
