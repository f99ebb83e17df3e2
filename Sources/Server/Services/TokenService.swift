import Crypto
import Foundation
import Storage
import JWTKit
import Logging
import Models
import _CryptoExtras

/// The claims of an access token.
struct AccessClaims: JWTPayload, Equatable {
    var sub: SubjectClaim
    var role: String
    var sid: String
    var jti: IDClaim
    var iss: IssuerClaim
    var iat: IssuedAtClaim
    var exp: ExpirationClaim
    /// Never set by us; honoured when present.
    var nbf: NotBeforeClaim?

    struct Expired: Error {}
    struct NotYetValid: Error {}

    /// Clocks of several instances disagree a little; nothing more than this is forgiven.
    static let leeway: TimeInterval = 60

    func verify(using algorithm: some JWTAlgorithm) async throws {
        let now = Date()
        if exp.value <= now { throw Expired() }
        if iat.value > now + Self.leeway { throw NotYetValid() }
        if let nbf, nbf.value > now + Self.leeway { throw NotYetValid() }
    }
}

/// A public key as published in `/.well-known/jwks.json`.
public struct PublicJWK: Codable, Sendable, Equatable {
    public var kty: String
    public var use: String
    public var alg: String
    public var kid: String
    public var n: String
    public var e: String
}

/// Signs and verifies RS256 access tokens, mints opaque refresh tokens.
///
/// Keys come from PEM files (the first signs, every one verifies, so a key can be rotated by
/// putting the new key first and keeping the old one until its tokens expire); without files a
/// development key is generated into the data directory with mode 0600.
public struct TokenService: Sendable {
    let keys: JWTKeyCollection
    let signingKID: JWKIdentifier
    let issuer: String
    public let accessTokenLifetime: TimeInterval
    public let publicKeys: [PublicJWK]

    /// Loads the key files, or creates/loads `dataDirectory/jwt-dev-key.pem`.
    public static func load(
        keyFiles: [String], dataDirectory: URL, issuer: String, accessTokenLifetime: TimeInterval, logger: Logger
    ) async throws -> TokenService {
        var pems: [String] = []
        let ring = KeyRing(dataDirectory: dataDirectory)
        if keyFiles.isEmpty, case let ringPEMs = try ring.pemsNewestFirst(), !ringPEMs.isEmpty {
            // Rotated keys: the newest signs, all verify.
            pems = ringPEMs
        } else if keyFiles.isEmpty {
            let path = dataDirectory.appendingPathComponent("jwt-dev-key.pem")
            if let pem = try? String(contentsOf: path, encoding: .utf8) {
                pems.append(pem)
            } else {
                let pem = try generatePrivateKeyPEM()
                try FileManager.default.createDirectory(at: dataDirectory, withIntermediateDirectories: true)
                guard
                    FileManager.default.createFile(
                        atPath: path.path, contents: Data(pem.utf8), attributes: [.posixPermissions: 0o600])
                else { throw ConfigurationError("cannot write the development JWT key to \(path.path)") }
                logger.notice("generated development JWT key", metadata: ["file": "\(path.path)"])
                pems.append(pem)
            }
        } else {
            for file in keyFiles {
                do {
                    pems.append(try String(contentsOfFile: file, encoding: .utf8))
                } catch {
                    throw ConfigurationError("cannot read JWT key file \(file): \(error.localizedDescription)")
                }
            }
        }
        return try await TokenService(privateKeyPEMs: pems, issuer: issuer, accessTokenLifetime: accessTokenLifetime)
    }

    /// A new 2048-bit RSA private key in PEM form.
    public static func generatePrivateKeyPEM() throws -> String {
        try _RSA.Signing.PrivateKey(keySize: .bits2048).pemRepresentation
    }

