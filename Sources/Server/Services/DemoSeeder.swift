import Engine
import Foundation
import Models
import Storage

/// Demo data for `spendsense-server seed --demo`: the three sign-in accounts, and generated users with uploaded,
/// processed data so every screen has something real to show. Idempotent.
public struct DemoSeeder: Sendable {
    public static let password = "SpendSense-demo-1!"
    public static let accounts: [(String, Role)] = [
        ("admin@example.com", .admin), ("operator@example.com", .operator), ("user@example.com", .user),
    ]

    let dependencies: AppDependencies
    public init(dependencies: AppDependencies) { self.dependencies = dependencies }

    /// Creates what is missing and returns one line per thing done.
    public func seed(generatedUsers: Int = 50) async throws -> [String] {
        var lines: [String] = []
        for (email, role) in Self.accounts {
            if let existing = try await dependencies.users.find(email: email) {
                if existing.user.role != role { _ = try await dependencies.users.setRole(id: existing.id, role: role, now: Date()) }
                lines.append("exists  \(role.rawValue.padding(toLength: 8, withPad: " ", startingAt: 0)) \(email)")
            } else {
                _ = try await dependencies.auth.createUser(email: email, password: Self.password, role: role)
                lines.append("created \(role.rawValue.padding(toLength: 8, withPad: " ", startingAt: 0)) \(email)")
            }
        }
        // Generated people: the demo user plus `generatedUsers` others (without passwords: data subjects only).
        let generator = SyntheticGenerator(seed: 2026)
        var created = 0
        for index in 0...generatedUsers {
            let synthetic = generator.user(index: index)
            let email = index == 0 ? "user@example.com" : String(format: "demo-%03d@example.com", index)
            var record = try await dependencies.users.find(email: email)
            if record == nil {
                record = try await dependencies.users.create(email: email, passwordHash: nil, role: .user, name: synthetic.name, now: Date())
            }
            guard let user = record else { continue }
            if try await dependencies.uploads.list(userIDs: [user.id], skip: 0, limit: 1).total > 0 { continue }
            if user.user.name == nil { _ = try await dependencies.users.update(id: user.id, changes: UserChanges(name: .some(synthetic.name)), now: Date()) }
            // Most demo people consent; a few do not, so the console shows what consent protects.
            if index % 10 != 9 { _ = try await dependencies.consents.grant(userID: user.id, version: "2026-01", now: Date()) }
            let file = try SyntheticExport.json(synthetic.data)
            let key = "uploads/\(user.id.uuidString.lowercased())/\(UUID().uuidString.lowercased())"
            try await dependencies.blobs.put(key, file)
            _ = try await dependencies.uploads.createAccepted(
                userID: user.id, fileName: "demo-\(index).json", fileSize: file.count, fileType: "json", blobKey: key, idempotencyKey: nil, now: Date())
            created += 1
        }
        let worker = JobWorker(dependencies: dependencies)
        var processed = 0
        while try await worker.runOnce() { processed += 1 }
        lines.append("generated data for \(created) users, processed \(processed) jobs")
        return lines
    }
}
