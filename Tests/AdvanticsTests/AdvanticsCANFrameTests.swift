import AdvanticsCAN
import AdvanticsCANLink
import HAL
import Testing

/// The one conversion between the bus's frames and the codec's (AdvanticsCANLink): what every role,
/// emulator and monitor now shares instead of five copies.
@Suite struct AdvanticsCANFrameTests {
    @Test func aDataFrameCrossesBothWaysUnchanged() throws {
        let bus = CANFrame(id: 0x0106_B003, extended: true, bytes: [0x88, 0x13, 0x14, 0, 0x14, 0, 0x64])
        let codec = try #require(AdvanticsFrame(received: bus))
        #expect(codec == AdvanticsFrame(id: 0x0106_B003, extended: true, bytes: [0x88, 0x13, 0x14, 0, 0x14, 0, 0x64]))
        #expect(CANFrame(codec) == bus)
    }

    /// An error frame's identifier holds error-class bits and a remote frame has no data: neither is a
    /// message, so neither reaches the codec (the scripted SECC used to decode remote frames).
    @Test func errorAndRemoteFramesCarryNoMessage() {
        var error = CANFrame(id: 0x0000_0040, extended: false, bytes: [0, 0, 0, 0, 0, 0, 0, 0])
        error.isError = true
        #expect(AdvanticsFrame(received: error) == nil)
        var remote = CANFrame(id: 0x0106_3000, extended: true, length: 8)
        remote.isRemote = true
        #expect(AdvanticsFrame(received: remote) == nil)
    }

    /// The interfaces are classic CAN: a longer (FD) payload is cut to the 8 bytes they define.
    @Test func anFDPayloadIsCutToEightBytes() throws {
        var fd = CANFrame(id: 0x0106_3000, extended: true, bytes: [1, 2, 3, 4, 5, 6, 7, 8])
        fd.isFD = true
        fd.length = 12
        let codec = try #require(AdvanticsFrame(received: fd))
        #expect(codec.length == 8)
        #expect(codec.bytes == [1, 2, 3, 4, 5, 6, 7, 8])
    }
}
