import ProctorEngine

/// What the keys do at a moment. `InputRouter` knows the mode from the operator's own key
/// presses; the status bar's hints show the keys of the current mode.
public enum InputMode: String, CaseIterable, Sendable {
    /// Phases, time, focus and take-over.
    case normal
    /// The focused student is one the operator plays and its exam is not over: `a`–`d`, `s`.
    case answering
    /// The focused student is one the operator plays in the consistency demo: `r`, `w`, `x`.
    case demo
    /// A mark prompt is open (after `i`, or `w` in the demo): digits, Backspace, Enter, Esc.
    case markPrompt
    /// The help overlay is open.
    case help
    /// The fault menu (`f`) is open: one key per fault.
    case faultMenu
    /// The space-time diagram (`g`) fills the screen: its filters and lanes, time's keys.
    case diagram
}

/// A section of the key table: the help overlay lists the keys group by group, and a group's
/// keys work in its modes.
public enum KeyGroup: CaseIterable, Sendable {
    case normal, anyTime, answering, demo, markPrompt, help, faultMenu, diagram
    /// The guided tour's keys (`--tour`): in its modes they come before every other group's.
    case tour

    /// The modes in which the group's keys work. Where two groups bind the same key, the one
    /// with fewer modes (the more particular) wins: in answering mode `b` is answer B.
    public var modes: Set<InputMode> {
        switch self {
        case .normal: [.normal, .answering, .demo]
        case .anyTime: [.normal, .answering, .demo, .markPrompt, .diagram]
        case .answering: [.answering]
        case .demo: [.demo]
        case .markPrompt: [.markPrompt]
        case .help: [.help]
        case .faultMenu: [.faultMenu]
        case .diagram: [.diagram]
        case .tour: [.normal, .answering, .demo, .diagram]
        }
    }

    /// Whether the group's keys work only on the guided tour.
    public var isTourOnly: Bool { self == .tour }

    /// The group's name in the help overlay.
    public var title: String {
        switch self {
        case .normal: "Normal"
        case .anyTime: "Any time"
        case .answering: "Answering"
        case .demo: "Demo"
        case .markPrompt: "Mark prompt"
        case .help: "This help"
        case .faultMenu: "Fault menu (f)"
        case .diagram: "Diagram (g)"
        case .tour: "Tour (--tour)"
        }
    }

    /// When the group's keys work, for the help overlay's notes.
    public var when: String {
        switch self {
        case .normal: "Normal keys work while answering and in the demo too."
        case .anyTime: "Any time: in every mode but this help, the mark prompt included."
        case .answering: "Answering: you play the focused student (t) and its exam is not over."
        case .demo: "Demo: you play the focused student in the consistency demo."
        case .markPrompt: "Mark prompt: after i (ISA) or w (demo) until Enter or Esc, and while you hold the marksheet."
        case .help: ""
        case .faultMenu: "Fault menu: after f, one key injects a fault now (a crashed node: the same key restarts it); Esc closes."
        case .diagram: "Diagram: after g, the space-time diagram fills the screen; time's keys work, [ ] scroll it back and forth."
        case .tour: "Tour: with --tour, n and b move between its stops in place of their other jobs (not in the help, a mark prompt or the fault menu)."
        }
    }
}

/// A key at a mark prompt. The ISA marksheet's prompt and the demo's new-mark prompt take the
/// same keys; this is their one mapping.
public enum MarkKey: Equatable, Sendable {
    case digit(Int), backspace, enter, escape

    var isaKey: IsaKey {
        switch self {
        case .digit(let d): .digit(d)
        case .backspace: .backspace
        case .enter: .enter
        case .escape: .escape
        }
    }

    var demoKey: DemoKey {
        switch self {
        case .digit(let d): .digit(d)
        case .backspace: .backspace
        case .enter: .enter
        case .escape: .escape
        }
    }
}

