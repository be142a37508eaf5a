/// Receives the helper's messages that belong to another part of the charger than the control pilot:
/// the R3/R4 DC supply and contactor (esp32-cp-uart.md §11). One UART carries both message families
/// (§2), so the CP link frames and decodes every line once and hands these on, in arrival order,
/// within the same tick. Implementations must not allocate.
public protocol HelperMessageSink: AnyObject {
    /// JSON-RPC ids at or above this are the sink's; below are the CP link's own (`sys.info`).
    var firstRequestID: Int { get }
    /// A status frame (for its `dc` object), an RPC result or error with one of the sink's ids, or an
    /// event.
    func helperSent(_ message: HelperMessage)
}
