import CoreTypes
import WhitebeetHCI

/// One value of every HCI message kind, shared by the codec tests, the emulator tests and the fuzz
/// seeds: every request, every notification and the typical responses.
public enum WhitebeetSamples {
    public static let pv400 = PhysicalValue(400)!, pv100 = PhysicalValue(100)!, pv25k = PhysicalValue(25_000)!

    public static let schedule = EVSESchedules(tuples: FixedList([
        ScheduleTuple(id: 1, entries: ScheduleEntries([
            ScheduleEntry(start: 0, interval: 0, maximumPower: PhysicalValue(25_000)!),
            ScheduleEntry(start: 1800, interval: 0, maximumPower: PhysicalValue(18_750)!),
            ScheduleEntry(start: 3600, interval: 82_800, maximumPower: PhysicalValue(12_500)!),
        ])),
    ]))

    public static let evDC = EVDCUpdate(limits: EVLimits(maximumVoltage: pv400, maximumCurrent: pv100, maximumPower: pv25k),
                                        soc: 42, targetVoltage: PhysicalValue(380)!, targetCurrent: PhysicalValue(16)!)

    public static let requests: [HCIRequest] = [
        .getFirmwareVersion, .restart, .setPortMirror(true), .ping,
        .setPilotMode(.evse), .getPilotMode, .startPilot, .stopPilot, .setDutyCycle(permille: 50), .getDutyCycle,
        .setResistor(.stateC), .getResistor, .getPilotState,
        .startSlac(.evse), .stopSlac, .startMatching, .setValidation(enabled: false),
        .joinNetwork(nid: 0x01_0203_0405_0607, nmkHigh: 0x1122_3344_5566_7788, nmkLow: 0x99AA_BBCC_DDEE_FF00),
        .setV2GMode(.evse), .getV2GMode, .startV2G, .stopV2G,
        .setConfiguration(EVSEConfiguration(dinEVSEID: "+49*123*456*789", isoEVSEID: "DE*A23*E45B*78C", protocols: [0, 1],
                                            paymentMethods: [0], energyTransferModes: [0, 1, 2, 3])),
        .getConfiguration,
        .setDCChargingParameters(EVSEDCLimits(minimumVoltage: PhysicalValue(150)!, minimumCurrent: .zero, maximumVoltage: pv400,
                                              maximumCurrent: pv100, maximumPower: pv25k,
                                              currentRegulationTolerance: PhysicalValue(5)!, peakCurrentRipple: PhysicalValue(1)!)),
        .updateDCChargingParameters(EVSEDCPresentValues(isolationLevel: 1, presentVoltage: PhysicalValue(380)!, presentCurrent: PhysicalValue(16)!,
                                                        maximumVoltage: pv400, maximumCurrent: nil, maximumPower: pv25k)),
        .getDCChargingParameters,
        .setACChargingParameters(EVSEACParameters(maximumCurrent: PhysicalValue(32)!, nominalVoltage: PhysicalValue(230)!)),
        .updateACChargingParameters(rcdError: false, maximumCurrent: PhysicalValue(16)!), .getACChargingParameters,
        .setSDPConfiguration(SDPPorts(unsecured: 50_000, secured: nil)), .getSDPConfiguration, .startListen,
        .setAuthorization(authorized: true), .setSchedules(schedule), .setCableCheckFinished(ok: true), .startCharging,
        .stopCharging, .stopListen, .sendNotification(renegotiation: false, maximumDelay: 10),
        .setSessionParameterTimeout(milliseconds: 500),
        .setEVConfiguration(EVConfiguration(evID: MACAddress(0, 1, 1, 0x63, 0x77, 0x31), protocols: [0, 1], paymentMethods: [0],
                                            energyTransferModes: [0, 4], batteryCapacity: PhysicalValue(50_000)!)),
        .getEVConfiguration,
        .setEVDCChargingParameters(EVDCParameters(update: evDC, fullSOC: 100, bulkSOC: 80, energyRequest: PhysicalValue(29_000)!,
                                                  departureTime: 100_000_000)),
        .updateEVDCChargingParameters(evDC), .getEVDCChargingParameters,
        .setEVACChargingParameters(EVACParameters(limits: EVLimits(maximumVoltage: PhysicalValue(230)!, maximumCurrent: PhysicalValue(32)!,
                                                                   maximumPower: PhysicalValue(7400)!),
                                                  energyRequest: PhysicalValue(20_000)!, departureTime: 1_000_000)),
        .updateEVACChargingParameters(EVLimits(maximumVoltage: PhysicalValue(230)!, maximumCurrent: PhysicalValue(32)!, maximumPower: PhysicalValue(7400)!)),
        .getEVACChargingParameters,
        .setChargingProfile(ChargingProfile(scheduleTupleID: 1, entries: ScheduleEntries([
            ScheduleEntry(start: 0, interval: 3600, maximumPower: PhysicalValue(mantissa: 25_000, exponent: 0)),
        ]))),
        .startSession, .startCableCheck, .startPreCharging, .startEVCharging, .stopEVCharging(renegotiation: false), .stopSession,
    ]