/// What a key asks for, as the key table says it. Engine commands go to the runtime; the
/// actions that name "the focused student" are resolved by `InputRouter`; the rest change
/// only what the screen shows or how time runs.
public enum UIAction: Equatable, Sendable {
    case command(OperatorCommand)
    case togglePause, step, faster, slower
    /// Step back one delivered event (pauses; `.` goes forward again).
    case stepBack
    case focusNext, focusPrevious, focusFirst, focusLast
    /// Take over the focused student, or hand it back.
    case takeOver
    /// Answer the focused (taken-over) student's question with option 0–3.
    case answer(Int)
    /// Submit the focused (taken-over) student's exam.
    case submit
    /// The teacher's results table in place of the students pane.
    case toggleResults
    /// Scroll the event log back (positive) or forward by so many lines; `nil`: to the newest.
    case scrollLog(Int?)
    /// The focused student's own screen in place of the monitors, or the monitors again.
    case toggleStudentScreen
    /// Ask for the ISA marksheet for the focused (taken-over) student; opens the mark prompt.
    case requestMarksheet
    /// Read, write (opens the mark prompt) or exit in the consistency demo.
    case demo(DemoKey)
    /// A key at the open mark prompt.
    case mark(MarkKey)
    case toggleHelp
    /// Open or close the fault menu.
    case toggleFaultMenu
    /// Inject a fault now (the focused student's, for the student faults).
    case fault(FaultChoice)
    /// Open or close the space-time diagram.
    case toggleDiagram
    /// The guided tour goes on to its next stop.
    case tourNext
    /// The guided tour goes back to its previous stop.
    case tourBack
    /// Write the run so far in ShiViz's format.
    case exportShiViz
    /// Show or hide one mechanism's messages and events in the diagram.
    case diagramFilter(Mechanism)
    /// Move the diagram's lanes sideways by so many.
    case diagramLanes(Int)
    case quit
}

/// The fault menu's choices.
public enum FaultChoice: Equatable, Sendable {
    /// Crash the node, or restart it when it is down.
    case crash(NodeID)
    /// The focused student crashes, or restarts.
    case crashStudent
    /// The focused student's link to main drops every message for 15 s.
    case dropLink
    /// main's link to the focused student is 1.5 s slower for 30 s.
    case delayLink
    /// The focused student is cut off from every node for 15 s.
    case partition
    /// The focused student's clock jumps 8 s ahead.
    case clockJump
}

/// One hint of the status bar: keys and a word, e.g. `Enter done`.
public struct KeyHint: Sendable {
    /// The keys the hint names; a key another group takes over in a mode drops out of the
    /// hint there (in answering mode step back shows as `PageUp back`).
    public var keys: [Key]
    public var label: String
    /// What the keys do, in a word or two; empty when the key says it (`⌫`).
    public var word: String
    /// Hints with a lower rank survive on narrower screens.
    public var rank: Int
}

/// One row of the key table: its group, the keys, what they do in words, the action of each
/// key, and the status bar's hints.
public struct KeyBinding: Sendable {
    public var group: KeyGroup
    public var keys: [Key]
    /// How the help overlay names the keys, e.g. `space` or `n · PageDown`.
    public var keyLabel: String
    public var help: String
    /// The action of each key, in the order of `keys`.
    public var actions: [UIAction]
    /// What the status bar shows for the row (none: help only).
    public var hints: [KeyHint]

    /// Keys that all do the same thing, with at most one hint.
    init(_ group: KeyGroup, _ keys: [Key], _ help: String, _ action: UIAction, label: String? = nil, hint: String? = nil, rank: Int = 99) {
        self.init(group, keys, help, perKey: Array(repeating: action, count: keys.count), label: label, hint: hint, rank: rank)
    }

