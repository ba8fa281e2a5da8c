import ProctorEngine

/// What the router may learn from a snapshot. A snapshot published before the operator's
/// last keys took effect must never make a key do something other than what those keys ask
/// for, so the router takes from it only facts that, once true, stay true — and one more
/// that it uses only to open a prompt, never to close one (`holdsMarksheet`): at worst a key
/// then goes to a prompt that has just closed, where it does nothing.
struct RoutingFacts: Equatable, Sendable {
    /// Per student (from 0): its exam is over — submitted, ended, or the ISA phase begun.
    var examOver: [Bool]
    /// Per student (from 0): its ISA mark is recorded (entered, or its hold timed out).
    var isaDone: [Bool]
    var demoStarted: Bool
    /// Crashed nodes (a menu key restarts them instead).
    var down: Set<NodeID> = []
    /// Per student (from 0): it holds the ISA marksheet, its prompt open.
    var holdsMarksheet: [Bool]
    /// How many recent events the snapshot carries (the event log scrolls back that far); a
    /// bound on scrolling, not a fact about the run, so equality leaves it out.
    var logLength = Int.max
    /// The guided tour is on (for the whole run): its keys come first.
    var tour = false

    static func == (a: RoutingFacts, b: RoutingFacts) -> Bool {
        a.examOver == b.examOver && a.isaDone == b.isaDone && a.demoStarted == b.demoStarted && a.down == b.down
            && a.holdsMarksheet == b.holdsMarksheet && a.tour == b.tour
    }

    init(examOver: [Bool], isaDone: [Bool], demoStarted: Bool, holdsMarksheet: [Bool] = []) {
        self.examOver = examOver
        self.isaDone = isaDone
        self.demoStarted = demoStarted
        self.holdsMarksheet = holdsMarksheet
    }

    init(_ s: Snapshot) {
        let isaStarted = s.isa.startedAt != nil
        examOver = (0..<s.studentCount).map { i in
            isaStarted || s.exam.records[i] != nil || s.exam.sessions[i].hasSubmitted
        }
        isaDone = s.isa.status.map { if case .done = $0 { true } else { false } }
        demoStarted = s.demo.startedAt != nil
        holdsMarksheet = s.isa.status.map { if case .inCS = $0 { true } else { false } }
        down = Set(s.down.keys)
        logLength = s.recentLog.count
        tour = s.tour != nil
    }

    /// Nothing known yet: every exam still to come.
    static func start(students: Int) -> RoutingFacts {
        RoutingFacts(examOver: Array(repeating: false, count: students), isaDone: Array(repeating: false, count: students), demoStarted: false)
    }
}

/// Turns key presses into what the program must do, in the mode the operator's own keys
/// have put the screen in.
///
/// The router itself knows the focused student, the students the operator plays (`t` always
/// toggles), an open mark prompt (from `i` or `w` until Enter or Esc) and the help overlay —
/// so a key typed right after another goes where the first one said, whatever snapshot the
/// background engine last published. From snapshots it takes only `RoutingFacts`. The one
/// mode they can put it in by themselves is the mark prompt, while a student the operator
/// plays holds the marksheet (asked for before an Esc, or taken over while typing), so
/// digits meant for the mark never reach the phase keys.
struct InputRouter: Sendable {
    /// An open mark prompt.
    struct Prompt: Equatable, Sendable {
        enum Kind: Sendable { case isa, demo }
        var kind: Kind
        /// The student it belongs to, from 0.
        var student: Int
        /// The demo's mark as typed (the demo's prompt is open the moment `w` lands, so the
        /// router follows its text and closes on an Enter the engine takes).
        var typed = ""
    }

    /// What the caller carries out.
    enum Action: Equatable, Sendable {
        case send(OperatorCommand)
        case togglePause, step, stepBack, faster, slower
        /// The guided tour's next stop, or back to its previous one.
        case tourNext, tourBack
        /// Write the run so far for ShiViz.
        case exportShiViz
        case quit
    }

