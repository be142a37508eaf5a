/// An OCPP-J RPC frame (OCPP-J 1.6 §4.1): CALL `[2, id, action, payload]`, CALLRESULT `[3, id,
/// payload]`, CALLERROR `[4, id, code, description, details]`. The unique id is a string of at most 36
/// characters (§4.1.3).
public enum OCPPFrame: Sendable, Equatable {
    case call(id: String, action: String, payload: JSON)
    case result(id: String, payload: JSON)
    case error(id: String, code: OCPPErrorCode, description: String, details: JSON)

    public var id: String {
        switch self {
        case .call(let id, _, _), .result(let id, _), .error(let id, _, _, _): id
        }
    }

    public var text: String {
        switch self {
        case let .call(id, action, payload): JSON.array([.number(2), .string(id), .string(action), payload]).text
        case let .result(id, payload): JSON.array([.number(3), .string(id), payload]).text
        case let .error(id, code, description, details):
            JSON.array([.number(4), .string(id), .string(code.rawValue), .string(description), details]).text
        }
    }

    /// Decodes one WebSocket text message. Bad input is a typed error carrying the id when it could be
    /// read, so the caller can answer a CALL with a CALLERROR (§4.2.3).
    public static func decode(_ text: String) throws(OCPPFrameError) -> OCPPFrame {
        let json: JSON
        do throws(JSONError) { json = try JSON.parse(text) } catch { throw .notJSON(error) }
        guard let items = json.array, items.count >= 3 else { throw .notAFrame }
        guard let type = items[0].integer else { throw .notAFrame }
        guard let id = items[1].string, !id.isEmpty, id.count <= 36 else { throw .badID }
        switch type {
        case 2:
            guard items.count == 4, let action = items[2].string else { throw .malformed(id: id, type: type) }
            guard case .object = items[3] else { throw .malformed(id: id, type: type) }
            return .call(id: id, action: action, payload: items[3])
        case 3:
            guard items.count == 3, case .object = items[2] else { throw .malformed(id: id, type: type) }
            return .result(id: id, payload: items[2])
        case 4:
            guard items.count == 5, let c = items[2].string, let d = items[3].string else { throw .malformed(id: id, type: type) }
            return .error(id: id, code: OCPPErrorCode(rawValue: c) ?? .genericError, description: d, details: items[4])
        default:
            throw .unknownMessageType(type)
        }
    }
}

/// Why a text message is not an OCPP-J frame.
public enum OCPPFrameError: Error, Equatable, Sendable, CustomStringConvertible {
    case notJSON(JSONError)
    case notAFrame
    case badID
    case unknownMessageType(Int)
    /// The frame's shape is wrong for its type (a CALL answered with a CALLERROR FormationViolation).
    case malformed(id: String, type: Int)

    public var description: String {
        switch self {
        case .notJSON(let e): "not JSON: \(e)"
        case .notAFrame: "not an OCPP-J frame (array of 3 to 5 with a numeric type)"
        case .badID: "the unique id is not a string of 1…36 characters"
        case .unknownMessageType(let t): "unknown message type \(t)"
        case let .malformed(id, type): "frame \(id) of type \(type) is malformed"
        }
    }
}

/// CALLERROR codes (OCPP-J 1.6 §4.2.3).
public enum OCPPErrorCode: String, Sendable, Equatable, Error {
    case notImplemented = "NotImplemented"
    case notSupported = "NotSupported"
    case internalError = "InternalError"
    case protocolError = "ProtocolError"
    case securityError = "SecurityError"
    case formationViolation = "FormationViolation"
    case propertyConstraintViolation = "PropertyConstraintViolation"
    case occurenceConstraintViolation = "OccurenceConstraintViolation"
    case typeConstraintViolation = "TypeConstraintViolation"
    case genericError = "GenericError"
}
