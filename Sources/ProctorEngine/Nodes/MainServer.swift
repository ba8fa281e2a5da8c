/// The main server: Berkeley time daemon, exam release and grading, the submission router
/// with its 3 slots, the cheating detector, the results store, the read/write lock manager
/// and the replication coordinator. It talks to other nodes only in messages.
public struct MainServer: ExamServer, Sendable {
    public enum Timer: Hashable, Sendable {
        /// Release question `q` to every student still answering.
        case release(q: Int)
        case flagTick
        /// Grading of student `k`'s submission is done.
        case processed(student: Int)
        /// Copies not yet confirmed are sent again.
        case storeRetry
        /// Recovering, the backup has not answered RECALL: ask again.
        case recallRetry
        /// Sync round `round`'s replies are due.
        case syncTimeout(round: Int)
    }

    public enum Command: Sendable, Equatable {
        case startSync(participants: [NodeID])
        case startExam
        case replicate
        /// At the start of the demo: is the metadata on disk what main last wrote?
        case verifyMetadata
    }

    public typealias Effects = [Effect<Timer>]

    /// How long after the last question closes main expects every record.
    public static let recordsDue = VirtualDuration.seconds(60)

    /// How long main waits for a replica's STORED before sending the copy again.
    public static let storeRetry = VirtualDuration.seconds(3)

    /// How long a sync round waits for REPLYs before it goes on without the missing ones.
    public static let syncTimeout = VirtualDuration.seconds(5)

    /// What survives a crash: the results recorded, and the replication metadata.
    public struct Durable: Sendable {
        public var results: [ResultRow]
        public var records: [SubmitRecord?]
        /// Whose ISA mark is in the marksheet.
        public var marked: [Bool]
        public var coordinator: ReplicationCoordinator
        /// The committed version of each chunk (the demo's writes raise it).
        public var versions = [1, 1]
        public var metadataSHA: String?
        /// The exam's schedule: when it started, and main's clock then (question q closes
        /// at this + q × 30 s), so a restarted main releases the rest on time.
        public var examStartedAt: VirtualTime?
        public var examStartLocal = VirtualTime.zero
        /// The demo's chunk locks: a lock service that forgot its holders on a crash would
        /// grant a chunk beside a writer still writing.
        public var locks = [ReadWriteLock(), ReadWriteLock()]
        /// Per student: the number of its latest lock request (older copies are ignored).
        public var lockReq: [StudentID: LockRequestID] = [:]
        /// A student's next LOCK that came before the UNLOCK of its hold (the UNLOCK was lost
        /// or overtaken): taken up when that UNLOCK comes.
        public var nextLock: [StudentID: (chunk: ChunkID, mode: ReadWriteLock.Mode, req: LockRequestID)] = [:]
    }

    /// Lost in a crash.
    public struct Volatile: Sendable {
        public var daemon: BerkeleyDaemon
        public var syncStatus: [NodeID: SyncStatus] = [:]
        public var lastRound: BerkeleyRound?
        /// What the daemon's own last adjustment did.
        public var ownAdjust: ClockChange?
        /// Since a restart: submissions wait until the backup has said whom it recorded or
        /// is grading (so nobody is recorded by both servers).
        public var recovering = false
        var held: [(student: Int, sub: Submission)] = []
        /// Students the backup recorded or is grading: their submissions go to it.
        public var claimedByBackup: Set<Int> = []
        public var router: SubmissionRouter
        public var detector: CheatingDetector
        /// Per student (index from 0): the submission received, when, and when grading began.
        var pending: [Submission?]
        var arrivedAt: [VirtualTime?]
        var startedAt: [VirtualTime?]
        public var redirects: [RedirectRecord] = []
        var random: SeededRandom
    }

    public enum SyncStatus: Sendable, Equatable { case idle, polled, replied }

    public struct RedirectRecord: Sendable, Equatable {
        public var at: VirtualTime
        public var student: Int
    }

    public let setup: ExamSetup
    public private(set) var durable: Durable
    public private(set) var volatile: Volatile

    public init(_ setup: ExamSetup) {
        self.setup = setup
        let students = setup.roster, scenario = setup.scenario, seed = setup.seed
        durable = Durable(results: students.map(ResultRow.pending), records: Array(repeating: nil, count: students.count),
                          marked: Array(repeating: false, count: students.count), coordinator: ReplicationCoordinator(studentCount: students.count))
        volatile = MainServer.freshVolatile(students: students.count, scenario: scenario, seed: seed)
    }

