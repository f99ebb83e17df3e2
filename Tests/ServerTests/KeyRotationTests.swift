import Foundation
import JWTKit
import Logging
import Models
import Testing

@testable import Server

@Suite("Signing key rotation")
struct KeyRotationTests {
    func load(_ directory: URL) async throws -> TokenService {
        try await TokenService.load(keyFiles: [], dataDirectory: directory, issuer: "spendsense", accessTokenLifetime: 600, logger: Logger(label: "test"))
    }

    @Test("a rotated ring signs with the newest key; old tokens verify until their key is removed")
    func rotation() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("keys-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        let user = UUID()
        let session = UUID()

        // No ring yet: the development key signs.
        let first = try await load(directory)
        let old = try await first.accessToken(userID: user, role: .user, sessionID: session)
        let oldKID = first.signingKeyID

        // Rotate: the development key is adopted into the ring, a new key signs, both verify and are published.
        let ring = KeyRing(dataDirectory: directory)
        let added = try ring.rotate(legacyKey: directory.appendingPathComponent("jwt-dev-key.pem"))
        #expect(try ring.entries().map(\.kid) == [oldKID, added.kid])
        let second = try await load(directory)
        #expect(second.signingKeyID == added.kid)
        #expect(Set(second.publicKeys.map(\.kid)) == [oldKID, added.kid])
        let new = try await second.accessToken(userID: user, role: .user, sessionID: session)
        #expect(try await second.verify(old).sid == session.uuidString.lowercased())
        #expect(try await second.verify(new).sub.value == user.uuidString.lowercased())
        let attributes = try FileManager.default.attributesOfItem(atPath: added.file.path)
        #expect(attributes[.posixPermissions] as? Int == 0o600)

        // Remove the old key: its tokens stop verifying; the new ones still do. The last key cannot be removed.
        try ring.remove(kid: oldKID)
        let third = try await load(directory)
        await #expect(throws: (any Error).self) { _ = try await third.verify(old) }
        #expect(try await third.verify(new).sid == session.uuidString.lowercased())
        #expect(throws: ConfigurationError.self) { try ring.remove(kid: added.kid) }
    }
}
