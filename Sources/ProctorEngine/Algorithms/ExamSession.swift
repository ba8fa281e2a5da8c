/// One student's exam, as a sans-I/O state machine.
///
/// The main server releases the questions on its own schedule — question q closes when
/// *main's* clock reads start + q × 30 s — and the session measures that deadline on the
/// student's clock (which is why clocks are synchronized first). An answer or an expiry
/// sends ANSWER (or TIMEOUT) and waits for the next release. The last question stays on
/// screen until its countdown ends (`timeout`: answering it does not submit); a manual submit
/// (`manual`) or a second warning (`terminated`) ends the exam sooner. It is submitted once,
/// and re-sent with the same submission until the server acknowledges it.
public struct ExamSession: Sendable, Equatable {
    public enum SubmitReason: String, Sendable, Equatable { case manual, timeout, terminated }

    public enum State: Sendable, Equatable {
        /// Before the first question arrives.
        case waiting
        /// Question `q` (from 1) is on screen until the local clock reads `deadline`.
        case answering(q: Int, deadline: VirtualTime)
        /// Question `q` was answered or expired; the next one is on its way.
        case between(q: Int)
        /// The submission left; no ACK yet.
        case submitted(SubmitReason)
        /// The server recorded it.
        case recorded(SubmitReason, server: NodeID, final: Int)
    }

    public enum Action: Sendable, Equatable {
        case send(ExamMessage)
        /// Fire `deadlineExpired(q:)` when the local clock reads `at`.
        case setDeadline(q: Int, at: VirtualTime)
        /// Fire `retransmitDue()` after this much local time.
        case setRetransmit(after: VirtualDuration)
        /// A flag was applied: the student's warning count is now `count`.
        case warned(count: Int)
        /// A flag reached the student after its submission left: dropped.
        case flagDropped
    }

    public let questionCount: Int
    public let retransmitAfter: VirtualDuration
    public private(set) var state: State = .waiting
    public private(set) var answers: [Int?]
    public private(set) var warnings = 0
    /// What happened to each question: answered, or locked unanswered by expiry.
    public private(set) var expired: [Bool]
    /// Questions put on screen, and ANSWER/TIMEOUT messages sent: the exam's message floor.
    public private(set) var shown = 0
    public private(set) var replied = 0

    public init(questionCount: Int, retransmitAfter: VirtualDuration) {
        self.questionCount = questionCount
        self.retransmitAfter = retransmitAfter
        answers = Array(repeating: nil, count: questionCount)
        expired = Array(repeating: false, count: questionCount)
    }

    public var currentQuestion: Int? {
        if case .answering(let q, _) = state { return q }
        return nil
    }

    public var hasSubmitted: Bool {
        switch state {
        case .submitted, .recorded: true
        default: false
        }
    }

    public var submitReason: SubmitReason? {
        switch state {
        case .submitted(let r), .recorded(let r, _, _): r
        default: nil
        }
    }

    /// The server sent question `q`, due when its clock reads `deadline`. Questions run on
    /// the server's schedule: if the one on screen has not expired on this clock yet (a clock
    /// running slow), it is locked unanswered now.
    public mutating func questionArrived(q: Int, deadline: VirtualTime) -> [Action] {
        let current: Int
        switch state {
        case .waiting: current = 0
        case .between(let p): current = p
        case .answering(let p, _):
            current = p
            if q > p { expired[p - 1] = true }
        default: return []
        }
        guard q > current, q <= questionCount else { return [] }   // stale or duplicate
        state = .answering(q: q, deadline: deadline)
        shown += 1
        return [.setDeadline(q: q, at: deadline)]
    }

    /// The student picks option `choice` (0–3) for the question on screen. The last question
    /// stays on screen once answered: the exam is submitted when its countdown ends, or when
    /// the student submits.
    public mutating func answer(_ choice: Int, localNow: VirtualTime) -> [Action] {
        guard case .answering(let q, let deadline) = state, localNow < deadline else { return [] }
        if q == questionCount {
            guard answers[q - 1] == nil else { return [] }   // answered once; it waits for the end
            answers[q - 1] = choice
            replied += 1
            return [.send(.answer(q: q, choice: choice))]
        }
        answers[q - 1] = choice
        return advance(from: q, reason: .manual, message: .answer(q: q, choice: choice))
    }

    /// Whether the last question is on screen, answered, with its countdown still running.
    public var answeredAll: Bool {
        guard case .answering(let q, _) = state, q == questionCount else { return false }
        return answers[q - 1] != nil
    }

