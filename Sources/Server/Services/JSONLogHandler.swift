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
        var object: [String: Any] = [
            "ts": Date().formatted(Self.timestampStyle),
            "level": event.level.rawValue,
            "msg": event.message.description,
            "label": label,
        ]
        let merged = metadata.merging(event.metadata ?? [:]) { _, new in new }
        for (key, value) in merged {
            object[key] = Self.plain(value)
        }
        guard
            let data = try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])
        else { return }
        sink(String(decoding: data, as: UTF8.self))
    }

    static func plain(_ value: Logger.MetadataValue) -> Any {
        switch value {
        case .string(let text): text
        case .stringConvertible(let convertible):
            if let number = convertible as? Int { number } else if let number = convertible as? Double { number } else {
                convertible.description
            }
        case .array(let values): values.map(plain)
        case .dictionary(let values): values.mapValues(plain)
        }
    }
}
