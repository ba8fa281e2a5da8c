import Dispatch
import Synchronization

/// The walkthrough without a screen: every phase this build carries out, in order, each
/// started a second after the previous one fell quiet, run as fast as the CPU allows.
public enum Headless {
    public struct RunSummary: Sendable {
        public var summary: [String]
        public var brokenInvariants: [String]
        public var eventCount: Int
        public var virtualDuration: VirtualTime
        public var outputs: [String]
        public var allInvariantsHeld: Bool { brokenInvariants.isEmpty }
    }

    /// The virtual time a phase may run before headless mode gives up on it (a fault can leave
    /// a retry going forever).
    public static let stallLimit = VirtualDuration.seconds(6 * 3600)

    /// The gap between one phase falling quiet and the next starting.
    public static let pause = VirtualDuration.seconds(1)

    public static func run(config: Simulation.Config, outDirectory: String, eventsPath: String?) throws(StorageError) -> RunSummary {
        try OutputDirectory.prepare(outDirectory)
        let events = try eventsPath.map { path throws(StorageError) in try AtomicFileWriter(path: path) }
        var config = config
        config.encodesLog = events != nil
        // A thousand demo writes fall in a few wall seconds here: the replica files and
        // results.xlsx wait in memory and are written when each phase ends (checks read the
        // waiting bytes; of the workbook, only its last version is made).
        let storage = DiskStorage(out: outDirectory, writeBehind: true)
        let sim = Simulation(config: config, storage: storage)
        let log = events.map { BackgroundWriter($0) }
        let report: RunSummary
        let resultsPath = outDirectory + "/" + ResultsWorkbook.fileName
        do throws(StorageError) {
            // The engine's thread simulates; the writer's encodes the lines and writes them.
            sim.encodeLogLater()
            report = try runBatches(sim, sink: { batch throws(StorageError) in try log?.write(batch) },
                             afterPhase: { () throws(StorageError) in try storage.flush() })
            try storage.flush()     // what the run's end returned
            try log?.commit()
        } catch {
            throw log?.saveIncomplete(sim, after: error) ?? error
        }
        var outputs = FileSystem.exists(resultsPath) ? [resultsPath] : []
        if sim.world.admin.started(.replication) {
            outputs.append(outDirectory + "/" + ReplicaFiles.metadataName)
        }
        var r = report
        r.outputs = outputs + (eventsPath.map { [$0] } ?? [])
        return r
    }

    /// Drives `sim` through the walkthrough, handing encoded log bytes to `sink` as they
    /// accumulate (so a large run never holds its whole log in memory).
    public static func run(_ sim: Simulation, sink: ([UInt8]) throws(StorageError) -> Void,
                           afterPhase: (() throws(StorageError) -> Void)? = nil) throws(StorageError) -> RunSummary {
        try runBatches(sim, sink: { batch throws(StorageError) in try sink(batch.encoded()) }, afterPhase: afterPhase)
    }

    /// Drives `sim` through the walkthrough, handing its log lines to `batches` as they
    /// accumulate, encoded or not (see `Simulation.encodeLogLater`).
    static func runBatches(_ sim: Simulation, sink: (LogBatch) throws(StorageError) -> Void,
                    afterPhase: (() throws(StorageError) -> Void)? = nil) throws(StorageError) -> RunSummary {
        let flushAt = 1 << 20
        let batchEntries = 1 << 13
        var stalled: (phase: Phase, why: String)?
        let hours = Int(stallLimit.seconds / 3600)
        for phase in Phase.walkthrough {
            sim.schedule(.start(phase), at: sim.now + pause)
            let limit = sim.now + stallLimit
            while sim.step() {
                if sim.world.kernel.log.pendingByteCount >= flushAt || sim.world.kernel.log.unencodedCount >= batchEntries { try sink(sim.takeLogBatch()) }
                // Something left waiting forever (a fault no protocol repairs) must not run on
                // forever: the phase is abandoned, and the run says so.
                if sim.now > limit { stalled = (phase, "did not fall quiet within \(hours) h of virtual time"); break }
            }
            // Quiet but not complete: nothing left to happen will finish it.
            if stalled == nil, !sim.completed.contains(phase) { stalled = (phase, "fell quiet without completing") }
            try afterPhase?()
            if stalled != nil { break }
        }
        if let s = stalled {
            sim.say("The \(s.phase.rawValue) phase \(s.why): stopped.")
        }
        sim.finish()
        try sink(sim.takeLogBatch())
        let stallLine = stalled.map { ["stalled      the \($0.phase.rawValue) phase \($0.why) (a fault left something waiting); the run stopped there"] } ?? []
        return RunSummary(summary: summary(of: sim) + stallLine, brokenInvariants: sim.brokenInvariants, eventCount: sim.log.count,
                      virtualDuration: sim.now, outputs: [])
    }

