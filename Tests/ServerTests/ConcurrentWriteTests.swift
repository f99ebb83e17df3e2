import Foundation
import HTTPTypes
import HummingbirdTesting
import Models
import Server
import Storage
import TestSupport
import Testing

/// Issue 12, stalls 5: the embedded default (an SQLite file) serves concurrent writers without errors.
@Suite("SQLite file: concurrent writers")
struct ConcurrentWriteTests {
    @Test("24 users each write five times at once (profile and consent): every write succeeds and is stored")
    func concurrentWriters() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("spendsense-writers-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        try await withApp(.sqlite, .live, configure: {
            $0.database = .sqliteFile(path: directory.appendingPathComponent("db.sqlite").path)
            $0.maxDatabaseConnections = 8
            $0.apiRateLimitPerUser = 0
            $0.apiRateLimitPerIP = 0
        }) { dependencies, client in
            var users: [AuthResponse] = []
            for index in 0..<24 { users.append(try await client.register("writer\(index)@example.com")) }
            let statuses = try await withThrowingTaskGroup(of: [HTTPResponse.Status].self) { group in
                for (index, user) in users.enumerated() {
                    group.addTask {
                        var seen: [HTTPResponse.Status] = []
                        for round in 0..<5 {
                            let reply =
                                round % 2 == 0
                                ? try await client.call(.put, "/api/v1/users/me", json: UpdateUserRequest(name: "Writer \(index) r\(round)"), token: user.accessToken)
                                : try await client.call(
                                    .post, "/api/v1/consent", json: ConsentRequest(consentVersion: "2026-01", tosAccepted: true), token: user.accessToken)
                            seen.append(reply.status)
                        }
                        return seen
                    }
                }
                var all: [HTTPResponse.Status] = []
                for try await statuses in group { all += statuses }
                return all
            }
            #expect(statuses.count == 120)
            #expect(statuses.allSatisfy { $0.code < 300 }, "\(statuses.filter { $0.code >= 300 })")
            for (index, user) in users.enumerated() {
                let stored = try await dependencies.users.find(id: user.userID)
                #expect(stored?.user.name == "Writer \(index) r4")
                #expect(try await dependencies.consents.isGranted(userID: user.userID))
            }
        }
    }
}
