#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import FoundationEssentials

/// A student of the roster. `student-K` is the K-th student in roll order.
public struct RosterEntry: Sendable, Equatable {
    public var roll: Int
    public var name: String
    public init(roll: Int, name: String) {
        self.roll = roll
        self.name = name
    }
}

public struct Question: Sendable, Equatable {
    public var text: String
    public var options: [String]
    /// The index of the correct option, from 0.
    public var answer: Int
}

/// Every tunable of a run, with the defaults of `Data/scenario.json`.
public struct Scenario: Sendable, Equatable {
    public var students = 5
    public var network = Network.Config(latency: .milliseconds(80), jitter: .milliseconds(50))
    public var maxSkew = VirtualDuration.milliseconds(6000)
    public var maxDriftPPM: Int64 = 100
    public var syncTolerance = VirtualDuration.milliseconds(4000)
    public var secondsPerQuestion = 30
    /// Simulated students think for a uniformly random time in this range (seconds); beyond
    /// `secondsPerQuestion` the question expires first.
    public var thinkMin = 5.0, thinkMax = 55.0
    /// The probability that a simulated student's answer is right.
    public var accuracy = 0.7
    /// The probability that a simulated student, having answered the last question, presses
    /// submit before its countdown ends (the rest submit when it ends, together).
    public var earlySubmit = 0.1
    /// How long a student waits for an ACK before sending its submission again.
    public var retransmit = VirtualDuration.seconds(20)
    /// The detector's average rate, across the class.
    public var flagsPerMinute = 0.4
    public var mainSlots = 3
    /// ISA marks run from 0 to this.
    public var isaMaxMark = 20
    /// Simulated students ask for the marksheet within this many seconds of the phase start.
    public var isaRequestSpread = 6.0
    /// Simulated students take this long (seconds) to type their mark.
    public var isaTypeMin = 1.0, isaTypeMax = 7.0
    /// A student holding the marksheet longer than this is auto-submitted and leaves.
    public var isaHoldTimeout = VirtualDuration.seconds(5)
    public var processingMin = VirtualDuration.milliseconds(6000), processingMax = VirtualDuration.milliseconds(12000)
    /// Faults every run of this scenario injects (`faults`: a list of `--fault` specs),
    /// before those of the command line.
    public var faults: [FaultSpec] = []

    public init() {}
}

/// The contents of Data/: scenario, roster and question bank, validated.
public struct ExamData: Sendable, Equatable {
    public var scenario: Scenario
    /// The roster as given, sorted by roll.
    public var roster: [RosterEntry]
    public var questions: [Question]
    /// The SHA-256 (hex) of each file's bytes as used, by name (`questions.json`,
    /// `roster.json`, `scenario.json`): a session record keeps them, so a replay can tell
    /// whether it runs on the same data.
    public private(set) var sha256: [String: String]

    /// The data files' names, in the order a session record lists them.
    public static let fileNames = ["questions.json", "roster.json", "scenario.json"]
    public static let questionCount = 10
    public static let optionCount = 4

    /// The compiled-in defaults (identical to the shipped Data/ files).
    public static func defaults() -> ExamData {
        // The compiled-in files are checked by the test suite; failing here is a build defect.
        try! ExamData(scenario: builtIn(DefaultData.scenario), roster: builtIn(DefaultData.roster),
                      questions: builtIn(DefaultData.questions))
    }

    /// A compiled-in file as shipped: the embedded text lacks the file's final newline, so
    /// built-in data and the shipped Data/ files hash the same.
    static func builtIn(_ text: String) -> String { text + "\n" }

    /// The largest Data file read (the shipped ones are a few kilobytes).
    public static let maxFileBytes = 1 << 20
    /// The longest student name, in characters.
    public static let maxNameLength = 200

