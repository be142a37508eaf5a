/// Offsets and limits of an Ethernet II frame as drivers, pumps and codecs carry it.
public enum EthernetFrameLayout {
    public static let headerLength = 14
    public static let minimumLength = 60
    public static let maximumLength = 1518
    public static let etherTypeOffset = 12
}

