import Foundation

/// A small, strict JSON reader (RFC 8259) that builds `RawValue`s straight from the bytes.
///
/// Foundation's `JSONSerialization` plus the conversion from `NSNumber` cost ~40 ms for a 300 KB upload on
/// this machine; this reader does the same job in a few milliseconds, tells booleans from numbers without
/// bridging, reports the line and column of a syntax error, and limits nesting so hostile input cannot
/// exhaust the stack.
struct JSONReader {
    struct SyntaxError: Error, Equatable {
        var message: String
        var line: Int
        var column: Int
    }

    static let maxDepth = 256

    private let bytes: UnsafeBufferPointer<UInt8>
    private var index = 0
    private let strings = StringTable()
    /// Fields and items of the objects and arrays being read, innermost last; each container is copied out
    /// once, at its exact size, when it closes (growing each small array from empty cost several copies).
    private let pendingFields = MoveStack<RawField>()
    private let pendingItems = MoveStack<RawValue>()

    private init(bytes: UnsafeBufferPointer<UInt8>) { self.bytes = bytes }

    static func parse(_ data: Data) throws -> RawValue {
        try data.withUnsafeBytes { raw in
            var reader = JSONReader(bytes: raw.bindMemory(to: UInt8.self))
            // Skip a UTF-8 byte-order mark.
            if reader.bytes.count >= 3, reader.bytes[0] == 0xEF, reader.bytes[1] == 0xBB, reader.bytes[2] == 0xBF { reader.index = 3 }
            reader.skipWhitespace()
            let value = try reader.value(depth: 0)
            reader.skipWhitespace()
            guard reader.index == reader.bytes.count else { throw reader.error("unexpected text after the JSON value") }
            return value
        }
    }

    private func error(_ message: String) -> SyntaxError {
        var line = 1
        var column = 1
        for position in 0..<min(index, bytes.count) {
            if bytes[position] == 0x0A {
                line += 1
                column = 1
            } else {
                column += 1
            }
        }
        return SyntaxError(message: message, line: line, column: column)
    }

    private mutating func skipWhitespace() {
        while index < bytes.count {
            switch bytes[index] {
            case 0x20, 0x0A, 0x0D, 0x09: index += 1
            default: return
            }
        }
    }

    private mutating func value(depth: Int) throws -> RawValue {
        guard depth < Self.maxDepth else { throw error("nesting is deeper than \(Self.maxDepth) levels") }
        guard index < bytes.count else { throw error("unexpected end of input") }
        switch bytes[index] {
        case UInt8(ascii: "{"): return try object(depth: depth)
        case UInt8(ascii: "["): return try array(depth: depth)
        case UInt8(ascii: "\""): return .string(try string())
        case UInt8(ascii: "t"): try literal("true"); return .bool(true)
        case UInt8(ascii: "f"): try literal("false"); return .bool(false)
        case UInt8(ascii: "n"): try literal("null"); return .null
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return .number(try number())
        default: throw error("unexpected character")
        }
    }

    private mutating func literal(_ word: StaticString) throws {
        let count = word.utf8CodeUnitCount
        guard index + count <= bytes.count else { throw error("unexpected end of input") }
        for offset in 0..<count where bytes[index + offset] != word.utf8Start[offset] {
            throw error("invalid literal")
        }
        index += count
    }

    private mutating func object(depth: Int) throws -> RawValue {
        index += 1
        skipWhitespace()
        if index < bytes.count, bytes[index] == UInt8(ascii: "}") {
            index += 1
            return .object(RawObject())
        }
        let base = pendingFields.count
        defer { pendingFields.drop(from: base) }
        while true {
            skipWhitespace()
            guard index < bytes.count, bytes[index] == UInt8(ascii: "\"") else { throw error("expected a quoted key") }
            let key = try string()
            skipWhitespace()
            guard index < bytes.count, bytes[index] == UInt8(ascii: ":") else { throw error("expected ':' after a key") }
            index += 1
            skipWhitespace()
            let field = try value(depth: depth + 1)
            pendingFields.append(RawField(key: key, value: field))
            skipWhitespace()
            guard index < bytes.count else { throw error("unexpected end of input in an object") }
            if bytes[index] == UInt8(ascii: ",") {
                index += 1
            } else if bytes[index] == UInt8(ascii: "}") {
                index += 1
                return .object(RawObject(entries: pendingFields.take(from: base)))
            } else {
                throw error("expected ',' or '}' in an object")
            }
        }
    }

