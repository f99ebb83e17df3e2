import BodyParsing
import Engine
import Foundation
import HTTPTypes
import Hummingbird
import Models
import NIOFoundationEssentialsCompat
import Storage

/// `/api/v1/data`: upload Plaid-style data and follow its processing.
struct DataController {
    let dependencies: AppDependencies

    func addRoutes(to group: RouterGroup<AppRequestContext>) {
        group.post("upload", use: upload)
        group.get("upload/{upload_id}", use: show)
        group.get("uploads", use: list)
    }

    /// The body of a 400 for a file that failed validation: the stored upload and every problem.
    struct Rejected: Encodable {
        let upload: Upload
        let errors: [ValidationIssue]
        let truncated: Bool
    }

    @Sendable func upload(_ request: Request, context: AppRequestContext) async throws -> Response {
        let identity = try context.requireIdentity()
        let boundary: String
        do {
            boundary = try MultipartParser.boundary(fromContentType: request.headers[.contentType])
        } catch {
            throw AppError(.unsupportedMediaType, code: ErrorCode.unsupportedMediaType, "Send the file as multipart/form-data in a field named 'file'")
        }
        // Read as it arrives: a form with too many parts or an oversized part is refused at that byte.
        let parts: [MultipartPart]
        do {
            parts = try await MultipartForm.read(request.body, boundary: boundary, maxFileBytes: ServerConfiguration.maxBodyBytes)
        } catch let failure as MultipartFailure {
            throw Self.error(for: failure)
        }
        guard let file = parts.first(where: { $0.name == "file" }) else {
            throw AppError.validation("The form has no 'file' field", fields: ["file": "required"])
        }
        guard !file.body.isEmpty else { throw AppError.validation("The file is empty", fields: ["file": "empty"]) }

        // Operators may upload for a consenting user with a `user_id` field.
        var owner = identity.user.id
        if let field = parts.first(where: { $0.name == "user_id" }) {
            guard let target = UUID(uuidString: String(decoding: field.body, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)) else {
                throw AppError.validation("user_id is not a UUID", fields: ["user_id": "must be a UUID"])
            }
            if target != owner {
                guard identity.role >= .operator else { throw AppError.forbidden("Only operators may upload for another user") }
                try await dependencies.access.ensureCanRead(target, identity: identity, what: "upload", context: context)
                guard try await dependencies.users.find(id: target) != nil else { throw AppError.notFound("No user with id \(target)") }
                owner = target
            }
        }

        let idempotencyKey = request.headers[.init("Idempotency-Key")!]
        if let idempotencyKey, idempotencyKey.count > 128 {
            throw AppError.validation("Idempotency-Key must be at most 128 characters", fields: ["Idempotency-Key": "at most 128 characters"])
        }
        if let idempotencyKey, let earlier = try await dependencies.uploads.find(userID: owner, idempotencyKey: idempotencyKey) {
            return try respond(to: earlier, context: context)
        }

        let fileName = String((file.fileName ?? "upload").split(separator: "/").last ?? "upload").prefix(200)
        let format = UploadFormat.detect(file.body, fileName: String(fileName))
        let parsed = UploadParser.parse(file.body, format: format)
        let now = Date()
        let upload: Upload
        do {
            if parsed.isValid {
                let key = "uploads/\(owner.uuidString.lowercased())/\(UUID().uuidString.lowercased())"
                try await dependencies.blobs.put(key, file.body)
                do {
                    upload = try await dependencies.uploads.createAccepted(
                        userID: owner, fileName: String(fileName), fileSize: file.body.count, fileType: format.rawValue, blobKey: key,
                        idempotencyKey: idempotencyKey, now: now)
                } catch {
                    _ = try? await dependencies.blobs.delete(key)
                    throw error
                }
            } else {
                upload = try await dependencies.uploads.createRejected(
                    userID: owner, fileName: String(fileName), fileSize: file.body.count, fileType: format.rawValue, issues: parsed.issues,
                    idempotencyKey: idempotencyKey, now: now)
            }
        } catch StorageError.conflict {
            // A concurrent retry with the same Idempotency-Key won the race: answer with its result.
            guard let idempotencyKey, let earlier = try await dependencies.uploads.find(userID: owner, idempotencyKey: idempotencyKey) else { throw StorageError.conflict("upload") }
            return try respond(to: earlier, context: context)
        }
        await dependencies.audit.record(
            AuditAction.upload, outcome: parsed.isValid ? "accepted" : "rejected", actor: identity.user.id, targetType: "upload",
            targetID: upload.id.uuidString.lowercased(),
            details: ["user_id": .string(owner.uuidString.lowercased()), "bytes": .number(Double(file.body.count)), "issues": .number(Double(parsed.issues.count))],
            context: context)
        return try respond(to: upload, truncated: parsed.truncated, context: context)
    }

