import Foundation
import HTTPTypes
import Models
import Server
import Testing

/// Checks every response the server suites see against the OpenAPI document: the status must be documented
/// for its operation, and a JSON body must match the documented schema (types, required properties, enums,
/// items, `allOf`/`oneOf`/`anyOf`, `$ref`, `nullable`). Schemathesis does the same from outside with generated
/// requests; this covers the requests the suites make on purpose (conflicts, merges, decided items, …).
/// A validator of our own over `JSONValue`: OpenAPIKit (on the machine's list) models documents but validates
/// no instances, so it would add a build and still leave this to write.
enum ResponseContract {
    struct Operation: Sendable {
        var components: [String]
        var responses: [String: JSONValue]
    }

    static let document: [String: JSONValue] = {
        guard let data = try? OpenAPIDocument.data(), case .object(let object)? = try? JSONDecoder().decode(JSONValue.self, from: data) else {
            return [:]
        }
        return object
    }()

    static let operations: [String: [Operation]] = {
        var result: [String: [Operation]] = [:]
        guard case .object(let paths)? = document["paths"] else { return result }
        for (path, item) in paths {
            guard case .object(let methods) = item else { continue }
            for (method, operation) in methods {
                guard case .object(let fields) = operation, case .object(let responses)? = fields["responses"] else { continue }
                result[method.uppercased(), default: []].append(
                    Operation(components: path.split(separator: "/").map(String.init), responses: responses))
            }
        }
        return result
    }()

    /// The operation a request path resolves to, literal components preferred (as the router does).
    static func operation(_ method: String, _ path: String) -> Operation? {
        let parts = path.split(separator: "?", maxSplits: 1).first.map { $0.split(separator: "/").map(String.init) } ?? []
        let candidates = (operations[method] ?? []).filter { operation in
            operation.components.count == parts.count
                && zip(operation.components, parts).allSatisfy { $0.hasPrefix("{") || $0 == $1.removingPercentEncoding ?? $1 }
        }
        return candidates.max { lhs, rhs in
            lhs.components.filter { !$0.hasPrefix("{") }.count < rhs.components.filter { !$0.hasPrefix("{") }.count
        }
    }

    /// Problems with `status` and `body` for `method path`; empty when the response is as documented (or the
    /// route is not in the document: 404s and 405s for unknown routes).
    static func problems(method: String, path: String, status: Int, headers: HTTPFields, body: Data) -> [String] {
        guard let operation = operation(method, path) else { return [] }
        guard let response = operation.responses[String(status)] ?? operation.responses["default"] else {
            return ["\(method) \(path): status \(status) is not documented (documented: \(operation.responses.keys.sorted()))"]
        }
        guard headers[.contentType]?.hasPrefix("application/json") == true, !body.isEmpty else { return [] }
        guard let value = try? JSONDecoder().decode(JSONValue.self, from: body) else {
            return ["\(method) \(path) \(status): the body is not JSON"]
        }
        let resolved = resolve(response)
        guard case .object(let fields) = resolved, case .object(let content)? = fields["content"],
            case .object(let json)? = content["application/json"], let schema = json["schema"]
        else { return [] }
        var found: [String] = []
        validate(value, against: schema, at: "$", into: &found)
        return found.prefix(5).map { "\(method) \(path) \(status): \($0)" }
    }

    static func resolve(_ value: JSONValue) -> JSONValue {
        guard case .object(let fields) = value, case .string(let reference)? = fields["$ref"] else { return value }
        var current: JSONValue = .object(document)
        for part in reference.dropFirst(2).split(separator: "/") {
            guard case .object(let object) = current, let next = object[String(part)] else { return .object([:]) }
            current = next
        }
        return resolve(current)
    }

    static func validate(_ value: JSONValue, against raw: JSONValue, at path: String, into problems: inout [String]) {
        guard case .object(let schema) = resolve(raw) else { return }
        if value == .null {
            if schema["nullable"] == .bool(true) || schema.isEmpty || schema["type"] == nil && schema["allOf"] == nil { return }
            problems.append("\(path) is null, which the schema does not allow")
            return
        }
        if case .array(let parts)? = schema["allOf"] {
            for part in parts { validate(value, against: part, at: path, into: &problems) }
        }
        for key in ["oneOf", "anyOf"] {
            if case .array(let options)? = schema[key] {
                let fits = options.contains { option in
                    var scratch: [String] = []
                    validate(value, against: option, at: path, into: &scratch)
                    return scratch.isEmpty
                }
                if !fits { problems.append("\(path) matches none of \(key)") }
            }
        }
        if case .array(let allowed)? = schema["enum"], !allowed.contains(value) {
            problems.append("\(path) is \(value), not one of \(allowed)")
        }
        guard case .string(let type)? = schema["type"] else { return }
        switch (type, value) {
        case ("object", .object(let object)):
            if case .array(let required)? = schema["required"] {
                for case .string(let name) in required where object[name] == nil {
                    problems.append("\(path) lacks required '\(name)'")
                }
            }
            let properties: [String: JSONValue] = if case .object(let p)? = schema["properties"] { p } else { [:] }
            for (name, item) in object {
                if let property = properties[name] {
                    validate(item, against: property, at: "\(path).\(name)", into: &problems)
                } else if schema["additionalProperties"] == .bool(false) {
                    problems.append("\(path) has '\(name)', which the schema does not list")
                } else if case .object(let additional)? = schema["additionalProperties"] {
                    validate(item, against: .object(additional), at: "\(path).\(name)", into: &problems)
                }
            }
        case ("array", .array(let items)):
            if let itemSchema = schema["items"] {
                for (index, item) in items.enumerated() { validate(item, against: itemSchema, at: "\(path)[\(index)]", into: &problems) }
            }
        case ("string", .string), ("boolean", .bool), ("number", .number):
            break
        case ("integer", .number(let number)):
            if number.rounded() != number { problems.append("\(path) is \(number), not an integer") }
        default:
            problems.append("\(path) is \(value), not \(type)")
        }
    }
}
