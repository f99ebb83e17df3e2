import Foundation

/// A value as it arrived, before validation: from JSON (exact types) or CSV (always text).
enum RawValue {
    case null
    case bool(Bool)
    case number(Double)
    case string(String)
    case array([RawValue])
    case object([String: RawValue])
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

/// One record (account, transaction, liability) with where it came from.
struct RawRecord {
    var fields: [String: RawValue]
    /// `transactions[41]`.
    var path: String
    /// The CSV line, when the record came from CSV.
    var line: Int?
}

/// The records of an upload, grouped by section, before validation.
struct RawUpload {
    var accounts: [RawRecord] = []
    var transactions: [RawRecord] = []
    var credit: [RawRecord] = []
    var student: [RawRecord] = []
    var mortgage: [RawRecord] = []
}
