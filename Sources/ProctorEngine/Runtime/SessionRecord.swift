import FoundationEssentials

/// What `session.json` holds: everything needed to run a lesson again — the seed, the class
/// size, the data files' checksums and every operator command, each at its exact virtual
/// time and after the exact number of events delivered before it.
///
/// ```
/// { "format": "proctor-session", "version": 1, "seed": 3, "students": 3, "speed": 16,
///   "data": { "questions.json": "…", "roster.json": "…", "scenario.json": "…" },
///   "faults": [],
///   "commands": [ { "at_us": 1700000, "name": "sync_clocks", "args": {}, "after": 0 }, … ] }
/// ```
public struct SessionRecord: Sendable, Equatable {
    public static let format = "proctor-session"
    public static let version = 1
    /// The name of the record in `--out`.
    public static let fileName = "session.json"

    public var seed: UInt64
    public var students: Int
    /// The live pace the lesson started at (virtual seconds per wall second).
    public var speed: Double
    /// SHA-256 (hex) of each data file, by name: see `ExamData.sha256`.
    public var data: [String: String]
    /// The faults the lesson ran with, as specs in the grammar's words (`FaultSpec.description`):
    /// the scenario's, `--fault`'s and `--chaos`'s, so a replay needs none of them again.
    public var faults: [String]
    public var commands: [Entry]

    /// One thing the operator did.
    public struct Entry: Sendable, Equatable {
        public var at: VirtualTime
        /// How many events had been delivered before it (`Simulation.eventCount`).
        public var after: Int
        public var action: Action

        public init(at: VirtualTime, after: Int, action: Action) {
            self.at = at
            self.after = after
            self.action = action
        }
    }

    public enum Action: Sendable, Equatable {
        case command(OperatorCommand)
        /// The operator left the lesson: a replay ends here.
        case quit

        /// The `name` in the record (the same as the log's `command` line).
        public var name: String {
            switch self {
            case .command(let c): c.logName
            case .quit: "quit"
            }
        }
    }

    public init(seed: UInt64, students: Int, speed: Double, data: [String: String], faults: [String] = [], commands: [Entry] = []) {
        self.seed = seed
        self.students = students
        self.speed = speed
        self.data = data
        self.faults = faults
        self.commands = commands
    }

    /// Whether the lesson ended with `quit`.
    public var isFinished: Bool { commands.last?.action == .quit }

    // MARK: Encoding

    /// The record as written to `session.json`: one command per line.
    public func encoded() -> [UInt8] {
        var s = "{\n"
        s += "  \"format\": \(Self.quoted(Self.format)),\n"
        s += "  \"version\": \(Self.version),\n"
        s += "  \"seed\": \(seed),\n"
        s += "  \"students\": \(students),\n"
        s += "  \"speed\": \(speed),\n"
        let names = ExamData.fileNames + data.keys.filter { !ExamData.fileNames.contains($0) }.sorted()
        let files = names.compactMap { n in data[n].map { "    \(Self.quoted(n)): \(Self.quoted($0))" } }
        s += "  \"data\": {\n" + files.joined(separator: ",\n") + "\n  },\n"
        s += "  \"faults\": [" + faults.map(Self.quoted).joined(separator: ", ") + "],\n"
        s += "  \"commands\": ["
        s += commands.isEmpty ? "" : "\n" + commands.map { "    " + Self.encode($0) }.joined(separator: ",\n") + "\n  "
        s += "]\n}\n"
        return Array(s.utf8)
    }

    static func encode(_ e: Entry) -> String {
        var args: [String] = []
        if case .command(let c) = e.action {
            switch c {
            case .toggleTakeover(let k), .submitExam(let k), .requestMarksheet(let k), .isaKey(let k, _), .demo(let k, _):
                args.append("\"student\": \(quoted(NodeID.student(k).description))")
            case .answer(let k, let choice):
                args.append("\"student\": \(quoted(NodeID.student(k).description))")
                args.append("\"choice\": \(choice)")
            case .inject(let spec):
                args.append("\"spec\": \(quoted(spec.description))")
            case .restart(let node):
                args.append("\"node\": \(quoted(node.description))")
            case .start, .nextPhase:
                break
            }
        }
        return "{\"at_us\": \(e.at.microseconds), \"name\": \(quoted(e.action.name)), \"args\": {\(args.joined(separator: ", "))}, \"after\": \(e.after)}"
    }