    /// Loads Data/ from `directory`. A file that is absent there falls back to its compiled-in
    /// default; a file that is present must be valid.
    public static func load(from directory: URL) throws(DataError) -> ExamData {
        guard FileSystem.exists(directory.path) else {
            throw DataError(file: directory.path, field: nil, problem: "does not exist (--data names the directory of questions.json, roster.json, scenario.json)")
        }
        guard FileSystem.isDirectory(directory.path) else {
            throw DataError(file: directory.path, field: nil, problem: "is not a directory")
        }
        func read(_ name: String, _ fallback: String) throws(DataError) -> (String, String) {
            let url = directory.appendingPathComponent(name)
            // Absent: the built-in copy. There: a regular file (through links) of at most
            // `maxFileBytes`, or a clear refusal — never a FIFO that blocks, a device that
            // never ends, or a broken link silently taken for "absent".
            var st = stat()
            guard lstat(url.path, &st) == 0 else { return (builtIn(fallback), "built-in \(name)") }
            if st.st_mode & S_IFMT == S_IFLNK, stat(url.path, &st) != 0 {
                throw DataError(file: url.path, field: nil, problem: "is a symbolic link that leads nowhere (\(String(cString: strerror(errno))))")
            }
            guard st.st_mode & S_IFMT == S_IFREG else {
                let kind = switch st.st_mode & S_IFMT {
                case S_IFDIR: "a directory"
                case S_IFIFO: "a FIFO"
                case S_IFCHR, S_IFBLK: "a device"
                case S_IFSOCK: "a socket"
                default: "not a regular file"
                }
                throw DataError(file: url.path, field: nil, problem: "is \(kind), not a regular file")
            }
            guard st.st_size <= Self.maxFileBytes else {
                throw DataError(file: url.path, field: nil, problem: "is \(st.st_size) bytes; a Data file may be at most \(Self.maxFileBytes) (1 MB)")
            }
            let bytes: [UInt8]
            do {
                bytes = try FileSystem.read(url.path, atMost: Self.maxFileBytes + 1)
            } catch {
                throw DataError(file: url.path, field: nil, problem: "cannot be read (\(error.reason))")
            }
            guard bytes.count <= Self.maxFileBytes else {
                throw DataError(file: url.path, field: nil, problem: "is more than \(Self.maxFileBytes) bytes (1 MB), the most a Data file may be")
            }
            guard let text = String(validating: bytes, as: UTF8.self) else {
                throw DataError(file: url.path, field: nil, problem: "is not UTF-8 text")
            }
            return (text, url.path)
        }
        let s = try read("scenario.json", DefaultData.scenario)
        let r = try read("roster.json", DefaultData.roster)
        let q = try read("questions.json", DefaultData.questions)
        return try ExamData(scenario: s.0, scenarioFile: s.1, roster: r.0, rosterFile: r.1, questions: q.0, questionsFile: q.1)
    }

    init(scenario: String, scenarioFile: String = "scenario.json",
         roster: String, rosterFile: String = "roster.json",
         questions: String, questionsFile: String = "questions.json") throws(DataError) {
        self.scenario = try Self.parseScenario(scenario, file: scenarioFile)
        self.roster = try Self.parseRoster(roster, file: rosterFile)
        self.questions = try Self.parseQuestions(questions, file: questionsFile)
        sha256 = ["questions.json": ReplicaFiles.sha256(Array(questions.utf8)),
                  "roster.json": ReplicaFiles.sha256(Array(roster.utf8)),
                  "scenario.json": ReplicaFiles.sha256(Array(scenario.utf8))]
    }

    /// The first `count` students in roll order; beyond the roster, students are generated
    /// with the next free rolls.
    public func students(count: Int) -> [RosterEntry] {
        var list = Array(roster.prefix(count))
        var nextRoll = (roster.map(\.roll).max() ?? 100) + 1
        while list.count < count {
            list.append(RosterEntry(roll: nextRoll, name: "Student \(list.count + 1)"))
            nextRoll += 1
        }
        return list
    }

    // MARK: Parsing

