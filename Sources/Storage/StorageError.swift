import PostgresNIO
import SQLiteNIO

/// Failures the storage layer reports in its own terms, so the server never sees driver errors.
public enum StorageError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The database cannot be reached (down, pool exhausted, shut down).
    case unavailable(String)
    /// A uniqueness rule was broken; the payload names the constraint or column.
    case conflict(String)
    /// A row that must exist does not.
    case notFound
    /// Stored data could not be read back (schema drift, corrupt values).
    case corrupt(String)

    public var description: String {
        switch self {
        case .unavailable(let why): "database unavailable: \(why)"
        case .conflict(let what): "conflict on \(what)"
        case .notFound: "not found"
        case .corrupt(let why): "corrupt row: \(why)"
        }
    }

    /// True when `error` is a unique-constraint violation from either driver.
    static func isUniqueViolation(_ error: any Error) -> Bool {
        if let error = error as? SQLiteError {
            return error.reason == .constraintUniqueFailed || error.reason == .constraintPrimaryKeyFailed
                || (error.reason == .constraint && error.message.contains("UNIQUE"))
        }
        if let error = error as? PSQLError {
            return error.serverInfo?[.sqlState] == "23505"
        }
        return false
    }

    /// True when `error` means the connection itself failed (not the statement).
    static func isConnectionFailure(_ error: any Error) -> Bool {
        if error is StorageError { return false }
        if let error = error as? PSQLError {
            switch error.code {
            case .clientClosedConnection, .connectionError, .uncleanShutdown, .serverClosedConnection:
                return true
            default:
                return false
            }
        }
        return false
    }
}
