/// Linux ioctl request numbers the tests check against `SeamFakes.lastIoctl`. The kernel headers build
/// them with function-like macros (_IOW/_IOR), which Swift cannot import, so they are spelled out:
/// direction << 30 | size << 16 | type << 8 | number.
enum Ioctl {
    private static func ioc(_ dir: UInt, _ type: UInt8, _ nr: UInt, _ size: UInt) -> UInt {
        dir << 30 | size << 16 | UInt(type) << 8 | nr
    }
    private static let write: UInt = 1
    private static let read: UInt = 2
    private static let spi = UInt8(ascii: "k")

    static let spiWriteMode = ioc(write, spi, 1, 1)        // SPI_IOC_WR_MODE (u8)
    static let spiWriteMode32 = ioc(write, spi, 5, 4)      // SPI_IOC_WR_MODE32
    static let spiReadMode = ioc(read, spi, 1, 1)          // SPI_IOC_RD_MODE
    static let spiReadMode32 = ioc(read, spi, 5, 4)        // SPI_IOC_RD_MODE32
    static let spiWriteBits = ioc(write, spi, 3, 1)        // SPI_IOC_WR_BITS_PER_WORD
    static let spiReadBits = ioc(read, spi, 3, 1)          // SPI_IOC_RD_BITS_PER_WORD
    static let spiWriteSpeed = ioc(write, spi, 4, 4)       // SPI_IOC_WR_MAX_SPEED_HZ
    static let spiReadSpeed = ioc(read, spi, 4, 4)         // SPI_IOC_RD_MAX_SPEED_HZ
    /// SPI_IOC_MESSAGE(n): n struct spi_ioc_transfer of 32 bytes each.
    static func spiMessage(_ n: UInt) -> UInt { ioc(write, spi, 0, 32 * n) }

    static let i2cSlave: UInt = 0x0703                     // I2C_SLAVE
    static let i2cSlaveForce: UInt = 0x0706                // I2C_SLAVE_FORCE
    static let i2cFuncs: UInt = 0x0705                     // I2C_FUNCS
    static let i2cRdwr: UInt = 0x0707                      // I2C_RDWR
}
