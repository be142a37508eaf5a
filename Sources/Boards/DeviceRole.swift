/// What a device is for. Drivers find their hardware by role, never by name or path, so one driver
/// runs on every board that wires the part somewhere. The set is closed: a misspelt role would
/// otherwise attach nothing, silently.
public enum DeviceRole: String, Sendable, CaseIterable {
    // Own stack (QCA7000 + our SLAC + our V2G).
    case plcModem = "plc-modem"
    case plcInterrupt = "plc-interrupt"
    case plcReset = "plc-reset"
    // Control pilot.
    case cpHelper = "cp-helper"
    case cpPWM = "cp-pwm"
    case cpADC = "cp-adc"
    // Power path.
    case contactorDCPlus = "contactor-dc-plus"
    case contactorDCMinus = "contactor-dc-minus"
    case contactorDCPlusFeedback = "contactor-dc-plus-feedback"
    case contactorDCMinusFeedback = "contactor-dc-minus-feedback"
    case prechargeRelay = "precharge-relay"
    case powerModuleCAN = "power-module-can"
    case emergencyStop = "emergency-stop"
    case isolationMonitor = "isolation-monitor"
    case temperatureSensor = "temperature-sensor"
    case statusLED = "status-led"
    // WHITE-beet.
    case whitebeetHost = "whitebeet-host"
    case whitebeetChipSelect = "whitebeet-chip-select"
    case whitebeetRxReady = "whitebeet-rx-ready"
    case whitebeetTxPending = "whitebeet-tx-pending"
    // ADVANTICS.
    case advanticsCAN = "advantics-can"
    /// The PEV interface v2 bus to an ADVANTICS vehicle controller (11-bit identifiers).
    case advanticsPEVCAN = "advantics-pev-can"
    /// Bring-up, test or spare hardware no driver attaches to.
    case auxiliary

    /// The kinds a device with this role may be.
    public var kinds: [DeviceKind] {
        switch self {
        case .plcModem, .whitebeetHost: [.spi, .ethernet]
        case .cpHelper: [.serial]
        case .cpADC, .temperatureSensor: [.i2c]
        case .cpPWM: [.pwm]
        case .powerModuleCAN, .advanticsCAN, .advanticsPEVCAN: [.can]
        case .isolationMonitor: [.i2c, .serial, .can]
        case .auxiliary: DeviceKind.allCases
        default: [.gpio]
        }
    }

    /// GPIO directions a line with this role may be requested with (nil: any).
    public var gpioDirections: [String]? {
        switch self {
        case .plcReset, .contactorDCPlus, .contactorDCMinus, .prechargeRelay, .statusLED,
             .whitebeetChipSelect:
            ["output"]
        case .plcInterrupt, .contactorDCPlusFeedback, .contactorDCMinusFeedback, .emergencyStop,
             .whitebeetRxReady, .whitebeetTxPending:
            ["input", "events"]
        default: nil
        }
    }

    /// At most one device per board has this role.
    public var isUnique: Bool {
        switch self {
        case .powerModuleCAN, .temperatureSensor, .statusLED, .auxiliary: false
        default: true
        }
    }
}