    static func parseScenario(_ text: String, file: String) throws(DataError) -> Scenario {
        let root = try JSONValue.parse(text, file: file)
        let obj = try root.object(file: file, field: nil)
        try obj.rejectUnknown(["students", "network", "clocks", "sync", "exam", "cheating", "servers", "isa", "faults"], file: file, prefix: "")
        var s = Scenario()
        if let v = obj["students"] { s.students = try v.int(file: file, field: "students", in: 1...1000) }
        if let n = obj["network"] {
            let o = try n.object(file: file, field: "network")
            try o.rejectUnknown(["latency_ms", "jitter_ms", "duplicate_rate"], file: file, prefix: "network.")
            if let v = o["duplicate_rate"] { s.network.duplicateRate = try v.number(file: file, field: "network.duplicate_rate", in: 0...0.5) }
            if let v = o["latency_ms"] { s.network.latency = .milliseconds(Int64(try v.int(file: file, field: "network.latency_ms", in: 1...10_000))) }
            if let v = o["jitter_ms"] { s.network.jitter = .milliseconds(Int64(try v.int(file: file, field: "network.jitter_ms", in: 0...10_000))) }
            if s.network.jitter >= s.network.latency {
                throw DataError(file: file, field: "network.jitter_ms", problem: "must be smaller than network.latency_ms (\(s.network.latency.milliseconds))")
            }
        }
        if let c = obj["clocks"] {
            let o = try c.object(file: file, field: "clocks")
            try o.rejectUnknown(["max_skew_ms", "max_drift_ppm"], file: file, prefix: "clocks.")
            if let v = o["max_skew_ms"] { s.maxSkew = .milliseconds(Int64(try v.int(file: file, field: "clocks.max_skew_ms", in: 0...3_600_000))) }
            if let v = o["max_drift_ppm"] { s.maxDriftPPM = Int64(try v.int(file: file, field: "clocks.max_drift_ppm", in: 0...10_000)) }
        }
        if let y = obj["sync"] {
            let o = try y.object(file: file, field: "sync")
            try o.rejectUnknown(["tolerance_ms"], file: file, prefix: "sync.")
            if let v = o["tolerance_ms"] { s.syncTolerance = .milliseconds(Int64(try v.int(file: file, field: "sync.tolerance_ms", in: 1...3_600_000))) }
        }
        if let e = obj["exam"] {
            let o = try e.object(file: file, field: "exam")
            try o.rejectUnknown(["seconds_per_question", "think_min_s", "think_max_s", "accuracy", "early_submit", "retransmit_s"], file: file, prefix: "exam.")
            if let v = o["seconds_per_question"] { s.secondsPerQuestion = try v.int(file: file, field: "exam.seconds_per_question", in: 5...600) }
            if let v = o["think_min_s"] { s.thinkMin = try v.number(file: file, field: "exam.think_min_s", in: 0...3600) }
            if let v = o["think_max_s"] { s.thinkMax = try v.number(file: file, field: "exam.think_max_s", in: 0...3600) }
            if s.thinkMax < s.thinkMin {
                throw DataError(file: file, field: "exam.think_max_s", problem: "must not be below exam.think_min_s (\(s.thinkMin))")
            }
            if let v = o["accuracy"] { s.accuracy = try v.number(file: file, field: "exam.accuracy", in: 0...1) }
            if let v = o["early_submit"] { s.earlySubmit = try v.number(file: file, field: "exam.early_submit", in: 0...1) }
            if let v = o["retransmit_s"] { s.retransmit = .seconds(Int64(try v.int(file: file, field: "exam.retransmit_s", in: 1...600))) }
        }
        if let c = obj["cheating"] {
            let o = try c.object(file: file, field: "cheating")
            try o.rejectUnknown(["flags_per_minute"], file: file, prefix: "cheating.")
            if let v = o["flags_per_minute"] { s.flagsPerMinute = try v.number(file: file, field: "cheating.flags_per_minute", in: 0...600) }
        }
        if let v = obj["servers"] {
            let o = try v.object(file: file, field: "servers")
            try o.rejectUnknown(["main_slots", "processing_min_ms", "processing_max_ms"], file: file, prefix: "servers.")
            if let x = o["main_slots"] { s.mainSlots = try x.int(file: file, field: "servers.main_slots", in: 1...100) }
            if let x = o["processing_min_ms"] { s.processingMin = .milliseconds(Int64(try x.int(file: file, field: "servers.processing_min_ms", in: 1...600_000))) }
            if let x = o["processing_max_ms"] { s.processingMax = .milliseconds(Int64(try x.int(file: file, field: "servers.processing_max_ms", in: 1...600_000))) }
            if s.processingMax < s.processingMin {
                throw DataError(file: file, field: "servers.processing_max_ms", problem: "must not be below servers.processing_min_ms (\(s.processingMin.milliseconds))")
            }
        }
        if let v = obj["isa"] {
            let o = try v.object(file: file, field: "isa")
            try o.rejectUnknown(["max_mark", "request_spread_s", "type_min_s", "type_max_s", "hold_timeout_s"], file: file, prefix: "isa.")
            if let x = o["max_mark"] { s.isaMaxMark = try x.int(file: file, field: "isa.max_mark", in: 1...999) }
            if let x = o["request_spread_s"] { s.isaRequestSpread = try x.number(file: file, field: "isa.request_spread_s", in: 0...3600) }
            if let x = o["type_min_s"] { s.isaTypeMin = try x.number(file: file, field: "isa.type_min_s", in: 0...3600) }
            if let x = o["type_max_s"] { s.isaTypeMax = try x.number(file: file, field: "isa.type_max_s", in: 0...3600) }
            if s.isaTypeMax < s.isaTypeMin {
                throw DataError(file: file, field: "isa.type_max_s", problem: "must not be below isa.type_min_s (\(s.isaTypeMin))")
            }
            if let x = o["hold_timeout_s"] { s.isaHoldTimeout = .seconds(Int64(try x.int(file: file, field: "isa.hold_timeout_s", in: 1...3600))) }
        }
        if let v = obj["faults"] {
            for (i, item) in try v.array(file: file, field: "faults").enumerated() {
                let text = try item.string(file: file, field: "faults[\(i)]")
                do {
                    s.faults.append(try FaultSpec.parse(text))
                } catch {
                    throw DataError(file: file, field: "faults[\(i)]", problem: "\"\(error.spec)\": \(error.problem)")
                }
            }
        }
        return s
    }

