import Engine
import Foundation

/// libFuzzer target: the validator and the whole engine on documents that are well formed, so the fuzzer's
/// bytes land in field values (amounts, balances, limits, dates, categories, ids) instead of JSON syntax.
/// The input is split at newlines; each piece fills the next field of a valid template.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzValidator(_ bytes: UnsafePointer<UInt8>, _ count: Int) -> CInt {
    let pieces = Data(bytes: bytes, count: count).split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false)
    var index = 0
    func next(_ fallback: String) -> String {
        defer { index += 1 }
        guard index < pieces.count else { return fallback }
        return String(decoding: pieces[index].prefix(64), as: UTF8.self)
    }
    /// A JSON value from the piece: a number when it reads as one, else a string.
    func value(_ fallback: String) -> String {
        let text = next(fallback)
        if Double(text) != nil, text.allSatisfy({ "0123456789+-.eE".contains($0) }) { return text }
        let escaped = text.unicodeScalars.map { scalar -> String in
            switch scalar {
            case "\"": return "\\\""
            case "\\": return "\\\\"
            default: return scalar.value < 0x20 ? String(format: "\\u%04x", scalar.value) : String(scalar)
            }
        }.joined()
        return "\"\(escaped)\""
    }
    var transactions: [String] = []
    let rows = max(1, min(40, pieces.count / 6))
    for row in 0..<rows {
        transactions.append(
            """
            {"transaction_id": "t\(row)", "account_id": \(value("\"card\"")), "date": \(value("2026-03-01")),
             "amount": \(value("12.5")), "merchant_name": \(value("Shop")),
             "personal_finance_category": {"primary": \(value("GENERAL_MERCHANDISE")), "detailed": \(value("GENERAL_MERCHANDISE_OTHER"))}}
            """)
    }
    let document = """
        {"accounts": [
          {"account_id": "card", "type": "credit", "subtype": "credit card",
           "balances": {"current": \(value("900")), "limit": \(value("1000")), "available": \(value("100"))}},
          {"account_id": "checking", "type": "depository", "subtype": "checking", "balances": {"current": \(value("2500"))}}],
         "transactions": [\(transactions.joined(separator: ","))],
         "liabilities": {"credit": [{"account_id": "card", "aprs": [{"apr_percentage": \(value("24.99")), "apr_type": "purchase_apr"}],
           "minimum_payment_amount": \(value("35")), "last_payment_amount": \(value("35")), "is_overdue": false,
           "last_statement_balance": \(value("880")), "next_payment_due_date": \(value("2026-04-01"))}]}}
        """
    let parsed = UploadParser.parse(Data(document.utf8), format: .json)
    if parsed.isValid { _ = InsightPipeline.run(parsed.data) }
    return 0
}
