import Foundation
import HTTPTypes
import Hummingbird
import Logging
import Models
import Storage

/// Several ways into one account: link a provider or a phone number, unlink them (never the last way in), and
/// merge an account whose identity is being linked into the signed-in one.
extension AuthService {
    func requireIdentities() throws -> any IdentityRepository {
        guard let identities else { throw AppError(.serviceUnavailable, code: ErrorCode.serviceUnavailable, "Account linking is unavailable") }
        return identities
    }

    /// `GET /auth/methods`.
    func methods(of userID: UUID) async throws -> SignInMethods {
        guard let user = try await users.find(id: userID) else { throw AppError.unauthorized("Account not found", code: ErrorCode.invalidToken) }
        let linked = try await requireIdentities().list(userID: userID).compactMap { record in
            OAuthProviderID(rawValue: record.provider).map { LinkedIdentity(provider: $0, email: record.email, linkedAt: record.createdAt) }
        }
        let totp = try await mfa?.totp(userID: userID)?.isConfirmed ?? false
        return SignInMethods(
            email: user.user.email, password: user.user.email != nil && user.passwordHash != nil, phone: user.user.phoneNumber,
            oauth: linked, totpEnabled: totp)
    }

    /// `POST /auth/oauth/link`: with an identity token, links at once; otherwise starts a browser authorization
    /// whose result the console polls for.
    func linkOAuth(_ request: OAuthLinkRequest, identity: Identity, client: ClientInfo, context: AppRequestContext) async throws -> OAuthLinkAnswer {
        if let idToken = request.idToken {
            let provider = try requireOAuth().client(request.provider.rawValue)
            do {
                let providerIdentity = try await provider.verifyIDToken(idToken, nonce: nil)
                return .linked(try await link(providerIdentity, to: identity.user.id, context: context))
            } catch let failure as OAuthFailure {
                throw failure.error
            }
        }
        return .started(try await beginOAuth(request.provider.rawValue, purpose: .link, userID: identity.user.id, client: client))
    }

    /// Attaches `identity` to `user`. When another account holds it, that account is merged into `user` first.
    func link(_ identity: ProviderIdentity, to userID: UUID, context: AppRequestContext) async throws -> LinkResult {
        let identities = try requireIdentities()
        let provider = identity.provider.rawValue
        var merged: MergeReport?
        if let owner = try await identities.find(provider: provider, subject: identity.subject), owner.userID != userID {
            if let own = try await identities.list(userID: userID).first(where: { $0.provider == provider }), own.subject != identity.subject {
                throw AppError(
                    .conflict, code: ErrorCode.identityTaken,
                    "Your account already has a different \(identity.provider.displayName) identity; unlink it first")
            }
            merged = try await merge(owner.userID, into: userID, reason: "oauth:\(provider)", context: context)
        }
        do {
            try await identities.link(
                userID: userID, provider: provider, subject: identity.subject, email: identity.email.flatMap(EmailAddress.normalize), now: Date())
        } catch StorageError.conflict(let what) {
            throw AppError(
                .conflict, code: ErrorCode.identityTaken,
                what == "oauth_identities_user"
                    ? "Your account already has a different \(identity.provider.displayName) identity; unlink it first"
                    : "That \(identity.provider.displayName) identity was just linked elsewhere; try again")
        }
        await audit.record(
            AuditAction.identityLink, actor: userID, targetType: "provider", targetID: provider,
            details: merged.map { ["merged_user_id": .string($0.mergedUserID.uuidString.lowercased())] } ?? [:], context: context)
        return LinkResult(linked: "oauth:\(provider)", merged: merged, methods: try await methods(of: userID))
    }