    init(privateKeyPEMs: [String], issuer: String, accessTokenLifetime: TimeInterval) async throws {
        let keys = JWTKeyCollection()
        var jwks: [PublicJWK] = []
        var first: JWKIdentifier?
        for pem in privateKeyPEMs {
            let key = try KeyRing.privateKey(pem: pem)
            let primitives = try key.publicKey.getKeyPrimitives()
            let kidText = KeyRing.kid(modulus: primitives.modulus, exponent: primitives.publicExponent)
            let kid = JWKIdentifier(string: kidText)
            await keys.add(rsa: key, digestAlgorithm: .sha256, kid: kid)
            first = first ?? kid
            jwks.append(
                PublicJWK(
                    kty: "RSA", use: "sig", alg: "RS256", kid: kidText,
                    n: primitives.modulus.base64URLEncodedString(), e: primitives.publicExponent.base64URLEncodedString()
                ))
        }
        guard let first else { throw ConfigurationError("no JWT signing key") }
        self.keys = keys
        self.signingKID = first
        self.issuer = issuer
        self.accessTokenLifetime = accessTokenLifetime
        self.publicKeys = jwks
    }

    /// The key id new tokens are signed with.
    public var signingKeyID: String { signingKID.string }

    /// A signed access token for `user` in session `sessionID`.
    func accessToken(userID: UUID, role: Role, sessionID: UUID, now: Date = Date()) async throws -> String {
        // Whole seconds: NumericDate claims are integers to most verifiers.
        let now = Date(timeIntervalSince1970: now.timeIntervalSince1970.rounded(.down))
        let claims = AccessClaims(
            sub: .init(value: userID.uuidString.lowercased()), role: role.rawValue,
            sid: sessionID.uuidString.lowercased(), jti: .init(value: UUID().uuidString.lowercased()),
            iss: .init(value: issuer), iat: .init(value: now), exp: .init(value: now + accessTokenLifetime)
        )
        return try await keys.sign(claims, kid: signingKID)
    }

    /// The verified claims of `token`; 401 (`TOKEN_EXPIRED` or `INVALID_TOKEN`) for anything else.
    func verify(_ token: String) async throws -> AccessClaims {
        // The key is chosen by the token's `kid`, and only among ours: a token without one, or naming a key we
        // do not hold, is refused before any signature check.
        guard let kid = Self.kid(of: token), publicKeys.contains(where: { $0.kid == kid }) else {
            throw AppError.unauthorized("Invalid access token", code: ErrorCode.invalidToken)
        }
        let claims: AccessClaims
        do {
            claims = try await keys.verify(token, as: AccessClaims.self)
        } catch is AccessClaims.Expired {
            throw AppError.unauthorized("Access token expired", code: ErrorCode.tokenExpired)
        } catch {
            throw AppError.unauthorized("Invalid access token", code: ErrorCode.invalidToken)
        }
        guard claims.iss.value == issuer else {
            throw AppError.unauthorized("Invalid access token", code: ErrorCode.invalidToken)
        }
        return claims
    }

    /// The `kid` of a compact JWS's header, when it has one.
    static func kid(of token: String) -> String? {
        guard let header = token.split(separator: ".", maxSplits: 1, omittingEmptySubsequences: false).first, header.utf8.count <= 2048 else {
            return nil
        }
        var base64 = header.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while base64.utf8.count % 4 != 0 { base64 += "=" }
        struct Header: Decodable { var kid: String? }
        guard let data = Data(base64Encoded: base64) else { return nil }
        return (try? JSONDecoder().decode(Header.self, from: data))?.kid
    }

    /// A new opaque refresh token (256 random bits, base64url) and the hash that is stored.
    static func newRefreshToken() -> (token: String, hash: String) {
        let bytes = SymmetricKey(size: .bits256).withUnsafeBytes { Data($0) }
        let token = bytes.base64URLEncodedString()
        return (token, hashRefreshToken(token))
    }

    static func hashRefreshToken(_ token: String) -> String {
        Hex.sha256(token)
    }
}

/// A configuration problem found at start-up.
public struct ConfigurationError: Error, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}

extension Data {
    func base64URLEncodedString() -> String {
        base64EncodedString()
            .replacingOccurrences(of: "+", with: "-")
            .replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }
}