    static func freshVolatile(students n: Int, scenario: Scenario, seed: UInt64) -> Volatile {
        Volatile(daemon: BerkeleyDaemon(config: .init(tolerance: scenario.syncTolerance)),
                 router: SubmissionRouter(mainSlots: scenario.mainSlots),
                 detector: CheatingDetector(students: (1...max(n, 1)).prefix(n).map { .student($0) }, flagsPerMinute: scenario.flagsPerMinute),
                 pending: Array(repeating: nil, count: n), arrivedAt: Array(repeating: nil, count: n),
                 startedAt: Array(repeating: nil, count: n), random: SeededRandom(seed: seed, stream: NodeID.main.denseIndex))
    }

    /// Keeps only the durable state.
    public mutating func crash() {
        let rounds = volatile.daemon.roundsStarted
        volatile = MainServer.freshVolatile(students: students.count, scenario: scenario, seed: seed)
        volatile.daemon = BerkeleyDaemon(config: volatile.daemon.config, roundsStarted: rounds)
    }

    /// Comes back from the durable state. During the exam it asks the backup whom it recorded
    /// or is grading (and holds submissions until the answer), and releases the question its
    /// clock says is open, with the rest on schedule.
    public mutating func restart(_ ctx: NodeContext) -> Effects {
        // Replication under way: the copies not confirmed go out again.
        let stores = durable.coordinator.resend()
        var out: Effects = stores.isEmpty ? [] : effects(of: stores) + [.setTimer(.storeRetry, after: Self.storeRetry)]
        guard durable.examStartedAt != nil, durable.records.contains(where: { $0 == nil }) else { return out }
        volatile.recovering = true
        out += [.send(.exam(.recall), to: .backup), .setTimer(.recallRetry, after: Self.storeRetry)]
        let elapsed = (ctx.local - durable.examStartLocal).microseconds
        let q = Int(elapsed / (Int64(scenario.secondsPerQuestion) * 1_000_000)) + 1
        if q <= questions.count { out += release(q, ctx) }
        return out
    }

    // MARK: Inputs

    public mutating func command(_ c: Command, _ ctx: NodeContext) -> Effects {
        switch c {
        case .startSync(let participants):
            for p in participants { volatile.syncStatus[p] = .polled }
            let start = effects(of: volatile.daemon.startRound(participants: participants, localNow: ctx.local), ctx)
            let round = volatile.daemon.roundsStarted
            // Before the exam, the marksheet is there from the lesson's first step, every
            // student pending: a run stopped before the exam still leaves it.
            let marksheet: Effects = durable.examStartedAt == nil ? [workbook] : []
            return marksheet + start + (volatile.daemon.isPolling ? [.setTimer(.syncTimeout(round: round), after: Self.syncTimeout)] : [])
        case .startExam:
            guard durable.examStartedAt == nil else { return [] }
            durable.examStartedAt = ctx.now
            durable.examStartLocal = ctx.local
            var r = volatile.random
            let next = volatile.detector.start(random: &r)
            volatile.random = r
            // The marksheet, every student pending, for whoever opens it before the first submission.
            return [workbook] + release(1, ctx) + effects(of: next)
        case .replicate:
            return effects(of: durable.coordinator.start(results: durable.results)) + [.setTimer(.storeRetry, after: Self.storeRetry)]
        case .verifyMetadata:
            guard let sha = durable.metadataSHA else { return [] }
            return [.check(path: ReplicaFiles.metadataName, sha256: sha)]
        }
    }

    public mutating func received(_ payload: Payload, from: NodeID, _ ctx: NodeContext) -> Effects {
        switch payload {
        case .sync(let m):
            if volatile.syncStatus[from] == .polled { volatile.syncStatus[from] = .replied }
            return effects(of: volatile.daemon.received(m, from: from, localNow: ctx.local), ctx)
        case .exam(let m):
            return receivedExam(m, from: from, ctx)
        case .lock(let m):
            return receivedLock(m, from: from, ctx)
        case .replica(.stored(let c, let v, let sha)):
            guard case .replica(let r) = from else { return [] }
            return effects(of: durable.coordinator.stored(replica: r, chunk: c, version: v, sha256: sha))
        case .replica, .ra:
            return []
        }
    }

