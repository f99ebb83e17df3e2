import Foundation
import Models

/// JSON stored in text columns, with the shared coders.
enum JSONColumn {
    static func encode<T: Encodable>(_ value: T) throws -> String {
        String(decoding: try JSONEncoder.spendSense.encode(value), as: UTF8.self)
    }

    static func decode<T: Decodable>(_ type: T.Type, _ text: String) throws -> T {
        do {
            return try JSONDecoder.spendSense.decode(T.self, from: Data(text.utf8))
        } catch {
            throw StorageError.corrupt("stored JSON is not a \(T.self): \(error)")
        }
    }
}