    static func summary(of sim: Simulation) -> [String] {
        var lines: [String] = []
        let s = Snapshot(simulation: sim, paused: true, speed: 1)
        let main = sim.world.cluster.main.view, router = main.servers
        if let r = s.sync.lastResult {
            let named = r.outliers.prefix(8).map(\.description).joined(separator: ", ") + (r.outliers.count > 8 ? " and \(r.outliers.count - 8) more" : "")
            let outliers = r.outliers.isEmpty ? "no outliers" : "\(r.outliers.count) outlier(s) corrected but not averaged: " + named
            var missed = ""
            if !r.leftOut.isEmpty { missed += "; left out (no REPLY in time): " + r.leftOut.map(\.description).joined(separator: ", ") }
            if !r.notAdjusted.isEmpty { missed += "; ADJUST lost: " + r.notAdjusted.map(\.description).joined(separator: ", ") }
            if !r.jumped.isEmpty { missed += "; clock jumped mid-round (not synchronized by it): " + r.jumped.map(\.description).joined(separator: ", ") }
            lines.append("sync         \(s.sync.roundsCompleted) round(s); spread \(secs(r.spreadBefore)) s → \(secs(r.spreadAfter)) s, "
                + "longest round trip \(secs(r.maxRoundTrip)) s; \(outliers)\(missed); \(sim.messageCounts[.sync, default: 0]) messages")
        }
        if s.exam.startedAt != nil {
            let recs = s.exam.records.compactMap { $0 }
            func count(_ r: ExamSession.SubmitReason) -> Int { recs.filter { $0.reason == r }.count }
            let warned = s.exam.flags.filter { $0.count != nil }.count
            let dropped = s.exam.flags.count - warned
            let mean = recs.isEmpty ? 0 : Double(recs.map(\.final).reduce(0, +)) / Double(recs.count)
            lines.append("exam         \(recs.count)/\(sim.students.count) recorded (\(count(.manual)) manual, \(count(.timeout)) timeout, "
                + "\(count(.terminated)) terminated); main \(router.handledByMain), backup \(router.handledByBackup), "
                + "\(router.redirects) redirected, main peak \(main.peakMainBusy)/\(router.mainSlots); "
                + "\(warned) warnings, \(dropped) flags dropped; mean final \(TextFormat.fixed(mean, 1)); "
                + "\(sim.messageCounts[.exam, default: 0]) messages")
        }
        if s.isa.startedAt != nil {
            let n = sim.students.count
            let timeouts = s.isa.status.filter { if case .done(_, .timeout) = $0 { true } else { false } }.count
            let msgs = sim.messageCounts[.ra, default: 0]
            lines.append("isa          \(s.isa.doneCount)/\(n) marks entered, one at a time (\(timeouts) by hold timeout); \(msgs) messages")
        }
        if s.replication.startedAt != nil {
            let sizes = s.replication.rolls.map { String($0.count) }.joined(separator: " + ")
            lines.append("replication  \(Snapshot.ReplicationView.chunkCount) chunks (\(sizes) rolls) × \(Snapshot.ReplicationView.replicaCount) replicas, "
                + "\(s.replication.storedCount) copies stored; \(sim.messageCounts[.replica, default: 0]) messages")
        }
        if s.demo.startedAt != nil {
            lines.append("consistency  \(s.demo.reads) reads, \(s.demo.writes) writes; chunk versions \(s.demo.versions.map { "v\($0)" }.joined(separator: ", ")); "
                + "\(sim.messageCounts[.lock, default: 0]) lock messages")
        }
        var label = "messages    "
        for f in sim.messageFloors {
            let name = TextFormat.padded(f.mechanism.rawValue, 8)
            lines.append("\(label) \(name)\(f.sent) " + (f.isAtFloor ? "= " : "(floor \(f.floor), \(abs(f.sent - f.floor)) \(f.sent > f.floor ? "above" : "below")) = ") + f.formula)
            label = "            "
        }
        return lines
    }

    private static func secs(_ d: VirtualDuration) -> String { TextFormat.fixed(d.seconds, 3) }
}

/// Writes a file on a background queue, so encoding the next megabyte of the log overlaps
/// writing the last one. At most `capacity` chunks wait; the first error is reported by the
/// next `write` or by `commit`, and nothing after it is written.
final class BackgroundWriter: Sendable {
    private let file: AtomicFileWriter
    private let queue = DispatchQueue(label: "proctor.headless.io")
    private let room: DispatchSemaphore
    private let failure = Mutex<StorageError?>(nil)
    /// Bytes written since the last flush to disk (queue only).
    private let unflushed = Mutex(0)
    /// Flushing as the file grows spreads the cost of the final fsync over the run.
    static let flushEvery = 64 << 20

    init(_ file: AtomicFileWriter, capacity: Int = 16) {
        self.file = file
        room = DispatchSemaphore(value: capacity)
    }

    func write(_ bytes: [UInt8]) throws(StorageError) {
        try write(LogBatch(bytes: bytes))
    }

    /// Encodes the batch's entries on the writer's queue, then writes them.
    func write(_ batch: LogBatch) throws(StorageError) {
        if let e = failure.withLock({ $0 }) { throw e }
        room.wait()
        queue.async { [self] in
            defer { room.signal() }
            guard failure.withLock({ $0 == nil }) else { return }
            do throws(StorageError) {
                let bytes = batch.encoded()
                try file.write(bytes)
                let due = unflushed.withLock { n in
                    n += bytes.count
                    defer { if n >= Self.flushEvery { n = 0 } }
                    return n >= Self.flushEvery
                }
                if due { try file.flushToDisk() }
            } catch {
                failure.withLock { $0 = error }
            }
        }
    }

    /// The run stopped at `error`: the log is saved as far as it got, its last line
    /// (`log_incomplete`) saying where and why. Returns the error, saying what became of the log.
    func saveIncomplete(_ sim: Simulation, after error: StorageError) -> StorageError {
        try? write(sim.takeLogBatch())
        let at = sim.now
        return queue.sync { file.saveIncompleteLog(after: error, at: at) }
    }

    /// Waits for every write, then completes the file (after a failed write, the file stays
    /// open for `saveIncomplete`).
    func commit() throws(StorageError) {
        let error = queue.sync { failure.withLock { $0 } }
        if let error { throw error }
        try file.commit()
    }
}
