import Crypto
import Foundation

/// Lower-case hex of bytes, and of a text's SHA-256 (stored token and code hashes, key ids, AWS signatures).
public enum Hex {
    private static let digits = Array("0123456789abcdef".utf8)

    public static func string(_ bytes: some Sequence<UInt8>) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(bytes.underestimatedCount * 2)
        for byte in bytes {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0x0F)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Hex of SHA-256 over the text's UTF-8.
    public static func sha256(_ text: String) -> String { string(SHA256.hash(data: Data(text.utf8))) }
}
