/// What the operator (a key press, or a headless script) asks of the simulation. Commands
/// are events: each is stamped with the virtual time it arrived and kept in the command log,
/// so a run is replayable from its seed and that log.
public enum OperatorCommand: Sendable, Equatable {
    /// An admin key, `1`–`5`.
    case start(Phase)
    /// `n` / PageDown: the next phase in order.
    case nextPhase
    /// `t`: the operator plays this student (1-based), or hands it back.
    case toggleTakeover(student: StudentID)
    /// `a`–`d`: answer the current question for a taken-over student.
    case answer(student: StudentID, choice: Int)
    /// `s`: submit a taken-over student's exam.
    case submitExam(student: StudentID)
    /// `i`: a taken-over student asks for the ISA marksheet.
    case requestMarksheet(student: StudentID)
    /// At the ISA prompt: a digit, Backspace, Enter, Esc.
    case isaKey(student: StudentID, IsaKey)
    /// In the consistency demo: `r`, `w` (then the new mark), `x`.
    case demo(student: StudentID, DemoKey)
    /// `f`: inject a fault now (its spec says when relative to the phase on).
    case inject(FaultSpec)
    /// `f`: a crashed node comes back.
    case restart(NodeID)

    /// The `name` of the log's `command` line.
    public var logName: String {
        switch self {
        case .start(.sync): "sync_clocks"
        case .start(.exam): "start_exam"
        case .start(.isa): "start_isa"
        case .start(.replication): "create_replicas"
        case .start(.consistency): "start_consistency"
        case .start(.done): "finish"
        case .nextPhase: "next_phase"
        case .toggleTakeover: "takeover"
        case .answer: "answer"
        case .submitExam: "submit"
        case .requestMarksheet: "request_marksheet"
        case .isaKey(_, let k): "isa_\(k.logName)"
        case .demo(_, let k): "demo_\(k.logName)"
        case .inject: "fault"
        case .restart: "restart"
        }
    }
}

/// A key at the ISA mark prompt.
public enum IsaKey: Sendable, Equatable {
    case digit(Int)
    case backspace
    case enter
    case escape

    var logName: String {
        switch self {
        case .digit(let d): "digit_\(d)"
        case .backspace: "backspace"
        case .enter: "enter"
        case .escape: "escape"
        }
    }
}

/// Feedback for the operator: what a command did, or why it could not.
public struct Notice: Sendable, Equatable {
    public var text: String
    /// Increases with every notice, so a screen can tell a new one from the same one.
    public var serial: Int
}

/// What the operator presses for a taken-over student in the demo.
public enum DemoKey: Sendable, Equatable {
    case read, write, exit
    case digit(Int), backspace, enter, escape

    var logName: String {
        switch self {
        case .read: "read"
        case .write: "write"
        case .exit: "exit"
        case .digit(let d): "digit_\(d)"
        case .backspace: "backspace"
        case .enter: "enter"
        case .escape: "escape"
        }
    }
}
