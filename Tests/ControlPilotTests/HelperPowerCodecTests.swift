import Buffers
import CPHelperProtocol
import Foundation
import MallocCounting
import Testing
import TestSupport

/// The R3/R4 DC supply and contactor lines of the ESP32 helper (esp32-cp-uart.md §11, envelope §8):
/// requests byte-exact, replies and events with the members §11 names, typed errors for bad or
/// missing members and values outside the firmware's clamps.
@Suite struct HelperPowerCodec {
    static func encoded(_ r: HelperPowerRequest, id: Int = 7) -> String {
        let q = ByteQueue(capacity: 256)
        #expect(r.encode(id: id, into: q))
        var bytes: [UInt8] = []
        while let b = q.pop() { bytes.append(b) }
        return String(decoding: bytes, as: UTF8.self)
    }

    @Test func everyRequestByteExact() {
        #expect(Self.encoded(.dcEnable(true)) == #"{"type":"req","id":7,"method":"dc.enable","params":{"on":true}}"# + "\n")
        #expect(Self.encoded(.dcEnable(false)) == #"{"type":"req","id":7,"method":"dc.enable","params":{"on":false}}"# + "\n")
        #expect(Self.encoded(.dcSet(volts: 400.5, amps: 10)) == #"{"type":"req","id":7,"method":"dc.set","params":{"v":400.5,"i":10}}"# + "\n")
        #expect(Self.encoded(.dcStatus, id: 1002) == #"{"type":"req","id":1002,"method":"dc.status"}"# + "\n")
        #expect(Self.encoded(.dcDiscover) == #"{"type":"req","id":7,"method":"dc.discover"}"# + "\n")
        #expect(Self.encoded(.dcEmergencyStop) == #"{"type":"req","id":7,"method":"dc.estop"}"# + "\n")
        #expect(Self.encoded(.dcClearEmergencyStop) == #"{"type":"req","id":7,"method":"dc.estop.clear"}"# + "\n")
        #expect(Self.encoded(.contactorSet(true)) == #"{"type":"req","id":7,"method":"contactor.set","params":{"on":true}}"# + "\n")
        #expect(Self.encoded(.contactorCheck) == #"{"type":"req","id":7,"method":"contactor.check"}"# + "\n")
        #expect(Self.encoded(.arm) == #"{"type":"req","id":7,"method":"sys.arm"}"# + "\n")
        let cfg = HelperDCConfiguration(voltsMin: 150, powerKW: 30, rampVoltsPerSecond: 500, rampAmpsPerSecond: 500, ignoreControlPilot: false)
        #expect(Self.encoded(.dcConfigure(cfg)) ==
            #"{"type":"req","id":7,"method":"dc.cfg","params":{"v_min":150,"p_kw":30,"ramp_v":500,"ramp_i":500,"ignore_cp":false}}"# + "\n")
    }

    /// The encoder applies the firmware's clamps (§11 dc.cfg bounds) and never prints NaN or a sign.
    @Test func clampsAndRounding() {
        #expect(Self.encoded(.dcSet(volts: 2000, amps: -3)) == #"{"type":"req","id":7,"method":"dc.set","params":{"v":1200,"i":0}}"# + "\n")
        #expect(Self.encoded(.dcSet(volts: .nan, amps: 12.34)) == #"{"type":"req","id":7,"method":"dc.set","params":{"v":0,"i":12.3}}"# + "\n")
        #expect(Self.encoded(.dcConfigure(HelperDCConfiguration(rampVoltsPerSecond: 9999, moduleAddress: 300))) ==
            #"{"type":"req","id":7,"method":"dc.cfg","params":{"ramp_v":500,"module_addr":127}}"# + "\n")
        let q = ByteQueue(capacity: 100)
        #expect(!HelperPowerRequest.dcStatus.encode(id: 1, into: q)) // no room: nothing written
        #expect(q.count == 0)
    }

    /// An R4 status frame: `dc` replaces `pwm`/`thresh` (§11), state printed as the enum's integer.
    static let r4Status = #"{"type":"status","cp_mv":1900,"cp_mv_robust":1910,"state":"C","mode":"dc","dc":{"enabled":true,"state":3,"v_set":400,"i_set":20.5,"p_kw":30,"v_min":200,"v_max":1000,"hilo_actual":2,"hilo_cfg":3}}"#

