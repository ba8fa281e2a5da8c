/// The consistency demo: every student is prompted Read / Write / Exit. A read takes a shared
/// lock on the student's chunk (granted by main's lock manager) and reads one replica; a
/// write takes it exclusively, updates all 3 replicas and results.xlsx, bumps the chunk's
/// version, and releases. Locks are granted in arrival order.
extension Simulation {
    public struct DemoState: Sendable {
        public enum Activity: Sendable, Equatable {
            /// Prompted: Read / Write / Exit.
            case choosing
            /// The operator types the new mark for a write.
            case typing(String)
            case waiting(chunk: Int, mode: ReadWriteLock.Mode, value: Int?)
            /// Holding the shared lock; READ sent to `replica`, or its answer shown.
            case reading(chunk: Int, replica: Int, value: Int??, version: Int?)
            /// Holding the exclusive lock; WRITE sent to every replica.
            case writing(chunk: Int, value: Int, version: Int, acks: Int)
            /// Done with the lock; UNLOCK on its way to main.
            case releasing(chunk: Int)
            case exited
        }

        public var startedAt: VirtualTime?
        public var activity: [Activity] = []
        /// One lock per chunk, kept by main.
        public var locks = [ReadWriteLock(), ReadWriteLock()]
        /// The committed version of each chunk.
        public var versions = [1, 1]
        var actionsLeft: [Int] = []
        public var reads = 0, writes = 0

        public var exitedCount: Int { activity.lazy.filter { $0 == .exited }.count }
    }

    /// Student `k`'s (from 1) chunk.
    func chunkOf(_ k: Int) -> Int { chunkMembers(1).contains(k - 1) ? 1 : 2 }

    func startDemo() {
        guard demo.startedAt == nil else {
            say(completed.contains(.consistency) ? "The consistency demo is over." : "The consistency demo is running.")
            return
        }
        guard completed.contains(.replication) else {
            say("The demo reads and writes the replicas: create them first (4).")
            return
        }
        enter(.consistency)
        demo.startedAt = now
        verifyReplicas()
        demo.activity = Array(repeating: .choosing, count: students.count)
        var r = examRandom
        demo.actionsLeft = students.indices.map { _ in Int(r.int(in: 1...3)) }
        examRandom = r
        for k in 1...students.count where !exam.operated[k - 1] { scheduleDemoThink(k) }
        say("Consistency demo: each student reads or writes its own row under its chunk's read/write lock; writes reach all 3 replicas.")
    }

    private func scheduleDemoThink(_ k: Int) {
        var r = examRandom
        let d = VirtualDuration(microseconds: r.int(in: 500_000...4_000_000))
        examRandom = r
        queue.schedule(.timer(.demoThink(student: k)), at: now + d)
    }

    func demoThink(_ k: Int) {
        guard demo.activity[k - 1] == .choosing, !exam.operated[k - 1] else { return }
        var r = examRandom
        let p = Double(r.next() >> 11) / Double(1 << 53)
        let value = Int(r.int(in: 0...Int64(scenario.isaMaxMark)))
        examRandom = r
        if demo.actionsLeft[k - 1] <= 0 || p >= 0.85 {
            demoExit(k)
        } else if p < 0.55 {
            demoChoose(k, .read, value: nil)
        } else {
            demoChoose(k, .write, value: value)
        }
    }

    private func demoChoose(_ k: Int, _ mode: ReadWriteLock.Mode, value: Int?) {
        record(.demoChoice(student: .student(k), choice: mode.rawValue))
        let c = chunkOf(k)
        demo.activity[k - 1] = .waiting(chunk: c, mode: mode, value: value)
        send(.lock(.lock(chunk: c, mode: mode)), from: .student(k), to: .main)
    }

    private func demoExit(_ k: Int) {
        record(.demoChoice(student: .student(k), choice: "exit"))
        demo.activity[k - 1] = .exited
        checkDemoDone()
    }

    // MARK: Messages