    /// A family of keys, one action each (`1`–`5`, `a`–`d`), with at most one hint.
    init(_ group: KeyGroup, _ keys: [Key], _ help: String, perKey actions: [UIAction], label: String? = nil, hint: String? = nil, rank: Int = 99) {
        let keyLabel = label ?? keys.map(\.label).joined(separator: " · ")
        let hints = hint.map { [KeyHint(keys: keys, label: keyLabel.cellCount <= 3 ? keyLabel : keys[0].label, word: $0, rank: rank)] } ?? []
        self.init(group, keys, help, perKey: actions, label: keyLabel, hints: hints)
    }

    /// A row whose keys get hints of their own (`0–9 mark · ⌫ · Enter done`).
    init(_ group: KeyGroup, _ keys: [Key], _ help: String, perKey actions: [UIAction], label: String, hints: [KeyHint]) {
        precondition(keys.count == actions.count)
        precondition(hints.allSatisfy { $0.keys.allSatisfy(keys.contains) })
        self.group = group
        self.keys = keys
        keyLabel = label
        self.help = help
        self.actions = actions
        self.hints = hints
    }
}

/// The one table that maps keys to actions, mode by mode. The help overlay and the status
/// bar's key hints are generated from it, so they cannot disagree with what the keys do.
public enum KeyTable {
    static let digits: [Key] = (0...9).map { .char(Character(String($0))) }
    static let answerKeys: [Key] = (0..<ExamData.optionCount).map { .char(Character(Format.answerLetter($0).lowercased())) }

