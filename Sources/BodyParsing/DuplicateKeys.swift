import Foundation

/// Finds a key that appears twice in one object of a JSON document. Foundation's decoder keeps one of them
/// silently; a request that says two things at once is refused instead. A single linear pass over the bytes,
/// no allocation per value; a document it cannot follow (malformed, deeper than 512) is left to the decoder.
public enum DuplicateKeys {
    public static let maxDepth = 512

    /// The first repeated key and the path of its object (`$`, `$.a`, `$.items[2]`), or nil.
    public static func first(in data: Data) -> (key: String, path: String)? {
        data.withUnsafeBytes { raw -> (String, String)? in
            let bytes = raw.bindMemory(to: UInt8.self)
            var index = 0
            // One frame per open object or array: the keys seen so far (objects), and how to name it.
            var frames: [(isObject: Bool, keys: Set<String>, name: String, count: Int)] = []
            var pendingKey: String?
            var expectingKey = false
            func path() -> String { "$" + frames.dropFirst().map(\.name).joined() }
            func readString() -> String? {
                // bytes[index] is the opening quote.
                let start = index + 1
                var cursor = start
                var escaped = false
                while cursor < bytes.count, bytes[cursor] != 0x22 {
                    if bytes[cursor] == 0x5C {
                        escaped = true
                        cursor += 1
                    }
                    cursor += 1
                }
                guard cursor < bytes.count else { return nil }
                index = cursor + 1
                let slice = UnsafeBufferPointer(rebasing: bytes[start..<cursor])
                if !escaped { return String(decoding: slice, as: UTF8.self) }
                let quoted = Data([0x22]) + Data(slice) + Data([0x22])
                return try? JSONDecoder().decode(String.self, from: quoted)
            }
            while index < bytes.count {
                let byte = bytes[index]
                switch byte {
                case 0x7B, 0x5B:  // { [
                    guard frames.count < maxDepth else { return nil }
                    var name = ""
                    if let parent = frames.last {
                        name = parent.isObject ? ".\(pendingKey ?? "")" : "[\(parent.count)]"
                    }
                    frames.append((byte == 0x7B, [], name, 0))
                    expectingKey = byte == 0x7B
                    index += 1
                case 0x7D, 0x5D:  // } ]
                    guard !frames.isEmpty else { return nil }
                    frames.removeLast()
                    expectingKey = false
                    index += 1
                case 0x2C:  // ,
                    guard !frames.isEmpty else { return nil }
                    frames[frames.count - 1].count += 1
                    expectingKey = frames[frames.count - 1].isObject
                    index += 1
                case 0x22:  // "
                    guard let text = readString() else { return nil }
                    if expectingKey, !frames.isEmpty {
                        if !frames[frames.count - 1].keys.insert(text).inserted { return (text, path()) }
                        pendingKey = text
                        expectingKey = false
                    }
                default:
                    index += 1
                }
            }
            return nil
        }
    }
}
