/// The ISA phase: each student enters its mark in the shared marksheet, a critical section
/// guarded by Ricart–Agrawala. A hold timeout records what was typed so far and makes the
/// student leave, so a slow hand never blocks the class.
extension Simulation {
    public struct IsaState: Sendable {
        public enum Status: Sendable, Equatable {
            case notRequested
            case waiting(since: VirtualTime)
            /// In the critical section, typing; `entry` numbers the student's stays.
            case inCS(since: VirtualTime, typed: String, entry: Int)
            case done(isa: Int?, reason: IsaExitReason)
        }

        public var startedAt: VirtualTime?
        public var status: [Status]
        public var ra: [RicartAgrawala]
        /// Who is in the critical section.
        public var holder: Int?
        public var entries = 0
        /// The mark each simulated student means to type.
        var planned: [String]

        init(students: Int) {
            status = Array(repeating: .notRequested, count: students)
            ra = (0..<students).map { i in RicartAgrawala(id: i + 1, peers: (1...students).filter { $0 != i + 1 }) }
            planned = Array(repeating: "", count: students)
        }

        public var doneCount: Int {
            status.lazy.filter { if case .done = $0 { true } else { false } }.count
        }

        /// The requests waiting for the section, in (ts, id) order.
        public var queue: [(student: Int, ts: Int)] {
            ra.compactMap { r in if case .wanting(let ts) = r.state { (r.id, ts) } else { nil } }
                .sorted { RicartAgrawala.precedes(($0.ts, $0.student), ($1.ts, $1.student)) }
        }
    }

    // MARK: Starting

    func startIsa() {
        guard isa.startedAt == nil else {
            say(completed.contains(.isa) ? "Every ISA mark is in the marksheet." : "The ISA phase is already running.")
            return
        }
        guard completed.contains(.exam) else {
            say(exam.startedAt == nil ? "ISA marks come after the exam: press 2 first." : "ISA marks come after the exam: wait until every submission is recorded.")
            return
        }
        enter(.isa)
        isa.startedAt = now
        var r = examRandom
        for k in 1...students.count where !exam.operated[k - 1] {
            let delay = VirtualDuration(microseconds: r.int(in: 0...Int64(scenario.isaRequestSpread * 1_000_000)))
            queue.schedule(.timer(.isaRequest(student: k)), at: now + delay)
        }
        examRandom = r
        say("ISA marks: each student needs the shared marksheet; Ricart–Agrawala lets one in at a time (watch the lock queues).")
    }

    // MARK: Ricart–Agrawala

    func isaRequest(_ k: Int) {
        guard isa.status[k - 1] == .notRequested else { return }
        isa.status[k - 1] = .waiting(since: now)
        let actions = isa.ra[k - 1].request()
        record(.csRequest(node: .student(k), ts: isa.ra[k - 1].requestTimestamp ?? 0))
        carryOutRA(actions, k)
    }

    func receiveRA(_ m: RAMessage, _ env: Envelope) {
        guard case .student(let k) = env.to, case .student(let from) = env.from else { return }
        // Mutated in place: a copy would duplicate the peer's deferred set on every message.
        let actions = isa.ra[k - 1].received(m, from: from)
        carryOutRA(actions, k)
    }

    private func carryOutRA(_ actions: [RicartAgrawala.Action], _ k: Int) {
        for a in actions {
            switch a {
            case .send(let m, let to): send(.ra(m), from: .student(k), to: .student(to))
            case .enter: enterMarksheet(k)
            }
        }
    }

    private func enterMarksheet(_ k: Int) {
        if let other = isa.holder {
            breakInvariant("mutual_exclusion", "S\(k) entered the critical section while S\(other) was in it")
        }
        isa.holder = k
        isa.entries += 1
        let entry = isa.entries
        isa.status[k - 1] = .inCS(since: now, typed: "", entry: entry)
        record(.csEnter(node: .student(k)))
        queue.schedule(.timer(.isaHold(student: k, entry: entry)), at: now + scenario.isaHoldTimeout)
        if !exam.operated[k - 1] { planTyping(k, entry: entry) }
    }

    /// A simulated student types its mark digit by digit, then Enter.
    private func planTyping(_ k: Int, entry: Int) {
        var r = examRandom
        let mark = String(r.int(in: 0...Int64(scenario.isaMaxMark)))
        let total = r.int(in: Int64(scenario.isaTypeMin * 1_000_000)...Int64(scenario.isaTypeMax * 1_000_000))
        examRandom = r
        isa.planned[k - 1] = mark
        let keys = mark.count + 1
        for i in 0..<keys {
            queue.schedule(.timer(.isaType(student: k, entry: entry, index: i)),
                           at: now + VirtualDuration(microseconds: total * Int64(i + 1) / Int64(keys)))
        }
    }