    public static let bindings: [KeyBinding] = [
        KeyBinding(.normal, Array(digits[1...5]) + [.char("n"), .pageDown],
                   "sync clocks · exam · ISA · replicas · consistency demo; n, PageDown: the next one in order",
                   perKey: [.sync, .exam, .isa, .replication, .consistency].map { .command(.start($0)) } + [.command(.nextPhase), .command(.nextPhase)],
                   label: "1–5 · n",
                   hints: [KeyHint(keys: Array(digits[1...5]), label: "1–5", word: "phases", rank: 2),
                           KeyHint(keys: [.char("n")], label: "n", word: "next", rank: 3)]),
        KeyBinding(.normal, [.tab, .backTab, .down, .up, .home, .end], "focus the next · previous student (also ↓ ↑; Home, End: first, last)",
                   perKey: [.focusNext, .focusPrevious, .focusNext, .focusPrevious, .focusFirst, .focusLast], label: "Tab · Shift-Tab"),
        KeyBinding(.normal, [.char("t")], "take over the focused student (you play it) / hand it back", .takeOver, hint: "take over", rank: 10),
        KeyBinding(.normal, [.char("i")], "ask for the ISA marksheet (a student you play); opens the mark prompt", .requestMarksheet),
        KeyBinding(.normal, [.char("v"), .char("e")], "teacher's results table / students · the focused student's own screen / the monitors",
                   perKey: [.toggleResults, .toggleStudentScreen], label: "v · e",
                   hints: [KeyHint(keys: [.char("v")], label: "v", word: "results", rank: 11)]),
        KeyBinding(.anyTime, [.char("["), .char("]"), .char("\\")], "event log: scroll back · forward · to the newest",
                   perKey: [.scrollLog(5), .scrollLog(-5), .scrollLog(nil)], label: "[ · ] · \\"),
        KeyBinding(.normal, [.char("f"), .char("g"), .char("S")],
                   "fault menu (crash and restart nodes, drop or delay a link, partition, clock jump) · space-time diagram · ShiViz file of the run so far",
                   perKey: [.toggleFaultMenu, .toggleDiagram, .exportShiViz], label: "f · g · S",
                   hints: [KeyHint(keys: [.char("f")], label: "f", word: "faults", rank: 12)]),

        KeyBinding(.anyTime, [.char(" ")], "pause / resume", .togglePause, hint: "pause", rank: 4),
        KeyBinding(.anyTime, [.char(".")], "deliver the next event (single step; pauses first)", .step, hint: "step", rank: 5),
        KeyBinding(.anyTime, [.char("b"), .pageUp], "step back one delivered event (pauses; . goes forward again)", .stepBack, hint: "back", rank: 6),
        KeyBinding(.anyTime, [.char("+"), .char("="), .char("-"), .char("_")], "faster · slower (0.25× to 16×)",
                   perKey: [.faster, .faster, .slower, .slower], label: "+ · -",
                   hints: [KeyHint(keys: [.char("+")], label: "+", word: "faster", rank: 7),
                           KeyHint(keys: [.char("-")], label: "-", word: "slower", rank: 8)]),
        KeyBinding(.anyTime, [.char("?"), .char("h"), .char("q"), .char("Q")], "this help · quit (the terminal is restored)",
                   perKey: [.toggleHelp, .toggleHelp, .quit, .quit], label: "? · q",
                   hints: [KeyHint(keys: [.char("?")], label: "?", word: "help", rank: 0),
                           KeyHint(keys: [.char("q")], label: "q", word: "quit", rank: 1)]),

        KeyBinding(.answering, answerKeys, "answer the current question (b is answer B here; PageUp steps back)",
                   perKey: (0..<ExamData.optionCount).map { .answer($0) }, label: "a–d", hint: "answer", rank: 0),
        KeyBinding(.answering, [.char("s")], "submit the exam", .submit, hint: "submit", rank: 1),

        KeyBinding(.demo, [.char("r"), .char("w"), .char("x")], "read · write (opens the mark prompt) · exit",
                   perKey: [.demo(.read), .demo(.write), .demo(.exit)], label: "r · w · x",
                   hints: [KeyHint(keys: [.char("r")], label: "r", word: "read", rank: 0),
                           KeyHint(keys: [.char("w")], label: "w", word: "write", rank: 1),
                           KeyHint(keys: [.char("x")], label: "x", word: "exit", rank: 2)]),

        KeyBinding(.markPrompt, digits + [.backspace, .enter, .escape], "type the mark · erase a digit (Backspace) · done · cancel",
                   perKey: (0...9).map { .mark(.digit($0)) } + [.mark(.backspace), .mark(.enter), .mark(.escape)],
                   label: "0–9 · ⌫ · Enter · Esc",
                   hints: [KeyHint(keys: digits, label: "0–9", word: "mark", rank: 0),
                           KeyHint(keys: [.backspace], label: "⌫", word: "", rank: 1),
                           KeyHint(keys: [.enter], label: "Enter", word: "done", rank: 2),
                           KeyHint(keys: [.escape], label: "Esc", word: "cancel", rank: 3)]),

        KeyBinding(.faultMenu, [.char("m")], "crash / restart main — watch submissions time out, fail over to the backup, and main rejoin",
                   .fault(.crash(.main))),
        KeyBinding(.faultMenu, [.char("k")], "crash / restart the backup — watch main's overflow wait for it",
                   .fault(.crash(.backup))),
        KeyBinding(.faultMenu, [.char("1"), .char("2"), .char("3")],
                   "crash / restart replica 1–3 — reads go to a live copy, a write waits for every replica",
                   perKey: (1...3).map { .fault(.crash(.replica($0))) }, label: "1–3"),
        KeyBinding(.faultMenu, [.char("s")], "crash / restart the focused student — in ISA the others wait for its REPLY until it is back",
                   .fault(.crashStudent)),
        KeyBinding(.faultMenu, [.char("e")], "crash / restart the teacher — a sync round waits 5 s for its REPLY, then goes on without it",
                   .fault(.crash(.teacher))),
        KeyBinding(.faultMenu, [.char("d")], "drop the focused student's messages to main for 15 s — watch the resends",
                   .fault(.dropLink)),
        KeyBinding(.faultMenu, [.char("l")], "delay main's messages to the focused student by 1.5 s for 30 s — countdowns still end on time",
                   .fault(.delayLink)),
        KeyBinding(.faultMenu, [.char("p")], "partition the focused student for 15 s, then heal — what is lost, what is resent",
                   .fault(.partition)),
        KeyBinding(.faultMenu, [.char("j")], "jump the focused student's clock 8 s ahead — the clocks pane shows it; 1 re-syncs",
                   .fault(.clockJump)),
        KeyBinding(.faultMenu, [.escape, .char("f")], "close the menu", perKey: [.toggleFaultMenu, .toggleFaultMenu], label: "Esc",
                   hints: [KeyHint(keys: [.escape], label: "Esc", word: "close", rank: 0)]),

        KeyBinding(.diagram, [.char("g"), .escape, .char("s"), .char("e"), .char("r"), .char("l"), .char("c"), .left, .right, .tab, .backTab],
                   "close (Esc too) · show or hide sync, exam, ra, lock, replica · lanes (Tab: focus)",
                   perKey: [.toggleDiagram, .toggleDiagram] + [.sync, .exam, .ra, .lock, .replica].map { .diagramFilter($0) }
                       + [.diagramLanes(-1), .diagramLanes(1), .focusNext, .focusPrevious],
                   label: "g · serlc · ← →",
                   hints: [KeyHint(keys: [.char("g")], label: "g", word: "close", rank: 0),
                           KeyHint(keys: [.char("s"), .char("e"), .char("r"), .char("l"), .char("c")], label: "s e r l c", word: "filters", rank: 1),
                           KeyHint(keys: [.left, .right], label: "←→", word: "lanes", rank: 2)]),

        KeyBinding(.tour, [.char("n"), .pageDown, .char("b"), .pageUp],
                   "the tour's next stop · back to its previous stop (PageDown, PageUp: a presenter remote)",
                   perKey: [.tourNext, .tourNext, .tourBack, .tourBack], label: "n · b"),

        KeyBinding(.help, [.char("?"), .char("h"), .escape, .char("q"), .char("Q")], "close this help · quit",
                   perKey: [.toggleHelp, .toggleHelp, .toggleHelp, .quit, .quit], label: "? · Esc · q",
                   hints: [KeyHint(keys: [.escape], label: "Esc", word: "close", rank: 0),
                           KeyHint(keys: [.char("q")], label: "q", word: "quit", rank: 1)]),
    ]

