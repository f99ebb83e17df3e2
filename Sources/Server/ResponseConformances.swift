import Hummingbird
import Models

// Wire types from Models are returned straight from handlers; they encode with the shared encoder.
extension AuthResponse: ResponseEncodable {}
extension User: ResponseEncodable {}
extension HealthStatus: ResponseEncodable {}
extension AuditEntry: ResponseEncodable {}
extension Page: ResponseEncodable {}
