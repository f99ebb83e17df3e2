import Foundation

/// The saved sign-in: `~/.config/spendsense/credentials.json`, mode 0600.
struct SavedCredentials: Codable, Equatable {
    var server: String
    var email: String?
    var accessToken: String?
    var refreshToken: String?

    enum CodingKeys: String, CodingKey {
        case server, email
        case accessToken = "access_token"
        case refreshToken = "refresh_token"
    }
}

/// Reads and writes the credentials file; every write keeps the file private to its owner.
struct CredentialsStore: Sendable {
    let url: URL

    static func defaultURL() -> URL {
        let env = ProcessInfo.processInfo.environment
        let base =
            env["XDG_CONFIG_HOME"].map { URL(fileURLWithPath: $0) }
            ?? FileManager.default.homeDirectoryForCurrentUser.appendingPathComponent(".config")
        return base.appendingPathComponent("spendsense").appendingPathComponent("credentials.json")
    }

    func load() -> SavedCredentials? {
        guard let data = try? Data(contentsOf: url) else { return nil }
        return try? JSONDecoder().decode(SavedCredentials.self, from: data)
    }

    func save(_ credentials: SavedCredentials) {
        let directory = url.deletingLastPathComponent()
        try? FileManager.default.createDirectory(
            at: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        guard let data = try? JSONEncoder().encode(credentials) else { return }
        // Write to a private temp file, then rename: the token is never world-readable, even briefly.
        let temp = directory.appendingPathComponent(".credentials.\(ProcessInfo.processInfo.processIdentifier).tmp")
        guard FileManager.default.createFile(atPath: temp.path, contents: data, attributes: [.posixPermissions: 0o600])
        else { return }
        // rename(2) replaces the old file atomically. (Foundation's replaceItemAt failed silently on Linux once the
        // file existed, so a second sign-in kept the first account's tokens.)
        if rename(temp.path, url.path) != 0 { try? FileManager.default.removeItem(at: temp) }
        try? FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: url.path)
    }

    func clearTokens() {
        guard var saved = load() else { return }
        saved.accessToken = nil
        saved.refreshToken = nil
        save(saved)
    }
}