    public static let notifications: [HCINotification] = [
        .networkStatus(sub: 0x81, value: 1), .pilotStateChanged(.b), .slacMatched, .slacMatchFailed, .slacJoinStatus(joined: true),
        .sessionStarted(SessionStarted(protocolCode: 1, sessionID: 0x0102_0304_0506_0708, evccID: HCIText("\u{0}\u{1}\u{1}cw1"))),
        .paymentSelected(method: 0), .authorizationRequested(timeoutMilliseconds: 54_999),
        .energyTransferModeSelected(EnergyTransferModeSelected(departureTime: 7200, energyRequest: PhysicalValue(29_000)!,
                                                               maximumVoltage: pv400, maximumCurrent: pv100, maximumPower: pv25k, mode: 0,
                                                               dc: EVDCChargeParameters(energyCapacity: PhysicalValue(50_000)!, fullSOC: 100,
                                                                                        ready: true, soc: 42))),
        .energyTransferModeSelected(EnergyTransferModeSelected(maximumVoltage: PhysicalValue(230)!, maximumCurrent: PhysicalValue(32)!, mode: 5, dc: nil)),
        .schedulesRequested(timeoutMilliseconds: 2000, maximumEntries: 24),
        .dcChargeParametersChanged(EVDCStatus(maximumVoltage: pv400, maximumCurrent: pv100, ready: true, soc: 42,
                                              targetVoltage: PhysicalValue(380)!, targetCurrent: PhysicalValue(16)!, fullSOC: 100,
                                              bulkChargingComplete: false, remainingTimeToFullSOC: PhysicalValue(3600)!)),
        .acChargeParametersChanged(EVACStatus(maximumVoltage: PhysicalValue(230)!, minimumCurrent: PhysicalValue(6)!,
                                              maximumCurrent: PhysicalValue(32)!, energyAmount: PhysicalValue(20_000)!)),
        .cableCheckRequested(timeoutMilliseconds: 38_000), .preChargeStarted,
        .startChargingRequested(StartChargingRequested(timeoutMilliseconds: 1500, scheduleTupleID: 1, profile: FixedList([
            ProfileEntry(start: 0, power: pv25k),
        ]))),
        .stopChargingRequested(timeoutMilliseconds: 1500, renegotiation: false), .weldingDetectionStarted, .sessionStopped(closure: 0),
        .sessionError(code: 23), .meteringReceiptStatus(verified: true),
        .evSessionStarted(EVSessionStarted(protocolCode: 1, sessionID: 7, evseID: "DE*A23*E45B*78C", paymentMethod: 0, energyTransferMode: 0)),
        .evseDCChargeParametersChanged(EVSEDCStatus(limits: EVLimits(maximumVoltage: pv400, maximumCurrent: pv100, maximumPower: pv25k),
                                                    presentVoltage: PhysicalValue(380)!, presentCurrent: PhysicalValue(16)!, isolationStatus: 1,
                                                    currentRegulationTolerance: PhysicalValue(5)!)),
        .evseACChargeParametersChanged(nominalVoltage: PhysicalValue(230)!, maximumCurrent: PhysicalValue(32)!, rcdError: false),
        .scheduleReceived(EVScheduleReceived(tuple: schedule.tuples[0])),
        .cableCheckReady, .cableCheckFinished, .preChargingReady, .chargingReady, .chargingStarted, .chargingStopped, .postChargingReady,
        .evSessionStopped, .evseNotification(kind: 0, maximumDelay: 10), .evSessionError(code: 8),
    ]

    public static let responses: [HCIResponse] = [
        HCIResponse(module: 0x10, sub: 0x41, requestID: 1, body: .firmwareVersion("V02_01_00")),
        HCIResponse(module: 0x29, sub: 0x41, requestID: 2, body: .mode(1)),
        HCIResponse(module: 0x27, sub: 0x41, requestID: 3, body: .mode(2)),
        HCIResponse(module: 0x29, sub: 0x45, requestID: 4, body: .dutyCycle(permille: 50)),
        HCIResponse(module: 0x29, sub: 0x48, requestID: 5, body: .pilotState(.c)),
        HCIResponse(module: 0x27, sub: 0x69, requestID: 6, body: .sdpConfiguration(SDPPorts(unsecured: 50_000, secured: 50_001))),
        HCIResponse(module: 0x27, sub: 0x64, requestID: 7, body: .unparsed(length: 3)),
        HCIResponse(module: 0x27, sub: 0x6B, requestID: 8, result: .busy),
        HCIResponse(module: 0x28, sub: 0x44, requestID: 9, result: .wrongState),
        HCIResponse(module: 0x0E, sub: 0x01, requestID: 10, body: .pong),
    ]

