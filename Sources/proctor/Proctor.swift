import ArgumentParser
import FoundationEssentials
#if canImport(Glibc)
import Glibc
#endif
import ProctorEngine
import ProctorTUI

/// `proctor`: parses the command line, loads Data/, and hands over to the interactive
/// screen or to the headless walkthrough.
struct Proctor: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "proctor",
        abstract: "A whole online exam in one process, showing each distributed-systems mechanism at work.",
        discussion: """
            Without --headless, Proctor opens a full-screen view; press ? there for the keys.
            With --headless it runs the walkthrough in virtual time, writes the outputs, prints
            a per-phase summary and exits 0 when every invariant held, 1 when one broke, and 2
            on bad arguments or bad data files.
            """,
        version: ProctorVersion.string)

    @Option(help: ArgumentHelp("Number of students, 1 to 1000 (default: Data/scenario.json, 5).", valueName: "N"))
    var students: Int?

    @Option(help: ArgumentHelp("Random seed; the same seed and keys replay the same run (default: random).", valueName: "S"))
    var seed: UInt64?

    @Option(help: ArgumentHelp("Live pace in virtual seconds per wall second, 0.25 to 16.", valueName: "X"))
    var speed: Double = 1

    @Option(help: ArgumentHelp("Directory of questions.json, roster.json, scenario.json (default: ./Data if present, else built-in).", valueName: "DIR"))
    var data: String?

    @Option(help: ArgumentHelp("Where results and replicas go.", valueName: "DIR"))
    var out: String = "output"

    @Option(help: ArgumentHelp("Write the event log as JSON Lines to FILE.", valueName: "FILE"))
    var events: String?

    @Flag(help: "Run the whole walkthrough without a screen, as fast as possible.")
    var headless = false

    @Flag(name: .customLong("no-color"), help: "Monochrome screen (also when NO_COLOR is set).")
    var noColor = false

    func validate() throws {
        if let students, !(1...1000).contains(students) {
            throw ValidationError("--students must be between 1 and 1000, not \(students).")
        }
        if !(0.25...16).contains(speed) || speed.isNaN {
            throw ValidationError("--speed must be between 0.25 and 16, not \(speed).")
        }
        if let events, events.isEmpty { throw ValidationError("--events needs a file name.") }
        if out.isEmpty { throw ValidationError("--out needs a directory.") }
    }

    func run() throws {
        let examData: ExamData
        do {
            if let data {
                examData = try ExamData.load(from: URL(fileURLWithPath: data))
            } else if FileManager.default.fileExists(atPath: "Data") {
                examData = try ExamData.load(from: URL(fileURLWithPath: "Data"))
            } else {
                examData = ExamData.defaults()
            }
        } catch {
            fail("bad data file: \(error)")
        }
        let seed = seed ?? UInt64.random(in: 1...999_999)
        let count = students ?? examData.scenario.students
        let config = Simulation.Config(data: examData, studentCount: count, seed: seed, encodesLog: events != nil)

        if headless {
            runHeadless(config)
        }
        guard isatty(STDIN_FILENO) == 1, isatty(STDOUT_FILENO) == 1 else {
            fail("the interactive screen needs a terminal; use --headless to run without one")
        }
        do {
            try OutputDirectory.prepare(out)
        } catch {
            fail("\(error)")
        }
        let eventsFile: AtomicFileWriter?
        do {
            eventsFile = try events.map { path throws(StorageError) in try AtomicFileWriter(path: path) }
        } catch {
            fail("\(error)")
        }
        let env = ProcessInfo.processInfo.environment
        let color = !noColor && (env["NO_COLOR"] ?? "").isEmpty
        MainActor.assumeIsolated {
            App.run(App.Options(simulation: config, speed: speed, color: color, eventsFile: eventsFile, outDirectory: out))
        }
    }

    private func runHeadless(_ config: Simulation.Config) -> Never {
        let started = ContinuousClock.now
        let report: Headless.Report
        do {
            report = try Headless.run(config: config, outDirectory: out, eventsPath: events)
        } catch {
            fail("\(error)")
        }
        let elapsed = ContinuousClock.now - started
        print("Proctor \(ProctorVersion.string) headless · seed \(config.seed) · \(config.studentCount) students")
        for line in report.summary { print("  " + line) }
        print("  outputs      " + report.outputs.joined(separator: ", "))
        print("  \(report.eventCount) events over \(Format.seconds(report.virtualDuration)) virtual, in \(Format.wall(elapsed))")
        if report.allInvariantsHeld {
            print("  invariants   all held")
            Glibc.exit(0)
        }
        print("  invariants   BROKEN:")
        for b in report.brokenInvariants { print("    " + b) }
        Glibc.exit(1)
    }
}

private enum Format {
    static func seconds(_ t: VirtualTime) -> String { TextFormat.fixed(t.seconds, 3) + " s" }
    static func wall(_ d: Swift.Duration) -> String {
        let ms = Double(d.components.seconds) * 1000 + Double(d.components.attoseconds) / 1e15
        return TextFormat.fixed(ms, 1) + " ms"
    }
}

/// Writes `text` to standard error.
func writeError(_ text: String) {
    var bytes = Array(text.utf8)[...]
    while !bytes.isEmpty {
        let n = bytes.withUnsafeBytes { write(2, $0.baseAddress!, $0.count) }
        if n < 0 && errno == EINTR { continue }
        if n <= 0 { return }
        bytes = bytes.dropFirst(n)
    }
}

/// Prints `proctor: message` to standard error and exits 2.
func fail(_ message: String) -> Never {
    writeError("proctor: \(message)\n")
    exit(2)
}

@main
enum Main {
    static func main() {
        do {
            var command = try Proctor.parseAsRoot()
            try command.run()
        } catch {
            // --help and --version exit 0; every other parse error prints usage and exits 2.
            if Proctor.exitCode(for: error) == .success { Proctor.exit(withError: error) }
            writeError(Proctor.fullMessage(for: error) + "\n")
            writeError(Proctor.usageString() + "\n  See 'proctor --help' for details.\n")
            exit(2)
        }
    }
}