    func isaTyped(_ k: Int, entry: Int, index: Int) {
        guard case .inCS(_, let typed, let e) = isa.status[k - 1], e == entry, !exam.operated[k - 1] else { return }
        let mark = Array(isa.planned[k - 1])
        if index < mark.count {
            setTyped(k, typed + String(mark[index]))
        } else {
            leaveMarksheet(k, isa: Int(typed), reason: .done)
        }
    }

    private func setTyped(_ k: Int, _ typed: String) {
        guard case .inCS(let since, _, let entry) = isa.status[k - 1] else { return }
        isa.status[k - 1] = .inCS(since: since, typed: typed, entry: entry)
    }

    func isaHoldExpired(_ k: Int, entry: Int) {
        guard case .inCS(_, let typed, let e) = isa.status[k - 1], e == entry else { return }
        say("S\(k) held the marksheet too long: auto-submitted " + (typed.isEmpty ? "with no mark" : "with \(typed)") + ", and it leaves.")
        leaveMarksheet(k, isa: Int(typed), reason: .timeout)
    }

    private func leaveMarksheet(_ k: Int, isa value: Int?, reason: IsaExitReason) {
        isa.holder = nil
        isa.status[k - 1] = .done(isa: value, reason: reason)
        results[k - 1].isa = value
        resultsRevision += 1
        record(.csExit(node: .student(k), isa: value, reason: reason))
        let actions = isa.ra[k - 1].exit()
        carryOutRA(actions, k)
        if isa.doneCount == students.count {
            completed.insert(.isa)
            let timeouts = isa.status.filter { if case .done(_, .timeout) = $0 { true } else { false } }.count
            say("ISA done: \(students.count) students entered the marksheet one at a time (\(timeouts) by hold timeout), \(messageCounts[.ra, default: 0]) messages.")
        }
    }

    // MARK: Operator

    func operatorRequestMarksheet(_ k: Int) {
        guard (1...students.count).contains(k) else { return }
        guard isa.startedAt != nil else {
            say(completed.contains(.exam) ? "The ISA phase has not started: press 3." : "ISA marks come after the exam.")
            return
        }
        guard operatorPlays(k, before: "asking for the marksheet") else { return }
        switch isa.status[k - 1] {
        case .notRequested: isaRequest(k)
        case .waiting: say("S\(k) is already waiting for replies.")
        case .inCS: say("S\(k) holds the marksheet: type the mark, Enter.")
        case .done(let v, _): refuse(k, "S\(k)'s ISA mark is already recorded (\(v.map(String.init) ?? "none")); it is never written twice.")
        }
    }

    func operatorIsaKey(_ k: Int, _ key: IsaKey) {
        guard (1...students.count).contains(k), exam.operated[k - 1] else { return }
        guard case .inCS(_, let typed, _) = isa.status[k - 1] else {
            if case .done(let v, .timeout) = isa.status[k - 1] {
                refuse(k, "Too late: S\(k)'s hold timed out and \(v.map(String.init) ?? "no mark") was recorded. A late entry is refused.")
            }
            return
        }
        switch key {
        case .digit(let d):
            if typed.count < String(scenario.isaMaxMark).count { setTyped(k, typed + String(d)) }
        case .backspace:
            setTyped(k, String(typed.dropLast()))
        case .enter:
            guard let v = Int(typed) else { say("Type the mark first (0–\(scenario.isaMaxMark)), then Enter."); return }
            guard v <= scenario.isaMaxMark else { say("ISA marks run from 0 to \(scenario.isaMaxMark)."); return }
            leaveMarksheet(k, isa: v, reason: .done)
        case .escape:
            leaveMarksheet(k, isa: nil, reason: .done)
        }
    }

    private func refuse(_ k: Int, _ text: String) {
        record(.isaRefused(node: .student(k), reason: text))
        say(text)
    }

    /// Hands a student back to the simulation mid-phase: it asks or types by itself again.
    func resumeSimulatedIsa(_ k: Int) {
        guard isa.startedAt != nil else { return }
        switch isa.status[k - 1] {
        case .notRequested: queue.schedule(.timer(.isaRequest(student: k)), at: now + .seconds(1))
        case .inCS(_, _, let entry): planTyping(k, entry: entry)
        default: break
        }
    }
}
