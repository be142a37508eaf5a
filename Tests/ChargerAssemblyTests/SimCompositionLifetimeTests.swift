import Boards
import ChargerAssembly
import ControlLoop
import HAL
import Runtime
import SimBoard
import Testing

/// A `sim` board composition lets go of everything once its holder does (issue 18's soak runs one
/// composition per session in one process): the charger, the QCA7000 twin the driver talks to and
/// the chip model behind it. The chip and its twin used to hold each other, so each session left
/// ~110 KiB behind (found with heaptrack over 4 and 10 soak sessions).
@Suite(.serialized) struct SimCompositionLifetimeTests {
    @Test func eachCompositionIsReleasedWithItsChipModel() throws {
        let board = try SimComposition.simBoard()
        for round in 1...3 {
            weak var charger: Charger?
            weak var modem: AnyObject?
            weak var chip: SimulatedQCA7000?
            try {
                let clock = SystemMonotonicClock()
                let loop = TickLoop(period: .milliseconds(1), clock: clock, waiter: PollWaiter(clock: clock))
                let c = try Charger.open(board)
                charger = c
                modem = c.plcDriver?.spi
                chip = c.vehicle?.sources.lazy.compactMap { $0 as? SimulatedQCA7000Bridge }.first?.chip
                #expect(modem != nil && chip != nil, "the sim board has a QCA7000 twin and its chip model")
                c.register(on: loop)
                // Long enough for the driver to bring the modem up through the chip model.
                loop.run(ticks: 200)
                loop.stop(.requested("test"))
            }()
            #expect(charger == nil, "round \(round): the charger outlived its composition")
            #expect(modem == nil, "round \(round): the QCA7000 twin outlived its composition")
            #expect(chip == nil, "round \(round): the chip model outlived its composition")
        }
    }
}