    public mutating func timerFired(_ t: Timer, _ ctx: NodeContext) -> Effects {
        switch t {
        case .release(let q):
            return release(q, ctx)
        case .flagTick:
            var r = volatile.random
            let actions = volatile.detector.tick(random: &r)
            volatile.random = r
            return effects(of: actions)
        case .processed(let k):
            return effects(of: volatile.router.finished(student: .student(k), on: .main), ctx)
        case .recallRetry:
            // Recovering, or the exam is over with records missing (a RECORDED from the backup
            // was lost): ask the backup again.
            guard volatile.recovering || durable.records.contains(where: { $0 == nil }) else { return [] }
            return [.send(.exam(.recall), to: .backup), .setTimer(.recallRetry, after: Self.storeRetry)]
        case .syncTimeout(let round):
            return effects(of: volatile.daemon.timedOut(round: round), ctx)
        case .storeRetry:
            let again = durable.coordinator.resend()
            return again.isEmpty ? [] : effects(of: again) + [.setTimer(.storeRetry, after: Self.storeRetry)]
        }
    }

    public mutating func storageResult(_ r: StorageResult, _ ctx: NodeContext) -> Effects {
        guard r.op == .check, r.path == ReplicaFiles.metadataName, r.outcome != .ok else { return [] }
        let detail = "\(ReplicaFiles.metadataName) is \(r.outcome == .missing ? "missing" : "not what main wrote") (\(r.outcome.rawValue)): refused, rewritten"
        return [.log(.metadataRefused(detail: detail)), .notice(detail)] + persistMetadata(durable.coordinator.metadata())
    }

    // MARK: Clock synchronization

    /// Berkeley (the time daemon): its actions as effects.
    private mutating func effects(of actions: [BerkeleyDaemon.Action], _ ctx: NodeContext) -> Effects {
        var out: Effects = []
        for a in actions {
            switch a {
            case .send(let m, let to): out.append(.send(.sync(m), to: to))
            case .roundComputed(let r):
                volatile.lastRound = r
                out.append(.cancelTimer(.syncTimeout(round: r.round)))
                if !r.unanswered.isEmpty {
                    let who = r.unanswered.map(\.shortName).joined(separator: ", ")
                    out.append(.notice("Sync round \(r.round): no REPLY from \(who) in \(Int(Self.syncTimeout.seconds)) s — left out: not averaged, not adjusted."))
                }
            case .adjustOwnClock(let delta):
                volatile.ownAdjust = ClockChange(round: volatile.daemon.roundsStarted, localBefore: ctx.local, delta: delta)
                out.append(.adjustClock(by: delta))
            }
        }
        return out
    }

    // MARK: Exam

    /// main's clock reading at which question `q` closes.
    public func closing(_ q: Int) -> VirtualTime {
        durable.examStartLocal + .seconds(Int64(q * scenario.secondsPerQuestion))
    }

    private func release(_ q: Int, _ ctx: NodeContext) -> Effects {
        var out: Effects = []
        for k in 1...max(students.count, 1) where k <= students.count && volatile.pending[student: k] == nil && durable.records[student: k] == nil {
            out.append(.send(.exam(.question(q: q, deadline: closing(q))), to: .student(k)))
        }
        if q < questions.count { out.append(.setTimerAtLocal(.release(q: q + 1), local: closing(q))) }
        // Well after the last question closes, a record still missing is pulled from the backup.
        if q == questions.count { out.append(.setTimerAtLocal(.recallRetry, local: closing(q) + Self.recordsDue)) }
        return out
    }

