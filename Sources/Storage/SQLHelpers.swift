import SQLKit

extension Array where Element == SQLQueryString {
    /// The fragments joined by `separator` (` AND ` for conditions, `, ` for lists); `empty` when there are none.
    func joined(by separator: String, empty: SQLQueryString = "1 = 1") -> SQLQueryString {
        guard let first else { return empty }
        return dropFirst().reduce(first) { "\($0)\(unsafeRaw: separator)\($1)" }
    }
}
