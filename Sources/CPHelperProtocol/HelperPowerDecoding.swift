/// Decoding of the R3/R4 DC supply and contactor members (esp32-cp-uart.md §11): the `dc` object of
/// a status frame, the `dc.*`/`contactor.*` results and the module list. Range checks follow the
/// firmware's own clamps (`dc.cfg`: v 100…1200 V, i_max 5…500 A, p 1…100 kW), so a value outside
/// them is a corrupted line, not a reading.
extension HelperMessageDecoder {
    /// Volts any R3/R4 field can hold (setpoints, targets, limits).
    static let voltsRange = 0.0...1200.0
    /// Amperes any R3/R4 field can hold.
    static let ampsRange = 0.0...500.0
    static let powerRange = 0.0...100.0

    /// The DC members collected from one object, before the record is checked for completeness.
    struct DCMembers {
        var enabled: Bool?
        var state: HelperDCState?
        var voltsSet: Double?, ampsSet: Double?, voltsTarget: Double?, ampsTarget: Double?
        var powerKW: Double?, voltsMin: Double?, voltsMax: Double?
        var hiLoActual: Int8?, hiLoConfigured: Int8?

        func record() throws(HelperDecodeError) -> HelperDCRecord {
            guard let enabled else { throw .missingField(.dcEnabled) }
            guard let state else { throw .missingField(.dcState) }
            return HelperDCRecord(enabled: enabled, state: state, voltsSet: voltsSet, ampsSet: ampsSet,
                                  voltsTarget: voltsTarget, ampsTarget: ampsTarget, powerKW: powerKW,
                                  voltsMin: voltsMin, voltsMax: voltsMax, hiLoActual: hiLoActual,
                                  hiLoConfigured: hiLoConfigured)
        }
    }

    /// Reads `key`'s value into `dc` when it is a DC member; false (nothing read) otherwise.
    static func dcMember(_ c: inout JSONCursor, _ key: JSONCursor.Text, _ dc: inout DCMembers) throws(HelperDecodeError) -> Bool {
        if c.matches(key, "enabled") {
            dc.enabled = try boolean(&c, .dcEnabled)
        } else if c.matches(key, "state") {
            dc.state = try dcState(&c)
        } else if c.matches(key, "v_set") {
            dc.voltsSet = try number(&c, .dcVoltsSet, voltsRange)
        } else if c.matches(key, "i_set") {
            dc.ampsSet = try number(&c, .dcAmpsSet, ampsRange)
        } else if c.matches(key, "v_tgt") {
            dc.voltsTarget = try number(&c, .dcVoltsTarget, voltsRange)
        } else if c.matches(key, "i_tgt") {
            dc.ampsTarget = try number(&c, .dcAmpsTarget, ampsRange)
        } else if c.matches(key, "p_kw") {
            dc.powerKW = try number(&c, .dcPower, powerRange)
        } else if c.matches(key, "v_min") {
            dc.voltsMin = try number(&c, .dcVoltsMin, voltsRange)
        } else if c.matches(key, "v_max") {
            dc.voltsMax = try number(&c, .dcVoltsMax, voltsRange)
        } else if c.matches(key, "hilo_actual") {
            dc.hiLoActual = Int8(try integer(&c, .dcHiLoActual, 0...3))
        } else if c.matches(key, "hilo_cfg") {
            dc.hiLoConfigured = Int8(try integer(&c, .dcHiLoConfigured, 0...3))
        } else {
            return false
        }
        return true
    }

    /// The `dc` object of an R4 status frame: `enabled` and `state` are required.
    static func dcObject(_ c: inout JSONCursor) throws(HelperDecodeError) -> HelperDCRecord {
        try beginObject(&c, .dc)
        var dc = DCMembers()
        var first = true
        while let key = try c.nextMember(&first) {
            if try !dcMember(&c, key, &dc) { try c.skipValue(depth: maximumDepth - 1) }
        }
        return try dc.record()
    }

