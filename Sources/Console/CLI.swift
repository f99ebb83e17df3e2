import APIClient
import ArgumentParser
import Foundation
import Models
import TerminalUI

/// Exit codes scripts can rely on.
enum ExitStatus {
    /// The server refused or failed the request (the message says why).
    static let failed: Int32 = 1
    /// Not signed in, or the session ended (run `spendsense login`).
    static let notSignedIn: Int32 = 3
    /// Someone else decided the item first (409), or nothing was pending.
    static let conflict: Int32 = 4
    /// A bulk action changed some items but not all.
    static let partial: Int32 = 5
    /// The server could not be reached.
    static let unreachable: Int32 = 6
}

/// Runs an API call and maps its failure to a message on stderr and a documented exit code.
func cli<T>(_ body: () async throws -> T) async throws -> T {
    do {
        return try await body()
    } catch let error as APIError {
        let code: Int32 =
            switch error {
            case .notSignedIn: ExitStatus.notSignedIn
            case .transport, .timeout: ExitStatus.unreachable
            case .server(401, _): ExitStatus.notSignedIn
            case .server(409, _): ExitStatus.conflict
            default: ExitStatus.failed
            }
        throw CleanExit.message(error.description, code: code)
    }
}

func printJSON(_ value: some Encodable) throws {
    let encoder = JSONEncoder.spendSense
    encoder.outputFormatting.insert(.sortedKeys)
    print(String(decoding: try encoder.encode(value), as: UTF8.self))
}

func parseUUID(_ text: String) throws -> UUID {
    guard let id = UUID(uuidString: text) else { throw ValidationError("not a recommendation id: \(text)") }
    return id
}

// MARK: - review

