import BodyParsing
import Engine
import Foundation

/// What each fuzz target does with one input, in a library so the regression tests replay the same code on
/// every committed input (Fuzz/Corpus and Fuzz/Regressions) in every `make test`. An input must come back;
/// a trap, a hang or an ASan report is a bug.
public enum FuzzHarness {
    /// The JSON upload reader and the validator behind it; valid documents go through the whole engine.
    public static func json(_ data: Data) {
        let parsed = UploadParser.parse(data, format: .json)
        if parsed.isValid { _ = InsightPipeline.run(parsed.data) }
    }

    /// The CSV reader (RFC 4180, combined or per-section files) and the validator.
    public static func csv(_ data: Data) {
        let parsed = UploadParser.parse(data, format: .csv)
        if parsed.isValid { _ = InsightPipeline.run(parsed.data) }
    }

    /// The validator and the whole engine on documents that are well formed, so the fuzzer's bytes land in
    /// field values (amounts, balances, limits, dates, categories, ids) instead of JSON syntax. The input is
    /// split at newlines; each piece fills the next field of a valid template.
    public static func validator(_ data: Data) {
    let pieces = data.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false)
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
    }

    /// The multipart form reader, Content-Type and Content-Disposition parameters, and the duplicate-key scan
    /// of JSON bodies. The first line of the input is the Content-Type header; the rest is the body.
    public static func multipart(_ data: Data) {
        let split = data.firstIndex(of: UInt8(ascii: "\n")) ?? data.endIndex
        let header = String(decoding: data[data.startIndex..<split], as: UTF8.self)
        let body = split < data.endIndex ? Data(data[(split + 1)...]) : Data()
        _ = HeaderParameters.parse(header)
        _ = DuplicateKeys.first(in: body)
        if let boundary = try? MultipartParser.boundary(fromContentType: header) {
            _ = try? MultipartParser.parse(body, boundary: boundary, maxFileBytes: 1 << 20)
        }
    }
}