    func receiveLock(_ m: LockMessage, _ env: Envelope) {
        switch (env.to, m) {
        case (.main, .lock(let c, let mode)):
            guard case .student(let k) = env.from else { return }
            record(.lockRequest(node: env.from, chunk: c, mode: mode))
            grant(demo.locks[c - 1].request(node: k, mode: mode), chunk: c)
        case (.main, .unlock(let c)):
            guard case .student(let k) = env.from else { return }
            let mode = demo.locks[c - 1].holders.first { $0.node == k }?.mode
            let actions = demo.locks[c - 1].release(node: k)
            if let mode { record(.lockRelease(node: env.from, chunk: c, mode: mode)) }
            grant(actions, chunk: c)
            if case .releasing = demo.activity[k - 1] { demoReleased(k) }
        case (.student(let k), .grant(let c, let mode)):
            guard case .waiting(c, mode, let value) = demo.activity[k - 1] else { return }
            if mode == .read {
                var r = examRandom
                let replica = Int(r.int(in: 1...Int64(Self.replicaCount)))
                examRandom = r
                demo.activity[k - 1] = .reading(chunk: c, replica: replica, value: nil, version: nil)
                send(.replica(.read(chunk: c, roll: students[k - 1].roll)), from: .student(k), to: .replica(replica))
            } else {
                let v = demo.versions[c - 1] + 1
                demo.activity[k - 1] = .writing(chunk: c, value: value ?? 0, version: v, acks: 0)
                for r in 1...Self.replicaCount {
                    send(.replica(.write(chunk: c, version: v, roll: students[k - 1].roll, isa: value ?? 0)), from: .student(k), to: .replica(r))
                }
            }
        default:
            break
        }
    }

    private func grant(_ actions: [ReadWriteLock.Action], chunk c: Int) {
        for case .grant(let k, let mode) in actions {
            record(.lockAcquire(node: .student(k), chunk: c, mode: mode))
            let readers = demo.locks[c - 1].holders.filter { $0.mode == .read }.count
            let writers = demo.locks[c - 1].holders.filter { $0.mode == .write }.count
            if writers > 1 || (writers == 1 && readers > 0) {
                breakInvariant("rw_lock", "chunk-\(c): \(writers) writer(s) beside \(readers) reader(s)")
            }
            send(.lock(.grant(chunk: c, mode: mode)), from: .main, to: .student(k))
        }
    }

    /// Replica side of the demo, and the answers reaching the student.
    func receiveDemoReplica(_ m: ReplicaMessage, _ env: Envelope) {
        switch (env.to, m) {
        case (.replica(let r), .read(let c, let roll)):
            verifyCopy(replica: r, chunk: c)
            let copy = replication.copies[r - 1][c - 1]
            let row = copy?.rows.first { $0.roll == roll }
            send(.replica(.value(chunk: c, version: copy?.version ?? 0, isa: row?.isa)), from: env.to, to: env.from)
        case (.replica(let r), .write(let c, let v, let roll, let isaValue)):
            guard var copy = replication.copies[r - 1][c - 1], copy.version < v else {
                send(.replica(.written(chunk: c, version: v)), from: env.to, to: env.from)   // duplicate: confirm again
                return
            }
            if let i = copy.rows.firstIndex(where: { $0.roll == roll }) { copy.rows[i].isa = isaValue }
            copy.version = v
            replication.copies[r - 1][c - 1] = copy
            replication.revision += 1
            replication.dirty.insert([r, c])
            record(.replicaWrite(replica: r, chunk: c, version: v, roll: roll, isa: isaValue))
            send(.replica(.written(chunk: c, version: v)), from: env.to, to: env.from)
        case (.student(let k), .value(let c, let version, let isaValue)):
            guard case .reading(c, let replica, nil, nil) = demo.activity[k - 1] else { return }
            demo.activity[k - 1] = .reading(chunk: c, replica: replica, value: .some(isaValue), version: version)
            demo.reads += 1
            var r = examRandom
            let hold = VirtualDuration(microseconds: r.int(in: 1_000_000...3_000_000))
            examRandom = r
            queue.schedule(.timer(.demoRelease(student: k)), at: now + hold)
        case (.student(let k), .written(let c, let version)):
            guard case .writing(c, let value, version, let acks) = demo.activity[k - 1] else { return }
            if acks + 1 < Self.replicaCount {
                demo.activity[k - 1] = .writing(chunk: c, value: value, version: version, acks: acks + 1)
                return
            }
            // Every replica has it: the marksheet too, then the version is committed.
            results[k - 1].isa = value
            resultsRevision += 1
            demo.versions[c - 1] = version
            demo.writes += 1
            release(k, chunk: c)
        default:
            break
        }
    }

