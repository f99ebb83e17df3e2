import Crypto
import Foundation
import Storage
import JWTKit

/// The server's own signing keys when no `JWT_PRIVATE_KEY_FILE` is given: `DATA_DIR/jwt-keys/NNNN.pem`, mode
/// 0600. The highest-numbered key signs new tokens; every key in the ring verifies, so tokens signed before a
/// rotation stay valid until their key is removed.
///
/// ```sh
/// spendsense-server rotate-keys            # add a key; it signs after the next start
/// spendsense-server rotate-keys --list
/// spendsense-server rotate-keys --remove 3f9c0a1b2c3d4e5f   # tokens signed with it stop working
/// ```
public struct KeyRing: Sendable {
    public struct Entry: Sendable, Equatable {
        public var file: URL
        public var kid: String
        public var number: Int
    }

    public let directory: URL

    public init(dataDirectory: URL) {
        directory = dataDirectory.appendingPathComponent("jwt-keys")
    }

    /// The keys, oldest first (the last one signs).
    public func entries() throws -> [Entry] {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: directory.path) else { return [] }
        return try names.compactMap { name -> Entry? in
            guard name.hasSuffix(".pem"), let number = Int(name.dropLast(4)) else { return nil }
            let file = directory.appendingPathComponent(name)
            let pem = try String(contentsOf: file, encoding: .utf8)
            return Entry(file: file, kid: try Self.kid(pem: pem), number: number)
        }.sorted { $0.number < $1.number }
    }

    /// PEMs oldest first, for `TokenService` (which signs with the first one given: the newest is moved there).
    public func pemsNewestFirst() throws -> [String] {
        try entries().reversed().map { try String(contentsOf: $0.file, encoding: .utf8) }
    }

    /// Adds a new key (adopting a legacy `jwt-dev-key.pem` first, so its tokens keep verifying); returns it.
    @discardableResult
    public func rotate(legacyKey: URL? = nil) throws -> Entry {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        var existing = try entries()
        if existing.isEmpty, let legacyKey, let pem = try? String(contentsOf: legacyKey, encoding: .utf8) {
            try write(pem, number: 1)
            existing = try entries()
        }
        let number = (existing.last?.number ?? 0) + 1
        let pem = try TokenService.generatePrivateKeyPEM()
        try write(pem, number: number)
        return Entry(file: file(number), kid: try Self.kid(pem: pem), number: number)
    }

    /// Removes the key `kid`; refuses to remove the last one.
    public func remove(kid: String) throws {
        let existing = try entries()
        guard let entry = existing.first(where: { $0.kid == kid }) else { throw ConfigurationError("no key with kid \(kid) in \(directory.path)") }
        guard existing.count > 1 else { throw ConfigurationError("\(kid) is the only key; rotate first, then remove it") }
        try FileManager.default.removeItem(at: entry.file)
    }

    private func file(_ number: Int) -> URL {
        directory.appendingPathComponent(String(format: "%04d.pem", number))
    }

    private func write(_ pem: String, number: Int) throws {
        let path = file(number).path
        guard FileManager.default.createFile(atPath: path, contents: Data(pem.utf8), attributes: [.posixPermissions: 0o600]) else {
            throw ConfigurationError("cannot write \(path)")
        }
    }

    /// The key id the server publishes for a PEM: the first 8 bytes of SHA-256 over modulus and exponent, in hex.
    public static func kid(pem: String) throws -> String {
        let primitives = try privateKey(pem: pem).publicKey.getKeyPrimitives()
        return kid(modulus: primitives.modulus, exponent: primitives.publicExponent)
    }

    static func kid(modulus: some DataProtocol, exponent: some DataProtocol) -> String {
        Hex.string(SHA256.hash(data: Data(modulus) + Data(exponent)).prefix(8))
    }

    static func privateKey(pem: String) throws -> JWTKit.Insecure.RSA.PrivateKey {
        do {
            return try JWTKit.Insecure.RSA.PrivateKey(pem: pem)
        } catch {
            throw ConfigurationError("a JWT key is not an RSA private key in PEM form")
        }
    }
}
