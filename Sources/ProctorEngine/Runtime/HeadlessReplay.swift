/// Why a headless replay could not finish.
public enum ReplayError: Error, CustomStringConvertible {
    case storage(StorageError)
    case divergence(SessionDriver.Divergence)
    /// The record itself is unusable (a fault spec that does not parse).
    case record(DataError)

    public var description: String {
        switch self {
        case .storage(let e): "\(e)"
        case .divergence(let d): "\(d)"
        case .record(let e): "bad session record: \(e)"
        }
    }
}

extension Headless {
    /// Replays a session record without a screen, as fast as possible: the record's commands
    /// at their exact places, up to its `quit` (a record without one: until nothing is
    /// pending). The event log equals the recorded run's, byte for byte. Writes the outputs
    /// as `run` does.
    /// `file` names the record in errors.
    public static func replay(_ record: SessionRecord, data: ExamData, outDirectory: String,
                              eventsPath: String?, file: String = SessionRecord.fileName) throws(ReplayError) -> RunSummary {
        let config: Simulation.Config
        do {
            config = try record.config(data: data, encodesLog: eventsPath != nil, file: file)
        } catch {
            throw .record(error)
        }
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
        // Files are written as the live program writes them (at once, in event order), so
        // every storage outcome, and with it the log, is the live run's.
        let files = DiskStorage(out: outDirectory)
        let sim = Simulation(config: config, storage: files)
        let driver = SessionDriver(replaying: record, into: sim)
        let log = events.map { BackgroundWriter($0) }
        var failure: StorageError?
        func write() {
            do throws(StorageError) { try log?.write(sim.takeEncodedLog()) } catch { failure = failure ?? error }
        }
        do throws(SessionDriver.Divergence) {
            try driver.runToEnd {
                if sim.log.pendingByteCount >= 1 << 20 { write() }
            }
        } catch {
            throw .divergence(error)     // the log's temporary file is discarded with its writer
        }
        write()
        files.settle()
        do throws(StorageError) {
            if let failure { throw failure }
            if let e = files.firstError { throw e }
            let resultsPath = outDirectory + "/" + ResultsWorkbook.fileName
            var outputs = FileSystem.exists(resultsPath) ? [resultsPath] : []
            if sim.world.admin.started(.replication) { outputs.append(outDirectory + "/" + ReplicaFiles.metadataName) }
            try log?.commit()
            return RunSummary(summary: summary(of: sim), brokenInvariants: sim.brokenInvariants, eventCount: sim.log.count,
                          virtualDuration: sim.now, outputs: outputs + (eventsPath.map { [$0] } ?? []))
        } catch {
            throw .storage(log?.saveIncomplete(sim, after: error) ?? error)
        }
    }
}
