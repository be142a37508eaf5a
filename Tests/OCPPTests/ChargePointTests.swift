import Contracts
import CoreTypes
import Foundation
import OCPP16
import OCPPChargePoint
import ServiceLink
import ServicePlane
import Testing

/// A connection that records what the charge point sends.
final class RecordingTransport: OCPPTransport, @unchecked Sendable {
    var sent: [OCPPFrame] = []
    var closed = false
    func send(_ text: String) { sent.append(try! OCPPFrame.decode(text)) }
    func close() { closed = true }
    var lastCall: (id: String, action: String, payload: JSON)? {
        for f in sent.reversed() { if case let .call(id, a, p) = f { return (id, a, p) } }
        return nil
    }
}

/// The charge point's logic against a scripted central system, on the service plane's event loop
/// (the loop's side is the bridge's rings, read directly here).
@Suite(.serialized) struct ChargePointTests {
    final class Rig: @unchecked Sendable {
        let facts = ChargerFacts()
        let bridge: ServiceBridge
        let plane: ServicePlane
        let cp: ChargePoint
        let link = RecordingTransport()
        let dir: String

        init() {
            bridge = ServiceBridge(facts: facts, authorizer: ServiceAuthorizer())
            plane = ServicePlane(bridge: bridge)
            dir = NSTemporaryDirectory() + "ck-ocpp-unit-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
            try? FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
            cp = ChargePoint(options: OCPPOptions(url: "ws://127.0.0.1:1/ocpp", chargePointId: "T1", stateDirectory: dir), plane: plane)
        }

        func on<T: Sendable>(_ body: @escaping @Sendable () -> T) -> T { try! plane.eventLoop.submit(body).wait() }

        /// Answers the call in flight with `payload`.
        func answer(_ payload: String) {
            let id = on { self.link.lastCall!.id }
            on { self.cp.received(OCPPFrame.result(id: id, payload: try! JSON.parse(payload)).text) }
        }

        func request(_ id: String, _ action: String, _ payload: String) -> JSON? {
            on { self.cp.received(OCPPFrame.call(id: id, action: action, payload: try! JSON.parse(payload)).text) }
            return on {
                for f in self.link.sent.reversed() { if case let .result(i, p) = f, i == id { return p } }
                return nil
            }
        }

        func boot() {
            on { self.cp.connected(self.link) }
            #expect(on { self.link.lastCall?.action } == "BootNotification")
            answer(#"{"status":"Accepted","currentTime":"2026-12-06T23:00:00Z","interval":300}"#)
        }

        func shutdown() {
            plane.shutdown()
            try? FileManager.default.removeItem(atPath: dir)
        }
    }

    @Test func bootThenStatus() {
        let rig = Rig()
        defer { rig.shutdown() }
        rig.boot()
        #expect(rig.on { rig.cp.booted })
        rig.on { rig.cp.snapshot(FactsSnapshot()) }
        let status = rig.on { rig.link.lastCall }
        #expect(status?.action == "StatusNotification")
        #expect(status?.payload["status"] == .string("Available"))
    }