    // EVSE generation 1 (whitebeet-hci.md §12): every host command and parameter request, with the
    // optional fields both present and absent, DC and AC where the spec gives both.
    static func pv(_ m: Int16) -> PhysicalValue { PhysicalValue(mantissa: m, exponent: 0) }
    public static let gen1Schedule = Gen1Schedules(tuples: FixedList([schedule.tuples[0], ScheduleTuple(id: 2, entries: ScheduleEntries())]))
    public static let gen1ChargeLoop = Gen1DCChargeLoopParameters(isolationLevel: 1, presentVoltage: pv(380), presentCurrent: pv(16),
                                                                  maximumCurrent: pv(100), maximumVoltage: pv(400), maximumPower: pv(25_000))

    public static let gen1Requests: [EVSEGen1Request] = [
        .setSupportedProtocols([0, 2]), .getSupportedProtocols,
        .setSDPConfiguration(SDPPorts(unsecured: 50_000, secured: nil)), .setSDPConfiguration(SDPPorts(unsecured: 49_152, secured: 65_534)),
        .getSDPConfiguration, .setPaymentOptions([0]), .setPaymentOptions(nil), .getPaymentOptions,
        .setEnergyTransferModes([0, 1, 2, 3]), .getEnergyTransferModes,
        .setEVSEID("DE*ABC*E*00001*01"), .setEVSEID(nil), .setAuthorization(authorized: true), .setAuthorization(authorized: false),
        .setDiscoveryChargeParameters(.accepted(.dc(Gen1DCDiscoveryParameters(
            maximumCurrent: pv(200), minimumCurrent: pv(0), maximumVoltage: pv(500), minimumVoltage: pv(150), maximumPower: pv(25_000),
            peakCurrentRipple: pv(1))))),
        .setDiscoveryChargeParameters(.accepted(.dc(Gen1DCDiscoveryParameters(
            isolationLevel: 1, maximumCurrent: pv(200), minimumCurrent: pv(1), maximumVoltage: pv(500), minimumVoltage: pv(150),
            maximumPower: pv(25_000), currentRegulationTolerance: pv(5), peakCurrentRipple: pv(1), energyToBeDelivered: pv(30_000))))),
        .setDiscoveryChargeParameters(.accepted(.ac(rcdError: false, nominalVoltage: pv(230), maximumCurrent: pv(32)))),
        .setDiscoveryChargeParameters(.declined(.notAcceptable)),
        .setSchedules(.accepted(gen1Schedule)), .setSchedules(.accepted(Gen1Schedules(tuples: FixedList()))),
        .setCableCheckStatus(ok: true), .setCableCheckStatus(ok: false),
        .setCableCheckParameters(.accepted(Gen1IsolationStatus(isolationLevel: 1))),
        .setPreChargeParameters(.accepted(Gen1PresentVoltage(isolationLevel: 1, presentVoltage: pv(372)))),
        .setPreChargeParameters(.declined(.notAcceptable)),
        .setStartChargingStatus(.accepted(.dc(isolationLevel: 1))), .setStartChargingStatus(.accepted(.ac(rcdError: false))),
        .setChargeLoopParameters(.accepted(.dc(gen1ChargeLoop))),
        .setChargeLoopParameters(.accepted(.dc(Gen1DCChargeLoopParameters(isolationLevel: 1, presentVoltage: pv(400), presentCurrent: pv(-2),
                                                                          currentLimitReached: true, voltageLimitReached: false,
                                                                          powerLimitReached: true)))),
        .setChargeLoopParameters(.accepted(.ac(maximumCurrent: pv(16), rcdError: false))),
        .setChargeLoopParameters(.declined(.stopCharging)), .setChargeLoopParameters(.declined(.renegotiate)),
        .setStopChargingStatus(.accepted(Gen1IsolationStatus(isolationLevel: 1))),
        .setPostChargeParameters(.accepted(Gen1PresentVoltage(isolationLevel: 1, presentVoltage: pv(12)))),
    ]

