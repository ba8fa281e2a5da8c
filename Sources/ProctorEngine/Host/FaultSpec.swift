/// One fault to inject, as `--fault`, a scenario's `faults` list or the `f` menu give it:
/// `crash NODE at PHASE+DUR [for DUR]` · `drop A->B at PHASE+DUR for DUR` ·
/// `delay A->B by DUR at PHASE+DUR for DUR` · `partition NODE at PHASE+DUR for DUR` ·
/// `clockjump NODE by ±DUR at PHASE+DUR`.
public struct FaultSpec: Sendable, Equatable, CustomStringConvertible {
    public enum Kind: String, Sendable, CaseIterable { case crash, drop, delay, partition, clockjump }

    public var kind: Kind
    /// The node of a crash, a partition or a clock jump.
    public var node: NodeID?
    /// The link of a drop or a delay.
    public var from: NodeID?
    public var to: NodeID?
    /// When: this long after the phase starts.
    public var phase: Phase
    public var offset: VirtualDuration
    /// How long it lasts (a crash without one stays down).
    public var duration: VirtualDuration?
    /// A delay's extra latency, or a clock jump (signed).
    public var amount: VirtualDuration?

    public init(kind: Kind, node: NodeID? = nil, from: NodeID? = nil, to: NodeID? = nil, phase: Phase, offset: VirtualDuration,
                duration: VirtualDuration? = nil, amount: VirtualDuration? = nil) {
        self.kind = kind
        self.node = node
        self.from = from
        self.to = to
        self.phase = phase
        self.offset = offset
        self.duration = duration
        self.amount = amount
    }

    /// A duration in the grammar's words: whole seconds as `30s`, else whole milliseconds as
    /// `500ms`, else microseconds as `250us` (a negative one with its `-`).
    public static func text(_ x: VirtualDuration) -> String {
        let us = x.microseconds
        if us % 1_000_000 == 0 { return "\(us / 1_000_000)s" }
        if us % 1_000 == 0 { return "\(us / 1_000)ms" }
        return "\(us)us"
    }

    /// The spec in the grammar's words (what `parse` reads back).
    public var description: String {
        let d = Self.text
        let at = "at \(phase.rawValue)+\(d(offset))"
        let lasting = duration.map { " for \(d($0))" } ?? ""
        switch kind {
        case .crash: return "crash \(node?.description ?? "?") \(at)\(lasting)"
        case .partition: return "partition \(node?.description ?? "?") \(at)\(lasting)"
        case .drop: return "drop \(from?.description ?? "?")->\(to?.description ?? "?") \(at)\(lasting)"
        case .delay: return "delay \(from?.description ?? "?")->\(to?.description ?? "?") by \(amount.map(d) ?? "?") \(at)\(lasting)"
        case .clockjump:
            let a = amount ?? .zero
            return "clockjump \(node?.description ?? "?") by \(a.microseconds < 0 ? "-" : "+")\(d(a.magnitude)) \(at)"
        }
    }
}

/// A fault spec that cannot be used: the spec as given and what is wrong with it, in words
/// that say what was expected.
public struct FaultSpecError: Error, Equatable, CustomStringConvertible {
    /// The spec as given.
    public var spec: String
    /// What is wrong, and what was expected.
    public var problem: String

    public init(spec: String, problem: String) {
        self.spec = spec
        self.problem = problem
    }

    /// `--fault "crash main at exam60s": expected PHASE+DURATION after "at", like exam+60s`.
    public var description: String { "--fault \"\(spec)\": \(problem)" }
}

extension FaultSpec {
    /// The longest duration a spec may give (an offset, a length, a delay or a jump): a day.
    public static let longest = VirtualDuration.seconds(86_400)

    /// The phases a fault can start in.
    static let phaseNames = Phase.walkthrough.map(\.rawValue).joined(separator: ", ")