    private mutating func array(depth: Int) throws -> RawValue {
        index += 1
        skipWhitespace()
        if index < bytes.count, bytes[index] == UInt8(ascii: "]") {
            index += 1
            return .array([])
        }
        let base = pendingItems.count
        defer { pendingItems.drop(from: base) }
        while true {
            skipWhitespace()
            let item = try value(depth: depth + 1)
            pendingItems.append(item)
            skipWhitespace()
            guard index < bytes.count else { throw error("unexpected end of input in an array") }
            if bytes[index] == UInt8(ascii: ",") {
                index += 1
            } else if bytes[index] == UInt8(ascii: "]") {
                index += 1
                return .array(pendingItems.take(from: base))
            } else {
                throw error("expected ',' or ']' in an array")
            }
        }
    }

    private mutating func string() throws -> String {
        index += 1  // opening quote
        let start = index
        // Fast path: no escapes. A local position keeps the loop in registers; eight bytes at a time are checked
        // for a quote, a backslash or a control character before the byte loop finds which.
        var position = index
        let end = bytes.count
        let base = UnsafeRawPointer(bytes.baseAddress!)
        while position + 8 <= end {
            let word = base.loadUnaligned(fromByteOffset: position, as: UInt64.self)
            let ones: UInt64 = 0x0101_0101_0101_0101
            let highs: UInt64 = 0x8080_8080_8080_8080
            let quote = word ^ (ones &* 0x22)
            let backslash = word ^ (ones &* 0x5C)
            let found = ((quote &- ones) & ~quote) | ((backslash &- ones) & ~backslash) | ((word &- ones &* 0x20) & ~word)
            if found & highs != 0 { break }
            position += 8
        }
        while position < end {
            let byte = bytes[position]
            if byte == UInt8(ascii: "\"") {
                let slice = UnsafeBufferPointer(rebasing: bytes[start..<position])
                index = position + 1
                return strings.string(slice, canOverread: start + 16 <= end)
            }
            if byte == UInt8(ascii: "\\") || byte < 0x20 { break }
            position += 1
        }
        index = position
        if index < end, bytes[index] < 0x20 { throw error("control character in a string") }
        var buffer = [UInt8](UnsafeBufferPointer(rebasing: bytes[start..<index]))
        while index < bytes.count {
            let byte = bytes[index]
            switch byte {
            case UInt8(ascii: "\""):
                index += 1
                return String(decoding: buffer, as: UTF8.self)
            case UInt8(ascii: "\\"):
                index += 1
                guard index < bytes.count else { throw error("unexpected end of input in a string") }
                let escaped = bytes[index]
                index += 1
                switch escaped {
                case UInt8(ascii: "\""): buffer.append(0x22)
                case UInt8(ascii: "\\"): buffer.append(0x5C)
                case UInt8(ascii: "/"): buffer.append(0x2F)
                case UInt8(ascii: "b"): buffer.append(0x08)
                case UInt8(ascii: "f"): buffer.append(0x0C)
                case UInt8(ascii: "n"): buffer.append(0x0A)
                case UInt8(ascii: "r"): buffer.append(0x0D)
                case UInt8(ascii: "t"): buffer.append(0x09)
                case UInt8(ascii: "u"):
                    var scalar = try hex4()
                    if (0xD800...0xDBFF).contains(scalar) {
                        // A surrogate pair: the low half must follow.
                        guard index + 1 < bytes.count, bytes[index] == UInt8(ascii: "\\"), bytes[index + 1] == UInt8(ascii: "u") else {
                            throw error("unpaired surrogate in a \\u escape")
                        }
                        index += 2
                        let low = try hex4()
                        guard (0xDC00...0xDFFF).contains(low) else { throw error("invalid surrogate pair") }
                        scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                    } else if (0xDC00...0xDFFF).contains(scalar) {
                        throw error("unpaired surrogate in a \\u escape")
                    }
                    guard let unicode = Unicode.Scalar(scalar) else { throw error("invalid \\u escape") }
                    buffer.append(contentsOf: Array(String(Character(unicode)).utf8))
                default:
                    throw error("invalid escape sequence")
                }
            default:
                if byte < 0x20 { throw error("control character in a string") }
                buffer.append(byte)
                index += 1
            }
        }
        throw error("unterminated string")
    }