    static func parseRoster(_ text: String, file: String) throws(DataError) -> [RosterEntry] {
        let obj = try JSONValue.parse(text, file: file).object(file: file, field: nil)
        try obj.rejectUnknown(["students"], file: file, prefix: "")
        guard let list = obj["students"] else { throw DataError(file: file, field: "students", problem: "is missing") }
        let items = try list.array(file: file, field: "students")
        guard !items.isEmpty else { throw DataError(file: file, field: "students", problem: "is empty: list at least one student") }
        var students: [RosterEntry] = []
        var seen: Set<Int> = []
        for (i, item) in items.enumerated() {
            let path = "students[\(i)]"
            let o = try item.object(file: file, field: path)
            try o.rejectUnknown(["roll", "name"], file: file, prefix: path + ".")
            guard let rv = o["roll"] else { throw DataError(file: file, field: path + ".roll", problem: "is missing") }
            let roll = try rv.int(file: file, field: path + ".roll", in: 1...999_999_999)
            guard let nv = o["name"] else { throw DataError(file: file, field: path + ".name", problem: "is missing") }
            let name = try nv.string(file: file, field: path + ".name").trimmingSpaces
            guard !name.isEmpty else { throw DataError(file: file, field: path + ".name", problem: "is empty") }
            guard name.count <= maxNameLength else {
                throw DataError(file: file, field: path + ".name", problem: "is \(name.count) characters long; a name may have at most \(maxNameLength)")
            }
            guard !name.hasControlCharacters else {
                throw DataError(file: file, field: path + ".name", problem: "contains control characters")
            }
            guard name.unicodeScalars.contains(where: { !$0.isBlankOrInvisible }) else {
                throw DataError(file: file, field: path + ".name", problem: "has no visible character (only spaces or invisible ones)")
            }
            guard seen.insert(roll).inserted else { throw DataError(file: file, field: path + ".roll", problem: "repeats roll \(roll)") }
            students.append(RosterEntry(roll: roll, name: name))
        }
        return students.sorted { $0.roll < $1.roll }
    }

