import Foundation
import Models
import Testing

@testable import Engine

func fixture(_ name: String) throws -> Data {
    let url = try #require(Bundle.module.url(forResource: "Fixtures/\(name)", withExtension: nil))
    return try Data(contentsOf: url)
}

/// Encodes a JSON literal. (Not JSONSerialization: bridging `Any` on Linux crashed under the parallel suite.)
func json(_ value: JSONValue) -> Data {
    try! JSONEncoder().encode(value)
}

@Suite("Upload parsing and validation")
struct ValidationTests {
    @Test("the sample upload is valid and typed")
    func sampleIsValid() throws {
        let parsed = UploadParser.parse(try fixture("upload-example.json"), format: .json)
        #expect(parsed.issues == [])
        #expect(parsed.data.accounts.count == 3)
        #expect(parsed.data.transactions.count == 103)
        #expect(parsed.data.accounts[2].subtype == .creditCard)
        #expect(parsed.data.accounts[2].balances.limit == 8000)
        #expect(parsed.data.liabilities.credit.first?.aprs.first?.percentage == 22.99)
        #expect(parsed.data.transactions.first?.date == Day("2026-04-17"))
        // Positive = money out: payroll is negative.
        #expect(parsed.data.transactions.first { $0.category.detailed == "INCOME_WAGES" }!.amount < 0)
    }

