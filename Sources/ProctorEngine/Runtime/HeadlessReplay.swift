/// Why a headless replay could not finish.
public enum ReplayError: Error, CustomStringConvertible {
    case storage(StorageError)
    case divergence(SessionDriver.Divergence)

    public var description: String {
        switch self {
        case .storage(let e): "\(e)"
        case .divergence(let d): "\(d)"
        }
    }
}

extension Headless {
    /// Replays a session record without a screen, as fast as possible: the record's commands
    /// at their exact places, up to its `quit` (a record without one: until nothing is
    /// pending). The event log equals the recorded run's, byte for byte. Writes the outputs
    /// as `run` does.
    public static func replay(_ record: SessionRecord, data: ExamData, outDirectory: String,
                              eventsPath: String?) throws(ReplayError) -> Report {
        do {
            try OutputDirectory.prepare(outDirectory)
        } catch {
            throw .storage(error)
        }
        let events: AtomicFileWriter?
        do {
            events = try eventsPath.map { path throws(StorageError) in try AtomicFileWriter(path: path) }
        } catch {
            throw .storage(error)
        }
        let sim = Simulation(config: .init(data: data, studentCount: record.students, seed: record.seed, encodesLog: events != nil))
        let replicas = ReplicaStore(out: outDirectory)
        sim.checkCopy = { r, c, expected in replicas.check(replica: r, chunk: c, expected: expected) }
        sim.checkMetadata = { replicas.refusedMetadataPaths() }
        let driver = SessionDriver(replaying: record, into: sim)
        let log = events.map { BackgroundWriter($0) }
        var failure: StorageError?
        var exported = 0
        var phase = sim.phase
        func write() {
            do throws(StorageError) { try log?.write(sim.takeEncodedLog()) } catch { failure = failure ?? error }
        }
        do throws(SessionDriver.Divergence) {
            try driver.runToEnd {
                if sim.log.pendingByteCount >= 1 << 20 { write() }
                if sim.replication.revision != exported {
                    exported = sim.replication.revision
                    replicas.stage(copies: sim.replication.copies, rolls: sim.replication.rolls, only: sim.takeDirtyCopies())
                }
                if sim.phase != phase {
                    phase = sim.phase
                    do throws(StorageError) { try replicas.flush() } catch { failure = failure ?? error }
                }
            }
        } catch {
            throw .divergence(error)     // the log's temporary file is discarded with its writer
        }
        write()
        do throws(StorageError) {
            if let failure { throw failure }
            try replicas.flush()
            let resultsPath = outDirectory + "/results.xlsx"
            try ResultsWorkbook.write(sim.results, to: resultsPath)
            var outputs = [resultsPath]
            if sim.replication.startedAt != nil { outputs.append(outDirectory + "/" + ReplicaFiles.metadataName) }
            try log?.commit()
            return Report(summary: summary(of: sim), brokenInvariants: sim.brokenInvariants, eventCount: sim.log.count,
                          virtualDuration: sim.now, outputs: outputs + (eventsPath.map { [$0] } ?? []))
        } catch {
            throw .storage(error)
        }
    }
}
