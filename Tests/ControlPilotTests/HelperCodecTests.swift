import Buffers
import CPHelperProtocol
import Foundation
import MallocCounting
import Testing

/// The JSON-line codec of the ESP32 helper (esp32-cp-uart.md §3, §4, §8), against the example lines
/// of the spec and an independent JSON parser (Foundation's `JSONSerialization`).
@Suite struct HelperMessageDecoding {
    static let statusA = #"{"type":"status","cp_mv":2612,"cp_mv_robust":2620,"state":"A","mode":"dc","pwm":{"enabled":false,"duty":0,"hz":1000,"out":100},"thresh":{"t12":2400,"t9":2000,"t6":1700,"t3":1450,"t0":1250,"hys":150,"hys_ab":100}}"#
    static let statusB = #"{"type":"status","cp_mv":2255,"cp_mv_robust":2262,"state":"B","mode":"dc","pwm":{"enabled":false,"duty":0,"hz":1000,"out":5},"thresh":{"t12":2400,"t9":2000,"t6":1700,"t3":1450,"t0":1250,"hys":150,"hys_ab":100}}"#

    @Test func specExampleStatusFrames() throws {
        let a = try HelperMessageDecoder.decode(Self.statusA)
        #expect(a == .status(HelperStatus(cpMillivolts: 2612, cpMillivoltsRobust: 2620, state: .a, mode: .dc,
                                          pwm: HelperPWMReport(enabled: false, duty: 0, frequency: 1000, out: 100),
                                          thresholds: .referenceDefaults)))
        guard case .status(let b) = try HelperMessageDecoder.decode(Self.statusB) else {
            Issue.record("not a status")
            return
        }
        #expect(b.state == .b && b.cpMillivolts == 2255 && b.pwm?.out == 5 && b.mode == .dc)
    }

    /// Older/leaner frames: the protocol document's field set (§4.1 [doc]), floats, other key order.
    @Test func leanAndReorderedFrames() throws {
        guard case .status(let s) = try HelperMessageDecoder.decode(#" {"state":"C","cp_mv":1900.0,"type":"status"} "#) else {
            Issue.record("not a status")
            return
        }
        #expect(s.state == .c && s.cpMillivolts == 1900 && s.cpMillivoltsRobust == 1900 && s.mode == nil && s.pwm == nil)
        guard case .status(let r4) = try HelperMessageDecoder.decode(
            #"{"type":"status","cp_mv":2260,"cp_mv_robust":2270,"state":"B","mode":"dc","dc":{"enabled":false,"state":"IDLE","v_set":0.0,"i_set":0.0,"p_kw":0.0,"v_min":200,"v_max":1000,"hilo_actual":1,"hilo_cfg":3}}"#) else {
            Issue.record("not a status")
            return
        }
        #expect(r4.state == .b && r4.thresholds == nil) // §11 R4: unknown objects are skipped
    }

    @Test func everyReply() throws {
        #expect(try HelperMessageDecoder.decode(#"{"type":"pong"}"#) == .pong)
        #expect(try HelperMessageDecoder.decode(#""pong""#) == .pong)
        #expect(try HelperMessageDecoder.decode(#"{"type":"ok"}"#) == .ok(.autoCalibration))
        #expect(try HelperMessageDecoder.decode(#"{"type":"ok","cmd":"restart_slac_hint"}"#) == .ok(.restartSLACHint))
        #expect(try HelperMessageDecoder.decode(#"{"type":"ok","cmd":"reset"}"#) == .ok(.reset))
        let errors: [(String, HelperErrorCode)] = [
            ("bad_json:InvalidInput", .badJSON), ("bad_json:IncompleteInput", .badJSON), ("missing_cmd", .missingCommand),
            ("unknown_cmd", .unknownCommand), ("bad_mode", .badMode), ("mode_dc_auto", .modeDCAuto),
            ("cal_failed", .calibrationFailed), ("something_new", .other),
        ]
        for (msg, code) in errors {
            #expect(try HelperMessageDecoder.decode(#"{"type":"error","msg":"\#(msg)"}"#) == .error(code))
        }
        guard case .scan(let mv) = try HelperMessageDecoder.decode(#"{"type":"res","cmd":"cp.scan","mv":{"1":2611,"2":0,"10":33}}"#) else {
            Issue.record("not a scan")
            return
        }
        #expect(mv[0] == 2611 && mv[1] == 0 && mv[2] == -1 && mv[9] == 33)
        let info = #"{"type":"res","id":1,"ts":5123,"result":{"fw":"esp-cp-periph/0.2.0","proto":1,"mode":"sim","capabilities":["cp","contactor","temps.gun_a","temps.gun_b","meter"]}}"#
        var expectedInfo = HelperRPCResult(firmware: FixedText("esp-cp-periph/0.2.0"), protocolVersion: 1, mode: FixedText("sim"))
        expectedInfo.capabilities = [.controlPilot, .contactor, .temperatures, .meter]
        #expect(try HelperMessageDecoder.decode(info) == .rpcResult(id: 1, expectedInfo))
        #expect(try HelperMessageDecoder.decode(#"{"type":"res","id":7,"ts":1,"error":{"code":-32601,"message":"unknown_method"}}"#)
                == .rpcError(id: 7, code: -32601))
        #expect(try HelperMessageDecoder.decode(#"{"type":"evt","ts":9,"id":0,"method":"evt:failsafe.keepalive","result":{"forced":"contactor_off"}}"#) == .rpcEvent)
    }

    /// Bad input: every case is a typed error, none crashes.
    static let badLines: [(String, HelperDecodeError)] = [
        ("", .empty),
        ("   ", .empty),
        ("garbage", .notJSON(offset: 0)),
        (#"{"type":"status","cp_mv":22"#, .notJSON(offset: 27)),
        (#"{"type":"status""#, .notJSON(offset: 16)),
        ("[1,2,3]", .notAnObject),
        ("42", .notAnObject),
        (#""hello""#, .unknownMessageType),
        (#"{"cp_mv":1}"#, .missingType),
        (#"{"type":"bogus"}"#, .unknownMessageType),
        (#"{"type":7}"#, .wrongType(.type)),
        (#"{"type":"status","state":"B"}"#, .missingField(.cpMillivolts)),
        (#"{"type":"status","cp_mv":2000}"#, .missingField(.state)),
        (#"{"type":"status","cp_mv":-5,"state":"B"}"#, .valueOutOfRange(.cpMillivolts, -5)),
        (#"{"type":"status","cp_mv":99999,"state":"B"}"#, .valueOutOfRange(.cpMillivolts, 99999)),
        (#"{"type":"status","cp_mv":1e300,"state":"B"}"#, .valueOutOfRange(.cpMillivolts, Int64.max)),
        (#"{"type":"status","cp_mv":"2000","state":"B"}"#, .wrongType(.cpMillivolts)),
        (#"{"type":"status","cp_mv":2000,"state":"X"}"#, .invalidValue(.state)),
        (#"{"type":"status","cp_mv":2000,"state":"BC"}"#, .invalidValue(.state)),
        (#"{"type":"status","cp_mv":2000,"state":"B","mode":"turbo"}"#, .invalidValue(.mode)),
        (#"{"type":"status","cp_mv":2000,"state":"B","pwm":{"duty":101}}"#, .valueOutOfRange(.pwmDuty, 101)),
        (#"{"type":"status","cp_mv":2000,"state":"B","pwm":{"out":-1}}"#, .valueOutOfRange(.pwmOut, -1)),
        (#"{"type":"status","cp_mv":2000,"state":"B","pwm":{"enabled":"yes"}}"#, .wrongType(.pwmEnabled)),
        (#"{"type":"status","cp_mv":2000,"state":"B","pwm":5}"#, .wrongType(.pwm)),
        (#"{"type":"status","cp_mv":2000,"state":"B"} trailing"#, .trailingBytes(offset: 43)),
        (#"{"type":"status","cp_mv":2000,"state":"B"}{"type":"pong"}"#, .trailingBytes(offset: 42)),
        (#"{"type":"error"}"#, .missingField(.message)),
        (#"{"type":"pong",}"#, .notJSON(offset: 15)),
        (#"{"type":"pong" "x":1}"#, .notJSON(offset: 15)),
        (#"{"type":"st\q"}"#, .notJSON(offset: 12)),
        (#"{"x":[[[[[[[[[[[[1]]]]]]]]]]]],"type":"pong"}"#, .nestingTooDeep(offset: 13)),
        (#"{"type":"pong","x":01}"#, .notJSON(offset: 20)),
    ]

    @Test(arguments: badLines)
    func badLinesAreTypedErrors(_ line: String, _ expected: HelperDecodeError) {
        #expect(throws: expected) { try HelperMessageDecoder.decode(line) }
    }

    @Test func nonTextBytesAreNotJSON() {
        let bytes: [UInt8] = [0x7B, 0x22, 0x74, 0x00, 0xFF, 0x22, 0x7D]
        #expect(throws: HelperDecodeError.notJSON(offset: 3)) {
            try bytes.withUnsafeBytes { raw in _ = try HelperMessageDecoder.decode(raw) }
        }
    }

    /// Random mutations of a valid frame never crash; they decode or throw a typed error.
    @Test func mutatedFramesNeverCrash() {
        var bytes = Array(Self.statusB.utf8)
        var seed: UInt32 = 0xC0FFEE
        var decoded = 0
        for _ in 0..<20_000 {
            var mutated = bytes
            for _ in 0..<3 {
                seed = seed &* 1_664_525 &+ 1_013_904_223
                let i = Int(seed >> 8) % mutated.count
                mutated[i] = UInt8(truncatingIfNeeded: seed >> 24)
            }
            if (try? mutated.withUnsafeBytes { try HelperMessageDecoder.decode($0) }) != nil { decoded += 1 }
            bytes = seed & 1 == 0 ? Array(Self.statusB.utf8) : Array(Self.statusA.utf8)
        }
        #expect(decoded > 0)
    }

    @Test func decodingAStatusFrameAllocatesNothing() throws {
        let line = Array(Self.statusB.utf8)
        _ = try line.withUnsafeBytes { try HelperMessageDecoder.decode($0) }
        var result: HelperMessage?
        let mallocs = MallocCounter.count {
            line.withUnsafeBytes { raw in
                for _ in 0..<1_000 { result = try? HelperMessageDecoder.decode(raw) }
            }
        }
        #expect(mallocs == 0)
        #expect(result != nil)
    }
}

@Suite struct HelperCommandEncoding {
    static func encoded(_ c: HelperCommand) -> String {
        let q = ByteQueue(capacity: 256)
        #expect(c.encode(into: q))
        var bytes: [UInt8] = []
        while let b = q.pop() { bytes.append(b) }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// The example lines of §3, byte for byte, plus the rest.
    static let expected: [(HelperCommand, String)] = [
        (.ping, #"{"cmd":"ping"}"#),
        (.getStatus, #"{"cmd":"get_status"}"#),
        (.setMode(.manual), #"{"cmd":"set_mode","mode":"manual"}"#),
        (.setMode(.dc), #"{"cmd":"set_mode","mode":"dc"}"#),
        (.setPWM(duty: 5, enable: true), #"{"cmd":"set_pwm","duty":5,"enable":true}"#),
        (.setPWM(duty: 250, enable: nil), #"{"cmd":"set_pwm","duty":100}"#),
        (.setPWM(duty: nil, enable: false), #"{"cmd":"set_pwm","enable":false}"#),
        (.enablePWM(false), #"{"cmd":"enable_pwm","enable":false}"#),
        (.setFrequency(hertz: 1000), #"{"cmd":"set_freq","hz":1000}"#),
        (.setFrequency(hertz: 20), #"{"cmd":"set_freq","hz":500}"#),
        (.setThresholds(HelperThresholdUpdate(t12: 2400, t9: 2000, hysteresis: 150)), #"{"cmd":"cp.set_thresholds","t12":2400,"t9":2000,"hys":150}"#),
        (.autoCalibrate, #"{"cmd":"cp.auto_cal"}"#),
        (.scan, #"{"cmd":"cp.scan"}"#),
        (.restartSLACHint(milliseconds: 400), #"{"cmd":"restart_slac_hint","ms":400}"#),
        (.restartSLACHint(milliseconds: 99_999), #"{"cmd":"restart_slac_hint","ms":2000}"#),
        (.reset, #"{"cmd":"reset"}"#),
        (.systemInfo(id: 1), #"{"type":"req","id":1,"method":"sys.info"}"#),
        (.systemPing(id: 42), #"{"type":"req","id":42,"method":"sys.ping"}"#),
    ]

    @Test(arguments: expected)
    func exactLines(_ command: HelperCommand, _ line: String) throws {
        let text = Self.encoded(command)
        #expect(text == line + "\n")
        // An independent parser reads it as one JSON object.
        let object = try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any]
        #expect(object != nil)
    }

    @Test func aFullQueueTakesNothing() {
        let q = ByteQueue(capacity: HelperCommand.maximumEncodedLength - 1)
        #expect(!HelperCommand.ping.encode(into: q))
        #expect(q.isEmpty)
    }

    @Test func encodingAllocatesNothing() {
        let q = ByteQueue(capacity: 4096)
        HelperCommand.getStatus.encode(into: q)
        q.removeAll()
        let mallocs = MallocCounter.count {
            for i in 0..<500 {
                HelperCommand.setPWM(duty: i % 100, enable: true).encode(into: q)
                HelperCommand.getStatus.encode(into: q)
                q.removeAll()
            }
        }
        #expect(mallocs == 0)
    }
}

@Suite struct HelperLineFraming {
    static func lines(_ framer: HelperLineFramer, _ q: ByteQueue) -> [String] {
        var out: [String] = []
        while let f = framer.next(from: q) {
            switch f {
            case .line(let raw): out.append(String(decoding: raw, as: UTF8.self))
            case .tooLong(let n): out.append("<too long \(n)>")
            }
        }
        return out
    }

    @Test func splitsCRLFAndSkipsEmptyLines() {
        let f = HelperLineFramer()
        let q = ByteQueue(capacity: 4096)
        q.push(Array("{\"type\":\"po".utf8).span.bytes)
        #expect(Self.lines(f, q).isEmpty) // partial: wait
        q.push(Array("ng\"}\r\n\n\r\n{\"a\":1}\n{\"b\"".utf8).span.bytes)
        #expect(Self.lines(f, q) == [#"{"type":"pong"}"#, #"{"a":1}"#])
        q.push(Array(":2}\n".utf8).span.bytes)
        #expect(Self.lines(f, q) == [#"{"b":2}"#])
    }

    @Test func overLongLinesAreDroppedAndFramingResumes() {
        let f = HelperLineFramer(capacity: 64)
        let q = ByteQueue(capacity: 4096)
        q.push(Array(String(repeating: "x", count: 100).utf8).span.bytes)
        q.push(Array("\nok\n".utf8).span.bytes)
        #expect(Self.lines(f, q) == ["<too long 100>", "ok"])
        // Longer than the queue holds at once: dropped across several reads.
        for _ in 0..<5 {
            q.push(Array(String(repeating: "y", count: 1000).utf8).span.bytes)
            #expect(Self.lines(f, q).isEmpty)
            #expect(f.isDiscarding)
        }
        q.push(Array("yy\nnext\n".utf8).span.bytes)
        #expect(Self.lines(f, q) == ["<too long 5002>", "next"])
    }
}
