import Drivers
import HAL
import SimBoard
import Testing

/// Who keeps the QCA7000 chip model alive (issue 18's soak): the SPI twin's backend owns the chip's
/// state and nothing in the chip refers back to the twin, so a twin and its chip go together when
/// their last holder lets go. Before, chip and twin held each other and every `sim` board session
/// left its chip (a 97 KiB frame queue, an 8 KiB read buffer) behind.
@Suite struct SimulatedQCA7000LifetimeTests {
    /// The chip a test makes (its own twin and interrupt line) goes when the test lets go of it.
    @Test func aChipWithItsOwnTwinIsReleased() {
        weak var chip: SimulatedQCA7000?
        weak var twin: SimulatedSPIDevice?
        do {
            let c = SimulatedQCA7000()
            chip = c
            twin = c.device
            let driver = QCA7000Driver(spi: c.device, interruptLine: c.interruptLine, macAddress: .zero)
            #expect((try? driver.readRegister(.signature)) != nil)
        }
        #expect(chip == nil)
        #expect(twin == nil)
    }

    /// A board's chip behind a twin opened before it (what `SimulatedDeviceFactory` does for the
    /// `plc-modem`): when the driver and the chip go, the twin goes too.
    @Test func aChipBehindABoardsTwinIsReleased() throws {
        weak var chip: SimulatedQCA7000?
        weak var twin: SimulatedSPIDevice?
        do {
            let spi = SimulatedSPIDevice(path: "/dev/spidev0.0", config: QCA7000Driver.spiConfiguration())
            twin = spi
            let c = SimulatedQCA7000(device: spi, interruptLine: nil)
            chip = c
            #expect(try QCA7000Driver.readSignature(spi) == 0xAA55)
        }
        #expect(chip == nil)
        #expect(twin == nil)
    }

    /// Without the cycle the twin alone still keeps its chip working: the factory (and with it the
    /// `SimulatedQCA7000`) may go while a driver still uses the twin, as in a composition that keeps
    /// only its devices.
    @Test func theTwinKeepsItsChipWorkingAfterTheChipObjectIsGone() throws {
        let spi: SimulatedSPIDevice
        weak var chip: SimulatedQCA7000?
        do {
            let c = SimulatedQCA7000()
            chip = c
            spi = c.device
        }
        #expect(chip == nil)
        #expect(try QCA7000Driver.readSignature(spi) == 0xAA55)
    }
}
