import Foundation

/// A parsed JSON document, for validating Data/ files with messages that name the field.
enum JSONValue: Sendable, Equatable, Decodable {
    case object([String: JSONValue], keys: [String])
    case array([JSONValue])
    case string(String)
    case number(Double)
    case bool(Bool)
    case null

    static func parse(_ text: String, file: String) throws(DataError) -> JSONValue {
        do {
            return try JSONDecoder().decode(JSONValue.self, from: Data(text.utf8))
        } catch let DecodingError.dataCorrupted(context) {
            let detail = (context.underlyingError as NSError?)?.userInfo[NSDebugDescriptionErrorKey] as? String
            throw DataError(file: file, field: nil, problem: "is not valid JSON" + (detail.map { " (\($0))" } ?? ""))
        } catch {
            throw DataError(file: file, field: nil, problem: "is not valid JSON")
        }
    }

    var typeName: String {
        switch self {
        case .object: "an object"
        case .array: "a list"
        case .string: "a string"
        case .number: "a number"
        case .bool: "true/false"
        case .null: "null"
        }
    }

    func object(file: String, field: String?) throws(DataError) -> JSONObject {
        guard case .object(let d, let keys) = self else {
            throw DataError(file: file, field: field, problem: "must be an object, found \(typeName)")
        }
        return JSONObject(values: d, keys: keys)
    }

    func array(file: String, field: String) throws(DataError) -> [JSONValue] {
        guard case .array(let a) = self else { throw DataError(file: file, field: field, problem: "must be a list, found \(typeName)") }
        return a
    }

    func string(file: String, field: String) throws(DataError) -> String {
        guard case .string(let s) = self else { throw DataError(file: file, field: field, problem: "must be a string, found \(typeName)") }
        return s
    }

    func number(file: String, field: String, in range: ClosedRange<Double>) throws(DataError) -> Double {
        guard case .number(let d) = self else { throw DataError(file: file, field: field, problem: "must be a number, found \(typeName)") }
        guard range.contains(d) else {
            throw DataError(file: file, field: field, problem: "must be between \(range.lowerBound) and \(range.upperBound), found \(d)")
        }
        return d
    }

    func int(file: String, field: String, in range: ClosedRange<Int>) throws(DataError) -> Int {
        guard case .number(let d) = self else { throw DataError(file: file, field: field, problem: "must be a whole number, found \(typeName)") }
        guard d.rounded() == d, let i = Int(exactly: d) else {
            throw DataError(file: file, field: field, problem: "must be a whole number, found \(d)")
        }
        guard range.contains(i) else {
            throw DataError(file: file, field: field, problem: "must be between \(range.lowerBound) and \(range.upperBound), found \(i)")
        }
        return i
    }
}

extension JSONValue {
    private struct Key: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }

    init(from decoder: any Decoder) throws {
        if let keyed = try? decoder.container(keyedBy: Key.self) {
            var out: [String: JSONValue] = [:]
            for k in keyed.allKeys { out[k.stringValue] = try keyed.decode(JSONValue.self, forKey: k) }
            self = .object(out, keys: out.keys.sorted())
        } else if var list = try? decoder.unkeyedContainer() {
            var out: [JSONValue] = []
            while !list.isAtEnd { out.append(try list.decode(JSONValue.self)) }
            self = .array(out)
        } else {
            let single = try decoder.singleValueContainer()
            if single.decodeNil() { self = .null }
            else if let b = try? single.decode(Bool.self) { self = .bool(b) }
            else if let d = try? single.decode(Double.self) { self = .number(d) }
            else { self = .string(try single.decode(String.self)) }
        }
    }
}

struct JSONObject {
    var values: [String: JSONValue]
    var keys: [String]
    subscript(key: String) -> JSONValue? { values[key] }

    /// Unknown keys are most often typos; say so rather than silently using a default.
    func rejectUnknown(_ known: [String], file: String, prefix: String) throws(DataError) {
        if let k = keys.first(where: { !known.contains($0) }) {
            throw DataError(file: file, field: prefix + k, problem: "is not a known field (known: \(known.joined(separator: ", ")))")
        }
    }
}
