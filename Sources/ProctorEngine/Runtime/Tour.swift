/// The guided tour (`--tour`): the default walkthrough, stopping at each teaching moment of
/// every phase with an explanation a newcomer can follow, and the pane to look at.
///
/// Sans-I/O: `moment(after:in:)` looks at the log entries one delivered event produced and
/// the world after it, and names the first moment of the tour not yet shown that they are.
/// The runtime pauses there; `n` goes on to the next, `b` back to the previous stop.
public struct Tour: Sendable {
    /// The panes a stop points at.
    public enum Pane: String, Sendable { case clocks, students, cheating, locks, servers, eventLog }

    /// One stop, as the screen shows it.
    public struct Stop: Sendable, Equatable {
        public var id: Moment
        public var text: String
        public var pane: Pane
        /// Where the run was (delivered events) when it stopped.
        public var position: Int
    }

    /// The teaching moments, in the walkthrough's order.
    public enum Moment: String, CaseIterable, Sendable {
        case welcome, firstReply, syncAverage, firstExpiry, firstWarning, firstRedirect, firstDeferral, holdTimeout,
             firstStore, writeWaitsForReaders, sharedRead, end
    }

    /// The moments already shown.
    public private(set) var shown: Set<Moment> = []
    /// The stops made so far, in order (the way back).
    public private(set) var stops: [Stop] = []

    public init() {}

    /// How many moments the tour has (some may not come in a given run).
    public static var count: Int { Moment.allCases.count }

    /// Records a stop at `position`.
    mutating func stop(_ m: Moment, text: String, pane: Pane, position: Int) -> Stop {
        shown.insert(m)
        let s = Stop(id: m, text: text, pane: pane, position: position)
        stops.append(s)
        return s
    }

    /// Forgets the stops after `position` (the run went back before them).
    mutating func rewind(to position: Int) {
        while let last = stops.last, last.position > position {
            stops.removeLast()
            shown.remove(last.id)
        }
    }

    /// The first stop, before anything runs.
    static let welcome = "Welcome. Proctor runs an online exam as separate nodes — main and backup servers, a teacher, students, 3 replica stores — that talk only by messages (the event log, bottom right). The tour stops at each moment worth seeing; n goes on, b goes back. First, main synchronizes everyone's clock (Berkeley)."

