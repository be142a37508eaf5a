import HAL
import SystemPackage
import Testing

/// The table a controller acts on: which errno becomes which `DeviceErrorKind`, and the one-line
/// messages a technician reads in the log. (Each device's own files show where these errors come from.)
@Suite("Device error kinds and messages")
struct DeviceErrorKindTests {
    @Test("errno → kind, as classified for opens and transfers",
          arguments: [(Errno.noSuchFileOrDirectory, DeviceErrorKind.absent), (.operationNotSupportedByDevice, .absent),
                      (.noSuchAddressOrDevice, .absent), (.permissionDenied, .permissionDenied), (.notPermitted, .permissionDenied),
                      (.resourceBusy, .busy), (.ioError, .io), (Errno(rawValue: 121), .io), (.timedOut, .timeout),
                      (.invalidArgument, .invalidArgument), (.messageTooLong, .invalidArgument), (.fileNameTooLong, .invalidArgument),
                      (.notSupported, .unsupported), (.addressFamilyNotSupported, .unsupported), (.inappropriateIOCTLForDevice, .unsupported),
                      (.networkDown, .linkDown), (.brokenPipe, .disconnected), (.tooManyOpenFiles, .other)])
    func classification(_ errno: Errno, _ kind: DeviceErrorKind) {
        #expect(DeviceErrorKind(errno: errno) == kind)
    }

    /// On an open device, "no such device" means it went away: these cases override the table above.
    @Test("ENODEV/ENXIO on an open device is .disconnected")
    func vanishedWhileOpen() {
        #expect(SPIError.transfer("/dev/spidev0.0", errno: .operationNotSupportedByDevice).kind == .disconnected)
        #expect(SPIError.configure("/dev/spidev0.0", setting: "mode 3", errno: .operationNotSupportedByDevice).kind == .disconnected)
        #expect(GPIOError.read("gpiochip0:17", errno: .operationNotSupportedByDevice).kind == .disconnected)
        #expect(CANError.send("can0", errno: .noSuchAddressOrDevice).kind == .disconnected)
        #expect(CANError.receive("can0", errno: .operationNotSupportedByDevice).kind == .disconnected)
        #expect(EthernetError.query("eth1", errno: .operationNotSupportedByDevice).kind == .disconnected)
        #expect(SerialError.read("/dev/ttyUSB0", errno: .ioError).kind == .disconnected)
        // ...while for I2C a transfer's ENXIO/ENODEV is the address not acknowledging: the bus is fine.
        #expect(I2CError.transfer("/dev/i2c-1", address: 0x48, operation: "read word 0x00", errno: .noSuchAddressOrDevice).kind == .io)
    }

    @Test("representative messages, word for word")
    func messages() {
        #expect(SPIError.open("/dev/spidev0.0", errno: .noSuchFileOrDirectory).description
            == "cannot open /dev/spidev0.0: No such file or directory — is dtparam=spi=on set?")
        #expect(SerialError.open("/dev/serial0", errno: .permissionDenied).description
            == "cannot open /dev/serial0: Permission denied — add the user to the dialout group")
        #expect(CANError.open("can0", errno: .addressFamilyNotSupported).description
            == "cannot open CAN interface can0: Address family not supported by protocol — this kernel has no SocketCAN support")
        #expect(I2CError.transfer("/dev/i2c-1", address: 0x48, operation: "read word 0x00", errno: .noSuchAddressOrDevice).description
            == "cannot read word 0x00 of device 0x48 on /dev/i2c-1: No such device or address — nothing acknowledged at that address (i2cdetect lists what answers)")
        #expect(CANError.open("can0", errno: .operationNotSupportedByDevice).description
            == "cannot open CAN interface can0: No such device — no such CAN interface; is the mcp2515-can0 overlay loaded and the link up (ip link set can0 up type can bitrate 500000)?")
        #expect(GPIOError.open("gpiochip0:17", errno: .resourceBusy).description
            == "cannot request GPIO line gpiochip0:17: Device or resource busy — another consumer holds the line (gpioinfo shows which)")
        #expect(EthernetError.open("eth1", errno: .operationNotSupportedByDevice).description
            == "cannot open a raw socket on eth1: No such device — no such interface; for a QCA7000 is the qca7000 overlay loaded (it creates eth1)?")
    }

    @Test("every kind is reachable from some errno or error case")
    func everyKindIsUsed() {
        var seen = Set<DeviceErrorKind>()
        for raw in Int32(1)...Int32(133) { seen.insert(DeviceErrorKind(errno: Errno(rawValue: raw))) }
        seen.insert(CANError.busOff("can0").kind)
        seen.insert(SerialError.hangUp("/dev/ttyS0").kind)
        #expect(seen == Set(DeviceErrorKind.allCases))
    }
}