struct Review: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "The operator review queue from scripts.",
        subcommands: [List.self, Show.self, Approve.self, Reject.self, Bulk.self])

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List recommendations in the queue.")
        @OptionGroup var global: GlobalOptions
        @Option(help: "pending, approved, rejected or all.") var status = "pending"
        @Option(help: "education or partner_offer.") var type: String?
        @Option(help: "A persona id, e.g. high_utilization.") var persona: String?
        @Option(help: "Text to search in title, content and user.") var search: String?
        @Option(help: "created_at, type, persona, user or status; prefix - for descending.") var sort = "-created_at"
        @Option(help: "Rows to return (at most 500).") var limit = 50
        @Option(help: "Rows to skip.") var skip = 0
        @Flag(help: "Print JSON.") var json = false

        func run() async throws {
            var query = ReviewQueueQuery(limit: limit)
            query.skip = skip
            if status == "all" { query.status = nil } else {
                guard let parsed = RecommendationStatus(rawValue: status) else { throw ValidationError("status is pending, approved, rejected or all") }
                query.status = parsed
            }
            if let type {
                guard let parsed = RecommendationType(rawValue: type) else { throw ValidationError("type is education or partner_offer") }
                query.type = parsed
            }
            if let persona {
                guard let parsed = PersonaID(rawValue: persona) else { throw ValidationError("unknown persona \(persona)") }
                query.persona = parsed
            }
            query.text = search
            guard let field = ReviewQueueQuery.SortField(rawValue: sort.trimmingCharacters(in: CharacterSet(charactersIn: "-"))) else {
                throw ValidationError("sort is created_at, type, persona, user or status")
            }
            query.sort = field
            query.descending = sort.hasPrefix("-")
            let client = try await global.savedClient()
            let page = try await cli { try await client.reviewQueue(query) }
            if json { return try printJSON(page) }
            for item in page.items {
                let r = item.recommendation
                print([r.id.uuidString.lowercased(), r.status.rawValue, r.type.rawValue, r.persona.rawValue, item.userName ?? item.userEmail ?? "-", r.title]
                    .joined(separator: "\t"))
            }
            FileHandle.standardError.write(Data("\(page.items.count) of \(page.total)\n".utf8))
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show one recommendation with its decision trace and history.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "Recommendation id.") var id: String
        @Flag(help: "Print JSON.") var json = false

        func run() async throws {
            let id = try parseUUID(id)
            let client = try await global.savedClient()
            let detail = try await cli { try await client.reviewDetail(id: id) }
            if json { return try printJSON(detail) }
            for paragraph in detailParagraphs(detail, pane: .content) { print(paragraph.text) }
            print("\nDecision trace")
            func walk(_ nodes: [TreeNodeText], depth: Int) {
                for node in nodes {
                    print(String(repeating: "  ", count: depth) + node.text)
                    walk(node.children, depth: depth + 1)
                }
            }
            walk(traceTree(detail.item.recommendation.decisionTrace).map(TreeNodeText.init), depth: 1)
            print("\nHistory")
            for paragraph in detailParagraphs(detail, pane: .history) { print("  " + paragraph.text) }
        }
    }

    struct Approve: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Approve one recommendation (exit 4 if someone decided it first).")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "Recommendation id.") var id: String
        @Option(help: "The version you reviewed (from `review show`); a newer version makes this fail with exit 4.") var version: Int?
        @Option(help: "A note for the audit trail.") var note: String?
        @Flag(help: "Print JSON.") var json = false

        func run() async throws {
            let id = try parseUUID(id)
            let client = try await global.savedClient()
            let result = try await cli { try await client.approve(id, version: version, note: note) }
            if json { return try printJSON(result) }
            print("approved \(result.id.uuidString.lowercased()) \(result.title)")
        }
    }

    struct Reject: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Reject one recommendation with a reason.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "Recommendation id.") var id: String
        @Option(help: "Reason code: \(RejectionReason.allCases.map(\.rawValue).joined(separator: ", ")).") var reasonCode: String
        @Option(help: "Why, in words.") var reason: String
        @Option(help: "The version you reviewed.") var version: Int?
        @Flag(help: "Print JSON.") var json = false

        func run() async throws {
            let id = try parseUUID(id)
            guard let code = RejectionReason(rawValue: reasonCode) else { throw ValidationError("unknown reason code \(reasonCode)") }
            let client = try await global.savedClient()
            let result = try await cli { try await client.reject(id, reasonCode: code, reason: reason, version: version) }
            if json { return try printJSON(result) }
            print("rejected \(result.id.uuidString.lowercased()) \(result.title)")
        }
    }

    struct Bulk: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Approve or reject many recommendations; ids as arguments or one per line on stdin (exit 5 if some were not changed).")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "approve or reject.") var action: String
        @Argument(help: "Recommendation ids (or - to read them from stdin).") var ids: [String] = []
        @Option(help: "Reason code (reject).") var reasonCode: String?
        @Option(help: "Why, in words (reject).") var reason: String?
        @Flag(help: "Print JSON.") var json = false

        func run() async throws {
            guard let action = ReviewAction(rawValue: action), action != .modify else { throw ValidationError("action is approve or reject") }
            var texts = ids
            if texts.isEmpty || texts == ["-"] {
                texts = []
                while let line = readLine() { texts += line.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "," }).map(String.init) }
            }
            let uuids = try texts.filter { !$0.isEmpty }.map(parseUUID)
            guard !uuids.isEmpty else { throw ValidationError("no ids given") }
            if action == .reject {
                guard let code = reasonCode.flatMap(RejectionReason.init(rawValue:)), let reason, !reason.isEmpty else {
                    throw ValidationError("rejecting needs --reason-code and --reason")
                }
                _ = code
            }
            let client = try await global.savedClient()
            let result = try await cli {
                try await client.bulkReview(BulkReviewRequest(action: action, recommendationIDs: uuids, reasonCode: reasonCode, reason: reason))
            }
            if json {
                try printJSON(result)
            } else {
                for item in result.results {
                    print("\(item.recommendationID.uuidString.lowercased())\t\(item.result)\(item.detail.map { "\t\($0)" } ?? "")")
                }
            }
            let changed = result.results.filter { $0.result == "approved" || $0.result == "rejected" }.count
            if changed < result.results.count {
                throw CleanExit.message("\(result.results.count - changed) of \(result.results.count) not changed", code: ExitStatus.partial)
            }
        }
    }
}

/// A trace node as printable text.
struct TreeNodeText {
    var text: String
    var children: [TreeNodeText]

    init(_ node: TreeNode) {
        let mark =
            switch node.mark {
            case .pass: "[pass] "
            case .fail: "[FAIL] "
            case .none: ""
            }
        text = mark + node.label
        children = node.children.map(TreeNodeText.init)
    }
}

// MARK: - analytics

