/// The requests of the DIN 70121 and ISO 15118-2 DC sessions, named once for both protocols so the
/// sequence rules are written once (DIN's ServicePaymentSelection and ContractAuthentication are
/// ISO 15118-2's PaymentServiceSelection and Authorization).
@frozen
public enum V2GRequestKind: UInt8, Sendable, BitwiseCopyable, CaseIterable, CustomStringConvertible {
    case sessionSetup
    case serviceDiscovery
    case serviceDetail
    case paymentServiceSelection
    case paymentDetails
    case authorization
    case chargeParameterDiscovery
    case cableCheck
    case preCharge
    case powerDeliveryStart
    case powerDeliveryStop
    case currentDemand
    case chargingStatus
    case meteringReceipt
    case weldingDetection
    case sessionStop
    case certificateInstallation
    case certificateUpdate

    public var description: String {
        switch self {
        case .sessionSetup: "SessionSetup"
        case .serviceDiscovery: "ServiceDiscovery"
        case .serviceDetail: "ServiceDetail"
        case .paymentServiceSelection: "PaymentServiceSelection"
        case .paymentDetails: "PaymentDetails"
        case .authorization: "Authorization"
        case .chargeParameterDiscovery: "ChargeParameterDiscovery"
        case .cableCheck: "CableCheck"
        case .preCharge: "PreCharge"
        case .powerDeliveryStart: "PowerDelivery(start)"
        case .powerDeliveryStop: "PowerDelivery(stop)"
        case .currentDemand: "CurrentDemand"
        case .chargingStatus: "ChargingStatus"
        case .meteringReceipt: "MeteringReceipt"
        case .weldingDetection: "WeldingDetection"
        case .sessionStop: "SessionStop"
        case .certificateInstallation: "CertificateInstallation"
        case .certificateUpdate: "CertificateUpdate"
        }
    }
}
