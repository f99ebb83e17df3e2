import Foundation

/// The OAuth providers the server knows how to talk to.
public enum OAuthProviderID: String, Codable, Sendable, CaseIterable {
    case google, github, facebook, apple

    /// How people know the provider ("Sign in with …").
    public var displayName: String {
        switch self {
        case .google: "Google"
        case .github: "GitHub"
        case .facebook: "Facebook"
        case .apple: "Apple"
        }
    }
}

/// `GET /api/v1/auth/oauth/providers`: the providers configured on this server.
public struct OAuthProviders: Codable, Sendable, Equatable {
    public var providers: [OAuthProviderID]
    public init(providers: [OAuthProviderID]) { self.providers = providers }
}

/// Where to send the browser. `GET …/authorize?format=json` answers this instead of a redirect; the device
/// and link starts add the handle to poll with.
public struct OAuthStart: Codable, Sendable, Equatable {
    public var provider: OAuthProviderID
    public var authorizeURL: String
    public var expiresIn: Int
    /// For `POST …/device` and `POST /oauth/link`: what to send to `POST /api/v1/auth/oauth/poll`.
    public var pollHandle: String?
    /// Seconds to wait between polls.
    public var interval: Int?
    /// Device and link flows: a short address on this server that redirects to `authorize_url`, easy to type
    /// on a phone when the console runs over SSH.
    public var openURL: String?

    public init(
        provider: OAuthProviderID, authorizeURL: String, expiresIn: Int, pollHandle: String? = nil, interval: Int? = nil, openURL: String? = nil
    ) {
        self.openURL = openURL
        self.provider = provider
        self.authorizeURL = authorizeURL
        self.expiresIn = expiresIn
        self.pollHandle = pollHandle
        self.interval = interval
    }

    enum CodingKeys: String, CodingKey {
        case provider, interval
        case authorizeURL = "authorize_url"
        case expiresIn = "expires_in"
        case pollHandle = "poll_handle"
        case openURL = "open_url"
    }
}

/// `POST /api/v1/auth/oauth/poll`.
public struct OAuthPollRequest: Codable, Sendable, Equatable {
    public var pollHandle: String
    public init(pollHandle: String) { self.pollHandle = pollHandle }
    enum CodingKeys: String, CodingKey { case pollHandle = "poll_handle" }
}

/// `POST /api/v1/auth/oauth/poll` while the browser side has not finished (HTTP 202).
public struct OAuthPending: Codable, Sendable, Equatable {
    public var status: String
    public var interval: Int
    public var expiresIn: Int

    public init(interval: Int, expiresIn: Int) {
        self.status = "pending"
        self.interval = interval
        self.expiresIn = expiresIn
    }

    enum CodingKeys: String, CodingKey {
        case status, interval
        case expiresIn = "expires_in"
    }
}

/// `POST /api/v1/auth/oauth/{provider}/token`: sign in with an identity token a native app already holds
/// (Sign in with Apple, Google Identity Services).
public struct OAuthTokenRequest: Codable, Sendable, Equatable {
    public var idToken: String
    public init(idToken: String) { self.idToken = idToken }
    enum CodingKeys: String, CodingKey { case idToken = "id_token" }
}

/// `POST /api/v1/auth/oauth/link`: start linking a provider to the signed-in account (the answer is an
/// `OAuthStart` to open and poll), or link at once with an identity token.
public struct OAuthLinkRequest: Codable, Sendable, Equatable {
    public var provider: OAuthProviderID
    public var idToken: String?

    public init(provider: OAuthProviderID, idToken: String? = nil) {
        self.provider = provider
        self.idToken = idToken
    }

    enum CodingKeys: String, CodingKey {
        case provider
        case idToken = "id_token"
    }
}

/// A provider identity attached to an account.
public struct LinkedIdentity: Codable, Sendable, Equatable {
    public var provider: OAuthProviderID
    /// The email the provider reported, if any.
    public var email: String?
    public var linkedAt: Date

    public init(provider: OAuthProviderID, email: String?, linkedAt: Date) {
        self.provider = provider
        self.email = email
        self.linkedAt = linkedAt
    }

    enum CodingKeys: String, CodingKey {
        case provider, email
        case linkedAt = "linked_at"
    }
}

/// `GET /api/v1/auth/methods`: every way the caller can sign in.
public struct SignInMethods: Codable, Sendable, Equatable {
    public var email: String?
    /// Email and password sign-in is possible.
    public var password: Bool
    public var phone: String?
    public var oauth: [LinkedIdentity]
    public var totpEnabled: Bool

    public init(email: String?, password: Bool, phone: String?, oauth: [LinkedIdentity], totpEnabled: Bool) {
        self.email = email
        self.password = password
        self.phone = phone
        self.oauth = oauth
        self.totpEnabled = totpEnabled
    }

    /// Methods that can sign in on their own (the second factor does not count).
    public var count: Int { (password ? 1 : 0) + (phone == nil ? 0 : 1) + oauth.count }

    enum CodingKeys: String, CodingKey {
        case email, password, phone, oauth
        case totpEnabled = "totp_enabled"
    }
}

/// What moved when another account was merged into this one (linking an identity that account owned).
public struct MergeReport: Codable, Sendable, Equatable {
    public var mergedUserID: UUID
    /// Rows moved per kind: uploads, transactions, recommendations, persona_history, consent_history, …
    public var moved: [String: Int]
    /// Rows of the other account dropped because this account already had their counterpart.
    public var skipped: [String: Int]

    public init(mergedUserID: UUID, moved: [String: Int], skipped: [String: Int]) {
        self.mergedUserID = mergedUserID
        self.moved = moved
        self.skipped = skipped
    }

    enum CodingKeys: String, CodingKey {
        case moved, skipped
        case mergedUserID = "merged_user_id"
    }
}

/// The answer to a link: the account's methods now, and the merge when there was one.
public struct LinkResult: Codable, Sendable, Equatable {
    public var linked: String
    public var merged: MergeReport?
    public var methods: SignInMethods

    public init(linked: String, merged: MergeReport?, methods: SignInMethods) {
        self.linked = linked
        self.merged = merged
        self.methods = methods
    }
}

/// `POST /api/v1/auth/forgot-password`.
public struct ForgotPasswordRequest: Codable, Sendable, Equatable {
    public var email: String
    public init(email: String) { self.email = email }
}

/// `POST /api/v1/auth/reset-password`.
public struct ResetPasswordRequest: Codable, Sendable, Equatable {
    public var token: String
    public var password: String

    public init(token: String, password: String) {
        self.token = token
        self.password = password
    }
}

/// A plain acknowledgement (`forgot-password` answers the same whether or not the address is known).
public struct Acknowledgement: Codable, Sendable, Equatable {
    public var message: String
    public init(message: String) { self.message = message }
}

/// `GET|PUT /api/v1/operator/admin/settings`: server-wide settings an admin can change at run time.
public struct ServerSettings: Codable, Sendable, Equatable {
    /// Operators and admins must have an authenticator to use staff routes.
    public var mfaRequiredForStaff: Bool

    public init(mfaRequiredForStaff: Bool) { self.mfaRequiredForStaff = mfaRequiredForStaff }

    enum CodingKeys: String, CodingKey { case mfaRequiredForStaff = "mfa_required_for_staff" }
}