    private mutating func receivedExam(_ m: ExamMessage, from: NodeID, _ ctx: NodeContext) -> Effects {
        switch m {
        case .submit(let sub):
            guard case .student(let k) = from, students.hasStudent(k) else { return [] }
            if volatile.arrivedAt[student: k] == nil {
                volatile.arrivedAt[student: k] = ctx.now
                volatile.pending[student: k] = sub
            }
            let watching = volatile.detector.isActive
            volatile.detector.submitted(from)
            // Nobody left to watch: the detector's next draw would only keep the exam busy.
            let stopDetector: Effects = watching && !volatile.detector.isActive ? [.cancelTimer(.flagTick)] : []
            if let rec = durable.records[student: k] {
                return stopDetector + [.send(.exam(.ack(final: rec.final, server: rec.server)), to: from)]
            }
            if volatile.recovering {
                if !volatile.held.contains(where: { $0.student == k }) { volatile.held.append((k, sub)) }
                return stopDetector
            }
            if volatile.claimedByBackup.contains(k) {
                return stopDetector + [.send(.exam(.forward(student: k, sub, arrived: volatile.arrivedAt[student: k] ?? ctx.now)), to: .backup)]
            }
            return stopDetector + effects(of: volatile.router.arrivedAtMain(from: from, processing: processingTime()), ctx)
        case .recorded(let rec):
            guard case .student(let k) = rec.student, students.hasStudent(k) else { return [] }
            if durable.records[student: k] == rec { return [] }   // a duplicate of a report already in
            _ = volatile.router.finished(student: rec.student, on: .backup)   // the backup acknowledged it itself
            return record(rec, k)
        case .mark(let isa, _):
            guard case .student(let k) = from, students.hasStudent(k), !durable.marked[student: k] else { return [] }
            durable.marked[student: k] = true
            durable.results[student: k].isa = isa
            return [workbook] + (durable.marked.allSatisfy { $0 } ? [.completed(.isa)] : [])
        case .claims(let students):
            guard volatile.recovering else { return [] }
            volatile.recovering = false
            var out: Effects = [.cancelTimer(.recallRetry)]
            volatile.claimedByBackup.formUnion(students)
            let held = volatile.held
            volatile.held = []
            for h in held { out += receivedExam(.submit(h.sub), from: .student(h.student), ctx) }
            // The post-exam pull of missing records (its timer died with the crash, and the
            // recall just cancelled is the same timer) is armed again.
            let last = questions.count
            if durable.records.contains(where: { $0 == nil }) {
                out.append(.setTimerAtLocal(.recallRetry, local: max(ctx.local + Self.storeRetry, closing(last) + Self.recordsDue)))
            }
            return out
        case .resume:
            // A restarted student: the question open now (or the last, already closed, so its
            // countdown ends at once and it submits).
            guard case .student(let k) = from, students.hasStudent(k), durable.records[student: k] == nil,
                  durable.examStartedAt != nil else { return [] }
            let elapsed = (ctx.local - durable.examStartLocal).microseconds
            let q = min(questions.count, Int(elapsed / (Int64(scenario.secondsPerQuestion) * 1_000_000)) + 1)
            return [.send(.exam(.question(q: q, deadline: closing(q))), to: from)]
        case .whose(let k):
            guard students.hasStudent(k) else { return [] }
            // Main has it when it recorded it (then the student, whose ACK was lost, gets it
            // again), is grading it, or holds it while recovering; else the backup takes it,
            // for good (a forwarded one included: the backup dedups).
            if let rec = durable.records[student: k] {
                return [.send(.exam(.owner(student: k, main: true)), to: .backup),
                        .send(.exam(.ack(final: rec.final, server: rec.server)), to: .student(k))]
            }
            let mine = volatile.router.mainBusy.contains(.student(k)) || volatile.held.contains { $0.student == k }
            if !mine { volatile.claimedByBackup.insert(k) }
            return [.send(.exam(.owner(student: k, main: mine)), to: .backup)]
        case .answer, .question, .forward, .ack, .flag, .recall, .owner:
            return []   // answers travel with the submission; the next question comes on main's schedule
        }
    }

    private mutating func processingTime() -> VirtualDuration {
        volatile.random.duration(in: scenario.processingMin...scenario.processingMax)
    }

    /// The submission router: its actions as effects.
    private mutating func effects(of actions: [SubmissionRouter.Action], _ ctx: NodeContext) -> Effects {
        var out: Effects = []
        for a in actions {
            switch a {
            case .startProcessing(let s, _, let duration):
                guard case .student(let k) = s else { continue }
                volatile.startedAt[student: k] = ctx.now
                if volatile.router.mainBusy.count > volatile.router.mainSlots {
                    out.append(.invariantBroken(name: "main_slots", detail: "main is processing \(volatile.router.mainBusy.count) submissions, more than \(volatile.router.mainSlots)"))
                }
                out.append(.setTimer(.processed(student: k), after: duration))
            case .redirect(let s, let busy):
                guard case .student(let k) = s, let sub = volatile.pending[student: k] else { continue }
                volatile.redirects.append(RedirectRecord(at: ctx.now, student: k))
                out.append(.log(.redirect(student: s, busy: busy)))
                out.append(.send(.exam(.forward(student: k, sub, arrived: volatile.arrivedAt[student: k] ?? ctx.now)), to: .backup))
            case .record(let s, _):
                guard case .student(let k) = s, let sub = volatile.pending[student: k] else { continue }
                let rec = Grading.record(sub, student: k, roll: students[student: k].roll, questions: questions, server: .main,
                                         arrived: volatile.arrivedAt[student: k] ?? ctx.now, started: volatile.startedAt[student: k] ?? ctx.now)
                out += record(rec, k)
            case .acknowledge(let s, let server):
                guard case .student(let k) = s, let rec = durable.records[student: k] else { continue }
                out.append(.send(.exam(.ack(final: rec.final, server: server)), to: s))
            case .ignoreDuplicate:
                break
            }
        }
        return out
    }

