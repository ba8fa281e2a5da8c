import Dispatch
import Synchronization

/// The files a live lesson writes beside the nodes' own, on a background I/O queue: the event
/// log (JSON Lines, streamed), `results.xlsx` (main's persist, handed over by the storage
/// port) and the session record. The runtime hands over
/// what to write; a failure comes back as the words for the screen through `onFailure`, and
/// `finish` completes every file and returns the first error.
final class LessonFiles: @unchecked Sendable {
    // The marked state is read and written only on `io` or only on the runtime's engine
    // queue; that confinement is what makes the class safe to share.
    private let io = DispatchQueue(label: "proctor.io", qos: .utility)
    private var eventsFile: AtomicFileWriter?        // io queue
    private var storageError: StorageError?          // io queue
    /// The event log's own write failed: why, and the virtual time it stops at (io queue).
    private var eventLogFailure: (error: StorageError, at: VirtualTime)?
    private let sessionPath: String?
    /// The workbook waiting to be written, and whether a write is queued for it: a queued
    /// write takes the latest rows, so at most one waits however fast results change.
    private let workbook = Mutex<(path: String, rows: [ResultRow])?>(nil)
    private var recordedPhase: Phase?                // engine queue
    private let onFailure: @Sendable (String) -> Void

    init(eventsFile: AtomicFileWriter?, sessionPath: String?, onFailure: @escaping @Sendable (String) -> Void) {
        self.eventsFile = eventsFile
        self.sessionPath = sessionPath
        self.onFailure = onFailure
    }

    /// Whether a session record is written (live, with a path).
    var recordsSession: Bool { sessionPath != nil }

    /// Appends encoded log lines (the run had reached `at`).
    func appendLog(_ bytes: [UInt8], at: VirtualTime) {
        guard !bytes.isEmpty else { return }
        io.async { [self] in
            // Another file's failure does not stop the log: it goes on, with that failure in it.
            guard let f = eventsFile, eventLogFailure == nil else { return }
            do throws(StorageError) { try f.write(bytes) } catch { logFailed(error, at: at) }
        }
    }

    /// Cuts the log file to its first `length` bytes (a branch discarded the rest).
    func cutLog(to length: Int, at: VirtualTime) {
        io.async { [self] in
            guard let f = eventsFile, eventLogFailure == nil else { return }
            do throws(StorageError) { try f.truncate(to: length) } catch { logFailed(error, at: at) }
        }
    }

    /// Writes the workbook at `path` with `rows` on the I/O queue. When a write is already
    /// waiting it takes these rows instead: only the latest version is made.
    func writeWorkbook(_ rows: [ResultRow], to path: String) {
        let queued = workbook.withLock { w in
            defer { w = (path, rows) }
            return w != nil
        }
        guard !queued else { return }
        io.async { [self] in
            guard let w = workbook.withLock({ w in defer { w = nil }; return w }) else { return }
            do throws(StorageError) { try ResultsWorkbook.write(w.rows, to: w.path) } catch { failed(error) }
        }
    }

    /// Rewrites session.json when the phase changed since it was last written (engine queue).
    func recordSession(at phase: Phase?, _ record: () -> [UInt8]) {
        guard let path = sessionPath, phase != recordedPhase else { return }
        recordedPhase = phase
        let bytes = record()
        io.async { [self] in
            do throws(StorageError) { try AtomicFileWriter.write(bytes, to: path) } catch { failed(error) }
        }
    }

    /// Writes the log so far in ShiViz's format to `path`, then says how it went.
    func exportShiViz(to path: String, then say: @escaping @Sendable (String) -> Void) {
        io.async { [self] in
            let text: String
            if let f = eventsFile, eventLogFailure == nil {
                do throws(StorageError) {
                    try f.flushToDisk()
                    try ShiViz.convertFile(events: f.writtenPath, to: path)
                    text = "Wrote the run so far for ShiViz to \(path); its README entry gives the parsing expression."
                } catch {
                    text = "The ShiViz file was not written: \(error)"
                }
            } else {
                text = "No event log is being written: start Proctor with --events FILE or --shiviz FILE to export the run for ShiViz."
            }
            say(text)
        }
    }

    /// Completes the files after everything handed over before: the session record (when
    /// given), the event log committed (or, cut short by a failure, saved marked
    /// incomplete). Returns the first error, `replicaError` (the nodes' files) included.
    func finish(record: [UInt8]?, replicaError: StorageError?) -> StorageError? {
        io.sync { [self] in
            if let replicaError { storageError = storageError ?? replicaError }
            if let sessionPath, let record {
                do throws(StorageError) { try AtomicFileWriter.write(record, to: sessionPath) } catch { storageError = storageError ?? error }
            }
            if let f = eventsFile {
                if let failure = eventLogFailure {
                    // What was written is kept, its last line saying where and why it stops.
                    let said = f.saveIncompleteLog(after: failure.error, at: failure.at)
                    // Said in the exit message unless another file failed first.
                    if storageError?.path == failure.error.path { storageError = said }
                } else {
                    do throws(StorageError) { try f.commit() } catch { storageError = storageError ?? error }
                }
                eventsFile = nil
            }
            return storageError
        }
    }

    // MARK: I/O queue

    /// A write failed: the screen says so until the end, naming the file and the reason — a
    /// lesson must not look saved when it is not.
    private func failed(_ error: StorageError) {
        storageError = storageError ?? error
        // What it means first, the path last: a long path may not fit.
        onFailure("⚠ " + error.notice)
    }

    /// The event log's own write failed: nothing more goes into it, and at quit it is saved
    /// as far as it got, marked incomplete.
    private func logFailed(_ error: StorageError, at: VirtualTime) {
        eventLogFailure = (error, at)
        storageError = storageError ?? error
        onFailure("⚠ The event log stops here (\(error.reason)); at quit it is saved marked incomplete: \(error.path)")
    }
}