    /// A TxDefaultProfile becomes a current-limit command for the loop at once; clearing it lifts it.
    @Test func chargingProfileBecomesALimitCommand() {
        let rig = Rig()
        defer { rig.shutdown() }
        rig.boot()
        while rig.bridge.commands.pop() != nil {}
        let r = rig.request("p1", "SetChargingProfile", #"{"connectorId":1,"csChargingProfiles":{"chargingProfileId":3,"stackLevel":0,"chargingProfilePurpose":"TxDefaultProfile","chargingProfileKind":"Relative","chargingSchedule":{"chargingRateUnit":"A","chargingSchedulePeriod":[{"startPeriod":0,"limit":16}]}}}"#)
        #expect(r == ChargePointAnswer.status("Accepted"))
        // No transaction yet: the default profile applies to the next one; ChargePointMaxProfile caps now.
        let cap = rig.request("p2", "SetChargingProfile", #"{"connectorId":0,"csChargingProfiles":{"chargingProfileId":4,"stackLevel":0,"chargingProfilePurpose":"ChargePointMaxProfile","chargingProfileKind":"Absolute","chargingSchedule":{"chargingRateUnit":"A","chargingSchedulePeriod":[{"startPeriod":0,"limit":40}]}}}"#)
        #expect(cap == ChargePointAnswer.status("Accepted"))
        #expect(rig.bridge.commands.pop() == .currentLimit(40))
        let txOnIdle = rig.request("p3", "SetChargingProfile", #"{"connectorId":1,"csChargingProfiles":{"chargingProfileId":5,"stackLevel":0,"chargingProfilePurpose":"TxProfile","chargingProfileKind":"Relative","chargingSchedule":{"chargingRateUnit":"A","chargingSchedulePeriod":[{"startPeriod":0,"limit":10}]}}}"#)
        #expect(txOnIdle == ChargePointAnswer.status("Rejected"), "a TxProfile needs a transaction (§5.16)")
        let cleared = rig.request("p4", "ClearChargingProfile", #"{"id":4}"#)
        #expect(cleared == ChargePointAnswer.status("Accepted"))
        #expect(rig.bridge.commands.pop() == .currentLimit(.infinity))
    }

    /// Remote start: Authorize for the idTag first (AuthorizeRemoteTxRequests), then the loop is told.
    @Test func remoteStartAuthorizesThenStarts() {
        let rig = Rig()
        defer { rig.shutdown() }
        rig.boot()
        rig.on { rig.cp.snapshot(FactsSnapshot()) }
        rig.answer("{}")  // StatusNotification
        let r = rig.request("r1", "RemoteStartTransaction", #"{"idTag":"CK-TAG-0001"}"#)
        #expect(r == ChargePointAnswer.status("Accepted"))
        let auth = rig.on { rig.link.lastCall }
        #expect(auth?.action == "Authorize" && auth?.payload["idTag"] == .string("CK-TAG-0001"))
        while rig.bridge.commands.pop() != nil {}
        rig.answer(#"{"idTagInfo":{"status":"Accepted"}}"#)
        #expect(rig.bridge.commands.pop() == .remoteStart(IdentificationToken(.externalIdentification, "CK-TAG-0001")))
    }

    /// Unknown actions and bad payloads are answered with CALLERRORs (OCPP-J §4.2.3).
    @Test func unsupportedAndInvalidCallsGetCallErrors() {
        let rig = Rig()
        defer { rig.shutdown() }
        rig.boot()
        rig.on { rig.cp.received(#"[2,"x1","DataTransfer",{"vendorId":"v"}]"#) }
        rig.on { rig.cp.received(#"[2,"x2","ChangeConfiguration",{"key":5,"value":"1"}]"#) }
        let errors = rig.on { rig.link.sent.compactMap { f -> OCPPErrorCode? in if case let .error(_, c, _, _) = f { return c }; return nil } }
        #expect(errors == [.notImplemented, .typeConstraintViolation])
    }

    /// Transaction messages survive the loss of the connection (and of the process: the queue file)
    /// and go out in order after the next boot.
    @Test func transactionMessagesAreQueuedOffline() {
        let rig = Rig()
        defer { rig.shutdown() }
        rig.on {
            let q = rig.cp.queue
            q.append(.startTransaction(connectorId: 1, idTag: "A", meterStart: 0, timestamp: "t0"))
            q.append(.meterValues(connectorId: 1, transactionId: -1, timestamp: "t1", samples: []))
            q.append(.stopTransaction(transactionId: -1, meterStop: 5, timestamp: "t2", reason: .local, idTag: "A"))
        }
        let reloaded = OfflineQueue(path: rig.cp.queue.path)
        #expect(reloaded.messages.count == 3)
        rig.boot()
        #expect(rig.on { rig.link.lastCall?.action } == "StartTransaction")
        rig.answer(#"{"transactionId":42,"idTagInfo":{"status":"Accepted"}}"#)
        let mv = rig.on { rig.link.lastCall }
        #expect(mv?.action == "MeterValues" && mv?.payload["transactionId"] == .number(42))
        rig.answer("{}")
        let stop = rig.on { rig.link.lastCall }
        #expect(stop?.action == "StopTransaction" && stop?.payload["transactionId"] == .number(42))
        rig.answer(#"{"idTagInfo":{"status":"Accepted"}}"#)
        #expect(rig.on { rig.cp.queue.isEmpty })
    }

    /// The URL's host, for the rule that TLS names a central system, never an address (RFC 6066 §3).
    @Test func urlHostsAndAddresses() {
        #expect(OCPPOptions.host(of: "wss://csms.example.com:443/ocpp") == "csms.example.com")
        #expect(OCPPOptions.host(of: "wss://127.0.0.1:8443/ocpp/v16") == "127.0.0.1")
        #expect(OCPPOptions.host(of: "wss://[fe80::1%25eth0]:8443/ocpp") == "fe80::1%25eth0")
        #expect(OCPPOptions.host(of: "ws://user@10.0.0.2/x") == "10.0.0.2")
        #expect(OCPPOptions.host(of: "ws://") == nil && OCPPOptions.host(of: "csms") == nil)
        #expect(OCPPOptions.isIPAddress("127.0.0.1") && OCPPOptions.isIPAddress("::1") && OCPPOptions.isIPAddress("fe80::1%25eth0"))
        #expect(!OCPPOptions.isIPAddress("csms.example.com") && !OCPPOptions.isIPAddress("1.2.3") && !OCPPOptions.isIPAddress("1.2.3.4.example"))
        #expect(!OCPPOptions.isIPAddress("localhost"))
    }
}