    /// Reads a spec in the grammar
    ///
    ///     crash NODE at PHASE+DUR [for DUR]
    ///     drop A->B at PHASE+DUR for DUR
    ///     delay A->B by DUR at PHASE+DUR for DUR
    ///     partition NODE at PHASE+DUR for DUR
    ///     clockjump NODE by ±DUR at PHASE+DUR
    ///
    /// NODE is a log node id other than `admin` (`main`, `backup`, `teacher`, `student-K`,
    /// `replica-1` … `replica-3`); PHASE is `sync`, `exam`, `isa`, `replication` or
    /// `consistency`; DUR is a number and a unit — `us`, `ms`, `s` or `m` — like `500ms`,
    /// `30s`, `2m` or `1.5s` (a decimal fraction is allowed while it comes to whole
    /// microseconds; at most a day). Words are separated by any whitespace; `->` and `+` need
    /// none around them but may have some; upper case reads as lower case. After the node or
    /// link, the `by`, `at` and `for` clauses may come in any order. A clock jump without a
    /// sign jumps forward. Student numbers are checked against the class by `validate`.
    public static func parse(_ text: String) throws(FaultSpecError) -> FaultSpec {
        let given = String(text.drop(while: \.isWhitespace).reversed().drop(while: \.isWhitespace).reversed())
        func fail(_ problem: String) -> FaultSpecError { FaultSpecError(spec: given, problem: problem) }
        var tokens = FaultSpecTokens(given.lowercased())

        guard let first = tokens.next() else {
            throw fail("is empty: expected crash, drop, delay, partition or clockjump, like crash main at exam+60s")
        }
        guard let kind = Kind(rawValue: first) else {
            throw fail("expected crash, drop, delay, partition or clockjump first, found \"\(first)\"")
        }
        var spec = FaultSpec(kind: kind, phase: .sync, offset: .zero)

        func node(after word: String) throws(FaultSpecError) -> NodeID {
            guard let t = tokens.next(), t != "->", t != "+" else {
                throw fail("expected a node after \"\(word)\": main, backup, teacher, student-K or replica-K")
            }
            do {
                return try parseNode(t)
            } catch {
                throw fail(error.message)
            }
        }
        switch kind {
        case .crash, .partition, .clockjump:
            spec.node = try node(after: kind.rawValue)
            if tokens.peek() == "->" {
                throw fail("a \(kind.noun) takes one node, not a link: like \(kind.rawValue) main")
            }
        case .drop, .delay:
            let from = try node(after: kind.rawValue)
            guard tokens.next() == "->" else {
                throw fail("expected a link A->B after \"\(kind.rawValue)\", like \(kind.rawValue) student-1->main")
            }
            let to = try node(after: "->")
            guard from != to else { throw fail("a link joins two different nodes, not \(from) to itself") }
            spec.from = from
            spec.to = to
        }

        var sawAt = false, sawFor = false, sawBy = false
        while let word = tokens.next() {
            switch word {
            case "at":
                guard !sawAt else { throw fail("says \"at\" twice: a fault starts once") }
                sawAt = true
                let expected = "expected PHASE+DURATION after \"at\", like exam+60s"
                guard let name = tokens.next() else { throw fail(expected) }
                guard let phase = Phase(rawValue: name), phase != .done else {
                    if Phase.walkthrough.contains(where: { name.hasPrefix($0.rawValue) }) {
                        throw fail("\(expected), found \"\(name)\"")
                    }
                    if name == "+" || name == "->" { throw fail(expected) }
                    throw fail("\"\(name)\" is not a phase a fault can start in: expected \(phaseNames)")
                }
                guard tokens.next() == "+" else {
                    throw fail("\(expected) (the time after the phase starts)")
                }
                guard let offset = tokens.next() else { throw fail("\(expected): a duration after \"+\"") }
                spec.phase = phase
                spec.offset = try duration(offset, after: "\(name)+", given: given)
            case "for":
                guard !sawFor else { throw fail("says \"for\" twice: a fault lasts once") }
                sawFor = true
                guard kind != .clockjump else {
                    throw fail("a clock jump happens at once and has no \"for\": leave it out")
                }
                guard let t = tokens.next() else { throw fail("expected a duration after \"for\", like for 10s") }
                let d = try duration(t, after: "for", given: given)
                guard d > .zero else { throw fail("\"for \(t)\": a fault lasts longer than 0, like for 10s") }
                spec.duration = d
            case "by":
                guard !sawBy else { throw fail("says \"by\" twice") }
                sawBy = true
                switch kind {
                case .delay:
                    guard let t = tokens.next() else { throw fail("expected a duration after \"by\", like by 500ms") }
                    if t == "+" || t == "-" || t.hasPrefix("-") {
                        throw fail("a delay adds latency: expected a duration without a sign after \"by\", like by 500ms")
                    }
                    let d = try duration(t, after: "by", given: given)
                    guard d > .zero else { throw fail("\"by \(t)\": a delay adds more than 0, like by 500ms") }
                    spec.amount = d
                case .clockjump:
                    guard var t = tokens.next() else { throw fail("expected a signed duration after \"by\", like by +5s or by -2s") }
                    var negative = false
                    if t == "+" || t == "-" {
                        negative = t == "-"
                        guard let rest = tokens.next() else { throw fail("expected a duration after \"by \(t)\", like by \(t)5s") }
                        t = rest
                    } else if t.hasPrefix("-") {
                        negative = true
                        t.removeFirst()
                    } else if t.hasPrefix("±") {
                        throw fail("a clock jumps one way: write by +5s or by -5s, not ±")
                    }
                    let d = try duration(t, after: "by", given: given)
                    guard d > .zero else { throw fail("\"by \(negative ? "-" : "+")\(t)\": a clock jump moves the clock, like by +5s") }
                    spec.amount = negative ? -d : d
                case .crash, .drop, .partition:
                    throw fail("a \(kind.noun) has no \"by\": only a delay (by 500ms) or a clock jump (by +5s) does")
                }
            default:
                throw fail("unexpected \"\(word)\": expected \(kind.clauses)")
            }
        }
        guard sawAt else { throw fail("expected \"at PHASE+DURATION\" (when it starts), like at exam+60s") }
        if let problem = spec.problem(studentCount: nil) { throw fail(problem) }
        return spec
    }

