import Engine
import Foundation
import HTTPTypes
import HummingbirdTesting
import Models
import NIOCore
import NIOFoundationEssentialsCompat
import Server
import Storage
import TestSupport
import Testing

extension TestClientProtocol {
    /// Uploads `file` as multipart/form-data.
    func upload(_ file: Data, name: String = "data.json", token: String, userID: UUID? = nil, idempotencyKey: String? = nil) async throws -> Reply {
        let boundary = "spendsense-test-boundary"
        var body = Data()
        func append(_ text: String) { body.append(Data(text.utf8)) }
        if let userID {
            append("--\(boundary)\r\nContent-Disposition: form-data; name=\"user_id\"\r\n\r\n\(userID.uuidString)\r\n")
        }
        append("--\(boundary)\r\nContent-Disposition: form-data; name=\"file\"; filename=\"\(name)\"\r\nContent-Type: application/octet-stream\r\n\r\n")
        body.append(file)
        append("\r\n--\(boundary)--\r\n")
        var headers: HTTPFields = [.authorization: "Bearer \(token)", .contentType: "multipart/form-data; boundary=\(boundary)"]
        if let idempotencyKey { headers[.init("Idempotency-Key")!] = idempotencyKey }
        let reply = try await execute(uri: "/api/v1/data/upload", method: .post, headers: headers, body: ByteBuffer(data: body)) { response in
            Reply(status: response.status, headers: response.headers, body: Data(buffer: response.body))
        }
        for problem in ResponseContract.problems(method: "POST", path: "/api/v1/data/upload", status: reply.status.code, headers: reply.headers, body: reply.body) {
            Issue.record("contract: \(problem)")
        }
        return reply
    }
}

func noWorker(_ configuration: inout ServerConfiguration) {
    configuration.runWorker = false
    configuration.jobRetryBaseSeconds = 0
}

/// Generated data for a planted persona.
func generatedUpload(_ label: PersonaID = .highUtilization) throws -> Data {
    let index = SyntheticGenerator.plantedLabels.firstIndex(of: label)!
    return try SyntheticExport.json(SyntheticGenerator(seed: 77).user(index: index).data)
}

@Suite("Uploads, processing, profile, consent, recommendations")
struct DataFlowTests {
    @Test("upload → job → completed; profile, signals and pending recommendations exist", arguments: TestBackend.available)
    func uploadToProfile(backend: TestBackend) async throws {
        try await withApp(backend, configure: noWorker) { dependencies, client in
            let user = try await client.register("ada@example.com")
            let reply = try await client.upload(try generatedUpload(.highUtilization), token: user.accessToken)
            #expect(reply.status == .created, "\(reply.text)")
            let upload = try reply.decode(Upload.self)
            #expect(upload.status == .pending)
            #expect(upload.fileType == "json")

            #expect(try await JobWorker(dependencies: dependencies).runOnce())
            #expect(try await !JobWorker(dependencies: dependencies).runOnce())
            let done = try await client.call(.get, "/api/v1/data/upload/\(upload.id)", token: user.accessToken).decode(Upload.self)
            #expect(done.status == .completed)
            #expect((done.transactionCount ?? 0) > 100)

            let profile = try await client.call(.get, "/api/v1/users/\(user.userID)/profile", token: user.accessToken).decode(Profile.self)
            #expect(profile.persona?.primary == .highUtilization)
            #expect(profile.signals180d?.credit.maxUtilization ?? 0 >= 0.5)
            let persona = try await client.call(.get, "/api/v1/users/\(user.userID)/persona", token: user.accessToken).decode(PersonaSummary.self)
            #expect(persona.primary == .highUtilization)
            let history = try await client.call(.get, "/api/v1/users/\(user.userID)/persona-history", token: user.accessToken)
                .decode(Page<PersonaHistoryEntry>.self)
            #expect(history.total == 1)
            let transactions = try await client.call(.get, "/api/v1/users/\(user.userID)/transactions?limit=5&category=INCOME", token: user.accessToken)
                .decode(Page<Transaction>.self)
            #expect(transactions.items.count == 5 && transactions.items.allSatisfy { $0.category.primary == "INCOME" })
            let spending = try await client.call(.get, "/api/v1/users/\(user.userID)/spending-categories", token: user.accessToken)
                .decode(SpendingBreakdown.self)
            #expect(spending.total > 0 && !spending.categories.isEmpty)

            let stored = try await dependencies.recommendations.list(userID: user.userID, status: .pending, skip: 0, limit: 50)
            #expect((4...8).contains(stored.total))
            #expect(stored.items.allSatisfy { $0.decisionTrace?.allChecksPassed == true })
            // Nothing is approved yet, so the user sees nothing, even with consent.
            _ = try await client.call(.post, "/api/v1/consent", json: ConsentRequest(consentVersion: "2026-01", tosAccepted: true), token: user.accessToken)
            let mine = try await client.call(.get, "/api/v1/recommendations", token: user.accessToken).decode(Page<Recommendation>.self)
            #expect(mine.total == 0)
        }
    }