struct Analytics: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Coverage, explainability, performance and engagement figures.")
    @OptionGroup var global: GlobalOptions
    @Option(help: "First day (YYYY-MM-DD); default 30 days ago.") var from: String?
    @Option(help: "Last day (YYYY-MM-DD); default today.") var to: String?
    @Flag(help: "Print JSON.") var json = false
    @Flag(help: "Print the server's CSV export.") var csv = false

    func run() async throws {
        let fromDay = try from.map { text in try Day(text).orThrow(ValidationError("from must be YYYY-MM-DD")) }
        let toDay = try to.map { text in try Day(text).orThrow(ValidationError("to must be YYYY-MM-DD")) }
        let client = try await global.savedClient()
        if csv {
            let data = try await cli { try await client.analyticsCSV(from: fromDay, to: toDay) }
            FileHandle.standardOutput.write(data)
            return
        }
        let report = try await cli { try await client.analytics(from: fromDay, to: toDay) }
        if json { return try printJSON(report) }
        let c = report.coverage
        let e = report.explainability
        let p = report.performance
        let g = report.engagement
        print("analytics \(report.from) to \(report.to)")
        print("coverage       users \(c.usersTotal), with data \(c.usersWithData), with persona \(c.usersWithPersona) (\(percent(c.personaCoverage))), consenting \(c.usersConsenting)")
        for (persona, count) in c.personaDistribution.sorted(by: { $0.value > $1.value }) { print("               \(persona) \(count)") }
        print("explainability \(e.recommendations) recommendations, rationale cites data \(percent(e.rationaleShare)), complete trace \(percent(e.traceShare))")
        print("performance    jobs \(p.jobsCompleted), job p50 \(p.jobP50Seconds.map { String(format: "%.2f s", $0) } ?? "-"), queue \(p.queueDepth), dead \(p.deadLetters)")
        print("engagement     approved \(g.approved), rejected \(g.rejected), modified \(g.modified), feedback \(g.feedbackCount), rating \(g.averageRating.map { String(format: "%.1f", $0) } ?? "-")")
    }
}

extension Optional {
    func orThrow(_ error: some Error) throws -> Wrapped {
        guard let self else { throw error }
        return self
    }
}

// MARK: - upload

struct UploadFile: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "upload", abstract: "Upload a Plaid-style JSON or CSV file (≤ 10 MB); exit 1 with every problem listed when it is invalid.")
    @OptionGroup var global: GlobalOptions
    @Argument(help: "The file.") var file: String
    @Option(help: "Operators: upload for this consenting user.") var userID: String?
    @Flag(help: "Wait until processing finishes.") var wait = false
    @Flag(help: "Print JSON.") var json = false

    func run() async throws {
        guard let data = FileManager.default.contents(atPath: file) else { throw ValidationError("cannot read \(file)") }
        let owner = try userID.map(parseUUID)
        let client = try await global.savedClient()
        var upload: Upload
        do {
            upload = try await client.upload(fileName: (file as NSString).lastPathComponent, data: data, userID: owner)
        } catch let error as APIError {
            if case .server(_, let body?) = error, case .array(let errors)? = body.error.details["errors"] {
                if json { try printJSON(body) } else {
                    for case .object(let issue) in errors {
                        let path = issue["path"].flatMap { if case .string(let s) = $0 { s } else { nil } } ?? ""
                        let code = issue["code"].flatMap { if case .string(let s) = $0 { s } else { nil } } ?? ""
                        let message = issue["message"].flatMap { if case .string(let s) = $0 { s } else { nil } } ?? ""
                        print("\(path)\t\(code)\t\(message)")
                    }
                }
            }
            return try await cli { throw error }
        }
        while wait, upload.status == .pending || upload.status == .processing {
            try await Task.sleep(for: .milliseconds(250))
            let id = upload.id
            upload = try await cli { try await client.upload(id: id) }
        }
        if json { return try printJSON(upload) }
        print("\(upload.id.uuidString.lowercased())\t\(upload.status.rawValue)\t\(upload.fileName)\t\(upload.fileSize) bytes")
        if upload.status == .failed { throw CleanExit.message(upload.error ?? "processing failed", code: ExitStatus.failed) }
    }
}

// MARK: - consent

struct ConsentCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "consent", abstract: "See, grant or revoke your consent.", subcommands: [Status.self, Grant.self, Revoke.self])

    struct Status: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show whether consent is granted (exit 0 either way).")
        @OptionGroup var global: GlobalOptions
        @Flag(help: "Print JSON.") var json = false

        func run() async throws {
            let client = try await global.savedClient()
            let status = try await cli { try await client.consent() }
            if json { return try printJSON(status) }
            print(status.granted ? "granted\(status.consentVersion.map { " (version \($0))" } ?? "")" : "not granted")
        }
    }

    struct Grant: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Grant consent: SpendSense may analyse your uploaded data and show reviewed recommendations.")
        @OptionGroup var global: GlobalOptions
        @Option(help: "Consent version you accept.") var version = "1.0"
        @Flag(help: "Print JSON.") var json = false

        func run() async throws {
            let client = try await global.savedClient()
            let status = try await cli { try await client.grantConsent(version: version) }
            if json { return try printJSON(status) }
            print("granted")
        }
    }

    struct Revoke: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Revoke consent; --delete-data also deletes your uploads, data and recommendations.")
        @OptionGroup var global: GlobalOptions
        @Flag(help: "Delete your data too.") var deleteData = false
        @Flag(help: "Print JSON.") var json = false

        func run() async throws {
            let client = try await global.savedClient()
            let result = try await cli { try await client.revokeConsent(deleteData: deleteData) }
            if json { return try printJSON(result) }
            print(deleteData ? "revoked; data deleted" : "revoked")
        }
    }
}
