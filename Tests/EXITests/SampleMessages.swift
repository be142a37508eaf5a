import EXI
import EXITool

/// The corpus messages the benchmarks and allocation tests use (bytes as Josev sent them).
enum SampleMessages {
    static func bytes(_ file: String, _ message: String) -> [UInt8] {
        let m = SharedFiles.corpusMessages().first { $0.file == file && $0.message == message }!
        return Hex.decode(m.exi)!
    }

    static var dinCurrentDemandReq: [UInt8] { bytes("din-session.jsonl", "CurrentDemandReq") }
    static var dinCurrentDemandRes: [UInt8] { bytes("din-session.jsonl", "CurrentDemandRes") }
    static var iso2CurrentDemandReq: [UInt8] { bytes("iso2-dc-session.jsonl", "CurrentDemandReq") }
    static var iso2CurrentDemandRes: [UInt8] { bytes("iso2-dc-session.jsonl", "CurrentDemandRes") }
    static var iso20ChargeLoopReq: [UInt8] { bytes("iso20-dc-session.jsonl", "DC_ChargeLoopReq") }
    static var iso20ChargeLoopRes: [UInt8] { bytes("iso20-dc-session.jsonl", "DC_ChargeLoopRes") }
    static var iso2SessionSetupReq: [UInt8] { bytes("iso2-dc-session.jsonl", "SessionSetupReq") }
    static var sapReq: [UInt8] { bytes("din-session.jsonl", "supportedAppProtocolReq") }
}