    let studentCount: Int
    /// Marks run from 0 to this.
    let maxMark: Int
    /// The focused student, from 0.
    private(set) var focus = 0
    /// The students the operator plays, from 0.
    private(set) var played: Set<Int> = []
    private(set) var prompt: Prompt?
    private(set) var helpVisible = false
    private(set) var faultMenuVisible = false
    private(set) var teacherView = false
    /// How many events back from the newest the event log pane shows (0: the newest).
    private(set) var logScroll = 0
    /// The focused student's own screen replaces the monitors (always for a played student).
    private(set) var studentScreen = false
    /// The space-time diagram fills the screen (`g`).
    private(set) var diagramVisible = false
    /// The mechanisms the diagram hides.
    private(set) var diagramHidden: Set<Mechanism> = []
    /// How many events back from the newest the diagram shows, and its first lane.
    private(set) var diagramScroll = 0
    private(set) var diagramLane = 0

    init(students: Int, maxMark: Int) {
        studentCount = max(1, students)
        self.maxMark = maxMark
    }

    /// The mode the keys are in.
    func mode(_ facts: RoutingFacts) -> InputMode {
        if helpVisible { return .help }
        if faultMenuVisible { return .faultMenu }
        if diagramVisible { return .diagram }
        if let p = prompt, !finished(p, facts) { return .markPrompt }
        guard played.contains(focus) else { return .normal }
        if fact(facts.holdsMarksheet, focus) { return .markPrompt }
        if facts.demoStarted { return .demo }
        return fact(facts.examOver, focus) ? .normal : .answering
    }

    /// Routes one key: updates the router's state and returns what the caller must do.
    mutating func route(_ key: Key, _ facts: RoutingFacts) -> [Action] {
        if let p = prompt, finished(p, facts) { prompt = nil }
        let student = focus + 1
        guard let action = KeyTable.action(for: key, in: mode(facts), tour: facts.tour) else {
            // A student's key (a–d, s, r, w, x) while the focused student is not played, or
            // its exam is over: the engine says why nothing happens ("press t first", "no
            // question on screen"), rather than the key doing nothing.
            switch KeyTable.action(for: key, in: .answering) ?? KeyTable.action(for: key, in: .demo) {
            case .answer(let choice)?: return [.send(.answer(student: student, choice: choice))]
            case .submit?: return [.send(.submitExam(student: student))]
            case .demo(let choice)?: return [.send(.demo(student: student, choice))]
            default: return []
            }
        }
        switch action {
        case .command(let c): return [.send(c)]
        case .togglePause: return [.togglePause]
        case .step: return [.step]
        case .stepBack: return [.stepBack]
        case .faster: return [.faster]
        case .slower: return [.slower]
        case .quit: return [.quit]
        case .tourNext: return [.tourNext]
        case .tourBack: return [.tourBack]
        case .focusNext: focus = (focus + 1) % studentCount
        case .focusPrevious: focus = (focus + studentCount - 1) % studentCount
        case .focusFirst: focus = 0
        case .focusLast: focus = studentCount - 1
        case .toggleHelp: helpVisible.toggle()
        case .toggleFaultMenu: faultMenuVisible.toggle()
        case .fault(let choice):
            faultMenuVisible = false
            return [.send(Self.command(choice, student: student, down: facts.down))]
        case .toggleResults: teacherView.toggle()
        case .toggleStudentScreen: studentScreen.toggle()
        case .scrollLog(let by) where diagramVisible:
            diagramScroll = by.map { min(max(0, diagramScroll + $0), facts.logLength) } ?? 0
        case .scrollLog(let by): logScroll = by.map { min(max(0, logScroll + $0), facts.logLength) } ?? 0
        case .toggleDiagram: diagramVisible.toggle()
        case .exportShiViz: return [.exportShiViz]
        case .diagramFilter(let m): if diagramHidden.remove(m) == nil { diagramHidden.insert(m) }
        case .diagramLanes(let by): diagramLane = max(0, diagramLane + by)
        case .takeOver:
            if played.remove(focus) == nil { played.insert(focus) }
            return [.send(.toggleTakeover(student: student))]
        case .answer(let choice): return [.send(.answer(student: student, choice: choice))]
        case .submit: return [.send(.submitExam(student: student))]
        case .requestMarksheet:
            // A recorded mark is never written again: no prompt then (the engine says so).
            if played.contains(focus) && !fact(facts.isaDone, focus) { prompt = Prompt(kind: .isa, student: focus) }
            return [.send(.requestMarksheet(student: student))]
        case .demo(let choice):
            if choice == .write { prompt = Prompt(kind: .demo, student: focus) }
            return [.send(.demo(student: student, choice))]
        case .mark(let key):
            // The router's own prompt, or else the marksheet a played student holds, which
            // lasts as long as snapshots say so.
            let held = played.contains(focus) && fact(facts.holdsMarksheet, focus) ? Prompt(kind: .isa, student: focus) : nil
            guard var p = prompt ?? held else { return [] }
            edit(&p, key)
            if prompt != nil {
                let closes = key == .escape || p.kind == .demo && key == .enter && Int(p.typed).map { $0 <= maxMark } == true
                prompt = closes ? nil : p
            }
            let k = p.student + 1
            return [.send(p.kind == .isa ? .isaKey(student: k, key.isaKey) : .demo(student: k, key.demoKey))]
        }
        return []
    }

