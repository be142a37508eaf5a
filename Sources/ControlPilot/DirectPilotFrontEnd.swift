import Contracts
import Drivers
import Buffers
import ControlLoop
import HAL

/// How the direct board's analogue front end maps CP-line volts onto the ADC pins: both plateau
/// channels (positive and negative peak-hold) are level-shifted and divided into the ADS1115's range,
/// so line mV = (pin µV − offset µV) × gain / 1000. The default fits a front end that maps
/// −12 V … +12 V to 0.15 V … 3.15 V (offset 1.65 V, gain 8); a board file sets its own.
public struct PilotADCCalibration: Sendable, Equatable {
    public var offsetMicrovolts: Int32
    public var gain: Int32

    public init(offsetMicrovolts: Int32 = 1_650_000, gain: Int32 = 8) {
        self.offsetMicrovolts = offsetMicrovolts
        self.gain = gain
    }

    @inlinable public func lineMillivolts(pinMicrovolts: Int32) -> Int32 {
        Int32(clamping: (Int64(pinMicrovolts) - Int64(offsetMicrovolts)) * Int64(gain) / 1000)
    }

    /// The inverse, for emulators and tests.
    @inlinable public func pinMicrovolts(lineMillivolts: Int32) -> Int32 {
        Int32(clamping: Int64(lineMillivolts) * 1000 / Int64(gain) + Int64(offsetMicrovolts))
    }
}

public struct DirectPilotConfiguration: Sendable, Equatable {
    /// The ADS1115 input of the positive-plateau (high) peak detector.
    public var highInput: ADS1115.Input
    /// The ADS1115 input of the negative-plateau (low) peak detector.
    public var lowInput: ADS1115.Input
    public var calibration: PilotADCCalibration
    /// 1 kHz (IEC 61851-1 Annex A).
    public var period: Nanoseconds
    /// The driver stage inverts (a high pin gives −12 V): duty is written as period − duty.
    public var invertedDriver: Bool
    /// Pumps to wait for a conversion before it counts as failed (860 SPS ≈ 1.2 ms per conversion).
    public var maximumConversionPolls: Int
    /// Consecutive ADC failures before the measurement counts as lost (one failed transfer is
    /// retried; a bus that keeps failing is a CP fault).
    public var failuresBeforeFault: Int

    public init(highInput: ADS1115.Input = .ain0, lowInput: ADS1115.Input = .ain1,
                calibration: PilotADCCalibration = PilotADCCalibration(), period: Nanoseconds = .milliseconds(1),
                invertedDriver: Bool = false, maximumConversionPolls: Int = 8, failuresBeforeFault: Int = 3) {
        self.highInput = highInput
        self.lowInput = lowInput
        self.calibration = calibration
        self.period = period
        self.invertedDriver = invertedDriver
        self.maximumConversionPolls = maximumConversionPolls
        self.failuresBeforeFault = failuresBeforeFault
    }
}

/// The direct Pi CP board: the Pi's hardware PWM (sysfs) drives the ±12 V generator, an ADS1115 on
/// I2C reads the two plateaus through peak-hold channels. It is an `IOSource`: all I2C and sysfs I/O
/// happens in `pump` (one transfer per pump, so no tick waits for a conversion); the controller only
/// reads the samples and sets the wanted output, which the next pump writes.
///
/// A sample is published per high/low pair (about every 4 ms at 860 SPS and a 1 ms tick). The low
/// plateau is reported only when the generator oscillated during the whole pair; with a steady
/// output there is no negative half-wave and no diode check.
public final class DirectPilotFrontEnd: PilotFrontEnd, IOSource {
    public let name: String
    public let pwm: any PWMChannel
    public let adc: ADS1115
    public let configuration: DirectPilotConfiguration
    private let samples: RingBuffer<PilotSample>

    public private(set) var fault: PilotFault?
    public private(set) var appliedPWM: PilotPWM?
    /// The last ADC and PWM errors (typed, with their device names), for monitors and logs.
    public private(set) var lastADCError: I2CError?
    public private(set) var lastPWMError: PWMError?
    public private(set) var adcErrorCount = 0
    public private(set) var samplesPublished = 0

    private var wanted: PilotPWM = .steadyHigh
    private var written: PilotPWM?
    private var configured = false
    private var hintUntil: MonotonicInstant?

    private enum Phase { case idle, convertingHigh, convertingLow }
    private var phase = Phase.idle
    private var polls = 0
    private var consecutiveFailures = 0
    private var highMillivolts: Int32 = 0
    private var oscillatedThroughout = false