    /// Per mode, each key's row in `bindings` and its action: the row of the most particular
    /// group that binds the key. The tour's keys are apart, in `tourIndex`.
    private static let index: [InputMode: [Key: (row: Int, action: UIAction)]] = makeIndex { !$0.isTourOnly }
    private static let tourIndex: [InputMode: [Key: (row: Int, action: UIAction)]] = makeIndex(\.isTourOnly)

    private static func makeIndex(_ groups: (KeyGroup) -> Bool) -> [InputMode: [Key: (row: Int, action: UIAction)]] {
        var all: [InputMode: [Key: (row: Int, action: UIAction)]] = [:]
        for mode in InputMode.allCases {
            var d: [Key: (row: Int, action: UIAction)] = [:]
            let rows = bindings.indices.filter { groups(bindings[$0].group) && bindings[$0].group.modes.contains(mode) }
                .sorted { (bindings[$0].group.modes.count, $0) < (bindings[$1].group.modes.count, $1) }
            for row in rows {
                for (k, a) in zip(bindings[row].keys, bindings[row].actions) where d[k] == nil { d[k] = (row, a) }
            }
            all[mode] = d
        }
        return all
    }

    /// The action of a key in a mode, or nil when the key does nothing there. On the tour,
    /// the tour's keys come first.
    public static func action(for key: Key, in mode: InputMode, tour: Bool = false) -> UIAction? {
        if tour, let a = tourIndex[mode]?[key] { return a.action }
        return index[mode]?[key]?.action
    }

    /// The bindings whose keys work in a mode, in table order (the tour's only on the tour).
    public static func bindings(in mode: InputMode, tour: Bool = false) -> [KeyBinding] {
        bindings.filter { $0.group.modes.contains(mode) && (tour || !$0.group.isTourOnly) }
    }

