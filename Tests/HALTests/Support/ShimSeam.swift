import CShimFakes
import Testing

/// Every test that installs the seam fakes (`ck_fake_*`) or replaces a library backend table
/// (`ck_gpio_backend`, `ck_socketcan_backend`, `ck_i2c_backend`) is nested in this one serialized
/// suite: those tables are process-wide, so two such tests must never overlap. Tests elsewhere still
/// run in parallel with them: the fakes pass calls from other threads straight to libc, and nothing
/// outside this suite replaces a backend table.
@Suite("Shim seam (fakes and library backends, serialized)", .serialized)
enum ShimSeam {}