    public init(name: String = "direct-cp", pwm: any PWMChannel, adc: ADS1115,
                configuration: DirectPilotConfiguration = DirectPilotConfiguration()) {
        self.name = name
        self.pwm = pwm
        self.adc = adc
        self.configuration = configuration
        samples = RingBuffer(capacity: 32, filler: .line(highMillivolts: 0, lowMillivolts: nil, at: .zero))
    }

    /// Each sample is a raw ADC pair, so two consecutive ones are needed for any change.
    public var recommendedConfirmation: PilotConfirmation { PilotConfirmation(normal: 2, fault: 2) }

    public var signallingDigitalCommunication: Bool {
        fault == nil && hintUntil == nil && appliedPWM == .digitalCommunication
    }

    public var pollDescriptor: Int32? { nil }

    // MARK: - Controller side

    public func update(_ now: MonotonicInstant) {}

    public func nextSample() -> PilotSample? { samples.pop() }

    public func request(_ pwm: PilotPWM, now: MonotonicInstant) { wanted = pwm }

    public func restartSLACHint(_ duration: Nanoseconds, now: MonotonicInstant) {
        hintUntil = now + duration
    }

    // MARK: - Driver side

    public func pump(_ context: TickContext) {
        let now = context.now
        if let until = hintUntil, now >= until { hintUntil = nil }
        drivePWM()
        sampleADC(now)
        fault = lastPWMError != nil ? .outputFailed : consecutiveFailures >= configuration.failuresBeforeFault ? .measurementFailed : nil
    }

    private func drivePWM() {
        let output: PilotPWM = hintUntil != nil ? .steadyHigh : wanted
        guard output != written || lastPWMError != nil else { return }
        let period = configuration.period
        var duty = Nanoseconds(period.count * Int64(output.dutyCycle.permille) / 1000)
        if configuration.invertedDriver { duty = period - duty }
        do throws(PWMError) {
            if !configured {
                try pwm.configure(period: period, dutyCycle: duty, enabled: true)
                configured = true
            } else {
                try pwm.setDutyCycle(duty)
            }
            if output != written { oscillatedThroughout = false }
            written = output
            appliedPWM = output
            lastPWMError = nil
        } catch {
            lastPWMError = error
            appliedPWM = nil
        }
    }

    private func sampleADC(_ now: MonotonicInstant) {
        do throws(I2CError) {
            switch phase {
            case .idle:
                try adc.start(configuration.highInput)
                oscillatedThroughout = written?.oscillates ?? false
                phase = .convertingHigh
                polls = 0
            case .convertingHigh:
                guard try conversionDone() else { return }
                highMillivolts = configuration.calibration.lineMillivolts(pinMicrovolts: adc.microvolts(try adc.readConversion()))
                conversionSucceeded()
                try adc.start(configuration.lowInput)
                phase = .convertingLow
                polls = 0
            case .convertingLow:
                guard try conversionDone() else { return }
                let low = configuration.calibration.lineMillivolts(pinMicrovolts: adc.microvolts(try adc.readConversion()))
                conversionSucceeded()
                let oscillated = oscillatedThroughout && (written?.oscillates ?? false)
                samples.pushOverwriting(.line(highMillivolts: highMillivolts, lowMillivolts: oscillated ? low : nil, at: now))
                samplesPublished &+= 1
                try adc.start(configuration.highInput)
                oscillatedThroughout = written?.oscillates ?? false
                phase = .convertingHigh
                polls = 0
            }
        } catch {
            lastADCError = error
            adcErrorCount &+= 1
            consecutiveFailures += 1
            phase = .idle
        }
    }

    /// Only a finished conversion proves the ADC works (a start alone is a write that may succeed on a
    /// chip that never converts).
    private func conversionSucceeded() {
        consecutiveFailures = 0
        lastADCError = nil
    }

    private func conversionDone() throws(I2CError) -> Bool {
        polls += 1
        if try adc.isReady() { return true }
        if polls > configuration.maximumConversionPolls {
            throw .transfer(adc.device.bus, address: adc.device.address, operation: "wait for conversion",
                            errno: .timedOut)
        }
        return false
    }

    public func enterSafeState() -> String {
        wanted = .steadyHigh
        hintUntil = nil
        let period = configuration.period
        let duty = configuration.invertedDriver ? Nanoseconds.zero : period
        do throws(PWMError) {
            if configured {
                try pwm.setDutyCycle(duty)
            } else {
                try pwm.configure(period: period, dutyCycle: duty, enabled: true)
                configured = true
            }
            written = .steadyHigh
            appliedPWM = .steadyHigh
            return "CP +12 V steady (\(configuration.invertedDriver ? "0" : "100") % duty written to the PWM)"
        } catch {
            lastPWMError = error
            return "CP +12 V NOT confirmed: \(error)"
        }
    }
}
