/// The schema families the generator writes, one Swift target each, and the fixed capacities chosen
/// where the schemas leave sizes unbounded or too large for stack values.
struct Family {
    /// Swift target (module) name.
    let module: String
    /// Short name in errors (`ISO2: CurrentDemandReq/...`).
    let shortName: String
    /// One EXI document grammar per entry: the XSD it is built from and the codec type written for it.
    let documents: [Document]
    let listCaps: [String: Int]
    /// Bounded lists (by element name) whose grammar keeps offering another item after maxOccurs, as in
    /// the grammar Josev's codec uses (apparently built from a draft where these were unbounded).
    var loopingLists: Set<String> = []

    struct Document {
        let schemaFile: String
        let codecName: String
        /// `exi-ref.py` / `boardctl exi --schema` name.
        let cliName: String
        /// Root elements that get a case in the codec's Message (their namespace).
        let rootNamespace: String
        let summary: String
    }
}

/// Caps (documented in the generated files and README-EXI): strings without `maxLength`, binary
/// without `maxLength`, lists without or with a very large `maxOccurs`.
enum Caps {
    /// xs:string / xs:anyURI without maxLength (xmldsig algorithm URIs and Ids, DIN ParameterType
    /// names, X509 names): the longest algorithm URI V2G uses is 52 characters.
    static let string = 64
    /// base64Binary / hexBinary without maxLength (xmldsig key values); SignatureValue holds 144 bytes
    /// (ECDSA P-521 is 132), DigestValue 64 (SHA-512), a KeyInfo X509Certificate 1024 (V2G does not use KeyInfo).
    static let binary = 256
    /// Lists whose maxOccurs is unbounded (DIN, xmldsig) unless named below.
    static let unboundedList = 8
    /// Named binary fields that need more (X.509 certificates inside xmldsig KeyInfo).
    static let binaryByElement: [String: Int] = ["X509Certificate": 1024, "SignatureValue": 144, "DigestValue": 64]
    /// xmldsig lists (`Type.field`): V2G signs with SignedInfo + SignatureValue only (ISO 15118-2 §7.9.2.4.2,
    /// -20 §7.9.3); KeyInfo and Object are kept small so every message header stays small.
    static let xmldsigLists: [String: Int] = [
        "SignedInfoType.Reference": 4, "TransformsType.Transform": 2, "TransformType.XPath": 1,
        "KeyInfoType.Value": 1, "X509DataType.Value": 1, "SignatureType.Object": 1, "SPKIDataType.SPKISexpAndGroup": 1,
        "SPKIDataType.SPKISexp": 1, "ManifestType.Reference": 2, "SignaturePropertiesType.SignatureProperty": 1,
    ]
}

let families: [Family] = [
    Family(
        module: "AppHandshake", shortName: "SAP",
        documents: [
            .init(schemaFile: "V2G_CI_AppProtocol.xsd", codecName: "AppHandshakeCodec", cliName: "app",
                  rootNamespace: "urn:iso:15118:2:2010:AppProtocol",
                  summary: "supportedAppProtocolReq/Res (ISO 15118-2 §8.2, all protocols)"),
        ], listCaps: [:]),
    Family(
        module: "DIN70121", shortName: "DIN",
        documents: [
            .init(schemaFile: "din_spec/V2G_CI_MsgDef.xsd", codecName: "DINCodec", cliName: "din",
                  rootNamespace: "urn:din:70121:2012:MsgDef", summary: "DIN SPEC 70121:2012 V2G_Message"),
        ],
        listCaps: ["PMaxScheduleEntry": 24, "SalesTariffEntry": 24, "ProfileEntry": 24, "SAScheduleTuple": 3,
                   "ConsumptionCost": 3, "Cost": 3, "Parameter": 16, "ParameterSet": 8, "Service": 8,
                   "SelectedService": 16, "Certificate": 4, "RootCertificateID": 20, "PaymentOption": 2]),
    Family(
        module: "ISO15118_2", shortName: "ISO2",
        documents: [
            .init(schemaFile: "iso15118_2/V2G_CI_MsgDef.xsd", codecName: "ISO2Codec", cliName: "iso2",
                  rootNamespace: "urn:iso:15118:2:2013:MsgDef", summary: "ISO 15118-2:2013 V2G_Message"),
        ],
        // Below the schema on purpose (generator README, Bounds): at 1024 entries and 255 parameter sets the
        // V2G_Message is 2.1 MB, which overflows the stack where a tool or test builds one.
        listCaps: ["PMaxScheduleEntry": 24, "SalesTariffEntry": 24, "ParameterSet": 8],
        loopingLists: ["SelectedService", "ParameterSet", "Parameter", "RootCertificateID", "ProfileEntry"]),
    Family(
        module: "ISO15118_20", shortName: "ISO20",
        documents: [
            .init(schemaFile: "iso15118_20/V2G_CI_CommonMessages.xsd", codecName: "ISO20CommonCodec",
                  cliName: "iso20-common", rootNamespace: "urn:iso:std:iso:15118:-20:CommonMessages",
                  summary: "ISO 15118-20:2022 common messages"),
            .init(schemaFile: "iso15118_20/V2G_CI_DC.xsd", codecName: "ISO20DCCodec", cliName: "iso20-dc",
                  rootNamespace: "urn:iso:std:iso:15118:-20:DC", summary: "ISO 15118-20:2022 DC and DC BPT messages"),
            .init(schemaFile: "iso15118_20/V2G_CI_AC.xsd", codecName: "ISO20ACCodec", cliName: "iso20-ac",
                  rootNamespace: "urn:iso:std:iso:15118:-20:AC", summary: "ISO 15118-20:2022 AC and AC BPT messages"),
            .init(schemaFile: "iso15118_20/V2G_CI_ACDP.xsd", codecName: "ISO20ACDPCodec", cliName: "iso20-acdp",
                  rootNamespace: "urn:iso:std:iso:15118:-20:ACDP", summary: "ISO 15118-20:2022 ACD pantograph messages"),
            .init(schemaFile: "iso15118_20/V2G_CI_WPT.xsd", codecName: "ISO20WPTCodec", cliName: "iso20-wpt",
                  rootNamespace: "urn:iso:std:iso:15118:-20:WPT", summary: "ISO 15118-20:2022 wireless power transfer messages"),
        ],
        // Below the schema on purpose (generator README, Bounds): at 1024/2048 items the ISO-20 message types
        // grow to megabytes and the codec file did not compile in 25 minutes on the project's 2 cores.
        listCaps: ["PowerScheduleEntry": 24, "PriceLevelScheduleEntry": 24, "EVPowerProfileEntry": 24,
                   "EVPowerScheduleEntry": 24, "PriceRuleStack": 8, "EVPriceRuleStack": 8, "ProviderID": 16,
                   "ParameterSet": 8, "Parameter": 16, "TxSpecData": 24, "RxSpecData": 24, "PulseSequenceOrder": 24]),
]