    @Test("an invalid file lists every error, is recorded as failed, and writes nothing else", arguments: TestBackend.available)
    func invalidUpload(backend: TestBackend) async throws {
        try await withApp(backend, configure: noWorker) { dependencies, client in
            let user = try await client.register("bo@example.com")
            let bad = Data(#"{"accounts":[{"account_id":"a","type":"depository","subtype":"checking","balances":{}}],"transactions":[{"transaction_id":"t","account_id":"zz","date":"2026-13-01","amount":"x","personal_finance_category":{"primary":"INCOME","detailed":"INCOME_WAGES"}}]}"#.utf8)
            let reply = try await client.upload(bad, token: user.accessToken)
            #expect(reply.status == .badRequest)
            let body = try reply.errorBody()
            #expect(body.error.code == "UPLOAD_INVALID")
            guard case .array(let errors)? = body.error.details["errors"] else { Issue.record("no errors listed"); return }
            let paths = Set(errors.compactMap { error -> String? in if case .object(let o) = error, case .string(let p)? = o["path"] { p } else { nil } })
            #expect(paths == ["transactions[0].account_id", "transactions[0].date", "transactions[0].amount"])
            let uploads = try await client.call(.get, "/api/v1/data/uploads", token: user.accessToken).decode(Page<Upload>.self)
            #expect(uploads.items.first?.status == .failed)
            #expect(uploads.items.first?.validationErrors.count == 3)
            #expect(try await !JobWorker(dependencies: dependencies).runOnce())  // no job was queued
            #expect(try await dependencies.insights.financialData(userID: user.userID) == nil)

            let notMultipart = try await client.call(.post, "/api/v1/data/upload", raw: "{}", token: user.accessToken)
            #expect(notMultipart.status == .unsupportedMediaType)
            _ = try notMultipart.errorBody()
        }
    }

    @Test("a worker that dies mid-job: the job is claimed again after its lease and writes exactly one result set", arguments: TestBackend.available)
    func crashedWorker(backend: TestBackend) async throws {
        try await withApp(backend, configure: noWorker) { dependencies, client in
            let user = try await client.register("cy@example.com")
            #expect(try await client.upload(try generatedUpload(.savingsBuilder), token: user.accessToken).status == .created)
            // Worker 1 claims the job and "dies" before writing anything.
            let now = Date()
            let first = try #require(try await dependencies.uploads.claimJob(now: now, lease: 60))
            #expect(first.attempts == 1)
            // Within the lease nobody else takes it.
            #expect(try await dependencies.uploads.claimJob(now: now.addingTimeInterval(30), lease: 60) == nil)
            // After the lease, a new worker picks it up and completes it.
            #expect(try await JobWorker(dependencies: dependencies).runOnce(now: now.addingTimeInterval(61)))
            // The dead worker's late write is refused.
            let data = try #require(try await dependencies.insights.financialData(userID: user.userID))
            let result = InsightPipeline.run(data)
            await #expect(throws: StorageError.self) {
                try await dependencies.insights.completeJob(first, data: data, report: result.report, personas: result.personas, drafts: result.recommendations, now: Date())
            }
            let recommendations = try await dependencies.recommendations.list(userID: user.userID, status: nil, skip: 0, limit: 100)
            #expect(recommendations.total == result.recommendations.count)
            #expect(try await dependencies.insights.personaHistory(userID: user.userID, skip: 0, limit: 10).total == 1)
        }
    }