    /// Follows the prompt's text as the engine edits it: digits up to the width of the
    /// largest mark, Backspace takes the last one.
    private func edit(_ p: inout Prompt, _ key: MarkKey) {
        switch key {
        case .digit(let d):
            if p.typed.count < String(maxMark).count { p.typed.append(String(d)) }
        case .backspace:
            if !p.typed.isEmpty { p.typed.removeLast() }
        case .enter, .escape: break
        }
    }

    /// An ISA prompt whose mark is now recorded. (The marksheet is granted only after
    /// Ricart–Agrawala, so the router cannot know when digits reach it; it closes the prompt
    /// when the engine says the mark is in.)
    private func finished(_ p: Prompt, _ facts: RoutingFacts) -> Bool {
        // Recorded: by Enter or Esc, or by the hold limit while the player still typed.
        p.kind == .isa && fact(facts.isaDone, p.student)
    }

    private func fact(_ list: [Bool], _ i: Int) -> Bool { list.indices.contains(i) && list[i] }

    /// The engine command for a fault menu choice: the fault begins now, anchored by the
    /// engine to the phase on.
    static func command(_ choice: FaultChoice, student k: Int, down: Set<NodeID>) -> OperatorCommand {
        func now(_ kind: FaultSpec.Kind, node: NodeID? = nil, from: NodeID? = nil, to: NodeID? = nil,
                 duration: VirtualDuration? = nil, amount: VirtualDuration? = nil) -> OperatorCommand {
            .inject(FaultSpec(kind: kind, node: node, from: from, to: to, phase: .sync, offset: .zero, duration: duration, amount: amount))
        }
        switch choice {
        case .crash(let node): return down.contains(node) ? .restart(node) : now(.crash, node: node)
        case .crashStudent: return down.contains(.student(k)) ? .restart(.student(k)) : now(.crash, node: .student(k))
        case .dropLink: return now(.drop, from: .student(k), to: .main, duration: .seconds(15))
        case .delayLink: return now(.delay, from: .main, to: .student(k), duration: .seconds(30), amount: .milliseconds(1500))
        case .partition: return now(.partition, node: .student(k), duration: .seconds(15))
        case .clockJump: return now(.clockjump, node: .student(k), amount: .seconds(8))
        }
    }
}
