import Foundation

/// A value as it arrived, before validation: from JSON (exact types) or CSV (always text).
enum RawValue {
    case null
    case bool(Bool)
    case number(Double)
    case string(String)
    case array([RawValue])
    case object(RawObject)
    /// A CSV cell: typed only when a field asks for a type.
    case text(String)

    var isNull: Bool {
        switch self {
        case .null: true
        case .text(let text): text.isEmpty
        default: false
        }
    }

    var kind: String {
        switch self {
        case .null: "null"
        case .bool: "a boolean"
        case .number: "a number"
        case .string, .text: "a string"
        case .array: "an array"
        case .object: "an object"
        }
    }
}

/// The fields of a JSON object or CSV row, in arrival order.
///
/// Records have about a dozen fields and are read a few times each, so a linear scan beats hashing every key
/// (hashing was the largest single cost of reading an upload). A key that appears twice reads as its last
/// value, as JSON readers usually do; appending never scans, so hostile objects with many keys stay linear.
struct RawObject: ExpressibleByDictionaryLiteral {
    private(set) var entries: [RawField] = []

    init() {}

    init(entries: [RawField]) { self.entries = entries }

    init(dictionaryLiteral elements: (String, RawValue)...) {
        for (key, value) in elements { self[key] = value }
    }

    var isEmpty: Bool { entries.isEmpty }
    var values: some Collection<RawValue> { entries.lazy.map(\.value) }

    /// Adds a field without looking for an earlier one with the same key (the reader's path).
    mutating func append(_ key: String, _ value: RawValue) {
        entries.append(RawField(key: key, value: value))
    }

    subscript(key: String) -> RawValue? {
        get {
            // Comparing the byte counts first skips most keys without comparing text.
            let count = key.utf8.count
            var index = entries.endIndex
            while index > entries.startIndex {
                index -= 1
                if entries[index].key.utf8.count == count, entries[index].key == key { return entries[index].value }
            }
            return nil
        }
        set {
            if let position = entries.lastIndex(where: { $0.key == key }) {
                if let newValue { entries[position].value = newValue } else { entries.remove(at: position) }
            } else if let newValue {
                entries.append(RawField(key: key, value: newValue))
            }
        }
    }
}

/// One field of a `RawObject`.
struct RawField {
    let key: String
    var value: RawValue
}

/// One record (account, transaction, liability) with where it came from.
struct RawRecord {
    var fields: RawObject
    /// The section's path (`transactions`, `liabilities.credit`) and the record's index in it.
    var section: StaticString
    var index: Int
    /// The CSV line, when the record came from CSV.
    var line: Int?

    /// `transactions[41]`: built only when a problem is reported.
    var path: String { "\(section)[\(index)]" }
}

/// The records of an upload, grouped by section, before validation.
struct RawUpload {
    var accounts: [RawRecord] = []
    var transactions: [RawRecord] = []
    var credit: [RawRecord] = []
    var student: [RawRecord] = []
    var mortgage: [RawRecord] = []
}
