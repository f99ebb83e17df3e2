import Foundation
import Models
import Testing

@testable import Engine

/// Numbers a client chose to hurt us: none may reach a trapping conversion (issue 12, crashes 1).
@Suite("Hostile numbers: the validator refuses meaningless ratios, formatters never trap")
struct HostileNumberTests {
    static func upload(current: Double, limit: Double?) -> Data {
        var balances: [String: JSONValue] = ["current": .number(current)]
        if let limit { balances["limit"] = .number(limit) }
        return json(.object([
            "accounts": .array([
                .object([
                    "account_id": .string("card"), "type": .string("credit"), "subtype": .string("credit card"),
                    "balances": .object(balances),
                ])
            ]),
            "transactions": .array([
                .object([
                    "transaction_id": .string("t1"), "account_id": .string("card"), "date": .string("2026-03-01"),
                    "amount": .number(12.5), "merchant_name": .string("Shop"),
                    "personal_finance_category": .object([
                        "primary": .string("GENERAL_MERCHANDISE"), "detailed": .string("GENERAL_MERCHANDISE_OTHER"),
                    ]),
                ])
            ]),
        ]))
    }

    @Test("a limit of 1e-300 under a $10M balance is refused with IMPLAUSIBLE_LIMIT")
    func tinyLimit() {
        let parsed = UploadParser.parse(Self.upload(current: 1e7, limit: 1e-300), format: .json)
        #expect(!parsed.isValid)
        #expect(parsed.issues.map(\.code).contains("IMPLAUSIBLE_LIMIT"))
        #expect(parsed.issues.first { $0.code == "IMPLAUSIBLE_LIMIT" }?.path == "accounts[0].balances.limit")
    }

    @Test("a balance over ten times the limit is refused; 0 means no limit; $1 and a real card pass")
    func limitDecisions() {
        let huge = UploadParser.parse(Self.upload(current: 50_000, limit: 1), format: .json)
        #expect(huge.issues.map(\.code).contains("IMPLAUSIBLE_BALANCE"))
        let zero = UploadParser.parse(Self.upload(current: 500, limit: 0), format: .json)
        #expect(zero.issues == [])
        let negative = UploadParser.parse(Self.upload(current: 500, limit: -5), format: .json)
        #expect(negative.issues.map(\.code).contains("NEGATIVE_AMOUNT"))
        let real = UploadParser.parse(Self.upload(current: 4_200, limit: 5_000), format: .json)
        #expect(real.issues == [])
        let overLimit = UploadParser.parse(Self.upload(current: 5_200, limit: 5_000), format: .json)
        #expect(overLimit.issues == [])
        // Zero is "no limit reported": no utilization, no persona from it, no crash.
        let result = InsightPipeline.run(zero.data)
        #expect(result.report.window180.credit.cards.first?.utilization == nil)
    }

    @Test("sub-cent amounts are read as whole cents, so no ratio divides by 1e-300")
    func subCent() {
        let parsed = UploadParser.parse(Self.upload(current: 1e-300, limit: nil), format: .json)
        #expect(parsed.issues == [])
        #expect(parsed.data.accounts.first?.balances.current == 0)
    }

    @Test("the whole pipeline survives absurd values that bypass the validator")
    func pipelineSurvives() {
        let card = Account(
            id: "card", name: "Card", mask: nil, subtype: .creditCard, balances: Balances(current: 1e7, limit: 1e-300))
        let savings = Account(id: "save", name: "Savings", mask: nil, subtype: .savings, balances: Balances(current: 1e-300))
        let spend = Transaction(
            id: "t1", accountID: "card", date: Day("2026-03-01")!, amount: 1e-300, merchantName: "Shop",
            category: Category(primary: "GENERAL_MERCHANDISE", detailed: "GENERAL_MERCHANDISE_OTHER"))
        let data = FinancialData(accounts: [card, savings], transactions: [spend], liabilities: Liabilities())
        let result = InsightPipeline.run(data)
        #expect(result.personas.primary == .highUtilization)
        let criterion = result.personas.evaluations.first?.criteria.first
        #expect(criterion?.value == "n/a")
    }

    @Test("formatters read n/a for non-finite and absurd values and stay exact for real ones")
    func formatters() {
        for bad in [Double.infinity, -.infinity, .nan, 1e300, -1e300] {
            #expect(percent(bad) == "n/a")
            #expect(money(bad) == "n/a")
            #expect(number(bad) == "n/a")
        }
        #expect(percent(0.4567) == "45.7%")
        #expect(percent(0.5) == "50%")
        #expect(money(1234.5) == "$1,234.50")
        #expect(money(-1200) == "-$1,200")
        #expect(money(-0.001) == "$0")
        #expect(number(2.25) == "2.3")
        #expect(number(45) == "45")
    }

    @Test("Int(saturating:) and saturatingAdd never trap")
    func saturating() {
        #expect(Int(saturating: .infinity) == .max)
        #expect(Int(saturating: -.infinity) == .min)
        #expect(Int(saturating: .nan) == 0)
        #expect(Int(saturating: 1e300) == .max)
        #expect(Int(saturating: 41.9) == 41)
        #expect(Int.max.saturatingAdd(50) == .max)
        #expect(Int.min.saturatingAdd(-1) == .min)
        #expect(2.saturatingAdd(3) == 5)
    }

    @Test("CSV numbers are decimal only: hex floats, inf and nan are refused")
    func decimalOnly() {
        for good in ["12", "-3.50", ".5", "1e3", "+7", "4."] { #expect(Validator.isDecimal(good), "\(good)") }
        for bad in ["-0x8fcp0", "0x10", "inf", "nan", "infinity", "1e", "", "-", ".", "1.2.3", "1,000", " 5"] {
            #expect(!Validator.isDecimal(bad), "\(bad)")
        }
    }
}