    func demoReleaseDue(_ k: Int) {
        guard case .reading(let c, _, .some, _) = demo.activity[k - 1] else { return }
        release(k, chunk: c)
    }

    private func release(_ k: Int, chunk c: Int) {
        demo.activity[k - 1] = .releasing(chunk: c)
        send(.lock(.unlock(chunk: c)), from: .student(k), to: .main)
    }

    private func demoReleased(_ k: Int) {
        demo.actionsLeft[k - 1] -= 1
        demo.activity[k - 1] = .choosing
        if !exam.operated[k - 1] { scheduleDemoThink(k) }
    }

    private func checkDemoDone() {
        guard demo.exitedCount == students.count, demo.locks.allSatisfy({ $0.holders.isEmpty && $0.waiting.isEmpty }) else { return }
        completed.insert(.consistency)
        say("Demo over: \(demo.reads) reads, \(demo.writes) writes; every replica of each chunk at the same version.")
        finish()
    }

    // MARK: Integrity

    /// At the start of the demo: the metadata's paths, then every copy.
    private func verifyReplicas() {
        for problem in checkMetadata?() ?? [] {
            record(.metadataRefused(detail: problem))
            say(problem)
            replication.revision += 1   // the metadata is rewritten with every export
        }
        for r in 1...Self.replicaCount {
            for c in 1...Self.chunkCount { verifyCopy(replica: r, chunk: c) }
        }
    }

    /// Checks one copy on disk; a missing or corrupt one is reported, never served, and
    /// repaired from a healthy copy (the files are rewritten from it).
    private func verifyCopy(replica r: Int, chunk c: Int) {
        guard let check = checkCopy, let copy = replication.copies[r - 1][c - 1], let problem = check(r, c, copy) else { return }
        let healthy = (1...Self.replicaCount).first { $0 != r && replication.copies[$0 - 1][c - 1] == copy && check($0, c, copy) == nil }
        record(.integrity(replica: r, chunk: c, problem: problem, repairedFrom: healthy))
        replication.revision += 1
        replication.dirty.insert([r, c])
        replication.repairs += 1
        say("replica-\(r) chunk-\(c) was \(problem.rawValue): not served, repaired from " + (healthy.map { "replica-\($0)" } ?? "main's results") + ".")
    }

    // MARK: Operator

    func operatorDemo(_ k: Int, _ choice: DemoKey) {
        guard (1...students.count).contains(k) else { return }
        guard demo.startedAt != nil else {
            say(completed.contains(.replication) ? "The demo has not started: press 5." : "The consistency demo comes after replication (4).")
            return
        }
        guard operatorPlays(k, before: "reading or writing for it") else { return }
        switch (demo.activity[k - 1], choice) {
        case (.choosing, .read): demoChoose(k, .read, value: nil)
        case (.choosing, .write): demo.activity[k - 1] = .typing("")
        case (.choosing, .exit): demoExit(k)
        case (.typing(let t), .digit(let d)):
            if t.count < String(scenario.isaMaxMark).count { demo.activity[k - 1] = .typing(t + String(d)) }
        case (.typing(let t), .backspace): demo.activity[k - 1] = .typing(String(t.dropLast()))
        case (.typing, .escape): demo.activity[k - 1] = .choosing
        case (.typing(let t), .enter):
            guard let v = Int(t), v <= scenario.isaMaxMark else { say("Type a mark from 0 to \(scenario.isaMaxMark), then Enter."); return }
            demoChoose(k, .write, value: v)
        case (.exited, _): say("S\(k) has left the demo.")
        default: say("S\(k) is busy: wait for its lock to be released.")
        }
    }
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

/// Lock manager traffic (mech `lock`).
public enum LockMessage: Sendable, Equatable {
    case lock(chunk: Int, mode: ReadWriteLock.Mode)
    case grant(chunk: Int, mode: ReadWriteLock.Mode)
    case unlock(chunk: Int)

    public var kind: String {
        switch self {
        case .lock: "LOCK"
        case .grant: "GRANT"
        case .unlock: "UNLOCK"
        }
    }
}