    @Test("the reader keeps the last of repeated keys, and long repeated texts and escapes read exactly")
    func readerDetails() throws {
        // Written by hand: encoders never repeat a key.
        let text = #"""
            {"accounts":[{"account_id":"a1","type":"depository","subtype":"savings","subtype":"checking","balances":{"current":1}}],
             "transactions":[
              {"transaction_id":"t1","account_id":"a1","date":"2026-03-01","amount":5,"merchant_name":"A merchant with a long name",
               "personal_finance_category":{"primary":"FOOD_AND_DRINK","detailed":"FOOD_AND_DRINK_GROCERIES"}},
              {"transaction_id":"t2","account_id":"a1","date":"2026-03-02","amount":5,"merchant_name":"A merchant with a long nam\u0065",
               "personal_finance_category":{"primary":"FOOD_AND_DRINK","detailed":"FOOD_AND_DRINK_GROCERIES"}},
              {"transaction_id":"t3","account_id":"a1","date":"2026-03-03","amount":5,"merchant_name":"A merchant with a long namf",
               "personal_finance_category":{"primary":"FOOD_AND_DRINK","detailed":"FOOD_AND_DRINK_RESTAURANT"}},
              {"transaction_id":"t4","account_id":"a1","date":"2026-03-04","amount":5,"merchant_name":"Caf\u00e9 \"Zo\u00eb\" \ud83d\ude00",
               "personal_finance_category":{"primary":"FOOD_AND_DRINK","detailed":"FOOD_AND_DRINK_RESTAURANT"}}]}
            """#
        let parsed = UploadParser.parse(Data(text.utf8), format: .json)
        #expect(parsed.issues == [])
        #expect(parsed.data.accounts.first?.subtype == .checking)
        #expect(parsed.data.transactions.map(\.merchantName) == [
            "A merchant with a long name", "A merchant with a long name", "A merchant with a long namf", "Café \"Zoë\" 😀",
        ])
        #expect(parsed.data.transactions.map(\.category.detailed) == [
            "FOOD_AND_DRINK_GROCERIES", "FOOD_AND_DRINK_GROCERIES", "FOOD_AND_DRINK_RESTAURANT", "FOOD_AND_DRINK_RESTAURANT",
        ])
    }

    @Test("every problem is reported with its path and code")
    func collectsEveryError() {
        let document: JSONValue = [
            "accounts": [
                ["account_id": "a1", "name": "Checking", "type": "depository", "subtype": "checking", "balances": ["current": 100]],
                ["account_id": "a1", "name": "Dup", "type": "depository", "subtype": "savings", "balances": ["current": 1]],
                ["account_id": "b1", "name": "Biz", "type": "depository", "subtype": "checking", "balances": ["current": 1], "holder_category": "business"],
                ["account_id": "c1", "name": "Card", "type": "credit", "subtype": "checking", "balances": [:]],
                ["account_id": "x1", "name": "Brokerage", "type": "investment", "subtype": "brokerage", "balances": [:]],
            ],
            "transactions": [
                ["transaction_id": "t1", "account_id": "a1", "date": "2026-02-30", "amount": 12.5,
                 "personal_finance_category": ["primary": "FOOD_AND_DRINK", "detailed": "FOOD_AND_DRINK_GROCERIES"]],
                ["transaction_id": "t2", "account_id": "zz", "date": "2026-03-01", "amount": "12",
                 "personal_finance_category": ["primary": "FOOD_AND_DRINK", "detailed": "FOOD_AND_DRINK_GROCERIES"]],
                ["transaction_id": "t3", "account_id": "a1", "date": "2026-03-01", "amount": 1e12,
                 "personal_finance_category": ["primary": "SNACKS", "detailed": "SNACKS_CHIPS"]],
                ["transaction_id": "t1", "account_id": "a1", "date": "2026-03-02", "amount": 3,
                 "personal_finance_category": ["primary": "FOOD_AND_DRINK", "detailed": "FOOD_AND_DRINK_GROCERIES"]],
                ["transaction_id": "t5", "account_id": "a1", "date": "2026-03-02", "amount": 3, "iso_currency_code": "EUR",
                 "payment_channel": "telepathy"],
            ],
            "liabilities": ["credit": [["account_id": "a1", "aprs": [["apr_percentage": 140, "apr_type": "purchase_apr"]]]]],
        ]
        let parsed = UploadParser.parse(json(document), format: .json)
        let found = Set(parsed.issues.map { "\($0.path) \($0.code)" })
        let expected: Set<String> = [
            "accounts[1].account_id DUPLICATE_ID",
            "accounts[2].holder_category BUSINESS_ACCOUNT",
            "accounts[3].subtype TYPE_MISMATCH",
            "accounts[4].type UNSUPPORTED_TYPE",
            "transactions[0].date INVALID_DATE",
            "transactions[1].account_id UNKNOWN_ACCOUNT",
            "transactions[1].amount INVALID_TYPE",
            "transactions[2].amount ABSURD_AMOUNT",
            "transactions[2].personal_finance_category.primary UNKNOWN_CATEGORY",
            "transactions[3].transaction_id DUPLICATE_ID",
            "transactions[4].payment_channel INVALID_VALUE",
            "transactions[4].personal_finance_category MISSING_FIELD",
            "transactions[4].iso_currency_code UNSUPPORTED_CURRENCY",
            "liabilities.credit[0].account_id WRONG_ACCOUNT_TYPE",
            "liabilities.credit[0].aprs[0].apr_percentage APR_OUT_OF_RANGE",
        ]
        #expect(found == expected, "missing: \(expected.subtracting(found).sorted()), extra: \(found.subtracting(expected).sorted())")
        #expect(parsed.issues.allSatisfy { !$0.message.isEmpty })
        #expect(!parsed.isValid)
    }

    @Test("structural failures: not JSON, not an object, wrong section types")
    func structure() {
        #expect(UploadParser.parse(Data("{nope".utf8), format: .json).issues.map(\.code) == ["INVALID_JSON"])
        #expect(UploadParser.parse(Data("[1,2]".utf8), format: .json).issues.map(\.code) == ["INVALID_STRUCTURE"])
        let wrong = UploadParser.parse(json(["accounts": "x", "transactions": [1], "liabilities": 3]), format: .json)
        #expect(Set(wrong.issues.map { "\($0.path) \($0.code)" }) == ["accounts INVALID_TYPE", "transactions[0] INVALID_TYPE", "liabilities INVALID_TYPE"])
        let missing = UploadParser.parse(json(.object([:])), format: .json)
        #expect(Set(missing.issues.map(\.path)) == ["accounts", "transactions"])
    }

    @Test("the issue list is capped and says so")
    func cap() {
        let bad: [JSONValue] = (0..<500).map { index in
            ["transaction_id": .string("t\(index)"), "account_id": "nope", "date": "2026-01-01", "amount": 1,
             "personal_finance_category": ["primary": "INCOME", "detailed": "INCOME_WAGES"]]
        }
        let parsed = UploadParser.parse(json(["accounts": [], "transactions": .array(bad)]), format: .json)
        #expect(parsed.issues.count == IssueCollector.cap)
        #expect(parsed.truncated)
    }

    @Test("CSV sections are recognized by header, quoted fields and CRLF work, lines are reported")
    func csvSections() {
        let accounts = "account_id,name,mask,type,subtype,balance_current,balance_limit\r\nc1,\"Visa, Gold\",4523,credit,credit card,3400,5000\r\nk1,Checking,1111,depository,checking,900,\r\n"
        let transactions = #"""
            transaction_id,account_id,date,amount,merchant_name,payment_channel,category_primary,category_detailed,pending
            t1,c1,2026-10-01,15.49,"StreamFlix ""Premium""",online,ENTERTAINMENT,ENTERTAINMENT_TV_AND_MOVIES,false
            t2,k1,2026-10-02,-2000,Acme Payroll,other,INCOME,INCOME_WAGES,FALSE
            t3,k1,2026-10-03,abc,Shop,in store,GENERAL_MERCHANDISE,GENERAL_MERCHANDISE_OTHER,no
            """#
        let credit = "account_id,apr_percentage,apr_type,minimum_payment_amount,is_overdue\nc1,24.9,purchase_apr,40,true\nc1,29.9,cash_apr,,\n"
        let parsed = UploadParser.parseCSV([Data(accounts.utf8), Data(transactions.utf8), Data(credit.utf8)])
        #expect(parsed.issues.map(\.path) == ["transactions[2].amount"])
        #expect(parsed.issues.first?.message.contains("line 4") == true)
        #expect(parsed.data.accounts.first?.name == "Visa, Gold")
        #expect(parsed.data.transactions.first?.merchantName == "StreamFlix \"Premium\"")
        #expect(parsed.data.liabilities.credit.first?.aprs.map(\.percentage) == [24.9, 29.9])
        #expect(parsed.data.liabilities.credit.first?.isOverdue == true)

        let unknown = UploadParser.parseCSV([Data("foo,bar\n1,2\n".utf8)])
        #expect(unknown.issues.map(\.code) == ["UNRECOGNIZED_CSV"])
        let ragged = UploadParser.parseCSV([Data("account_id,type,subtype\na,depository\n".utf8)])
        #expect(ragged.issues.map(\.code) == ["INVALID_CSV"])
        let unterminated = UploadParser.parseCSV([Data("account_id,type,subtype\n\"a,depository,checking\n".utf8)])
        #expect(unterminated.issues.map(\.code) == ["INVALID_CSV"])
    }

    @Test func formatDetection() {
        #expect(UploadFormat.detect(Data("  {\"a\":1}".utf8), fileName: "x.csv") == .json)
        #expect(UploadFormat.detect(Data("account_id,type".utf8), fileName: "x.json") == .csv)
        #expect(UploadFormat.detect(Data(), fileName: "x.json") == .json)
    }

    @Test func days() {
        #expect(Day("2024-02-29") != nil)
        #expect(Day("2023-02-29") == nil)
        #expect(Day("2026-13-01") == nil)
        #expect(Day("2026-1-01") == nil)
        #expect(Day("2026-10-31")!.description == "2026-10-31")
        #expect(Day("2026-01-31")!.adding(months: 1) == Day("2026-02-28"))
        #expect(Day("2026-03-01")! - Day("2026-02-01")! == 28)
        for ordinal in stride(from: -1000, to: 40000, by: 997) {
            let day = Day(ordinal: ordinal)
            #expect(Day(day.description) == day)
        }
    }

    /// Property-style: thousands of random mutations of a valid document never crash the parser, and every
    /// mutation that breaks something is reported with a path into the document.
    @Test("mutated uploads never crash and always explain themselves")
    func mutationProperty() throws {
        guard case .object(let original) = try JSONDecoder().decode(JSONValue.self, from: try fixture("upload-example.json")),
            case .array(let originalTransactions)? = original["transactions"], case .array(let originalAccounts)? = original["accounts"]
        else { Issue.record("fixture shape"); return }
        var random = SeededRandom(seed: 2026)
        let replacements: [JSONValue] = [
            .null, "", "not-a-date", -1, 1e308, "NaN", true, [1, 2], ["k": "v"], 101, "2026-02-31", .string(String(repeating: "x", count: 500)),
        ]
        func mutate(_ value: JSONValue, remove: Bool) -> JSONValue {
            guard case .object(var fields) = value, !fields.isEmpty else { return value }
            let key = random.pick(fields.keys.sorted())
            if remove { fields.removeValue(forKey: key) } else { fields[key] = random.pick(replacements) }
            return .object(fields)
        }
        var rejected = 0
        for _ in 0..<600 {
            var document = original
            var transactions = originalTransactions
            var accounts = originalAccounts
            for _ in 0..<random.int(1...3) {
                switch random.int(0...4) {
                case 0:
                    let index = random.int(0...(transactions.count - 1))
                    transactions[index] = mutate(transactions[index], remove: false)
                case 1:
                    let index = random.int(0...(transactions.count - 1))
                    transactions[index] = mutate(transactions[index], remove: true)
                case 2:
                    let index = random.int(0...(accounts.count - 1))
                    accounts[index] = mutate(accounts[index], remove: false)
                case 3:
                    transactions.append(transactions[random.int(0...(transactions.count - 1))])  // duplicate id
                default:
                    document["liabilities"] = random.pick(replacements)
                }
            }
            document["transactions"] = .array(transactions)
            document["accounts"] = .array(accounts)
            let bytes = json(.object(document))
            let parsed = UploadParser.parse(bytes, format: .json)
            if !parsed.isValid {
                rejected += 1
                for issue in parsed.issues {
                    #expect(issue.path.hasPrefix("accounts") || issue.path.hasPrefix("transactions") || issue.path.hasPrefix("liabilities"), "\(issue)")
                    #expect(!issue.code.isEmpty && !issue.message.isEmpty)
                }
            } else {
                // What passes is internally consistent.
                let ids = Set(parsed.data.accounts.map(\.id))
                #expect(parsed.data.transactions.allSatisfy { ids.contains($0.accountID) && $0.amount.isFinite })
            }
            // Truncated bytes never crash either, as JSON or as CSV.
            _ = UploadParser.parse(bytes.prefix(random.int(0...bytes.count)), format: .json)
            _ = UploadParser.parse(bytes.prefix(random.int(0...bytes.count)), format: .csv)
        }
        #expect(rejected > 400)
    }
}
