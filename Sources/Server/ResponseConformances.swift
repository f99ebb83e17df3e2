import Hummingbird
import Models

// Wire types from Models are returned straight from handlers; they encode with the shared encoder.
extension AuthResponse: ResponseEncodable {}
extension LogoutAllResult: ResponseEncodable {}
extension MFAChallenge: ResponseEncodable {}
extension PhoneCodeSent: ResponseEncodable {}
extension OutboxMessage: ResponseEncodable {}
extension MFAStatus: ResponseEncodable {}
extension TOTPEnrollment: ResponseEncodable {}
extension OAuthProviders: ResponseEncodable {}
extension OAuthStart: ResponseEncodable {}
extension OAuthPending: ResponseEncodable {}
extension SignInMethods: ResponseEncodable {}
extension LinkResult: ResponseEncodable {}
extension Acknowledgement: ResponseEncodable {}
extension ServerSettings: ResponseEncodable {}
extension SessionInfo: ResponseEncodable {}
extension User: ResponseEncodable {}
extension HealthStatus: ResponseEncodable {}
extension AuditEntry: ResponseEncodable {}
extension Page: ResponseEncodable {}
extension Upload: ResponseEncodable {}
extension ConsentStatus: ResponseEncodable {}
extension ConsentRevokeResult: ResponseEncodable {}
extension Profile: ResponseEncodable {}
extension PersonaSummary: ResponseEncodable {}
extension SignalReport: ResponseEncodable {}
extension SpendingBreakdown: ResponseEncodable {}
extension Recommendation: ResponseEncodable {}
extension Feedback: ResponseEncodable {}
extension ReviewItem: ResponseEncodable {}
extension ReviewDetail: ResponseEncodable {}
extension BulkReviewResult: ResponseEncodable {}
extension AnalyticsReport: ResponseEncodable {}
extension CoverageAnalytics: ResponseEncodable {}
extension ExplainabilityAnalytics: ResponseEncodable {}
extension PerformanceAnalytics: ResponseEncodable {}
extension EngagementAnalytics: ResponseEncodable {}
extension OperatorUserRow: ResponseEncodable {}
extension OperatorUserDetail: ResponseEncodable {}
extension Liabilities: ResponseEncodable {}
extension Account: ResponseEncodable {}
