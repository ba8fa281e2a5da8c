import CNCurses
import Dispatch
import ProctorEngine
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// The way out, taken once. Quitting finishes the files (event log, session record,
/// results, ShiViz) and then restores the terminal — but a terminal that takes no more
/// output (a stalled connection, a reader that stopped) blocks the main queue in `write`,
/// where neither a key nor a signal's handler can run. So every signal that ends the program
/// is handled off the main queue, and every way out arms a watchdog: if the process is still
/// here a moment later, the files are finished from the watchdog's own thread, the shell's
/// terminal modes put back without writing a byte that could block, and the process exits.
final class ExitGuard: Sendable {
    private let runtime: Runtime
    private let shiviz: (events: String, file: String, keepEvents: Bool)?
    /// Set once the files are finished: the first storage error, if any. The lock is held
    /// while they are being finished, so a second way out waits for the first.
    private let finished = Mutex<StorageError??>(nil)
    private let armed = Mutex(false)
    private let queue = DispatchQueue(label: "proctor.exit")
    /// How long the main queue has to leave by itself before the watchdog takes over.
    static let grace: DispatchTimeInterval = .seconds(2)

    /// The shell's terminal modes, read before the screen is set up.
    private let shellModes: termios?

    /// Made before the screen is set up, so it knows the shell's terminal modes.
    init(runtime: Runtime, shiviz: (events: String, file: String, keepEvents: Bool)?) {
        self.runtime = runtime
        self.shiviz = shiviz
        var t = termios()
        shellModes = tcgetattr(STDIN_FILENO, &t) == 0 ? t : nil
    }

    /// Completes the event log, the session record, results.xlsx and the ShiViz file, once;
    /// a later caller gets the same outcome.
    func finishFiles() -> StorageError? {
        finished.withLock { done -> StorageError? in
            if let outcome = done { return outcome }
            var error = runtime.stop()
            if error == nil, let sv = shiviz {
                do throws(StorageError) { try ShiViz.convertFile(events: sv.events, to: sv.file) } catch let e { error = e }
            }
            if let sv = shiviz, !sv.keepEvents { FileSystem.remove(sv.events) }
            done = .some(error)
            return error
        }
    }

    /// Starts the watchdog for a way out with exit status `code` (once).
    func arm(code: Int32) {
        let first = armed.withLock { was in
            defer { was = true }
            return !was
        }
        guard first else { return }
        queue.asyncAfter(deadline: .now() + Self.grace) { [self] in
            // Still here: the main queue is slow (finishing large files) or stuck, most likely
            // writing to the terminal. The files first (waiting for the main queue if it is
            // finishing them), then a last moment for the main queue to leave by itself.
            let error = finishFiles()
            usleep(1_000_000)
            if var modes = shellModes { proctor_restore_without_blocking(&modes) } else { proctor_restore_without_blocking(nil) }
            _exit(error == nil ? code : 2)
        }
    }

    /// Handles each of `signals` (with its exit status): the watchdog is armed, and the main
    /// queue asked to quit.
    func handle(_ signals: [(signal: Int32, exitCode: Int32)], quit: @escaping @Sendable (Int32) -> Void) -> [any DispatchSourceSignal] {
        let codes = Dictionary(signals.map { ($0.signal, $0.exitCode) }, uniquingKeysWith: { a, _ in a })
        return Signals.listen(signals.map(\.signal)) { [self] sig in
            let code = codes[sig] ?? 128 + sig
            arm(code: code)
            DispatchQueue.main.async { quit(code) }
        }
    }
}
