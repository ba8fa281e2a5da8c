import ProctorEngine

/// What a key asks the screen to do. Engine commands go to the runtime; the rest change
/// only what the screen shows or how time runs.
public enum UIAction: Equatable, Sendable {
    case command(OperatorCommand)
    case togglePause, step, faster, slower
    case focusNext, focusPrevious, focusFirst, focusLast
    /// Take over the focused student, or hand it back.
    case takeOver
    /// Answer the focused (taken-over) student's question with option 0–3.
    case answer(Int)
    /// Submit the focused (taken-over) student's exam.
    case submit
    /// The teacher's results table in place of the students pane.
    case toggleResults
    /// Ask for the ISA marksheet for the focused (taken-over) student.
    case requestMarksheet
    /// Read, write or exit in the consistency demo (taken-over student).
    case demo(DemoKey)
    case toggleHelp
    case quit
}

/// One row of the key table: the keys, what they do in words, and the action of each key.
public struct KeyBinding: Sendable {
    public var keys: [Key]
    /// How the help overlay names the keys, e.g. `space` or `n · PageDown`.
    public var keyLabel: String
    public var help: String
    /// The action of each key, in the order of `keys`.
    public var actions: [UIAction]
    /// A short word for the status bar's key hints (nil: shown in help only).
    public var hint: String?
    /// Hints with a lower rank survive on narrower screens.
    public var hintRank: Int

    /// Keys that all do the same thing.
    init(_ keys: [Key], _ help: String, _ action: UIAction, label: String? = nil, hint: String? = nil, rank: Int = 99) {
        self.init(keys, help, perKey: Array(repeating: action, count: keys.count), label: label, hint: hint, rank: rank)
    }

    /// A family of keys, one action each (`1`–`5`, `a`–`d`).
    init(_ keys: [Key], _ help: String, perKey actions: [UIAction], label: String? = nil, hint: String? = nil, rank: Int = 99) {
        precondition(keys.count == actions.count)
        self.keys = keys
        keyLabel = label ?? keys.map(\.label).joined(separator: " · ")
        self.help = help
        self.actions = actions
        self.hint = hint
        hintRank = rank
    }

    /// The status bar's `key:hint` text.
    var hintText: String? {
        hint.map { "\(keyLabel.cellCount <= 3 ? keyLabel : keys[0].label):\($0)" }
    }
}

/// The one table that maps keys to actions. The help overlay and the status bar's key hints
/// are generated from it, so they cannot disagree with what the keys do.
public enum KeyTable {
    public static let bindings: [KeyBinding] = [
        KeyBinding((1...5).map { .char(Character(String($0))) },
                   "admin: sync clocks · start exam · start ISA phase · create replicas · start consistency demo",
                   perKey: [.sync, .exam, .isa, .replication, .consistency].map { .command(.start($0)) },
                   label: "1–5", hint: "phases", rank: 2),
        KeyBinding([.char("n"), .pageDown], "the next phase in order (a presenter remote sends PageDown)", .command(.nextPhase), hint: "next", rank: 3),
        KeyBinding([.char(" ")], "pause / resume", .togglePause, hint: "pause", rank: 4),
        KeyBinding([.char(".")], "deliver the next event (single step; pauses first)", .step, hint: "step", rank: 5),
        KeyBinding([.char("+"), .char("=")], "faster (up to 16×)", .faster, label: "+", hint: "faster", rank: 6),
        KeyBinding([.char("-"), .char("_")], "slower (down to 0.25×)", .slower, label: "-", hint: "slower", rank: 7),
        KeyBinding([.tab, .backTab, .down, .up, .home, .end], "focus the next · previous student (also ↓ ↑; Home, End: first, last)",
                   perKey: [.focusNext, .focusPrevious, .focusNext, .focusPrevious, .focusFirst, .focusLast], label: "Tab · Shift-Tab"),
        KeyBinding([.char("t")], "take over the focused student (you play it) / hand it back", .takeOver, hint: "take over", rank: 8),
        KeyBinding([.char("a"), .char("b"), .char("c"), .char("d")], "answer the current question (taken-over student)",
                   perKey: (0...3).map { .answer($0) }, label: "a–d"),
        KeyBinding([.char("s")], "submit the exam (taken-over student)", .submit),
        KeyBinding([.char("i")], "ask for the ISA marksheet (taken-over student); then digits, Enter, Esc", .requestMarksheet),
        KeyBinding([.char("r"), .char("w"), .char("x")], "read · write (then the new mark) · exit in the consistency demo (taken-over student)",
                   perKey: [.demo(.read), .demo(.write), .demo(.exit)], label: "r · w · x"),
        KeyBinding([.char("v")], "teacher's results table / students", .toggleResults, hint: "results", rank: 9),
        KeyBinding([.char("?"), .char("h")], "this help", .toggleHelp, label: "?", hint: "help", rank: 0),
        KeyBinding([.char("q"), .char("Q")], "quit (the terminal is restored)", .quit, label: "q", hint: "quit", rank: 1),
    ]

    private static let index: [Key: UIAction] = {
        var d: [Key: UIAction] = [:]
        for b in bindings { for (k, a) in zip(b.keys, b.actions) where d[k] == nil { d[k] = a } }
        return d
    }()

    /// The action for a key, or nil when the key does nothing.
    public static func action(for key: Key) -> UIAction? { index[key] }
}
