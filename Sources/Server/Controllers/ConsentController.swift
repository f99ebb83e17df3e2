import Foundation
import Hummingbird
import Models
import Storage

/// `/api/v1/consent`: grant, read and revoke consent to data processing.
struct ConsentController {
    let dependencies: AppDependencies

    func addRoutes(to group: RouterGroup<AppRequestContext>) {
        group.get(use: status)
        group.post(use: grant)
        group.delete(use: revoke)
    }

    @Sendable func status(_ request: Request, context: AppRequestContext) async throws -> ConsentStatus {
        try await dependencies.consents.status(userID: try context.requireIdentity().user.id)
    }

    @Sendable func grant(_ request: Request, context: AppRequestContext) async throws -> ConsentStatus {
        let identity = try context.requireIdentity()
        let body = try await request.decodeJSON(ConsentRequest.self, context: context)
        let version = body.consentVersion.trimmingCharacters(in: .whitespaces)
        var fields: [String: String] = [:]
        let allowed = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-")
        if version.isEmpty || version.count > 32 || !version.allSatisfy(allowed.contains) {
            fields["consent_version"] = "must be 1–32 letters, digits, dots, dashes or underscores (e.g. 2026-01)"
        }
        if !body.tosAccepted { fields["tos_accepted"] = "must be true to grant consent" }
        guard fields.isEmpty else { throw AppError.validation("Consent needs a version and accepted terms", fields: fields) }
        let status = try await dependencies.consents.grant(userID: identity.user.id, version: version, now: Date())
        await dependencies.cache.invalidate(identity.user.id)
        await dependencies.audit.record(
            AuditAction.consentGrant, actor: identity.user.id, targetType: "user", targetID: identity.user.id.uuidString.lowercased(),
            details: ["consent_version": .string(version)], context: context)
        return status
    }

    @Sendable func revoke(_ request: Request, context: AppRequestContext) async throws -> ConsentRevokeResult {
        let identity = try context.requireIdentity()
        // The body is optional: no body means "revoke, keep my data".
        let buffer = try await request.body.collect(upTo: 4096)
        var deleteData = false
        if buffer.readableBytes > 0 {
            do {
                deleteData = try JSONDecoder.spendSense.decode(ConsentRevokeRequest.self, from: Data(buffer: buffer)).deleteData
            } catch let error as DecodingError {
                throw AppError(.badRequest, code: ErrorCode.invalidJSON, Request.describe(error), details: Request.details(error))
            }
        }
        let status = try await dependencies.consents.revoke(userID: identity.user.id, deleteData: deleteData, now: Date())
        var summary: DeletionSummary?
        if deleteData {
            let (deleted, keys) = try await dependencies.insights.deleteUserData(userID: identity.user.id)
            var removed = 0
            for key in keys where (try? await dependencies.blobs.delete(key)) == true { removed += 1 }
            var result = deleted
            result.blobs = removed
            summary = result
            await dependencies.audit.record(
                AuditAction.dataDelete, actor: identity.user.id, targetType: "user", targetID: identity.user.id.uuidString.lowercased(),
                details: ["uploads": .number(Double(result.uploads)), "transactions": .number(Double(result.transactions)),
                          "recommendations": .number(Double(result.recommendations)), "blobs": .number(Double(result.blobs))],
                context: context)
        }
        await dependencies.cache.invalidate(identity.user.id)
        await dependencies.audit.record(
            AuditAction.consentRevoke, actor: identity.user.id, targetType: "user", targetID: identity.user.id.uuidString.lowercased(),
            details: ["delete_data": .bool(deleteData)], context: context)
        return ConsentRevokeResult(consent: status, deleted: summary)
    }
}

import NIOFoundationEssentialsCompat