    @Test("a failing job is retried with backoff and dead-lettered after 5 attempts", arguments: TestBackend.available)
    func deadLetter(backend: TestBackend) async throws {
        try await withApp(backend, configure: { $0.runWorker = false; $0.jobRetryBaseSeconds = 1 }) { dependencies, client in
            let user = try await client.register("di@example.com")
            let upload = try await client.upload(try generatedUpload(), token: user.accessToken).decode(Upload.self)
            // Lose the stored file: every attempt fails.
            let key = try #require(try await dependencies.uploads.blobKey(uploadID: upload.id))
            try await dependencies.blobs.delete(key)
            var clock = Date()
            for attempt in 1...5 {
                #expect(try await JobWorker(dependencies: dependencies).runOnce(now: clock), "attempt \(attempt)")
                // Not due again right away (backoff).
                #expect(try await !JobWorker(dependencies: dependencies).runOnce(now: clock))
                clock = clock.addingTimeInterval(400)
            }
            #expect(try await !JobWorker(dependencies: dependencies).runOnce(now: clock.addingTimeInterval(10_000)))
            #expect(try await dependencies.uploads.jobCounts()["dead"] == 1)
            let failed = try await client.call(.get, "/api/v1/data/upload/\(upload.id)", token: user.accessToken).decode(Upload.self)
            #expect(failed.status == .failed)
            #expect(failed.error?.contains("5 attempts") == true)
        }
    }

    @Test("consent: operators need it to read, users need it for recommendations; revoking blocks at once and is audited", arguments: TestBackend.available)
    func consentEnforcement(backend: TestBackend) async throws {
        try await withApp(backend, configure: noWorker) { dependencies, client in
            let user = try await client.register("ed@example.com")
            let op = try await signIn(dependencies, client, email: "op@example.com", role: .operator)
            _ = try await client.upload(try generatedUpload(), token: user.accessToken)
            try await JobWorker(dependencies: dependencies).runOnce()
            let profilePath = "/api/v1/users/\(user.userID)/profile"

            let before = try await client.call(.get, profilePath, token: op.accessToken)
            #expect(before.status == .forbidden)
            #expect(try before.errorBody().error.code == "CONSENT_REQUIRED")
            #expect(try await client.call(.get, "/api/v1/recommendations", token: user.accessToken).status == .forbidden)

            let granted = try await client.call(.post, "/api/v1/consent", json: ConsentRequest(consentVersion: "2026-01", tosAccepted: true), token: user.accessToken)
            #expect(try granted.decode(ConsentStatus.self).granted)
            #expect(try await client.call(.get, profilePath, token: op.accessToken).status == .ok)
            let opView = try await client.call(.get, "/api/v1/users/\(user.userID)/recommendations", token: op.accessToken).decode(Page<Recommendation>.self)
            #expect(opView.total > 0 && opView.items.allSatisfy { $0.decisionTrace != nil })
            #expect(try await client.call(.get, "/api/v1/recommendations", token: user.accessToken).status == .ok)

            let refused = try await client.call(.post, "/api/v1/consent", json: ConsentRequest(consentVersion: "2026-01", tosAccepted: false), token: user.accessToken)
            #expect(refused.status == .badRequest)

            let revoked = try await client.call(.delete, "/api/v1/consent", token: user.accessToken).decode(ConsentRevokeResult.self)
            #expect(!revoked.consent.granted)
            #expect(revoked.deleted == nil)
            #expect(revoked.consent.history.map(\.action) == ["revoked", "granted"])
            // Cached reads do not outlive consent.
            #expect(try await client.call(.get, profilePath, token: op.accessToken).status == .forbidden)
            #expect(try await client.call(.get, "/api/v1/users/\(user.userID)/recommendations", token: op.accessToken).status == .forbidden)
            #expect(try await client.call(.get, "/api/v1/recommendations", token: user.accessToken).status == .forbidden)
            // The user still reads their own profile.
            #expect(try await client.call(.get, profilePath, token: user.accessToken).status == .ok)

            let audit = try await dependencies.auditLog.list(filter: AuditFilter(), skip: 0, limit: 200).items
            #expect(audit.contains { $0.action == "consent.grant" } && audit.contains { $0.action == "consent.revoke" })
            #expect(audit.filter { $0.action == "authz.denied" && $0.details["reason"] == "consent_required" }.count >= 4)
            #expect(audit.contains { $0.action == "operator.read_user_data" && $0.actorID == op.userID })
        }
    }