    private mutating func hex4() throws -> UInt32 {
        guard index + 4 <= bytes.count else { throw error("short \\u escape") }
        var value: UInt32 = 0
        for _ in 0..<4 {
            let byte = bytes[index]
            let digit: UInt32
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = UInt32(byte - UInt8(ascii: "0"))
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = UInt32(byte - UInt8(ascii: "a") + 10)
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = UInt32(byte - UInt8(ascii: "A") + 10)
            default: throw error("invalid hex digit in a \\u escape")
            }
            value = value * 16 + digit
            index += 1
        }
        return value
    }

    private static let powersOfTen: [Double] = (0...22).map { pow(10, Double($0)) }

    private mutating func number() throws -> Double {
        let start = index
        var negative = false
        if bytes[index] == UInt8(ascii: "-") {
            negative = true
            index += 1
        }
        guard index < bytes.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[index]) else { throw error("invalid number") }
        var mantissa: UInt64 = 0
        var digits = 0
        if bytes[index] == UInt8(ascii: "0") {
            index += 1
        } else {
            while index < bytes.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[index]) {
                mantissa = mantissa &* 10 &+ UInt64(bytes[index] - UInt8(ascii: "0"))
                digits += 1
                index += 1
            }
        }
        var fractionDigits = 0
        if index < bytes.count, bytes[index] == UInt8(ascii: ".") {
            index += 1
            guard index < bytes.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[index]) else { throw error("invalid number") }
            while index < bytes.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[index]) {
                mantissa = mantissa &* 10 &+ UInt64(bytes[index] - UInt8(ascii: "0"))
                digits += 1
                fractionDigits += 1
                index += 1
            }
        }
        var hasExponent = false
        if index < bytes.count, bytes[index] == UInt8(ascii: "e") || bytes[index] == UInt8(ascii: "E") {
            hasExponent = true
            index += 1
            if index < bytes.count, bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-") { index += 1 }
            guard index < bytes.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[index]) else { throw error("invalid number") }
            while index < bytes.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[index]) { index += 1 }
        }
        // Exact fast path: up to 15 significant digits and no exponent (every amount and rate in practice).
        if !hasExponent, digits <= 15, fractionDigits <= 22 {
            let value = Double(mantissa) / Self.powersOfTen[fractionDigits]
            return negative ? -value : value
        }
        let text = String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<index]), as: UTF8.self)
        guard let value = Double(text) else { throw error("invalid number") }
        return value
    }
}

/// A stack of values under construction (the fields of the objects and arrays being read). Each container's
/// values are moved out into an exactly sized array when it closes: moving, unlike copying out of an `Array`,
/// retains and releases nothing.
final class MoveStack<Element> {
    private var storage: UnsafeMutablePointer<Element>
    private var capacity: Int
    private(set) var count = 0

    init(capacity: Int = 256) {
        self.capacity = capacity
        storage = .allocate(capacity: capacity)
    }

    deinit {
        storage.deinitialize(count: count)
        storage.deallocate()
    }

    func append(_ element: consuming Element) {
        if count == capacity {
            let larger = UnsafeMutablePointer<Element>.allocate(capacity: capacity * 2)
            larger.moveInitialize(from: storage, count: count)
            storage.deallocate()
            storage = larger
            capacity *= 2
        }
        (storage + count).initialize(to: element)
        count += 1
    }