    static func quoted(_ s: String) -> String {
        var out = "\""
        for u in s.unicodeScalars {
            switch u {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where u.value < 0x20:
                let hex = String(u.value, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: out.unicodeScalars.append(u)
            }
        }
        return out + "\""
    }

    // MARK: Decoding

    /// Reads a record from `path`; the error names the file and, when one is at fault, the field.
    public static func load(path: String) throws(DataError) -> SessionRecord {
        let bytes: [UInt8]
        do {
            bytes = try FileSystem.read(path)
        } catch {
            throw DataError(file: path, field: nil, problem: "cannot be read (\(error.reason))")
        }
        return try decode(bytes, file: path)
    }

    /// Parses a record; `file` names it in errors.
    public static func decode(_ bytes: [UInt8], file: String) throws(DataError) -> SessionRecord {
        guard let text = String(validating: bytes, as: UTF8.self) else {
            throw DataError(file: file, field: nil, problem: "is not UTF-8 text")
        }
        let root = try JSONValue.parse(text, file: file).object(file: file, field: nil)
        func required(_ key: String) throws(DataError) -> JSONValue {
            guard let v = root[key] else { throw DataError(file: file, field: key, problem: "is missing") }
            return v
        }
        guard case .string(let format) = try required("format"), format == Self.format else {
            throw DataError(file: file, field: "format", problem: "must be \"\(Self.format)\": this is not a Proctor session record")
        }
        let version = try required("version").int(file: file, field: "version", in: 1...Int.max)
        guard version == Self.version else {
            throw DataError(file: file, field: "version", problem: "is \(version); this Proctor reads version \(Self.version)")
        }
        let seed = try Self.seed(try required("seed"), text: text, file: file)
        let students = try required("students").int(file: file, field: "students", in: 1...1000)
        let speed = try required("speed").number(file: file, field: "speed", in: 0.25...16)

        let dataObject = try required("data").object(file: file, field: "data")
        var data: [String: String] = [:]
        for name in ExamData.fileNames {
            guard let v = dataObject[name] else { throw DataError(file: file, field: "data.\(name)", problem: "is missing") }
            let hex = try v.string(file: file, field: "data.\(name)")
            guard hex.utf8.count == 64, hex.utf8.allSatisfy({ (0x30...0x39).contains($0) || (0x61...0x66).contains($0) }) else {
                throw DataError(file: file, field: "data.\(name)", problem: "must be a SHA-256 in 64 lowercase hex digits")
            }
            data[name] = hex
        }

        var faults: [String] = []
        for (i, f) in try required("faults").array(file: file, field: "faults").enumerated() {
            faults.append(try f.string(file: file, field: "faults[\(i)]"))
        }
        _ = try faultSpecs(faults, students: students, file: file)

        var commands: [Entry] = []
        for (i, item) in try required("commands").array(file: file, field: "commands").enumerated() {
            let field = "commands[\(i)]"
            let entry = try decodeEntry(item, students: students, file: file, field: field)
            if let last = commands.last {
                if last.action == .quit {
                    throw DataError(file: file, field: field, problem: "follows quit, which ends the lesson")
                }
                if entry.at < last.at || entry.after < last.after {
                    throw DataError(file: file, field: field, problem: "is earlier than the command before it (at_us and after never decrease)")
                }
            }
            commands.append(entry)
        }
        return SessionRecord(seed: seed, students: students, speed: speed, data: data, faults: faults, commands: commands)
    }

    /// The record's faults as specs, each checked against its class size; the error names
    /// `file` and the field (`faults[i]`).
    public func faultSpecs(file: String) throws(DataError) -> [FaultSpec] {
        try Self.faultSpecs(faults, students: students, file: file)
    }

    static func faultSpecs(_ texts: [String], students: Int, file: String) throws(DataError) -> [FaultSpec] {
        var specs: [FaultSpec] = []
        for (i, text) in texts.enumerated() {
            do {
                let spec = try FaultSpec.parse(text)
                try spec.validate(studentCount: students)
                specs.append(spec)
            } catch {
                throw DataError(file: file, field: "faults[\(i)]", problem: "\"\(text)\": \(error.problem)")
            }
        }
        return specs
    }

    /// The configuration that replays the record on `data`: its seed, class size and faults.
    public func config(data: ExamData, encodesLog: Bool, file: String = SessionRecord.fileName) throws(DataError) -> Simulation.Config {
        Simulation.Config(data: data, studentCount: students, seed: seed, encodesLog: encodesLog, faults: try faultSpecs(file: file))
    }

    /// The seed exactly: a JSON number as a double loses integers above 2^53.
    private static func seed(_ v: JSONValue, text: String, file: String) throws(DataError) -> UInt64 {
        guard case .number(let d) = v, d >= 0, d.rounded() == d else {
            throw DataError(file: file, field: "seed", problem: "must be a whole number from 0, found \(v.typeName)")
        }
        struct Seed: Decodable { var seed: UInt64 }
        guard let exact = try? JSONDecoder().decode(Seed.self, from: Data(text.utf8)) else {
            throw DataError(file: file, field: "seed", problem: "must be a whole number from 0 to \(UInt64.max)")
        }
        return exact.seed
    }

    private static func decodeEntry(_ item: JSONValue, students: Int, file: String, field: String) throws(DataError) -> Entry {
        let o = try item.object(file: file, field: field)
        try o.rejectUnknown(["at_us", "name", "args", "after"], file: file, prefix: field + ".")
        func required(_ key: String) throws(DataError) -> JSONValue {
            guard let v = o[key] else { throw DataError(file: file, field: "\(field).\(key)", problem: "is missing") }
            return v
        }
        let at = try required("at_us").int(file: file, field: "\(field).at_us", in: 0...Int(Int64.max >> 11))
        let after = try required("after").int(file: file, field: "\(field).after", in: 0...Int.max)
        let name = try required("name").string(file: file, field: "\(field).name")
        let args = try (o["args"] ?? .object([:], keys: [])).object(file: file, field: "\(field).args")
        try args.rejectUnknown(["student", "choice", "spec", "node"], file: file, prefix: "\(field).args.")
        // The fault menu's commands: a fault begun now, a node restarted.
        if name == "fault" {
            let text = try (args["spec"] ?? .null).string(file: file, field: "\(field).args.spec")
            do throws(FaultSpecError) {
                let spec = try FaultSpec.parse(text)
                try spec.validate(studentCount: students)
                return Entry(at: VirtualTime(microseconds: Int64(at)), after: after, action: .command(.inject(spec)))
            } catch {
                throw DataError(file: file, field: "\(field).args.spec", problem: error.problem)
            }
        }
        if name == "restart" {
            let id = try (args["node"] ?? .null).string(file: file, field: "\(field).args.node")
            guard let node = try? FaultSpec.parseNode(id), (try? FaultSpec(kind: .crash, node: node, phase: .sync, offset: .zero)
                .validate(studentCount: students)) != nil else {
                throw DataError(file: file, field: "\(field).args.node", problem: "is not a node of this class: \"\(id)\"")
            }
            return Entry(at: VirtualTime(microseconds: Int64(at)), after: after, action: .command(.restart(node)))
        }
        var student: Int?
        if let s = args["student"] {
            let id = try s.string(file: file, field: "\(field).args.student")
            guard id.hasPrefix("student-"), let k = Int(id.dropFirst("student-".count)), (1...students).contains(k) else {
                throw DataError(file: file, field: "\(field).args.student", problem: "must be student-1 … student-\(students), found \"\(id)\"")
            }
            student = k
        }
        let choice = try args["choice"].map { v throws(DataError) in
            try v.int(file: file, field: "\(field).args.choice", in: 0...(ExamData.optionCount - 1))
        }
        guard let action = Self.action(named: name, student: student, choice: choice) else {
            let needs = student == nil ? " (or it needs args.student)" : ""
            throw DataError(file: file, field: "\(field).name", problem: "\"\(name)\" is not a command Proctor knows\(needs)")
        }
        return Entry(at: VirtualTime(microseconds: Int64(at)), after: after, action: action)
    }

    /// The action a record's `name` and `args` stand for, or nil.
    static func action(named name: String, student: Int?, choice: Int?) -> Action? {
        if name == "quit" { return .quit }
        let unaddressed: [OperatorCommand] = Phase.allCases.map { .start($0) } + [.nextPhase]
        if let c = unaddressed.first(where: { $0.logName == name }) { return .command(c) }
        guard let k = student else { return nil }
        if name == "answer" { return choice.map { .command(.answer(student: k, choice: $0)) } }
        let isaKeys: [IsaKey] = [.backspace, .enter, .escape] + (0...9).map { .digit($0) }
        let demoKeys: [DemoKey] = [.read, .write, .exit, .backspace, .enter, .escape] + (0...9).map { .digit($0) }
        let addressed: [OperatorCommand] = [.toggleTakeover(student: k), .submitExam(student: k), .requestMarksheet(student: k)]
            + isaKeys.map { .isaKey(student: k, $0) } + demoKeys.map { .demo(student: k, $0) }
        return addressed.first { $0.logName == name }.map { .command($0) }
    }
}