    /// `state`: the enum's integer (what R4 prints) or its name.
    static func dcState(_ c: inout JSONCursor) throws(HelperDecodeError) -> HelperDCState {
        if c.current == 0x22 {
            let s = try c.readString()
            for candidate in HelperDCState.allCases where c.matches(s, candidate.firmwareName) { return candidate }
            throw .invalidValue(.dcState)
        }
        let v = try integer(&c, .dcState, 0...7)
        return HelperDCState(rawValue: UInt8(v)) ?? .fault
    }

    /// A number (integer or float) within `range`.
    static func number(_ c: inout JSONCursor, _ field: HelperField,
                       _ range: ClosedRange<Double>) throws(HelperDecodeError) -> Double {
        guard let b = c.current, b == 0x2D || JSONCursor.isDigit(b) else { throw .wrongType(field) }
        let value = try c.readNumber()
        guard value.isFinite, range.contains(value) else {
            let clipped = value.isFinite ? Swift.min(Swift.max(value, -9.0e15), 9.0e15) : 9.0e15
            throw .valueOutOfRange(field, Int64(clipped))
        }
        return value
    }

    /// `mods`: at most `HelperDCModuleList.capacity` objects {addr, st|status, v_mv, i_ma}.
    static func modules(_ c: inout JSONCursor) throws(HelperDecodeError) -> HelperDCModuleList {
        guard c.current == 0x5B else { throw .wrongType(.modules) }
        c.offset += 1
        var list = HelperDCModuleList()
        c.skipWhitespace()
        if c.current == 0x5D {
            c.offset += 1
            return list
        }
        while true {
            c.skipWhitespace()
            let module = try module(&c)
            guard list.append(module) else { throw .valueOutOfRange(.modules, Int64(list.count + 1)) }
            c.skipWhitespace()
            guard let b = c.current else { throw .notJSON(offset: c.offset) }
            c.offset += 1
            if b == 0x5D { return list }
            guard b == 0x2C else { throw .notJSON(offset: c.offset - 1) }
        }
    }

    private static func module(_ c: inout JSONCursor) throws(HelperDecodeError) -> HelperDCModule {
        guard c.current == 0x7B else { throw .wrongType(.modules) }
        c.offset += 1
        var address: UInt8?
        var module = HelperDCModule(address: 0)
        var first = true
        while let key = try c.nextMember(&first) {
            if c.matches(key, "addr") {
                address = UInt8(try integer(&c, .moduleAddress, 0...127))
            } else if c.matches(key, "st") || c.matches(key, "status") {
                module.status = UInt32(try integer(&c, .moduleStatus, 0...Int64(UInt32.max)))
            } else if c.matches(key, "v_mv") {
                module.millivolts = UInt32(try integer(&c, .moduleMillivolts, 0...1_200_000))
            } else if c.matches(key, "i_ma") {
                module.milliamps = UInt32(try integer(&c, .moduleMilliamps, 0...500_000))
            } else {
                try c.skipValue(depth: maximumDepth - 3)
            }
        }
        guard let address else { throw .missingField(.moduleAddress) }
        module.address = address
        return module
    }

    /// `capabilities`: an array of strings; unknown words are ignored.
    static func capabilities(_ c: inout JSONCursor) throws(HelperDecodeError) -> HelperCapabilities {
        guard c.current == 0x5B else { throw .wrongType(.capabilities) }
        c.offset += 1
        var caps = HelperCapabilities()
        c.skipWhitespace()
        if c.current == 0x5D {
            c.offset += 1
            return caps
        }
        while true {
            c.skipWhitespace()
            guard c.current == 0x22 else { throw .wrongType(.capabilities) }
            let s = try c.readString()
            if c.matches(s, "cp") { caps.insert(.controlPilot) }
            if c.matches(s, "contactor") { caps.insert(.contactor) }
            if c.matches(s, "dc") { caps.insert(.dc) }
            if c.matches(s, "meter") { caps.insert(.meter) }
            if c.hasPrefix(s, "temps") { caps.insert(.temperatures) }
            c.skipWhitespace()
            guard let b = c.current else { throw .notJSON(offset: c.offset) }
            c.offset += 1
            if b == 0x5D { return caps }
            guard b == 0x2C else { throw .notJSON(offset: c.offset - 1) }
        }
    }
}
