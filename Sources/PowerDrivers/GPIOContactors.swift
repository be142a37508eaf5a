import Contracts
import ControlLoop
import HAL

/// The DC output contactors of a Pi board: two coil outputs (roles `contactor-dc-plus`,
/// `contactor-dc-minus`) and their auxiliary contacts (`contactor-dc-plus-feedback`,
/// `contactor-dc-minus-feedback`), behind the `DCContactors` contract. Commands drive the coils at
/// once (an open never waits for the next tick); `pump` reads the auxiliary contacts every tick and
/// `ContactorSupervision` names what they contradict after the closing/opening timeout. A GPIO error
/// is `ioFailed`, and an open command still releases every coil it can.
///
/// Close order: minus, then plus; open order: plus, then minus (the plus contactor makes and breaks).
public final class GPIOContactors: DCContactors, IOSource {
    public let name = "contactors"
    public var pollDescriptor: Int32? { nil }
    public let plus: any GPIOLine
    public let minus: any GPIOLine
    public let plusFeedback: any GPIOLine
    public let minusFeedback: any GPIOLine
    private var supervision: ContactorSupervision
    /// The last GPIO error, for the log (the status says `ioFailed`).
    public private(set) var lastError: GPIOError?

    /// - Parameters: the coil lines (outputs, logical 1 = energised) and the feedback lines (inputs,
    ///   logical 1 = contact closed; set `active_low` in the board file for normally-closed aux contacts).
    public init(plus: any GPIOLine, minus: any GPIOLine, plusFeedback: any GPIOLine, minusFeedback: any GPIOLine,
                closeTimeout: Nanoseconds = .milliseconds(250), openTimeout: Nanoseconds = .milliseconds(250)) {
        self.plus = plus
        self.minus = minus
        self.plusFeedback = plusFeedback
        self.minusFeedback = minusFeedback
        supervision = ContactorSupervision(closeTimeout: closeTimeout, openTimeout: openTimeout)
    }

    public var status: ContactorStatus { supervision.status }

    public func close(_ now: MonotonicInstant) {
        supervision.command(closed: true, now)
        do throws(GPIOError) {
            try minus.write(true)
            try plus.write(true)
        } catch {
            fail(error, now)
        }
    }

    public func open(_ now: MonotonicInstant) {
        supervision.command(closed: false, now)
        var failure: GPIOError?
        do throws(GPIOError) { try plus.write(false) } catch { failure = error }
        do throws(GPIOError) { try minus.write(false) } catch { failure = failure ?? error }
        if let failure { fail(failure, now) }
    }

    public func pump(_ context: TickContext) {
        do throws(GPIOError) {
            let p = try plusFeedback.read()
            let m = try minusFeedback.read()
            supervision.evaluate(plusClosed: p, minusClosed: m, context.now)
        } catch {
            fail(error, context.now)
        }
    }

    private func fail(_ error: GPIOError, _ now: MonotonicInstant) {
        lastError = error
        supervision.ioFailed(now)
    }
}
