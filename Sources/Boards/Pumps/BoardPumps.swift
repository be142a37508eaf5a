import ControlLoop
import Drivers
import HAL

extension BoardDevices {
    /// One device pump per byte-stream or frame device that opened (serial → `SerialPump`, CAN →
    /// `CANPump`, Ethernet → `FramePump`), named after the device, in board order. Protocol drivers
    /// take the pump of their role; until a driver claims a device, its pump keeps it drained so the
    /// loop's statistics reflect real I/O.
    /// Devices named in `excluding` get none (a driver that pumps its device itself).
    public func makePumps(excluding: Set<String> = []) -> [any IOSource] {
        var pumps: [any IOSource] = []
        for definition in board.devices where !excluding.contains(definition.name) {
            switch opened[definition.name] {
            case .serial(let port)?: pumps.append(SerialPump(name: definition.name, port: port))
            case .can(let bus)?: pumps.append(CANPump(name: definition.name, bus: bus))
            case .ethernet(let link)?: pumps.append(FramePump(name: definition.name, link: link))
            default: break
            }
        }
        return pumps
    }
}