    /// The deadline timer of question `q` fired at local time `localNow`.
    public mutating func deadlineExpired(q: Int, localNow: VirtualTime) -> [Action] {
        guard case .answering(let cur, let deadline) = state, cur == q else { return [] }
        if localNow < deadline { return [.setDeadline(q: q, at: deadline)] }   // the clock moved back
        if q == questionCount, answers[q - 1] != nil { return submit(.timeout) }   // answered: the countdown ends the exam
        expired[q - 1] = true
        return advance(from: q, reason: .timeout, message: .answer(q: q, choice: nil))
    }

    private mutating func advance(from q: Int, reason: SubmitReason, message: ExamMessage) -> [Action] {
        replied += 1
        if q < questionCount {
            state = .between(q: q)
            return [.send(message)]
        }
        return [.send(message)] + submit(reason)
    }

    /// The operator (or a simulated student) submits now.
    public mutating func submitRequested() -> [Action] {
        switch state {
        case .answering, .between, .waiting: submit(.manual)
        default: []
        }
    }

    /// The `n`-th cheating flag arrived from the server (a repeat of one already applied is
    /// ignored: a duplicated message must not warn twice).
    public mutating func flagArrived(n: Int) -> [Action] {
        guard n > warnings else { return [] }
        if hasSubmitted { return [.flagDropped] }
        warnings += 1
        if warnings >= 2 { return [.warned(count: warnings)] + submit(.terminated) }
        return [.warned(count: warnings)]
    }

    public mutating func acknowledged(server: NodeID, final: Int) -> [Action] {
        guard case .submitted(let r) = state else { return [] }
        state = .recorded(r, server: server, final: final)
        return []
    }

    /// No ACK came in time: send the same submission again (the server deduplicates).
    public mutating func retransmitDue() -> [Action] {
        guard case .submitted(let r) = state else { return [] }
        return [.send(submission(r)), .setRetransmit(after: retransmitAfter)]
    }

    private mutating func submit(_ reason: SubmitReason) -> [Action] {
        state = .submitted(reason)
        return [.send(submission(reason)), .setRetransmit(after: retransmitAfter)]
    }

    private func submission(_ reason: SubmitReason) -> ExamMessage {
        .submit(Submission(answers: answers, warnings: warnings, reason: reason))
    }
}

/// What a student hands in.
public struct Submission: Sendable, Equatable {
    public var answers: [Int?]
    public var warnings: Int
    public var reason: ExamSession.SubmitReason
}

public enum ExamMessage: Sendable, Equatable {
    /// main → student: question `q`, due when main's clock reads `deadline`.
    case question(q: Int, deadline: VirtualTime)
    /// student → main: the answer to `q`, or nil when it expired.
    case answer(q: Int, choice: Int?)
    /// student → main (and main → backup when redirected).
    indirect case submit(Submission)
    /// main → backup: a refused submission, forwarded, with when it reached main.
    indirect case forward(student: Int, Submission, arrived: VirtualTime)
    /// backup → main: a submission the backup recorded, for main's results store.
    indirect case recorded(SubmitRecord)
    /// student → main: the ISA mark it entered in the marksheet (nil: none), as it left.
    case mark(isa: Int?, reason: IsaExitReason)
    /// student, restarted → main: which question is open now?
    case resume
    /// main, restarted → backup: whom did you record or are you grading?
    case recall
    /// backup → main: the students it recorded or is grading.
    case claims([Int])
    /// backup → main: a student failed over to me; is its submission yours?
    case whose(student: Int)
    /// main → backup: whose it is (main has it, or the backup is to record it).
    case owner(student: Int, main: Bool)
    /// → student: its submission is recorded, by `server`, with this final mark. Sent by the
    /// recording server, or by main again for a resent copy.
    case ack(final: Int, server: NodeID)
    /// main → student: the `n`-th cheating flag main raised against this student.
    case flag(n: Int)

    public var kind: String {
        switch self {
        case .question: "QUESTION"
        case .answer(_, let c): c == nil ? "TIMEOUT" : "ANSWER"
        case .submit: "SUBMIT"
        case .forward: "FORWARD"
        case .recorded: "RECORDED"
        case .mark: "MARK"
        case .recall: "RECALL"
        case .resume: "RESUME"
        case .claims: "CLAIMS"
        case .whose: "WHOSE"
        case .owner: "OWNER"
        case .ack: "ACK"
        case .flag: "FLAG"
        }
    }
}