    static func parseQuestions(_ text: String, file: String) throws(DataError) -> [Question] {
        let obj = try JSONValue.parse(text, file: file).object(file: file, field: nil)
        try obj.rejectUnknown(["questions"], file: file, prefix: "")
        guard let list = obj["questions"] else { throw DataError(file: file, field: "questions", problem: "is missing") }
        let items = try list.array(file: file, field: "questions")
        guard items.count == questionCount else {
            throw DataError(file: file, field: "questions", problem: "has \(items.count) questions; the exam needs exactly \(questionCount)")
        }
        var questions: [Question] = []
        for (i, item) in items.enumerated() {
            let path = "questions[\(i)]"
            let o = try item.object(file: file, field: path)
            try o.rejectUnknown(["text", "options", "answer"], file: file, prefix: path + ".")
            guard let tv = o["text"] else { throw DataError(file: file, field: path + ".text", problem: "is missing") }
            let text = try tv.string(file: file, field: path + ".text")
            guard !text.hasControlCharacters else {
                throw DataError(file: file, field: path + ".text", problem: "contains control characters (a terminal would act on them)")
            }
            guard let ov = o["options"] else { throw DataError(file: file, field: path + ".options", problem: "is missing") }
            let opts = try ov.array(file: file, field: path + ".options")
            guard opts.count == optionCount else {
                throw DataError(file: file, field: path + ".options", problem: "has \(opts.count) options; each question needs exactly \(optionCount)")
            }
            var options: [String] = []
            for (j, opt) in opts.enumerated() {
                let text = try opt.string(file: file, field: "\(path).options[\(j)]")
                guard !text.hasControlCharacters else {
                    throw DataError(file: file, field: "\(path).options[\(j)]", problem: "contains control characters (a terminal would act on them)")
                }
                options.append(text)
            }
            guard let av = o["answer"] else { throw DataError(file: file, field: path + ".answer", problem: "is missing") }
            let answer = try av.int(file: file, field: path + ".answer", in: 0...(optionCount - 1))
            questions.append(Question(text: text, options: options, answer: answer))
        }
        return questions
    }
}

/// A malformed Data/ file: which file, which field, what is wrong.
public struct DataError: Error, Equatable, CustomStringConvertible {
    public var file: String
    public var field: String?
    public var problem: String

    public var description: String {
        if let field { return "\(file): field '\(field)' \(problem)" }
        return "\(file): \(problem)"
    }
}

private extension Unicode.Scalar {
    /// A space of any kind, or a character that shows nothing (zero-width, format).
    var isBlankOrInvisible: Bool {
        properties.isWhitespace || properties.generalCategory == .format || properties.generalCategory == .control
            || value == 0x200B || value == 0xFEFF
    }
}

private extension String {
    /// C0 and C1 control characters and DEL (ESC among them): a terminal acts on them.
    var hasControlCharacters: Bool {
        unicodeScalars.contains { $0.value < 0x20 || (0x7F...0x9F).contains($0.value) }
    }

    /// The string without leading and trailing spaces and tabs.
    var trimmingSpaces: String {
        let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\t" }
        guard let first = firstIndex(where: { !isSpace($0) }), let last = lastIndex(where: { !isSpace($0) }) else { return "" }
        return String(self[first...last])
    }
}