    /// `POST /auth/phone/link`: a code sent by `/phone/request` proves the number; an account that signs in with
    /// it is merged into this one.
    func linkPhone(_ request: PhoneVerifyRequest, identity: Identity, context: AppRequestContext) async throws -> LinkResult {
        _ = try requireSMS()
        let phone = try await checkPhoneCode(request, context: context)
        var merged: MergeReport?
        if let owner = try await users.find(phone: phone), owner.id != identity.user.id {
            merged = try await merge(owner.id, into: identity.user.id, reason: "phone", context: context)
        }
        if try await users.find(id: identity.user.id)?.user.phoneNumber != phone {
            do {
                _ = try await users.update(id: identity.user.id, changes: UserChanges(phoneNumber: .some(phone)), now: Date())
            } catch StorageError.conflict {
                throw AppError(.conflict, code: ErrorCode.phoneTaken, "That number was just taken by another account; try again")
            }
        }
        await audit.record(
            AuditAction.phoneLink, actor: identity.user.id, targetType: "phone", targetID: PhoneNumber.masked(phone),
            details: merged.map { ["merged_user_id": .string($0.mergedUserID.uuidString.lowercased())] } ?? [:], context: context)
        return LinkResult(linked: "phone", merged: merged, methods: try await methods(of: identity.user.id))
    }

    /// `DELETE /auth/oauth/unlink/{provider}` and `DELETE /auth/phone/unlink`.
    func unlink(_ method: SignInMethodKind, identity: Identity, context: AppRequestContext) async throws -> SignInMethods {
        let label: String
        switch method {
        case .phone: label = "phone number"
        case .oauth(let provider): label = OAuthProviderID(rawValue: provider)?.displayName ?? provider
        }
        switch try await requireIdentities().remove(method, userID: identity.user.id, now: Date()) {
        case .missing:
            throw AppError.notFound("Your account has no \(label) to unlink")
        case .lastMethod:
            throw AppError(
                .conflict, code: ErrorCode.lastSignInMethod,
                "The \(label) is your only way to sign in; add a password, phone or another provider first")
        case .removed:
            let target: String
            switch method {
            case .phone: target = "phone"
            case .oauth(let provider): target = provider
            }
            await audit.record(AuditAction.identityUnlink, actor: identity.user.id, targetType: "sign_in_method", targetID: target, context: context)
            return try await methods(of: identity.user.id)
        }
    }

    /// Moves account `otherID` into `user` (one transaction in storage), audits it, and drops cached reads.
    func merge(_ otherID: UUID, into userID: UUID, reason: String, context: AppRequestContext) async throws -> MergeReport {
        guard let other = try await users.find(id: otherID) else { throw AppError.notFound("The other account is gone") }
        guard other.user.role == .user else {
            // Staff accounts carry roles and audit history of their own: an admin merges those by hand.
            throw AppError(.conflict, code: ErrorCode.mergeRefused, "That identity belongs to a staff account, which cannot be merged")
        }
        guard !other.user.isLocked else {
            throw AppError(.conflict, code: ErrorCode.mergeRefused, "That identity belongs to a locked account, which cannot be merged")
        }
        let counts = try await requireIdentities().merge(from: otherID, into: userID, now: Date())
        await cache?.invalidate(userID)
        await cache?.invalidate(otherID)
        var details: [String: JSONValue] = ["reason": .string(reason)]
        details["moved"] = .object(counts.moved.mapValues { .number(Double($0)) })
        details["skipped"] = .object(counts.skipped.mapValues { .number(Double($0)) })
        await audit.record(
            AuditAction.accountMerge, actor: userID, targetType: "user", targetID: otherID.uuidString.lowercased(), details: details,
            context: context)
        context.logger.notice("accounts merged", metadata: ["from": "\(otherID)", "into": "\(userID)"])
        return MergeReport(mergedUserID: otherID, moved: counts.moved, skipped: counts.skipped)
    }
}

/// `POST /auth/oauth/link`: linked now (identity token) or started (open the URL, then poll).
enum OAuthLinkAnswer: ResponseGenerator {
    case linked(LinkResult)
    case started(OAuthStart)

    func response(from request: Request, context: some RequestContext) throws -> Response {
        switch self {
        case .linked(let result): return try result.response(from: request, context: context)
        case .started(let start):
            var response = try start.response(from: request, context: context)
            response.status = .accepted
            return response
        }
    }
}