    /// `results.xlsx` as the results store stands now: returned after every change it shows.
    private var workbook: Effect<Timer> { .persistWorkbook(path: ResultsWorkbook.fileName, rows: durable.results) }

    /// Puts a graded submission in the results store, once.
    private mutating func record(_ rec: SubmitRecord, _ k: Int) -> Effects {
        guard durable.records[student: k] == nil else {
            return [.invariantBroken(name: "exactly_once", detail: "S\(k) recorded twice")]
        }
        durable.records[student: k] = rec
        durable.results[student: k].mcq = rec.raw
        durable.results[student: k].warnings = rec.warnings
        durable.results[student: k].final = rec.final
        durable.results[student: k].status = rec.reason == .terminated ? .terminated : .submitted
        durable.results[student: k].server = rec.server
        var out: Effects = (rec.server == .main ? [.log(.submit(rec))] : []) + [workbook]
        if durable.records.allSatisfy({ $0 != nil }) { out += [.cancelTimer(.recallRetry), .completed(.exam)] }
        return out
    }

    /// The cheating detector: its actions as effects.
    private func effects(of actions: [CheatingDetector.Action]) -> Effects {
        actions.map { a in
            switch a {
            case .flag(let s): .send(.exam(.flag(n: volatile.detector.flagsSent[s, default: 0])), to: s)
            case .next(let after): .setTimer(.flagTick, after: after)
            }
        }
    }

    // MARK: Locks (consistency demo)

    private mutating func receivedLock(_ m: LockMessage, from: NodeID, _ ctx: NodeContext) -> Effects {
        guard case .student(let k) = from else { return [] }
        switch m {
        case .lock(let c, let mode, let req):
            guard durable.locks.indices.contains(c - 1) else { return [] }
            let last = durable.lockReq[k] ?? 0
            if req < last { return [] }   // a late copy of a request long done
            let holds = durable.locks[c - 1].holders.first { $0.node == k }
            if req == last {
                // A copy of the latest request: its GRANT may have been lost, so it goes again.
                guard let h = holds else { return [] }
                return [.send(.lock(.grant(chunk: c, mode: h.mode, version: durable.versions[c - 1], req: req)), to: from)]
            }
            if holds != nil {
                // The UNLOCK of the hold before has not come yet: this request waits for it.
                durable.nextLock[k] = (c, mode, req)
                return []
            }
            durable.lockReq[k] = req
            return [.log(.lockRequest(node: from, chunk: c, mode: mode))] + effects(of: durable.locks[c - 1].request(node: k, mode: mode), chunk: c)
        case .unlock(let c, let wrote, let req):
            guard durable.locks.indices.contains(c - 1), durable.lockReq[k] == req,
                  let mode = durable.locks[c - 1].holders.first(where: { $0.node == k })?.mode else { return [] }
            var out: Effects = []
            if let w = wrote, mode == .write {
                // The writer's change is committed: the marksheet, the version, the metadata.
                durable.results[student: k].isa = w.isa
                out.append(workbook)
                durable.versions[c - 1] = max(durable.versions[c - 1], w.version)
                out += effects(of: durable.coordinator.committed(chunk: c, version: w.version, sha256: w.sha256))
            }
            let actions = durable.locks[c - 1].release(node: k)
            out.append(.log(.lockRelease(node: from, chunk: c, mode: mode)))
            out += effects(of: actions, chunk: c)
            if let next = durable.nextLock.removeValue(forKey: k) {
                out += receivedLock(.lock(chunk: next.chunk, mode: next.mode, req: next.req), from: from, ctx)
            }
            return out
        case .grant:
            return []
        }
    }

    /// The failure detector says `peer` is reachable again: a student holding a lock gets
    /// its GRANT again (it may have been lost on the way).
    public mutating func reachable(_ peer: NodeID, _ ctx: NodeContext) -> Effects {
        guard case .student(let k) = peer, let req = durable.lockReq[k] else { return [] }
        var out: Effects = []
        for (i, lock) in durable.locks.enumerated() {
            if let h = lock.holders.first(where: { $0.node == k }) {
                out.append(.send(.lock(.grant(chunk: i + 1, mode: h.mode, version: durable.versions[i], req: req)), to: peer))
            }
        }
        return out
    }