    /// Checks the spec against a class of `studentCount` students, and that it is whole: a
    /// node for a crash, a partition or a clock jump, a link for a drop or a delay; a length
    /// (`for`) for a drop, a delay and a partition and none for a clock jump; an amount (`by`)
    /// for a delay and a clock jump and none for the others.
    public func validate(studentCount: Int) throws(FaultSpecError) {
        if let problem = problem(studentCount: studentCount) { throw FaultSpecError(spec: description, problem: problem) }
    }

    /// The first thing wrong with the spec, or nil; `studentCount` nil skips the class size.
    func problem(studentCount: Int?) -> String? {
        func check(_ n: NodeID) -> String? {
            switch n {
            case .admin: return NodeProblem.admin.message
            case .student(let k):
                guard k >= 1 else { return NodeProblem.studentZero.message }
                if let studentCount, k > studentCount {
                    return "\(n) is not in this class of \(studentCount): students are student-1"
                        + (studentCount > 1 ? " to student-\(studentCount)" : " only")
                }
                return nil
            case .replica(let k):
                return (1...3).contains(k) ? nil : NodeProblem.replica(k).message
            case .main, .backup, .teacher: return nil
            }
        }
        switch kind {
        case .crash, .partition, .clockjump:
            guard let node else { return "a \(kind.noun) needs a node, like \(kind.rawValue) main" }
            guard from == nil, to == nil else { return "a \(kind.noun) takes one node, not a link" }
            if let p = check(node) { return p }
        case .drop, .delay:
            guard let from, let to else { return "a \(kind.noun) needs a link A->B, like \(kind.rawValue) student-1->main" }
            guard node == nil else { return "a \(kind.noun) takes a link A->B, not one node" }
            if let p = check(from) ?? check(to) { return p }
            if from == to { return "a link joins two different nodes, not \(from) to itself" }
        }
        guard phase != .done else { return "\"done\" is not a phase a fault can start in: expected \(Self.phaseNames)" }
        guard offset >= .zero, offset <= Self.longest else { return "the time after the phase starts must be from 0s to 24h" }
        switch kind {
        case .drop, .delay, .partition:
            guard duration != nil else { return "a \(kind.noun) needs \"for DURATION\" (how long it lasts), like for 10s" }
        case .clockjump:
            guard duration == nil else { return "a clock jump happens at once and has no \"for\": leave it out" }
        case .crash:
            break
        }
        if let duration, duration <= .zero || duration > Self.longest {
            return "\"for \(Self.text(duration))\" must be longer than 0 and at most a day"
        }
        switch kind {
        case .delay:
            guard let amount else { return "a delay needs \"by DURATION\" (the extra latency), like by 500ms" }
            guard amount > .zero, amount <= Self.longest else { return "a delay adds more than 0 and at most a day, like by 500ms" }
        case .clockjump:
            guard let amount else { return "a clock jump needs \"by ±DURATION\", like by +5s or by -2s" }
            guard amount != .zero, amount.magnitude <= Self.longest else { return "a clock jump moves the clock by more than 0 and at most a day, like by +5s" }
        case .crash, .drop, .partition:
            guard amount == nil else { return "a \(kind.noun) has no \"by\": only a delay or a clock jump does" }
        }
        return nil
    }

