import FoundationEssentials

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
            let value = try JSONDecoder().decode(JSONValue.self, from: Data(text.utf8))
            if let detail = JSONSyntax.firstError(in: Array(text.utf8)) {
                throw DataError(file: file, field: nil, problem: "is not valid JSON here (\(detail))")
            }
            return value
        } catch let e as DataError {
            throw e
        } catch {
            if let detail = JSONSyntax.firstError(in: Array(text.utf8)) {
                throw DataError(file: file, field: nil, problem: "is not valid JSON (\(detail))")
            }
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
        guard d.rounded() == d else { throw DataError(file: file, field: field, problem: "must be a whole number, found \(d)") }
        guard let i = Int(exactly: d), range.contains(i) else {
            // Whole, but far out of range (1e20): say the range, not "whole number".
            throw DataError(file: file, field: field, problem: "must be between \(range.lowerBound) and \(range.upperBound), found \(d)")
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

/// Finds where a document stops being JSON, for the error message (the decoder says only
/// that it is not valid), or a key that repeats in one object. It builds nothing.
enum JSONSyntax {
    static func firstError(in b: [UInt8]) -> String? {
        var i = 0
        func space() { while i < b.count, [0x20, 0x0A, 0x0D, 0x09].contains(b[i]) { i += 1 } }
        func at(_ c: Character) -> Bool { i < b.count && b[i] == c.asciiValue! }
        func location() -> String {
            let before = b[..<min(i, b.count)]
            let line = before.filter { $0 == 0x0A }.count + 1
            let column = before.count - (before.lastIndex(of: 0x0A).map { $0 + 1 } ?? 0) + 1
            return "line \(line), column \(column)"
        }
        func fail(_ expected: String) -> String {
            let found = i < b.count ? "'\(Character(Unicode.Scalar(b[i])))'" : "the end of the file"
            return "\(location()): expected \(expected), found \(found)"
        }
        func string() -> String? {
            i += 1
            while i < b.count, b[i] != 0x22 {
                if b[i] < 0x20 { return fail("the string to close") }
                i += b[i] == 0x5C ? 2 : 1
            }
            guard i < b.count else { return fail("a closing quote") }
            i += 1
            return nil
        }
        func value(_ depth: Int) -> String? {
            space()
            guard i < b.count, depth < 512 else { return fail("a value") }
            switch b[i] {
            case 0x7B, 0x5B:   // { [
                let object = b[i] == 0x7B
                i += 1
                space()
                if at(object ? "}" : "]") { i += 1; return nil }
                var keys: Set<ArraySlice<UInt8>> = []
                while true {
                    if object {
                        space()
                        guard at("\"") else { return fail("a quoted key") }
                        let keyStart = i
                        if let e = string() { return e }
                        // The same key twice: the decoder would keep one silently.
                        let key = b[(keyStart + 1)..<(i - 1)]
                        if !keys.insert(key).inserted {
                            i = keyStart
                            return "\(location()): key \"\(String(decoding: key, as: UTF8.self))\" appears twice in one object"
                        }
                        space()
                        guard at(":") else { return fail("':'") }
                        i += 1
                    }
                    if let e = value(depth + 1) { return e }
                    space()
                    if at(",") { i += 1; continue }
                    guard at(object ? "}" : "]") else { return fail(object ? "',' or '}'" : "',' or ']'") }
                    i += 1
                    return nil
                }
            case 0x22:
                return string()
            case 0x2D, 0x30...0x39:
                let start = i
                while i < b.count, "+-.eE0123456789".utf8.contains(b[i]) { i += 1 }
                guard Double(String(decoding: b[start..<i], as: UTF8.self)) != nil else { i = start; return fail("a number") }
                return nil
            default:
                for word in ["true", "false", "null"] where b[i...].starts(with: word.utf8) {
                    i += word.utf8.count
                    return nil
                }
                return fail("a value")
            }
        }
        if let e = value(0) { return e }
        space()
        return i < b.count ? fail("the end of the document") : nil
    }
}
