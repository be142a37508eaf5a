import Buffers
import Contracts
import ControlLoop
import CoreTypes
import CPHelperProtocol
import Foundation
import PowerDrivers
import Testing

/// The power channel's contract promises, message by message under the manual clock (no pty): the
/// supply reads off only once the current is safe, trips latch, requests that do not fit wait,
/// setpoints are sent at most every 100 ms, and every request line is JSON an independent parser
/// (Foundation's) reads as the method and params §11 names.
@Suite struct ESP32PowerChannelRules {
    final class Rig {
        let clock = ManualClock()
        let transmit: ByteQueue
        let channel: ESP32PowerChannel
        var index: UInt64 = 0

        init(queue: Int = 4096) {
            transmit = ByteQueue(capacity: queue)
            channel = ESP32PowerChannel(transmit: transmit)
        }

        func tick(_ ms: Int64 = 10) {
            clock.advance(by: .milliseconds(ms))
            index += 1
            channel.pump(TickContext(now: clock.now(), index: index, period: .milliseconds(ms)))
        }

        /// The lines written so far, parsed by Foundation (and removed from the queue).
        func sent() -> [[String: Any]] {
            var bytes: [UInt8] = []
            while let b = transmit.pop() { bytes.append(b) }
            return String(decoding: bytes, as: UTF8.self).split(separator: "\n").map {
                (try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]) ?? ["unparsed": String($0)]
            }
        }

        /// Answers `dc.status` as the helper would (id of the last such request).
        func status(_ state: HelperDCState, amps: Double, volts: Double, id: Int64) {
            var result = HelperRPCResult()
            result.dc = HelperDCRecord(enabled: state.modulesOn, state: state)
            result.modules = HelperDCModuleList([HelperDCModule(address: 1, status: 1, millivolts: UInt32(volts * 1000),
                                                                milliamps: UInt32(amps * 1000))])
            channel.helperSent(.rpcResult(id: id, result))
        }
    }

    static func method(_ line: [String: Any]) -> String { line["method"] as? String ?? "?" }

    @Test func startConfigurationAndPollsAreValidJSON() {
        let rig = Rig()
        rig.tick()
        let lines = rig.sent()
        #expect(lines.allSatisfy { $0["type"] as? String == "req" && $0["id"] is Int })
        #expect(lines.map(Self.method) == ["sys.set_mode", "dc.cfg", "dc.status", "contactor.check"])
        let cfg = lines[1]["params"] as? [String: Any]
        #expect(cfg?["ignore_cp"] as? Bool == false && cfg?["ramp_v"] as? Int == 500)
        #expect((lines[0]["params"] as? [String: Any])?["mode"] as? String == "hw")
    }

    @Test func offOnlyOnceTheCurrentIsSafe() {
        let rig = Rig()
        rig.tick()
        _ = rig.sent()
        let supply = ESP32DCSupply(channel: rig.channel)
        supply.setExport(DCSetpoint(volts: 400, amps: 30))
        supply.setMode(.export)
        let lines = rig.sent()
        #expect(lines.map(Self.method) == ["dc.set", "dc.enable"])
        #expect((lines[0]["params"] as? [String: Any])?["v"] as? Int == 400)
        rig.status(.running, amps: 30, volts: 400, id: 1000 + 16 + 2)
        #expect(supply.readback.mode == .export && supply.readback.amps == 30)
        supply.setMode(.off)
        #expect(rig.sent().map(Self.method) == ["dc.enable"])
        rig.status(.softStopCurrent, amps: 12, volts: 400, id: 1002)
        #expect(!supply.readback.isOff) // still ramping the current down
        rig.status(.softStopVoltage, amps: 3, volts: 390, id: 1002)
        #expect(!supply.readback.isOff) // the phase is right, the current not yet safe
        rig.status(.softStopVoltage, amps: 0.4, volts: 300, id: 1002)
        #expect(supply.readback.isOff && supply.readback.fault == nil)
    }

    @Test func tripsLatchAndOffBecomesAnEmergencyStop() {
        let rig = Rig()
        rig.tick()
        let supply = ESP32DCSupply(channel: rig.channel)
        supply.setMode(.export)
        _ = rig.sent()
        rig.status(.fault, amps: 0, volts: 380, id: 1002)
        #expect(supply.readback.fault == .tripped)
        supply.setMode(.off)
        #expect(rig.sent().map(Self.method) == ["dc.estop", "dc.enable"])
        rig.status(.emergencyStop, amps: 0, volts: 380, id: 1002)
        #expect(supply.readback.fault == .tripped && supply.readback.isOff) // latched until the next export
        // An E_STOP nobody asked for (the helper's input) is a trip too.
        let other = Rig()
        other.tick()
        other.status(.emergencyStop, amps: 0, volts: 0, id: 1002)
        #expect(ESP32DCSupply(channel: other.channel).readback.fault == .tripped)
    }

    @Test func silenceIsCommunicationLost() {
        let rig = Rig()
        rig.tick()
        let supply = ESP32DCSupply(channel: rig.channel)
        for _ in 0..<59 { rig.tick() } // 590 ms after start, no reply yet
        #expect(supply.readback.fault == nil)
        rig.tick(20)
        #expect(supply.readback.fault == .communicationLost)
        rig.status(.idle, amps: 0, volts: 0, id: 1002)
        #expect(supply.readback.fault == nil)
    }

    @Test func setpointsAtMostEvery100msNewestWins() {
        let rig = Rig()
        rig.tick()
        let supply = ESP32DCSupply(channel: rig.channel)
        supply.setMode(.export)
        _ = rig.sent()
        for step in 1...30 { // a ramp: a new setpoint every 10 ms tick
            supply.setExport(DCSetpoint(volts: 400, amps: Double(step)))
            rig.tick()
        }
        let sets = rig.sent().filter { Self.method($0) == "dc.set" }
        #expect(sets.count >= 2 && sets.count <= 4, "\(sets.count) dc.set lines in 300 ms")
        rig.tick(100)
        let last = rig.sent().filter { Self.method($0) == "dc.set" }.last ?? sets.last
        #expect((last?["params"] as? [String: Any])?["i"] as? Int == 30)
    }

    @Test func requestsThatDoNotFitWaitForRoom() {
        let rig = Rig(queue: 300)
        rig.tick()
        _ = rig.sent()
        let filler = [UInt8](repeating: 0x20, count: 150)
        for b in filler { rig.transmit.push(b) } // the UART is behind: 150 of 300 bytes taken
        let contactors = ESP32Contactors(channel: rig.channel)
        contactors.open(rig.clock.now())
        #expect(rig.channel.requestsDeferred > 0)
        rig.transmit.removeAll()
        rig.tick()
        #expect(rig.sent().map(Self.method).contains("contactor.set"))
    }

    /// Feedback: the aux contact confirms, a welded contact is named after the opening timeout.
    @Test func contactorFeedbackAndWelding() {
        let rig = Rig()
        rig.tick()
        let contactors = ESP32Contactors(channel: rig.channel)
        contactors.close(rig.clock.now())
        #expect(contactors.status.position == .closing)
        rig.channel.helperSent(.contactorChange(HelperContactorReport(commanded: true, auxClosed: true)))
        rig.tick()
        #expect(contactors.status.isClosed)
        contactors.open(rig.clock.now())
        for _ in 0..<60 {
            rig.tick()
            var r = HelperRPCResult()
            r.contactor = HelperContactorReport(commanded: false, auxClosed: true)
            rig.channel.helperSent(.rpcResult(id: 1000 + 8, r))
        }
        #expect(contactors.status.fault == .welded)
    }
}
