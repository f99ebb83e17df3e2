import Foundation
import HTTPTypes
import Hummingbird
import Logging
import Models
import Storage

/// Sign-in with a phone number and a code sent by SMS: 6 digits, 10 minutes, stored hashed, 3 attempts per
/// code; at most 5 texts an hour and 10 a day to one number.
extension AuthService {
    static let phoneCodeLifetime: TimeInterval = 600
    static let phoneCodeAttempts = 3

    func requireSMS() throws -> any SMSSender {
        guard let sms else { throw AppError(.notFound, code: ErrorCode.notFound, "Phone sign-in is not available on this server") }
        return sms
    }

    static func normalizedPhone(_ raw: String) throws -> String {
        guard let phone = PhoneNumber.normalize(raw) else {
            throw AppError.validation("phone must be an international number such as +15551234567", fields: ["phone": "E.164, with country code"])
        }
        return phone
    }

    static func codeHash(_ phone: String, _ code: String) -> String {
        Hex.sha256("\(phone):\(code)")
    }

    /// Sends a new code (a resend replaces the previous one).
    func requestPhoneCode(_ request: PhoneRequest, client: ClientInfo, context: AppRequestContext) async throws -> PhoneCodeSent {
        let sms = try requireSMS()
        let phone = try Self.normalizedPhone(request.phone)
        try await limiter.consume("sms-hour:\(phone)", limit: configuration.smsPerHour, window: 3600, message: "Too many codes sent to this number; try again later")
        try await limiter.consume("sms-day:\(phone)", limit: configuration.smsPerDay, window: 86_400, message: "Too many codes sent to this number today")
        var generator = SystemRandomNumberGenerator()
        let code = String(format: "%06d", Int(generator.next(upperBound: UInt32(1_000_000))))
        try await keyValue.set("phone-code:\(phone)", value: Self.codeHash(phone, code), ttl: Self.phoneCodeLifetime)
        try await keyValue.delete("phone-attempts:\(phone)")
        do {
            try await sms.send(to: phone, body: "Your SpendSense code is \(code). It expires in 10 minutes. Do not share it.")
        } catch {
            try? await keyValue.delete("phone-code:\(phone)")
            context.logger.error("sms send failed", metadata: ["error": "\(error)"])
            throw AppError(.serviceUnavailable, code: ErrorCode.serviceUnavailable, "The text message could not be sent; try again shortly")
        }
        context.logger.debug("phone code sent", metadata: ["phone": .string(PhoneNumber.masked(phone))])
        await audit.record(AuditAction.phoneCode, actor: nil, targetType: "phone", targetID: PhoneNumber.masked(phone), context: context)
        return PhoneCodeSent(phone: phone, expiresIn: Int(saturating: Self.phoneCodeLifetime))
    }

    /// Checks a code for a number and spends it; the normalized number. Three wrong codes spend it too.
    func checkPhoneCode(_ request: PhoneVerifyRequest, context: AppRequestContext) async throws -> String {
        let phone = try Self.normalizedPhone(request.phone)
        guard let stored = try await keyValue.get("phone-code:\(phone)") else {
            throw AppError.unauthorized("No valid code for this number; request a new one", code: ErrorCode.codeExpired)
        }
        let digits = request.code.filter(\.isNumber)
        guard digits.count == 6, Self.codeHash(phone, digits) == stored else {
            let attempts = try await keyValue.increment("phone-attempts:\(phone)", by: 1, ttl: Self.phoneCodeLifetime)
            await audit.record(AuditAction.phoneVerify, outcome: "failure", actor: nil, targetType: "phone", targetID: PhoneNumber.masked(phone), context: context)
            if attempts >= Self.phoneCodeAttempts {
                try await keyValue.delete("phone-code:\(phone)")
                throw AppError.unauthorized("Too many wrong codes; request a new one", code: ErrorCode.codeExpired)
            }
            throw AppError.unauthorized("That code is not right", code: ErrorCode.invalidCredentials)
        }
        // Taken, not just deleted: of two requests with the right code, one wins.
        guard try await keyValue.take("phone-code:\(phone)") != nil else {
            throw AppError.unauthorized("No valid code for this number; request a new one", code: ErrorCode.codeExpired)
        }
        return phone
    }

    /// Checks a code: tokens for the number's account, created on first use (`is_new_user`).
    func verifyPhoneCode(_ request: PhoneVerifyRequest, client: ClientInfo, context: AppRequestContext) async throws -> LoginOutcome {
        _ = try requireSMS()
        let phone = try await checkPhoneCode(request, context: context)
        var isNew = false
        var user = try await users.find(phone: phone)
        if user == nil {
            let created = try await users.create(email: nil, passwordHash: nil, role: .user, name: nil, now: Date())
            do {
                user = try await users.update(id: created.id, changes: UserChanges(phoneNumber: .some(phone)), now: Date())
                isNew = true
                await audit.record(AuditAction.register, actor: created.id, details: ["method": .string("phone")], context: context)
            } catch StorageError.conflict {
                // Another verification for the same number won the race: use its account.
                try await users.softDelete(id: created.id, now: Date())
                user = try await users.find(phone: phone)
            }
        }
        guard let user else { throw AppError.unauthorized("No account for this number", code: ErrorCode.invalidCredentials) }
        return try await completeSignIn(user, method: "phone", isNewUser: isNew, client: client, context: context)
    }
}

extension PhoneNumber {
    /// `+1555•••4567`: enough to recognise, not enough to call.
    public static func masked(_ phone: String) -> String {
        guard phone.count > 7 else { return "•••" }
        return String(phone.prefix(4)) + String(repeating: "•", count: phone.count - 8) + String(phone.suffix(4))
    }
}