    /// Moves the elements from `start` on into a new array.
    func take(from start: Int) -> [Element] {
        let taken = count - start
        let result = [Element](unsafeUninitializedCapacity: taken) { buffer, initialized in
            buffer.baseAddress!.moveInitialize(from: storage + start, count: taken)
            initialized = taken
        }
        count = start
        return result
    }

    /// Destroys the elements from `start` on (a container that failed to parse); nothing after `take`.
    func drop(from start: Int) {
        guard count > start else { return }
        (storage + start).deinitialize(count: count - start)
        count = start
    }
}

/// Reuses `String`s for repeated short texts (keys, account ids, categories, merchants, dates).
///
/// An upload repeats the same few dozen keys and values thousands of times; making a `String` for each costs a
/// UTF-8 check and, past 15 bytes, an allocation. The table is seeded with the field names the validator looks
/// up, so those keys are the very literals it compares against.
final class StringTable {
    private static let slotCount = 1024
    private static let maxLength = 48
    static let knownKeys: [String] = [
        "accounts", "transactions", "liabilities", "credit", "student", "mortgage", "account_id", "name", "official_name",
        "mask", "type", "subtype", "balances", "available", "current", "limit", "iso_currency_code",
        "unofficial_currency_code", "holder_category", "transaction_id", "date", "amount", "merchant_name",
        "merchant_entity_id", "payment_channel", "personal_finance_category", "primary", "detailed", "pending", "aprs",
        "apr_percentage", "apr_type", "minimum_payment_amount", "last_payment_amount", "last_payment_date",
        "last_statement_balance", "is_overdue", "next_payment_due_date", "interest_rate", "interest_rate_percentage",
        "percentage", "USD", "personal", "depository", "checking", "savings", "credit card", "online", "in store", "other",
    ]

    // Plain buffers rather than arrays: this is the reader's innermost loop, and arrays cost a bounds and a
    // uniqueness check per access.
    private let slots = UnsafeMutablePointer<String?>.allocate(capacity: slotCount)
    /// Texts of up to 15 bytes, kept with their bytes as two words so a hit costs two comparisons instead of
    /// building (and UTF-8 checking) a new `String`.
    private let shortWords = UnsafeMutablePointer<UInt64>.allocate(capacity: slotCount * 2)
    private let shortLengths = UnsafeMutablePointer<Int>.allocate(capacity: slotCount)
    private let shortStrings = UnsafeMutablePointer<String>.allocate(capacity: slotCount)

    deinit {
        slots.deinitialize(count: Self.slotCount)
        shortStrings.deinitialize(count: Self.slotCount)
        slots.deallocate()
        shortWords.deallocate()
        shortLengths.deallocate()
        shortStrings.deallocate()
    }

    init() {
        slots.initialize(repeating: nil, count: Self.slotCount)
        shortWords.initialize(repeating: 0, count: Self.slotCount * 2)
        shortLengths.initialize(repeating: -1, count: Self.slotCount)
        shortStrings.initialize(repeating: "", count: Self.slotCount)
        for key in Self.knownKeys {
            var scratch = key
            scratch.withUTF8 { bytes in
                if bytes.count > 15 {
                    slots[Self.slot(bytes)] = key
                } else {
                    let (low, high) = Self.words(bytes, canOverread: false)
                    let slot = Self.shortSlot(low, high, bytes.count)
                    shortWords[slot * 2] = low
                    shortWords[slot * 2 + 1] = high
                    shortLengths[slot] = bytes.count
                    shortStrings[slot] = key
                }
            }
        }
    }