    @Test("another user's data is 403 for users", arguments: TestBackend.available)
    func otherUsers(backend: TestBackend) async throws {
        try await withApp(backend, configure: noWorker) { _, client in
            let a = try await client.register("fa@example.com")
            let b = try await client.register("gi@example.com")
            for path in ["profile", "signals", "persona", "persona-history", "transactions", "spending-categories", "recommendations"] {
                let reply = try await client.call(.get, "/api/v1/users/\(b.userID)/\(path)", token: a.accessToken)
                #expect(reply.status == .forbidden, "\(path)")
                #expect(try reply.errorBody().error.code == "FORBIDDEN")
            }
            let upload = try await client.upload(try generatedUpload(), token: b.accessToken).decode(Upload.self)
            #expect(try await client.call(.get, "/api/v1/data/upload/\(upload.id)", token: a.accessToken).status == .forbidden)
            #expect(try await client.upload(try generatedUpload(), token: a.accessToken, userID: b.userID).status == .forbidden)
        }
    }

    @Test("delete_data removes every row and file of that user and nothing of others", arguments: TestBackend.available)
    func deleteData(backend: TestBackend) async throws {
        try await withApp(backend, configure: noWorker) { dependencies, client in
            let keep = try await client.register("ha@example.com")
            let gone = try await client.register("ik@example.com")
            for user in [keep, gone] {
                _ = try await client.call(.post, "/api/v1/consent", json: ConsentRequest(consentVersion: "1", tosAccepted: true), token: user.accessToken)
                _ = try await client.upload(try generatedUpload(), token: user.accessToken)
            }
            while try await JobWorker(dependencies: dependencies).runOnce() {}
            let goneUploads = try await dependencies.uploads.list(userIDs: [gone.userID], skip: 0, limit: 10).items
            let goneKey = try #require(try await dependencies.uploads.blobKey(uploadID: goneUploads[0].id))

            let result = try await client.call(.delete, "/api/v1/consent", json: ConsentRevokeRequest(deleteData: true), token: gone.accessToken)
                .decode(ConsentRevokeResult.self)
            let deleted = try #require(result.deleted)
            #expect(deleted.uploads == 1 && deleted.blobs == 1 && deleted.accounts > 0 && deleted.transactions > 100)
            #expect(deleted.recommendations > 0 && deleted.signalSnapshots == 1 && deleted.personaHistory == 1)
            #expect(try await dependencies.insights.financialData(userID: gone.userID) == nil)
            #expect(try await dependencies.insights.snapshot(userID: gone.userID) == nil)
            #expect(try await dependencies.recommendations.list(userID: gone.userID, status: nil, skip: 0, limit: 10).total == 0)
            await #expect(throws: BlobStoreError.self) { _ = try await dependencies.blobs.get(goneKey) }
            // The other user is untouched.
            #expect(try await dependencies.insights.financialData(userID: keep.userID) != nil)
            #expect(try await dependencies.recommendations.list(userID: keep.userID, status: nil, skip: 0, limit: 10).total > 0)
            let keepKey = try #require(try await dependencies.uploads.blobKey(uploadID: try await dependencies.uploads.list(userIDs: [keep.userID], skip: 0, limit: 1).items[0].id))
            #expect(!(try await dependencies.blobs.get(keepKey)).isEmpty)
        }
    }