    /// The moment the entries of one delivered event are, if it is one not yet shown.
    func moment(after entries: ArraySlice<LogEntry>, in w: World) -> (Moment, String, Pane)? {
        func new(_ m: Moment) -> Bool { !shown.contains(m) }
        let n = w.roster.count
        for (i, e) in zip(entries.indices, entries) {
            switch e.kind {
            case .recv(let m, false):
                switch m.payload {
                case .sync(.timeReply(let r, let local)) where new(.firstReply):
                    let polled = w.kernel.log.recent.last { x in
                        if case .send(let s) = x.kind, s.to == m.from, case .sync(.timeRequest(r)) = s.payload { true } else { false }
                    }
                    let rtt = polled.map { e.t - $0.t }
                    let rttText = rtt.map { "\($0.milliseconds) ms" } ?? "its round trip"
                    return (.firstReply, "Berkeley, step 1: main asked every clock for its time. \(m.from.shortName) answered \(TextFormat.clock(local)); the answer is \(rttText) round trip old, so main adds half of it (RTT/2) to the reading before comparing it with its own clock — that difference is \(m.from.shortName)'s offset.", .clocks)
                case .ra(.request(let ts)) where new(.firstDeferral):
                    // A REQUEST answered by no REPLY in the same event: deferred.
                    let replied = entries[(i + 1)...].contains { x in
                        if case .send(let s) = x.kind, s.from == m.to, s.to == m.from, case .ra(.reply) = s.payload { true } else { false }
                    }
                    guard !replied, case .student(let k) = m.to else { continue }
                    let own = w.cluster.students[student: k].view.ra
                    let why = own.requestTimestamp.map { "its own request (\($0), \(m.to.shortName)) is earlier than (\(ts), \(m.from.shortName))" }
                        ?? "it is inside the critical section"
                    return (.firstDeferral, "Ricart–Agrawala: \(m.to.shortName) defers its REPLY to \(m.from.shortName) because \(why). \(m.from.shortName) cannot enter until that REPLY comes — that is how one student at a time gets the marksheet, with \(2 * (n - 1)) messages per entry.", .locks)
                case .replica(.store(let c)) where new(.firstStore):
                    return (.firstStore, "Replication: main splits the results into 2 chunks and sends each to 3 replicas. replica-\(Self.number(m.to)) just received chunk \(c.chunk) (\(c.rows.count) rows); it writes the copy to its disk and answers with the file's SHA-256, which main records in replication_metadata.json.", .servers)
                case .exam(.answer(let q, nil)) where new(.firstExpiry):
                    return (.firstExpiry, "A countdown ran out: \(m.from.shortName) did not answer question \(q) in \(w.scenario.secondsPerQuestion) s on its own clock, so the question is locked unanswered and the next one is shown. The clocks were synchronized first, so every student's 30 s are the same 30 s.", .students)
                default: continue
                }
            case .syncResult(let r) where new(.syncAverage):
                let outliers = r.outliers.map(\.shortName)
                let outlierText = outliers.isEmpty ? "No offset was far from the median, so all were averaged."
                    : "\(outliers.joined(separator: ", "))'s offset was far from the median: an outlier, corrected but left out of the average."
                return (.syncAverage, "Berkeley, step 2: main averaged \(r.averagedCount) offsets (\(Self.span(r.average))) and sent each node its own correction (ADJUST). \(outlierText) The clocks now agree within \(r.spreadAfter.milliseconds) ms, below the longest round trip, \(r.maxRoundTrip.milliseconds) ms.", .clocks)
            case .warning(let st, let count) where new(.firstWarning):
                return (.firstWarning, "Cheating detection: main flagged \(st.shortName) (warning \(count)). One warning keeps the exam going at 50% of its marks; a second ends it at once with 0.", .cheating)
            case .redirect(let st, let busy) where new(.firstRedirect):
                return (.firstRedirect, "Load balancing: main processes at most \(busy) submissions at a time, and all \(busy) slots are busy, so it refuses \(st.shortName)'s and the backup server processes it instead. Each submission is still recorded exactly once.", .servers)
            case .csExit(let node, _, .timeout) where new(.holdTimeout):
                return (.holdTimeout, "A hold timeout: \(node.shortName) stayed in the critical section for its \(w.scenario.isaHoldTimeout.milliseconds / 1000) s limit, so it leaves with what it typed and sends its deferred REPLYs — a stuck student cannot block the others forever.", .locks)
            case .lockRequest(let st, let c, .write) where new(.writeWaitsForReaders):
                let lock = w.cluster.main.view.locks[c - 1]
                let readers = lock.holders.filter { $0.mode == .read }.map { "S\($0.node)" }
                guard !readers.isEmpty else { continue }
                return (.writeWaitsForReaders, "Read/write locks: \(st.shortName) wants to write chunk \(c), but \(readers.joined(separator: ", ")) \(readers.count == 1 ? "is" : "are") reading it. A writer must be alone, so \(st.shortName) waits until the readers release; then its write goes to all 3 replicas.", .locks)
            case .lockAcquire(let st, let c, .read) where new(.sharedRead):
                let lock = w.cluster.main.view.locks[c - 1]
                let others = lock.holders.filter { $0.mode == .read && .student($0.node) != st }.map { "S\($0.node)" }
                guard !others.isEmpty else { continue }
                return (.sharedRead, "Read/write locks: \(st.shortName) may read chunk \(c) while \(others.joined(separator: ", ")) \(others.count == 1 ? "reads" : "read") it too — readers share a lock; only a writer needs it alone.", .locks)
            case .phase(.done) where new(.end):
                return (.end, "The tour is over: clocks synchronized, the exam submitted and recorded once, marks entered one at a time, results replicated, and read/write locks keeping the copies equal. q quits; the event log (and --shiviz) keep the whole run.", .eventLog)
            default: continue
            }
        }
        return nil
    }

    private static func number(_ n: NodeID) -> Int {
        if case .replica(let k) = n { k } else { 0 }
    }

    private static func span(_ d: VirtualDuration) -> String {
        let ms = d.milliseconds
        return (ms < 0 ? "−" : "+") + TextFormat.fixed(Double(abs(ms)) / 1000, 2) + " s"
    }
}