    /// The keys a tour stop names, `n next · b back`: the table's first key for each of the
    /// tour's moves.
    public static func tourHints() -> String {
        let moves: [(action: UIAction, word: String)] = [(.tourNext, "next"), (.tourBack, "back")]
        return moves.compactMap { m in
            guard let b = bindings.first(where: { $0.group.isTourOnly && $0.actions.contains(m.action) }),
                  let i = b.actions.firstIndex(of: m.action) else { return nil }
            return "\(b.keys[i].label) \(m.word)"
        }.joined(separator: " · ")
    }

    /// The text of a hint in a mode, or nil when none of its keys does its job there.
    static func hintText(_ hint: KeyHint, row: Int, in mode: InputMode) -> String? {
        let live = hint.keys.filter { index[mode]?[$0]?.row == row }
        let label: String
        if live.count == hint.keys.count { label = hint.label } else if let first = live.first { label = first.label } else { return nil }
        return hint.word.isEmpty ? label : "\(label) \(hint.word)"
    }

    /// The status bar's key hints for a mode, joined by ` · `. A mode's own keys (answering,
    /// demo, mark prompt, help) come first and are always there; then the other keys that
    /// work in the mode, the most important first, as many as fit in `width` cells — in
    /// table order.
    public static func hintBar(in mode: InputMode, width: Int, paused: Bool = false) -> String {
        let separator = " · "
        var own: [String] = []
        var others: [(text: String, rank: Int, order: Int)] = []
        // Help and quit are never lost, nor, while paused, the key that resumes.
        var always: [(text: String, rank: Int, order: Int)] = []
        let keepsEssentials = [.normal, .answering, .demo, .markPrompt, .diagram].contains(mode)
        for (row, b) in bindings.enumerated() where b.group.modes.contains(mode) && !b.group.isTourOnly {
            for h in b.hints {
                guard var text = hintText(h, row: row, in: mode) else { continue }
                let resume = b.actions.contains(.togglePause)
                if resume && paused { text = text.replacing(" pause", with: " resume") }
                if b.group.modes == [mode] {
                    own.append(text)
                } else if keepsEssentials && (b.actions.contains(.toggleHelp) || b.actions.contains(.quit) || (resume && paused)) {
                    always.append((text, h.rank, others.count + always.count))
                } else {
                    others.append((text, h.rank, others.count + always.count))
                }
            }
        }
        var chosen: [(text: String, rank: Int, order: Int)] = always
        var used = max(0, (own + always.map(\.text)).reduce(0) { $0 + $1.cellCount + separator.cellCount } - separator.cellCount)
        for o in others.sorted(by: { ($0.rank, $0.order) < ($1.rank, $1.order) }) {
            let w = o.text.cellCount + (used > 0 ? separator.cellCount : 0)
            if used + w > width { break }
            chosen.append(o)
            used += w
        }
        return (own + chosen.sorted { $0.order < $1.order }.map(\.text)).joined(separator: separator)
    }

    /// The key hints while the screen shows the past (after a step back): the table's keys
    /// that move through it, in what they do there; nothing else fits that moment.
    public static func pastHintBar(width: Int) -> String {
        let moves: [(action: UIAction, word: String)] = [(.stepBack, "back"), (.step, "forward"), (.togglePause, "resume")]
        var parts: [String] = []
        var used = 0
        for m in moves {
            guard let b = bindings.first(where: { $0.actions.contains(m.action) && $0.group.modes.contains(.normal) }),
                  let i = b.actions.firstIndex(of: m.action) else { continue }
            let text = "\(b.keys[i].label) \(m.word)"
            let w = text.cellCount + (parts.isEmpty ? 0 : 3)
            if used + w > width { break }
            parts.append(text)
            used += w
        }
        return parts.joined(separator: " · ")
    }
}