    @Test("Idempotency-Key returns the first result; CSV uploads work; the stored file is encrypted")
    func idempotencyAndCSV() async throws {
        try await withApp(configure: noWorker) { dependencies, client in
            let user = try await client.register("jo@example.com")
            let data = SyntheticGenerator(seed: 9).user(index: 4).data
            let first = try await client.upload(SyntheticExport.csv(data), name: "bank.csv", token: user.accessToken, idempotencyKey: "k-1")
            let again = try await client.upload(SyntheticExport.csv(data), name: "bank.csv", token: user.accessToken, idempotencyKey: "k-1")
            #expect(first.status == .created && again.status == .created)
            #expect(try first.decode(Upload.self).id == again.decode(Upload.self).id)
            #expect(try first.decode(Upload.self).fileType == "csv")
            #expect(try await dependencies.uploads.list(userIDs: [user.userID], skip: 0, limit: 10).total == 1)
            let key = try #require(try await dependencies.uploads.blobKey(uploadID: try first.decode(Upload.self).id))
            let onDisk = try Data(contentsOf: dependencies.configuration.dataDirectory.appendingPathComponent("blobs").appendingPathComponent(key))
            #expect(onDisk.range(of: Data("transaction_id".utf8)) == nil)
            #expect(try await JobWorker(dependencies: dependencies).runOnce())
            #expect(try await dependencies.insights.financialData(userID: user.userID)?.transactions.count == data.transactions.count)
        }
    }

    @Test("profile reads are cached, counted, and invalidated when processing completes")
    func caching() async throws {
        try await withApp(configure: noWorker) { dependencies, client in
            let user = try await client.register("ka@example.com")
            let path = "/api/v1/users/\(user.userID)/profile"
            let empty = try await client.call(.get, path, token: user.accessToken).decode(Profile.self)
            #expect(empty.persona == nil)
            _ = try await client.call(.get, path, token: user.accessToken)
            _ = try await client.upload(try generatedUpload(), token: user.accessToken)
            try await JobWorker(dependencies: dependencies).runOnce()
            let fresh = try await client.call(.get, path, token: user.accessToken).decode(Profile.self)
            #expect(fresh.persona != nil)
            let metrics = try await client.call(.get, "/metrics").text
            #expect(metrics.contains("cache_hits_total 1"))
            #expect(metrics.contains("cache_misses_total 2"))
            #expect(metrics.contains("job_duration_seconds_count{kind=\"process_upload\",outcome=\"completed\"} 1"))
        }
    }
}

@Suite("Upload size limit")
struct UploadLimitTests {
    @Test("a file of exactly 10 MB is accepted; one byte more is 413")
    func exactLimit() async throws {
        try await withApp(.sqlite, .live, configure: noWorker) { _, client in
            let user = try await client.register("big@example.com")
            let document = Data(#"{"accounts":[],"transactions":[]}"#.utf8)
            let padding = ServerConfiguration.maxBodyBytes - document.count
            let exact = document + Data(repeating: 0x20, count: padding)
            let accepted = try await client.upload(exact, token: user.accessToken)
            #expect(accepted.status == .created, "\(accepted.text.prefix(200))")
            let over = try await client.upload(exact + Data(" ".utf8), token: user.accessToken)
            #expect(over.status == .contentTooLarge)
            #expect(try over.errorBody().error.code == "PAYLOAD_TOO_LARGE")
        }
    }
}
