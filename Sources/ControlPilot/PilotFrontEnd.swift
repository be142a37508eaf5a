import Contracts
import HAL

/// The hardware side of the control pilot: something that sets the CP output and reports readings.
/// Two exist: `ESP32HelperLink` (the ESP32-S3 helper board over UART) and `DirectPilotFrontEnd` (the
/// Pi's PWM plus an ADS1115). The controller calls these once per tick; none blocks or allocates.
public protocol PilotFrontEnd: AnyObject {
    var name: String { get }
    /// Processes what arrived since the last tick (framing, decoding, timeouts) and queues output.
    func update(_ now: MonotonicInstant)
    /// The next reading that arrived, oldest first.
    func nextSample() -> PilotSample?
    /// Set while the front end cannot measure or cannot drive the output.
    var fault: PilotFault? { get }
    /// What the controller wants on the wire from now on (called every tick; cheap when unchanged).
    func request(_ pwm: PilotPWM, now: MonotonicInstant)
    /// What is confirmed to be on the wire (nil while a change is in flight).
    var appliedPWM: PilotPWM? { get }
    /// True while 5 % is confirmed on the wire with a vehicle connected (SLAC may run).
    var signallingDigitalCommunication: Bool { get }
    /// Steady +12 V for `duration`, then back to the requested output: makes the vehicle restart
    /// SLAC (esp32-cp-uart.md §7.8).
    func restartSLACHint(_ duration: Nanoseconds, now: MonotonicInstant)
    /// The debounce this front end needs (its samples may already be debounced upstream).
    var recommendedConfirmation: PilotConfirmation { get }
    /// Drives the output to the safe level (+12 V steady) immediately: called from `safeStop`. Says
    /// what it did, or why it could not, for the safe-stop report.
    func enterSafeState() -> String
}
