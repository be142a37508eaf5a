import ControlLoop
import HAL

/// The loop's safe stop for the helper's DC side. Registered as a controller after the power path, so
/// it runs after the CP link's (which clears the transmit queue and writes its own lines straight to
/// the tty) and after the power path's (whose supply-off and contactor-open are only queued): the loop
/// will not pump again, so the modules' `dc.estop` and `contactor.set off` are written to the helper's
/// port here, at once (`dc.estop` if the modules may be delivering, else `dc.enable off`). Without this the last commands would die in the queue and the firmware would
/// keep its modules running (it has no host watchdog, esp32-cp-uart.md §12).
extension ESP32PowerChannel: TickController {
    public func tick(_ context: TickContext) {}

    public func safeStop(_ reason: StopReason) -> SafeStopReport {
        // `dc.estop` latches E_STOP in R4 until the helper is reset, so it is sent only when the
        // modules may be delivering; an idle supply just gets `dc.enable off`.
        let delivering = !(requestedMode == .off) || !supplyReadback.isOff
        if delivering { emergencyStop() } else { setMode(.off) }
        commandContactor(closed: false, now)
        var actions: [String] = []
        if emergencyStopDuePending || contactorDuePending {
            actions.append("DC modules: transmit queue full, dc.estop/contactor.set off NOT queued")
        }
        if let port = safeStopPort {
            do throws(SerialError) {
                let n = try port.write(from: transmit)
                actions.append("DC modules: dc.estop and contactor.set off written to \(port.path) (\(n) bytes)")
            } catch {
                actions.append("DC modules: dc.estop NOT written (\(error)): the helper keeps its last state")
            }
        } else {
            actions.append("DC modules: dc.estop and contactor.set off queued (no port to write them through)")
        }
        return SafeStopReport(name, actions)
    }
}
