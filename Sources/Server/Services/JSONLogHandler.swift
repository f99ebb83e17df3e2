import Foundation
import Logging
import NIOConcurrencyHelpers

/// A `LogHandler` that writes one JSON object per line: `{"ts":…,"level":…,"msg":…,"label":…, metadata…}`.
public struct JSONLogHandler: LogHandler {
    public var logLevel: Logger.Level
    public var metadata: Logger.Metadata = [:]
    let label: String
    let sink: @Sendable (String) -> Void

    static let lock = NIOLock()
    static let timestampStyle = Date.ISO8601FormatStyle(includingFractionalSeconds: true)

    public init(label: String, level: Logger.Level, sink: (@Sendable (String) -> Void)? = nil) {
        self.label = label
        self.logLevel = level
        self.sink =
            sink ?? { line in
                JSONLogHandler.lock.withLock {
                    FileHandle.standardOutput.write(Data((line + "\n").utf8))
                }
            }
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        // Built by hand: JSONSerialization bridges `Any` through Foundation, which is slow and was seen to crash
        // under concurrency on Linux.
        var fields: [(String, String)] = [
            ("ts", Self.quote(Date().formatted(Self.timestampStyle))), ("level", Self.quote(event.level.rawValue)),
            ("msg", Self.quote(event.message.description)), ("label", Self.quote(label)),
        ]
        let merged = metadata.merging(event.metadata ?? [:]) { _, new in new }
        for key in merged.keys.sorted() where !["ts", "level", "msg", "label"].contains(key) {
            fields.append((key, Self.json(merged[key]!)))
        }
        sink("{" + fields.sorted { $0.0 < $1.0 }.map { "\(Self.quote($0.0)):\($0.1)" }.joined(separator: ",") + "}")
    }

    static func json(_ value: Logger.MetadataValue) -> String {
        switch value {
        case .string(let text): return quote(text)
        case .stringConvertible(let convertible):
            if let number = convertible as? Int { return String(number) }
            if let number = convertible as? Double, number.isFinite { return String(number) }
            return quote(convertible.description)
        case .array(let values): return "[" + values.map(json).joined(separator: ",") + "]"
        case .dictionary(let values):
            return "{" + values.keys.sorted().map { "\(quote($0)):\(json(values[$0]!))" }.joined(separator: ",") + "}"
        }
    }

    /// A JSON string literal.
    static func quote(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where scalar.value < 0x20: out += String(format: "\\u%04x", scalar.value)
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }
}