    /// A node id as the log writes it; `admin` is refused.
    static func parseNode(_ t: String) throws(NodeProblem) -> NodeID {
        switch t {
        case "main": return .main
        case "backup": return .backup
        case "teacher": return .teacher
        case "admin": throw .admin
        default:
            for (prefix, make) in [("student-", NodeID.student), ("replica-", NodeID.replica)] where t.hasPrefix(prefix) {
                let digits = t.dropFirst(prefix.count)
                guard !digits.isEmpty, digits.count <= 6, digits.allSatisfy(\.isASCIIDigit), let k = Int(digits) else {
                    throw .unknown(t)
                }
                let n = make(k)
                if prefix == "student-", k < 1 { throw .studentZero }
                if prefix == "replica-", !(1...3).contains(k) { throw .replica(k) }
                return n
            }
            throw .unknown(t)
        }
    }

    /// Reads `500ms`, `30s`, `2m`, `1.5s`, `250us` as a duration of at most a day.
    static func duration(_ t: String, after word: String, given: String) throws(FaultSpecError) -> VirtualDuration {
        let bad = FaultSpecError(spec: given, problem: "\"\(t)\" after \"\(word)\" is not a duration: expected a number and a unit (ms, s or m), like 500ms, 30s or 2m")
        let units: [(String, Int64)] = [("us", 1), ("ms", 1_000), ("s", 1_000_000), ("m", 60_000_000)]
        guard let (unit, scale) = units.first(where: { t.hasSuffix($0.0) && !t.dropLast($0.0.count).isEmpty
                                                          && t.dropLast($0.0.count).last!.isASCIIDigit }) else { throw bad }
        let number = t.dropLast(unit.count)
        let parts = number.split(separator: ".", maxSplits: 1, omittingEmptySubsequences: false)
        let whole = parts[0], fraction = parts.count > 1 ? parts[1] : ""
        guard !whole.isEmpty, whole.count <= 9, fraction.count <= 9, (parts.count == 1 || !fraction.isEmpty),
              (whole + fraction).allSatisfy(\.isASCIIDigit),
              let w = Int64(whole), let f = Int64(fraction.isEmpty ? "0" : fraction) else { throw bad }
        var denominator: Int64 = 1
        for _ in 0..<fraction.count { denominator *= 10 }
        // (w + f / denominator) × scale, in whole microseconds.
        let exact = w * scale + f * scale / denominator
        guard (f * scale) % denominator == 0 else {
            throw FaultSpecError(spec: given, problem: "\"\(t)\" after \"\(word)\" is finer than a microsecond")
        }
        let d = VirtualDuration(microseconds: exact)
        guard d <= longest else {
            throw FaultSpecError(spec: given, problem: "\"\(t)\" after \"\(word)\" is longer than a day")
        }
        return d
    }
}

/// Why a word is not a node a fault can name.
enum NodeProblem: Error {
    case admin, studentZero, replica(Int), unknown(String)

    var message: String {
        switch self {
        case .admin: "admin is the operator's console, not a participant: it cannot fail; expected main, backup, teacher, student-K or replica-K"
        case .studentZero: "students are numbered from 1: student-1, student-2, …"
        case .replica(let k): "replica-\(k) does not exist: the replicas are replica-1, replica-2 and replica-3"
        case .unknown(let t): "\"\(t)\" is not a node: expected main, backup, teacher, student-K or replica-K"
        }
    }
}

extension FaultSpec.Kind {
    /// The kind in words: "crash", "clock jump".
    var noun: String { self == .clockjump ? "clock jump" : rawValue }

    /// The clauses the kind takes, for a message.
    var clauses: String {
        switch self {
        case .crash: "\"at PHASE+DURATION\" and, optionally, \"for DURATION\""
        case .drop, .partition: "\"at PHASE+DURATION\" and \"for DURATION\""
        case .delay: "\"by DURATION\", \"at PHASE+DURATION\" and \"for DURATION\""
        case .clockjump: "\"by ±DURATION\" and \"at PHASE+DURATION\""
        }
    }
}

/// The words of a spec: runs of characters between whitespace, with `->` and `+` words of
/// their own wherever they stand.
struct FaultSpecTokens {
    private var words: [String] = []
    private var index = 0

    init(_ text: String) {
        var current = ""
        var chars = Array(text)[...]
        func flush() {
            if !current.isEmpty { words.append(current) }
            current = ""
        }
        while let c = chars.popFirst() {
            if c.isWhitespace {
                flush()
            } else if c == "+" {
                flush()
                words.append("+")
            } else if c == "-", chars.first == ">" {
                chars.removeFirst()
                flush()
                words.append("->")
            } else {
                current.append(c)
            }
        }
        flush()
    }

    mutating func next() -> String? {
        guard index < words.count else { return nil }
        defer { index += 1 }
        return words[index]
    }

    func peek() -> String? { index < words.count ? words[index] : nil }
}

private extension Character {
    var isASCIIDigit: Bool { isASCII && isNumber }
}