    /// The answer to a form that could not be read.
    static func error(for failure: MultipartFailure) -> AppError {
        switch failure {
        case .notMultipart, .missingBoundary:
            return AppError(.unsupportedMediaType, code: ErrorCode.unsupportedMediaType, "Send the file as multipart/form-data in a field named 'file'")
        case .malformed(let why):
            return AppError(.badRequest, code: ErrorCode.malformedMultipart, "The multipart body is malformed: \(why)")
        case .tooManyParts(let limit):
            return AppError(
                .badRequest, code: ErrorCode.tooManyParts, "The form has more than \(limit) parts", details: ["max_parts": .number(Double(limit))])
        case .partTooLarge(let name, let limit) where name == "file" || limit >= ServerConfiguration.maxBodyBytes:
            return AppError(.contentTooLarge, code: ErrorCode.payloadTooLarge, "The file is larger than 10 MB", details: ["max_bytes": .number(Double(limit))])
        case .partTooLarge(let name, let limit):
            return AppError(
                .badRequest, code: ErrorCode.validationFailed, "The form field '\(name)' is longer than \(limit) bytes",
                details: ["fields": .object([name: .string("at most \(limit) bytes")])])
        }
    }

    /// 201 with the upload, or 400 with every validation problem for a rejected one.
    private func respond(to upload: Upload, truncated: Bool = false, context: AppRequestContext) throws -> Response {
        if upload.status == .failed, !upload.validationErrors.isEmpty {
            let body = ErrorBody(
                code: ErrorCode.uploadInvalid, message: "The file has \(upload.validationErrors.count) problem\(upload.validationErrors.count == 1 ? "" : "s"); nothing was processed",
                details: [
                    "upload_id": .string(upload.id.uuidString), "truncated": .bool(truncated),
                    "errors": .array(upload.validationErrors.map { .object(["path": .string($0.path), "code": .string($0.code), "message": .string($0.message)]) }),
                ], requestID: context.requestID)
            return Response(
                status: .badRequest, headers: [.contentType: "application/json; charset=utf-8"],
                body: .init(byteBuffer: .init(data: try JSONEncoder.spendSense.encode(body))))
        }
        return Response(
            status: .created, headers: [.contentType: "application/json; charset=utf-8"],
            body: .init(byteBuffer: .init(data: try JSONEncoder.spendSense.encode(upload))))
    }

    @Sendable func show(_ request: Request, context: AppRequestContext) async throws -> Upload {
        let identity = try context.requireIdentity()
        let id = try context.parameters.uuid("upload_id")
        guard let upload = try await dependencies.uploads.find(id: id) else { throw AppError.notFound("No upload with id \(id)") }
        try await dependencies.access.ensureCanRead(upload.userID, identity: identity, what: "upload", context: context)
        return upload
    }

    @Sendable func list(_ request: Request, context: AppRequestContext) async throws -> Page<Upload> {
        let identity = try context.requireIdentity()
        let paging = try Paging(request)
        if let target = try request.uuidQuery("user_id"), target != identity.user.id {
            try await dependencies.access.ensureCanRead(target, identity: identity, what: "uploads", context: context)
            return try await dependencies.uploads.list(userIDs: [target], skip: paging.skip, limit: paging.limit)
        }
        if identity.role >= .operator, request.uri.queryParameters["user_id"] == nil {
            let consenting = try await dependencies.consents.consentingUsers()
            return try await dependencies.uploads.list(userIDs: consenting, skip: paging.skip, limit: paging.limit)
        }
        return try await dependencies.uploads.list(userIDs: [identity.user.id], skip: paging.skip, limit: paging.limit)
    }
}
