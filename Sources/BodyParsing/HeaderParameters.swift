import Foundation

/// `value; name=token; name="quoted ; string"`: the value and its parameters (RFC 9110 §5.6.6, RFC 7578),
/// parameter names lower-cased. Quoted strings may hold `;` and `\"`.
public enum HeaderParameters {
    public static func parse(_ header: String) -> (value: String, parameters: [String: String]) {
        let bytes = Array(header.utf8)
        var index = 0
        func skipSpace() { while index < bytes.count, bytes[index] == 0x20 || bytes[index] == 0x09 { index += 1 } }
        func token(until stops: Set<UInt8>) -> String {
            let start = index
            while index < bytes.count, !stops.contains(bytes[index]) { index += 1 }
            return String(decoding: bytes[start..<index], as: UTF8.self).trimmingCharacters(in: .whitespaces)
        }
        let value = token(until: [0x3B])
        var parameters: [String: String] = [:]
        while index < bytes.count {
            index += 1  // the ';'
            skipSpace()
            let name = token(until: [0x3D, 0x3B]).lowercased()
            guard index < bytes.count, bytes[index] == 0x3D else { continue }
            index += 1  // the '='
            skipSpace()
            var text: String
            if index < bytes.count, bytes[index] == 0x22 {
                index += 1
                var raw: [UInt8] = []
                while index < bytes.count, bytes[index] != 0x22 {
                    if bytes[index] == 0x5C, index + 1 < bytes.count { index += 1 }
                    raw.append(bytes[index])
                    index += 1
                }
                if index < bytes.count { index += 1 }  // the closing quote
                text = String(decoding: raw, as: UTF8.self)
                _ = token(until: [0x3B])  // anything after the quote up to the next parameter
            } else {
                text = token(until: [0x3B])
            }
            if !name.isEmpty, parameters[name] == nil { parameters[name] = text }
        }
        return (value, parameters)
    }
}
