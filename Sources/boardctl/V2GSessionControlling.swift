import Contracts
import ControlLoop
import HAL

/// What `boardctl v2g` needs of a session controller: the agreed interface of the SECC and EVCC
/// controllers (issue 14) — a loop controller over the TCP pump's queues that says where the session
/// stands and asks for the close. Its composition tells it about the connection.
protocol V2GSessionControlling: TickController {
    var session: V2GSessionFacts { get }
    /// The controller wants the connection closed once its last message has left.
    var closeRequested: Bool { get }
}