    /// The (up to 15) bytes as two little-endian words, zero beyond the text. `canOverread`: 16 bytes from the
    /// start are readable memory (then two loads and masks replace the byte loop).
    @inline(__always)
    static func words(_ bytes: UnsafeBufferPointer<UInt8>, canOverread: Bool) -> (UInt64, UInt64) {
        let count = bytes.count
        guard count > 0 else { return (0, 0) }
        if canOverread {
            let raw = UnsafeRawPointer(bytes.baseAddress!)
            let low = raw.loadUnaligned(as: UInt64.self)
            let high = raw.loadUnaligned(fromByteOffset: 8, as: UInt64.self)
            let lowMask: UInt64 = count >= 8 ? ~0 : (1 << UInt64(count * 8)) &- 1
            let highMask: UInt64 = count <= 8 ? 0 : (count >= 16 ? ~0 : (1 << UInt64((count - 8) * 8)) &- 1)
            return (low & lowMask, high & highMask)
        }
        var low: UInt64 = 0
        var high: UInt64 = 0
        for index in 0..<count {
            if index < 8 { low |= UInt64(bytes[index]) << UInt64(index * 8) } else { high |= UInt64(bytes[index]) << UInt64((index - 8) * 8) }
        }
        return (low, high)
    }

    @inline(__always)
    private static func shortSlot(_ low: UInt64, _ high: UInt64, _ count: Int) -> Int {
        var hash = (low &* 0x9E37_79B9_7F4A_7C15) ^ (high &* 0xC2B2_AE3D_27D4_EB4F) ^ UInt64(count)
        hash ^= hash >> 31
        return Int(truncatingIfNeeded: hash) & (slotCount - 1)
    }

    /// A cheap hash of a 16–48 byte text: its length and three 8-byte words (a collision only costs a miss).
    @inline(__always)
    private static func slot(_ bytes: UnsafeBufferPointer<UInt8>) -> Int {
        let raw = UnsafeRawBufferPointer(bytes)
        let count = bytes.count
        let head = raw.loadUnaligned(fromByteOffset: 0, as: UInt64.self)
        let middle = raw.loadUnaligned(fromByteOffset: count / 2 - 4, as: UInt64.self)
        let tail = raw.loadUnaligned(fromByteOffset: count - 8, as: UInt64.self)
        var hash = (head &* 0x9E37_79B9_7F4A_7C15) ^ (middle &* 0xC2B2_AE3D_27D4_EB4F) ^ (tail &* 0x1656_67B1_9E37_79F9)
        hash ^= UInt64(count)
        hash ^= hash >> 29
        return Int(truncatingIfNeeded: hash) & (slotCount - 1)
    }

    /// The text of `bytes`, shared with an earlier equal text when there was one.
    @inline(__always)
    func string(_ bytes: UnsafeBufferPointer<UInt8>, canOverread: Bool) -> String {
        if bytes.count <= 15 {
            let (low, high) = Self.words(bytes, canOverread: canOverread)
            let slot = Self.shortSlot(low, high, bytes.count)
            if shortLengths[slot] == bytes.count, shortWords[slot * 2] == low, shortWords[slot * 2 + 1] == high {
                return shortStrings[slot]
            }
            let text = String(decoding: bytes, as: UTF8.self)
            shortWords[slot * 2] = low
            shortWords[slot * 2 + 1] = high
            shortLengths[slot] = bytes.count
            shortStrings[slot] = text
            return text
        }
        guard bytes.count <= Self.maxLength else { return String(decoding: bytes, as: UTF8.self) }
        let slot = Self.slot(bytes)
        if let candidate = slots[slot], candidate.utf8.count == bytes.count,
            candidate.utf8.withContiguousStorageIfAvailable({ memcmp($0.baseAddress!, bytes.baseAddress!, bytes.count) == 0 }) == true
        {
            return candidate
        }
        let text = String(decoding: bytes, as: UTF8.self)
        slots[slot] = text
        return text
    }
}

/// Hooks for the engine benchmark's per-stage timings.
@_spi(Benchmark) public enum ParserProbe {
    /// Reads JSON into raw values without validating; true when it was well formed.
    public static func readJSON(_ data: Data) -> Bool { (try? JSONReader.parse(data)) != nil }
}