    /// A chunk's read/write lock: its grants as effects.
    private func effects(of actions: [ReadWriteLock.Action], chunk c: Int) -> Effects {
        var out: Effects = []
        for case .grant(let k, let mode) in actions {
            out.append(.log(.lockAcquire(node: .student(k), chunk: c, mode: mode)))
            let holders = durable.locks[c - 1].holders
            let readers = holders.filter { $0.mode == .read }.count, writers = holders.filter { $0.mode == .write }.count
            if writers > 1 || (writers == 1 && readers > 0) {
                out.append(.invariantBroken(name: "rw", detail: "chunk-\(c): \(writers) writer(s) beside \(readers) reader(s)"))
            }
            out.append(.send(.lock(.grant(chunk: c, mode: mode, version: durable.versions[c - 1], req: durable.lockReq[k] ?? 0)), to: .student(k)))
        }
        return out
    }

    // MARK: Replication

    /// The replication coordinator: its actions as effects.
    private mutating func effects(of actions: [ReplicationCoordinator.Action]) -> Effects {
        var out: Effects = []
        for a in actions {
            switch a {
            case .store(let copy, let r): out.append(.send(.replica(.store(copy)), to: .replica(r)))
            case .persistMetadata(let bytes): out += persistMetadata(bytes)
            case .complete: out += [.cancelTimer(.storeRetry), .completed(.replication)]
            }
        }
        return out
    }

    /// Rewrites the metadata — after checking that the file on disk is still what main last
    /// wrote, so a copy edited by hand in between is reported, not silently replaced.
    private mutating func persistMetadata(_ bytes: [UInt8]) -> Effects {
        let before = durable.metadataSHA.map { [Effect<Timer>.check(path: ReplicaFiles.metadataName, sha256: $0)] } ?? []
        let sha = ReplicaFiles.sha256(bytes)
        durable.metadataSHA = sha
        return before + [.persist(path: ReplicaFiles.metadataName, bytes: bytes, sha256: sha)]
    }

    // MARK: View

    public struct View: Sendable {
        public var syncStatus: [NodeID: SyncStatus]
        public var lastRound: BerkeleyRound?
        public var ownAdjust: ClockChange?
        public var roundsStarted: Int
        public var examStartedAt: VirtualTime?
        public var servers: ServerLoad
        public var redirects: [RedirectRecord]
        public var results: [ResultRow]
        public var records: [SubmitRecord?]
        public var locks: [ReadWriteLock]
        public var versions: [Int]
        public var coordinator: ReplicationCoordinator
        /// The most submissions main processed at once.
        public var peakMainBusy: Int
        /// Flags the cheating detector has sent, all students together.
        public var flagsSent: Int
        /// The exam's questions, with their answers.
        public var questions: [Question]
    }

    public var view: View {
        let r = volatile.router
        return View(syncStatus: volatile.syncStatus, lastRound: volatile.lastRound, ownAdjust: volatile.ownAdjust, roundsStarted: volatile.daemon.roundsStarted,
                    examStartedAt: durable.examStartedAt,
                    servers: ServerLoad(mainSlots: r.mainSlots, mainBusy: r.mainBusy, backupBusy: r.backupBusy,
                                              handledByMain: r.handledByMain, handledByBackup: r.handledByBackup, redirects: r.redirects),
                    redirects: volatile.redirects, results: durable.results,
                    records: durable.records, locks: durable.locks, versions: durable.versions, coordinator: durable.coordinator,
                    peakMainBusy: r.peakMainBusy, flagsSent: volatile.detector.flagsSent.values.reduce(0, +), questions: questions)
    }
}

/// Marks under the warning rules: raw = 10 × correct; final = raw with no warning, raw / 2
/// with one, 0 when the exam was terminated.
public enum Grading {
    public static func record(_ sub: Submission, student k: Int, roll: Int, questions: [Question], server: NodeID,
                              arrived: VirtualTime, started: VirtualTime) -> SubmitRecord {
        let correct = zip(sub.answers, questions).filter { $0.0 == $0.1.answer }.count
        let raw = 10 * correct
        let final = sub.reason == .terminated ? 0 : (sub.warnings == 0 ? raw : raw / 2)
        return SubmitRecord(student: .student(k), roll: roll, reason: sub.reason, server: server,
                            arrived: arrived, started: started, warnings: sub.warnings, raw: raw, final: final)
    }
}
