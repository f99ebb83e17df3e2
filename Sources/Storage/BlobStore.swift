import Crypto
import Foundation

/// Where uploaded files live. Keys are opaque paths such as `uploads/<user>/<upload>`.
///
/// ```swift
/// let blobs: any BlobStore = try FileBlobStore(directory: dataDir.appendingPathComponent("blobs"), key: key)
/// try await blobs.put("uploads/u/1", data)
/// ```
public protocol BlobStore: Sendable {
    func put(_ key: String, _ data: Data) async throws
    func get(_ key: String) async throws -> Data
    /// Deletes the blob; false when it did not exist.
    @discardableResult
    func delete(_ key: String) async throws -> Bool
}

public enum BlobStoreError: Error, Equatable {
    case notFound(String)
    case corrupt(String)
    case invalidKey(String)
}

/// Files on local disk, each sealed with AES-256-GCM (a random nonce per file; the file is nonce ‖ ciphertext ‖ tag).
public struct FileBlobStore: BlobStore {
    let directory: URL
    let key: SymmetricKey

    public init(directory: URL, key: SymmetricKey) throws {
        self.directory = directory
        self.key = key
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
    }

    /// The key in `file` (base64, 32 bytes), created with mode 0600 when missing.
    public static func loadOrCreateKey(at file: URL) throws -> SymmetricKey {
        if let text = try? String(contentsOf: file, encoding: .utf8) {
            guard let data = Data(base64Encoded: text.trimmingCharacters(in: .whitespacesAndNewlines)), data.count == 32 else {
                throw BlobStoreError.corrupt("the blob key in \(file.path) is not 32 base64 bytes")
            }
            return SymmetricKey(data: data)
        }
        let key = SymmetricKey(size: .bits256)
        let text = key.withUnsafeBytes { Data($0) }.base64EncodedString()
        try FileManager.default.createDirectory(at: file.deletingLastPathComponent(), withIntermediateDirectories: true)
        guard FileManager.default.createFile(atPath: file.path, contents: Data(text.utf8), attributes: [.posixPermissions: 0o600]) else {
            throw BlobStoreError.corrupt("cannot write the blob key to \(file.path)")
        }
        return key
    }

    func url(_ key: String) throws -> URL {
        guard !key.isEmpty, !key.contains(".."), key.allSatisfy({ $0.isLetter || $0.isNumber || "-_/".contains($0) }) else {
            throw BlobStoreError.invalidKey(key)
        }
        return directory.appendingPathComponent(key)
    }

    public func put(_ key: String, _ data: Data) async throws {
        let target = try url(key)
        let sealed = try AES.GCM.seal(data, using: self.key)
        guard let combined = sealed.combined else { throw BlobStoreError.corrupt("sealing failed") }
        try FileManager.default.createDirectory(at: target.deletingLastPathComponent(), withIntermediateDirectories: true)
        try combined.write(to: target, options: .atomic)
    }

    public func get(_ key: String) async throws -> Data {
        let target = try url(key)
        guard let combined = try? Data(contentsOf: target) else { throw BlobStoreError.notFound(key) }
        do {
            return try AES.GCM.open(AES.GCM.SealedBox(combined: combined), using: self.key)
        } catch {
            throw BlobStoreError.corrupt("blob \(key) failed authentication")
        }
    }

    public func delete(_ key: String) async throws -> Bool {
        let target = try url(key)
        guard FileManager.default.fileExists(atPath: target.path) else { return false }
        try FileManager.default.removeItem(at: target)
        return true
    }
}