    public static let gen1Notifications: [EVSEGen1Notification] = [
        .sessionStarted(SessionStarted(protocolCode: 2, sessionID: 0x0102_0304_0506_0708, evccID: "\u{2}\u{0}\u{0}\u{0}\u{0}\u{2}")),
        .sessionStopped(closure: nil), .sessionStopped(closure: 0),
        .requestEVSEID(timeoutMilliseconds: 5000, format: 1), .requestAuthorization(timeoutMilliseconds: 54_999),
        .requestDiscoveryChargeParameters(timeoutMilliseconds: 5000, .dc(Gen1EVDCDiscovery(maximumCurrent: pv(125), maximumVoltage: pv(450), soc: 30))),
        .requestDiscoveryChargeParameters(timeoutMilliseconds: 5000, .dc(Gen1EVDCDiscovery(
            maximumCurrent: pv(125), minimumCurrent: pv(1), maximumPower: pv(30_000), minimumPower: pv(100), maximumVoltage: pv(450),
            minimumVoltage: pv(200), fullSOC: 100, bulkSOC: 80, soc: 30))),
        .requestDiscoveryChargeParameters(timeoutMilliseconds: 5000, .ac(energyAmount: pv(20_000), maximumVoltage: pv(400), maximumCurrent: pv(32),
                                                                         minimumCurrent: pv(6))),
        .requestSchedules(timeoutMilliseconds: 5000, maximumEntries: 24), .requestCableCheckStatus(timeoutMilliseconds: 38_000),
        .requestCableCheckParameters(timeoutMilliseconds: 1545, soc: 87),
        .requestPreChargeParameters(timeoutMilliseconds: 5000, Gen1EVPreCharge(targetVoltage: pv(380), targetCurrent: pv(2), soc: 30)),
        .requestStartCharging(timeoutMilliseconds: 5000, Gen1StartChargingRequest(
            scheduleTupleID: 1, profile: FixedList([ProfileEntry(start: 0, power: pv(25_000))]),
            dc: Gen1EVStatusFlags(soc: 30, chargingComplete: false, bulkChargingComplete: nil))),
        .requestStartCharging(timeoutMilliseconds: 5000, Gen1StartChargingRequest(scheduleTupleID: 1, profile: FixedList(), dc: nil)),
        .requestChargeLoopParameters(timeoutMilliseconds: 250, Gen1EVChargeLoop(targetVoltage: pv(440), targetCurrent: pv(100), soc: 31)),
        .requestChargeLoopParameters(timeoutMilliseconds: 250, Gen1EVChargeLoop(
            maximumCurrent: pv(125), maximumVoltage: pv(450), maximumPower: pv(30_000), targetVoltage: pv(440), targetCurrent: pv(100), soc: 99,
            chargingComplete: true, bulkChargingComplete: true, remainingTimeToFullSOC: pv(60), remainingTimeToBulkSOC: pv(0))),
        .requestChargeLoopParameters(timeoutMilliseconds: 250, nil),
        .requestStopCharging(timeoutMilliseconds: 5000, Gen1EVStatusFlags(soc: 80, chargingComplete: true, bulkChargingComplete: true)),
        .requestStopCharging(timeoutMilliseconds: 5000, Gen1EVStatusFlags()),
        .requestPostChargeParameters(timeoutMilliseconds: 5000, soc: 80),
    ]

    public static let gen1Responses: [HCIResponse] = [
        HCIResponse(module: 0x27, sub: 0x61, requestID: 11, body: .codes([0, 2])),
        HCIResponse(module: 0x27, sub: 0x63, requestID: 12, body: .sdpConfiguration(SDPPorts(unsecured: 50_000, secured: nil))),
        HCIResponse(module: 0x27, sub: 0x65, requestID: 13, body: .paymentOptions([0])),
        HCIResponse(module: 0x27, sub: 0x65, requestID: 14, body: .paymentOptions(nil)),
        HCIResponse(module: 0x27, sub: 0x67, requestID: 15, body: .codes([0, 1, 2, 3])),
        HCIResponse(module: 0x27, sub: 0x72, requestID: 16),
        HCIResponse(module: 0x27, sub: 0x68, requestID: 17, result: .rejectedInState),
    ]

    /// Every sample as a whole frame (requests with IDs 1…, module messages as the module sends them).
    public static func frames() -> [[UInt8]] {
        var out: [[UInt8]] = []
        let storage = UnsafeMutableRawBufferPointer.allocate(byteCount: 2048, alignment: 8)
        defer { storage.deallocate() }
        for (i, r) in requests.enumerated() {
            if let n = try? r.encode(requestID: UInt8(i % 255), into: storage) { out.append(Array(storage[0 ..< n])) }
        }
        var messages = notifications.map { HCIModuleMessage.notification($0, requestID: 0xFF) } + responses.map { .response($0) }
        messages.append(.framingError(status: 0xF3, requestID: 4))
        for (i, r) in gen1Requests.enumerated() {
            if let n = try? HCIRequest.evseGen1(r).encode(requestID: UInt8(i % 255), into: storage) { out.append(Array(storage[0 ..< n])) }
        }
        messages += gen1Notifications.map { .notification(.evseGen1($0), requestID: 0xFF) } + gen1Responses.map { .response($0) }
        for m in messages {
            if let n = try? m.encode(into: storage) { out.append(Array(storage[0 ..< n])) }
        }
        return out
    }
}
