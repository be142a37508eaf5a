import Contracts
import CoreTypes

/// The `DCContactors` contract over an ESP32 helper with firmware R3/R4 (esp32-cp-uart.md §8, §11):
/// `contactor.set {on}` (after `sys.arm` on R3), feedback from the helper's auxiliary-contact reading
/// in the `contactor.set`/`contactor.check` results and the R4 `evt:contactor.change`. The helper
/// switches one contactor (both poles on one coil), so its one aux contact stands for both poles in
/// `ContactorSupervision`. Replies that stop coming read as `ioFailed`.
public final class ESP32Contactors: DCContactors {
    public let channel: ESP32PowerChannel

    public init(channel: ESP32PowerChannel) { self.channel = channel }

    public func close(_ now: MonotonicInstant) { channel.commandContactor(closed: true, now) }
    public func open(_ now: MonotonicInstant) { channel.commandContactor(closed: false, now) }
    public var status: ContactorStatus { channel.supervision.status }
}
