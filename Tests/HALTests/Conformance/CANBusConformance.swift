import HAL
import Testing

/// Two twins on one simulated bus. (The Linux implementation runs the same contract on vcan0 and on
/// can0 ⇄ can1 in the HIL VM: this host has no SocketCAN.)
private struct TwinCANHarness: CANBusHarness {
    let a = SimulatedCANBus(interface: "can0")
    let b = SimulatedCANBus(interface: "can1")
    init() { SimulatedCANBus.connect(a, b) }
    var sender: any CANBus { a }
    var receiver: any CANBus { b }
    func waitForFrame(on bus: any CANBus) -> Bool { !((bus as! SimulatedCANBus).backend.receiveQueue.isEmpty) }
    func staysQuiet(_ bus: any CANBus) -> Bool { (try? bus.receive()) == .some(nil) }
}

@Suite("CANBus contract: the simulated twin (Linux: the kernel-backed HIL suites, in the VM)")
struct CANBusConformance {
    @Test("an idle bus receives nil") func idle() throws { try CANBusContract.idleBusReceivesNothing(TwinCANHarness()) }
    @Test("standard, extended and remote frames arrive in order") func order() throws { try CANBusContract.framesArriveInOrder(TwinCANHarness()) }
    @Test("an exact filter passes only its id and format") func exact() throws { try CANBusContract.exactFilterPassesOnlyItsFrame(TwinCANHarness()) }
    @Test("mask filters pass ranges; no filters pass all") func mask() throws { try CANBusContract.maskFilterAndReset(TwinCANHarness()) }
    @Test("impossible frames are refused") func refused() throws { try CANBusContract.impossibleFramesAreRefused(TwinCANHarness()) }
    @Test("a sender does not hear itself") func ownFrames() throws { try CANBusContract.senderDoesNotHearItself(TwinCANHarness()) }
}
