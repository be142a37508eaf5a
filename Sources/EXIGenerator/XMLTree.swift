#if canImport(FoundationXML)
import FoundationXML
#endif
import Foundation

/// One element of an XSD file, with the namespace prefixes in scope.
final class XMLNode {
    let name: String  // local part of the tag
    let attributes: [String: String]
    var children: [XMLNode] = []
    let namespaces: [String: String]  // prefix ("" = default) -> URI

    init(name: String, attributes: [String: String], namespaces: [String: String]) {
        self.name = name
        self.attributes = attributes
        self.namespaces = namespaces
    }

    subscript(attribute: String) -> String? { attributes[attribute] }

    /// Children in the XML Schema namespace with this local name.
    func children(_ name: String) -> [XMLNode] { children.filter { $0.name == name } }

    /// Resolves a QName-valued attribute (`type`, `ref`, `base`, `substitutionGroup`).
    func qname(_ attribute: String) -> QName? {
        guard let text = attributes[attribute] else { return nil }
        let parts = text.split(separator: ":", maxSplits: 1).map(String.init)
        if parts.count == 2 { return QName(uri: namespaces[parts[0]] ?? "", local: parts[1]) }
        return QName(uri: namespaces[""] ?? "", local: text)
    }
}

/// Reads an XML file into `XMLNode`s (tags by local name; prefixes resolved through xmlns attributes).
final class XMLTreeReader: NSObject, XMLParserDelegate {
    private var stack: [XMLNode] = []
    private var root: XMLNode?
    private var failure: String?

    static func read(_ url: URL) throws -> XMLNode {
        guard let parser = XMLParser(contentsOf: url) else { throw GeneratorError("cannot read \(url.path)") }
        let reader = XMLTreeReader()
        parser.delegate = reader
        parser.shouldProcessNamespaces = false
        guard parser.parse(), let root = reader.root else {
            throw GeneratorError("XML error in \(url.path): \(reader.failure ?? parser.parserError.map { "\($0)" } ?? "unknown")")
        }
        return root
    }

    func parser(_ parser: XMLParser, didStartElement elementName: String, namespaceURI: String?,
                qualifiedName qName: String?, attributes attributeDict: [String: String] = [:]) {
        var namespaces = stack.last?.namespaces ?? [:]
        var attributes: [String: String] = [:]
        for (key, value) in attributeDict {
            if key == "xmlns" {
                namespaces[""] = value
            } else if key.hasPrefix("xmlns:") {
                namespaces[String(key.dropFirst(6))] = value
            } else {
                attributes[key] = value
            }
        }
        let local = elementName.split(separator: ":").last.map(String.init) ?? elementName
        let node = XMLNode(name: local, attributes: attributes, namespaces: namespaces)
        stack.last?.children.append(node)
        stack.append(node)
    }

    func parser(_ parser: XMLParser, didEndElement elementName: String, namespaceURI: String?, qualifiedName qName: String?) {
        let node = stack.removeLast()
        if stack.isEmpty { root = node }
    }

    func parser(_ parser: XMLParser, parseErrorOccurred parseError: any Error) {
        failure = "\(parseError)"
    }
}

struct GeneratorError: Error, CustomStringConvertible {
    let description: String
    init(_ message: String) { description = message }
}