    @Test func r4StatusFrame() throws {
        guard case .status(let s) = try HelperMessageDecoder.decode(Self.r4Status) else {
            Issue.record("not a status")
            return
        }
        #expect(s.state == .c && s.pwm == nil && s.thresholds == nil)
        #expect(s.dc == HelperDCRecord(enabled: true, state: .running, voltsSet: 400, ampsSet: 20.5, powerKW: 30,
                                       voltsMin: 200, voltsMax: 1000, hiLoActual: 2, hiLoConfigured: 3))
    }

    @Test func dcReplies() throws {
        let status = #"{"type":"res","id":1018,"ts":5120,"result":{"enabled":true,"state":1,"v_set":150.5,"i_set":0,"v_tgt":400,"i_tgt":2,"v_min":200,"v_max":1000,"p_kw":30,"mods":[{"addr":1,"v_mv":150400,"i_ma":0,"st":1},{"addr":2,"v_mv":150380,"i_ma":12,"st":1}]}}"#
        guard case .rpcResult(let id, let r) = try HelperMessageDecoder.decode(status) else {
            Issue.record("not a result")
            return
        }
        #expect(id == 1018)
        #expect(r.dc?.state == .softStartVoltage && r.dc?.voltsSet == 150.5 && r.dc?.voltsTarget == 400 && r.dc?.ampsTarget == 2)
        #expect(r.modules == HelperDCModuleList([HelperDCModule(address: 1, status: 1, millivolts: 150_400, milliamps: 0),
                                                 HelperDCModule(address: 2, status: 1, millivolts: 150_380, milliamps: 12)]))
        guard case .rpcResult(_, let enable) = try HelperMessageDecoder.decode(#"{"type":"res","id":1000,"ts":1,"result":{"enabled":false,"state":4}}"#) else {
            Issue.record("not a result")
            return
        }
        #expect(enable.dc == HelperDCRecord(enabled: false, state: .softStopCurrent))
        guard case .rpcResult(_, let set) = try HelperMessageDecoder.decode(#"{"type":"res","id":1001,"ts":1,"result":{"ok":true,"v_target":400,"i_target":2,"p_kw":30}}"#) else {
            Issue.record("not a result")
            return
        }
        #expect(set.ok == true && set.voltsTarget == 400 && set.ampsTarget == 2 && set.dc == nil)
        guard case .rpcResult(_, let discover) = try HelperMessageDecoder.decode(#"{"type":"res","id":"abc","ts":1,"result":{"count":1,"mods":[{"addr":1,"status":1}]}}"#) else {
            Issue.record("not a result")
            return
        }
        #expect(discover.moduleCount == 1 && discover.modules?[0] == HelperDCModule(address: 1, status: 1))
        #expect(try HelperMessageDecoder.decode(#"{"type":"res","id":1009,"ts":1,"error":{"code":-32001,"message":"dc_active"}}"#)
            == .rpcError(id: 1009, code: -32001))
    }

    @Test func contactorRepliesAndEvent() throws {
        guard case .rpcResult(_, let r) = try HelperMessageDecoder.decode(#"{"type":"res","id":1007,"ts":3,"result":{"ok":true,"commanded":true,"aux_ok":false}}"#) else {
            Issue.record("not a result")
            return
        }
        #expect(r.contactor == HelperContactorReport(commanded: true, auxClosed: false))
        #expect(try HelperMessageDecoder.decode(#"{"type":"evt","id":0,"ts":9,"method":"evt:contactor.change","result":{"on":true,"aux_ok":true}}"#)
            == .contactorChange(HelperContactorReport(commanded: true, auxClosed: true)))
        // The reference revision's failsafe event stays a plain event.
        #expect(try HelperMessageDecoder.decode(#"{"type":"evt","ts":9,"id":0,"method":"evt:failsafe.keepalive","result":{"forced":"contactor_off"}}"#) == .rpcEvent)
    }

    @Test func r4SystemInfoCapabilities() throws {
        guard case .rpcResult(_, let r) = try HelperMessageDecoder.decode(#"{"type":"res","id":1,"ts":1,"result":{"mode":"hw","capabilities":["contactor","dc","meter","cp"],"cp_thresholds":{"t12":2300}}}"#) else {
            Issue.record("not a result")
            return
        }
        #expect(r.capabilities == [.contactor, .dc, .meter, .controlPilot] && r.firmware.count == 0)
    }

    static let badLines: [(String, HelperDecodeError)] = [
        (#"{"type":"status","cp_mv":1,"state":"C","dc":{"state":3}}"#, .missingField(.dcEnabled)),
        (#"{"type":"status","cp_mv":1,"state":"C","dc":{"enabled":true}}"#, .missingField(.dcState)),
        (#"{"type":"status","cp_mv":1,"state":"C","dc":{"enabled":true,"state":8}}"#, .valueOutOfRange(.dcState, 8)),
        (#"{"type":"status","cp_mv":1,"state":"C","dc":{"enabled":true,"state":"WARP"}}"#, .invalidValue(.dcState)),
        (#"{"type":"status","cp_mv":1,"state":"C","dc":{"enabled":1,"state":0}}"#, .wrongType(.dcEnabled)),
        (#"{"type":"status","cp_mv":1,"state":"C","dc":{"enabled":true,"state":0,"v_set":1500}}"#, .valueOutOfRange(.dcVoltsSet, 1500)),
        (#"{"type":"status","cp_mv":1,"state":"C","dc":{"enabled":true,"state":0,"i_set":-1}}"#, .valueOutOfRange(.dcAmpsSet, -1)),
        (#"{"type":"status","cp_mv":1,"state":"C","dc":[1]}"#, .wrongType(.dc)),
        (#"{"type":"res","id":1,"result":{"mods":[{"v_mv":1}]}}"#, .missingField(.moduleAddress)),
        (#"{"type":"res","id":1,"result":{"mods":[{"addr":200}]}}"#, .valueOutOfRange(.moduleAddress, 200)),
        (#"{"type":"res","id":1,"result":{"mods":{"addr":1}}}"#, .wrongType(.modules)),
        (#"{"type":"res","id":1,"result":{"mods":[{"addr":1},{"addr":2},{"addr":3},{"addr":4},{"addr":5},{"addr":6},{"addr":7},{"addr":8},{"addr":9}]}}"#,
         .valueOutOfRange(.modules, 9)),
        (#"{"type":"res","id":1,"result":{"commanded":true,"aux_ok":"yes"}}"#, .wrongType(.auxClosed)),
        (#"{"type":"evt","id":0,"method":"evt:contactor.change","result":{"on":true}}"#, .missingField(.auxClosed)),
        (#"{"type":"res","id":1,"result":{"capabilities":[1]}}"#, .wrongType(.capabilities)),
    ]

    @Test(arguments: badLines)
    func badMembersAreTypedErrors(_ line: String, _ expected: HelperDecodeError) {
        #expect(throws: expected) { try HelperMessageDecoder.decode(line) }
    }

    /// Seeded mutation fuzzing of the R3/R4 lines: every mutant decodes or throws a typed error, and
    /// whatever decodes has values inside the firmware's ranges. Replay: `CP_HELPER_FUZZ_SEED=N swift
    /// test --filter HelperPowerCodec`.
    @Test func fuzzedPowerLinesNeverCrash() {
        let seed = FuzzSeed.value("CP_HELPER_FUZZ_SEED", default: 0x4553_5033_3252_3400)
        var random = FuzzRandom(seed: seed)
        let corpus = [Self.r4Status,
                      #"{"type":"res","id":1018,"ts":5120,"result":{"enabled":true,"state":1,"v_set":150.5,"i_set":0,"v_tgt":400,"i_tgt":2,"v_min":200,"v_max":1000,"p_kw":30,"mods":[{"addr":1,"v_mv":150400,"i_ma":0,"st":1}]}}"#,
                      #"{"type":"evt","id":0,"ts":9,"method":"evt:contactor.change","result":{"on":true,"aux_ok":true}}"#,
                      #"{"type":"res","id":1007,"ts":3,"result":{"ok":true,"commanded":true,"aux_ok":false}}"#,
                      #"{"type":"res","id":1,"ts":1,"result":{"count":1,"mods":[{"addr":1,"status":1}],"capabilities":["dc"]}}"#]
            .map { Array($0.utf8) }
        let alphabet = Array(#"{}[]":,0123456789.-eEtrufalsn "\ "#.utf8)
        var decoded = 0, rejected = 0
        for iteration in 0..<30_000 {
            var line = corpus[Int(random.next() % UInt64(corpus.count))]
            for _ in 0..<(1 + Int(random.next() % 4)) {
                let i = Int(random.next() % UInt64(line.count))
                switch random.next() % 4 {
                case 0: line[i] = alphabet[Int(random.next() % UInt64(alphabet.count))]
                case 1: line[i] = UInt8(truncatingIfNeeded: random.next())
                case 2: line.remove(at: i)
                default: line.insert(alphabet[Int(random.next() % UInt64(alphabet.count))], at: i)
                }
                if line.isEmpty { line = [0x7B] }
            }
            let outcome: Result<HelperMessage, HelperDecodeError> = line.withUnsafeBytes { raw in
                do throws(HelperDecodeError) { return .success(try HelperMessageDecoder.decode(raw)) } catch { return .failure(error) }
            }
            switch outcome {
            case .success(let message):
                decoded += 1
                var dc: HelperDCRecord?
                if case .status(let s) = message { dc = s.dc }
                if case .rpcResult(_, let r) = message { dc = r.dc }
                if let v = dc?.voltsSet, !(0...1200).contains(v) {
                    let path = FuzzArtifacts.save(line, name: "cp-helper-power-\(seed)-\(iteration)")
                    Issue.record("seed \(seed) iteration \(iteration): v_set \(v) out of range, saved \(path)")
                }
            case .failure:
                rejected += 1
            }
        }
        print("HelperPowerCodec fuzz: seed \(seed) (CP_HELPER_FUZZ_SEED), \(decoded) decoded, \(rejected) typed errors")
        #expect(decoded > 0 && rejected > 0, "seed \(seed)")
    }

    @Test func encodingAndDecodingAllocateNothing() throws {
        let status = Array(Self.r4Status.utf8)
        let reply = Array(#"{"type":"res","id":1018,"ts":5120,"result":{"enabled":true,"state":3,"v_set":400,"i_set":20,"mods":[{"addr":1,"v_mv":400000,"i_ma":20000,"st":1}]}}"#.utf8)
        let q = ByteQueue(capacity: 1024)
        var last: HelperMessage?
        // Warm-up outside the count (first use instantiates type metadata).
        _ = try status.withUnsafeBytes { try HelperMessageDecoder.decode($0) }
        _ = try reply.withUnsafeBytes { try HelperMessageDecoder.decode($0) }
        HelperPowerRequest.dcSet(volts: 1, amps: 1).encode(id: 1, into: q)
        q.removeAll()
        // The counter's own first use on a thread may allocate its per-thread block: once, empty.
        _ = MallocCounter.count {}
        _ = MallocCounter.count { last = status.withUnsafeBytes { try? HelperMessageDecoder.decode($0) } }
        let decodeStatus = MallocCounter.count {
            for _ in 0..<1_000 { last = status.withUnsafeBytes { try? HelperMessageDecoder.decode($0) } }
        }
        let decodeReply = MallocCounter.count {
            for _ in 0..<1_000 { last = reply.withUnsafeBytes { try? HelperMessageDecoder.decode($0) } }
        }
        let encode = MallocCounter.count {
            for i in 0..<1_000 {
                HelperPowerRequest.dcSet(volts: 400.5, amps: Double(i % 200)).encode(id: 1000 + i, into: q)
                q.removeAll()
            }
        }
        print("HelperPowerCodec mallocs: decode status \(decodeStatus), decode dc.status reply \(decodeReply), encode dc.set \(encode) (1000 each)")
        let mallocs = decodeStatus + decodeReply + encode
        #expect(mallocs == 0)
        #expect(last != nil)
    }
}
