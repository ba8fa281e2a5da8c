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
            Without --headless, Proctor opens a full-screen view; press ? there for the keys. \
            With --headless it runs the walkthrough in virtual time, writes the outputs, prints \
            a per-phase summary and exits 0 when every invariant held, 1 when one broke, and 2 \
            on bad arguments or bad data files.

            A live lesson is recorded in session.json in --out; --replay FILE plays such a \
            record back (on screen, or with --headless to where it was quit) with the same \
            event log, byte for byte. A replay takes its seed and class size from the record: \
            --seed or --students that differ from it are refused; --speed sets the on-screen pace.

            Faults (--fault, repeatable; also a "faults" list in scenario.json):
              crash NODE at PHASE+DUR [for DUR]
              drop A->B at PHASE+DUR for DUR
              delay A->B by DUR at PHASE+DUR for DUR
              partition NODE at PHASE+DUR for DUR
              clockjump NODE by ±DUR at PHASE+DUR
            NODE is main, backup, teacher, student-K or replica-1 to replica-3; PHASE is sync, \
            exam, isa, replication or consistency (the time counts from its start); DUR is a \
            number and a unit, like 250us, 500ms, 1.5s, 30s or 2m. Examples: \
            --fault "crash main at exam+60s for 20s", --fault "drop student-2->main at exam+100s for 15s", \
            --fault "clockjump teacher by -3s at sync+0s". --chaos RATE adds random faults drawn \
            from the seed, RATE per virtual minute. A replay injects the faults its record lists.
            """,
        version: ProctorVersion.string)

    @Option(parsing: .unconditional, help: ArgumentHelp("Number of students, 1 to 1000 (default: Data/scenario.json, 5).", valueName: "N"))
    var students: Int?

    @Option(help: ArgumentHelp("Random seed; the same seed and keys replay the same run (default: random).", valueName: "S"))
    var seed: UInt64?

    @Option(name: .customLong("speed"), parsing: .unconditional,
            help: ArgumentHelp("Live pace in virtual seconds per wall second, 0.25 to 16 (default: 1, or the record's).", valueName: "X"))
    var speedText: String?

    /// `--speed` as a number: plain decimal notation only (`2`, `0.5`), checked by `validate`.
    var speed: Double? {
        speedText.flatMap { t in t.allSatisfy { $0.isASCII && ($0.isNumber || $0 == ".") } && t.first != "." ? Double(t) : nil }
    }

    @Option(help: ArgumentHelp("Directory of questions.json, roster.json, scenario.json (default: ./Data if present, else built-in).", valueName: "DIR"))
    var data: String?

    @Option(help: ArgumentHelp("Where results and replicas go.", valueName: "DIR"))
    var out: String = "output"

    @Option(help: ArgumentHelp("Write the event log as JSON Lines to FILE.", valueName: "FILE"))
    var events: String?

    @Option(help: ArgumentHelp("Also write the run for ShiViz to FILE: each event with its node's vector clock (the README gives ShiViz's parsing expression).", valueName: "FILE"))
    var shiviz: String?

    @Flag(help: "The guided tour: the walkthrough stops at each teaching moment and explains it; n goes on, b goes back (seed 4 unless --seed).")
    var tour = false

    @Flag(help: "Run the whole walkthrough without a screen, as fast as possible.")
    var headless = false

    @Option(help: ArgumentHelp("Replay the lesson recorded in FILE (a session.json).", valueName: "FILE"))
    var replay: String?

    @Flag(name: .customLong("no-color"), help: "Monochrome screen (also when NO_COLOR is set).")
    var noColor = false

    @Option(name: .customLong("fault"), parsing: .unconditionalSingleValue,
            help: ArgumentHelp("Inject a fault, like \"crash main at exam+60s for 20s\" (repeatable; the grammar is below).", valueName: "SPEC"))
    var faultTexts: [String] = []

    @Option(name: .customLong("chaos"), parsing: .unconditional,
            help: ArgumentHelp("Add random faults drawn from the seed, RATE per virtual minute, 0 to \(Int(Proctor.mostChaos)) (default: none).",
                               valueName: "RATE"))
    var chaosText: String?

    /// The highest `--chaos` rate: a fault a second.
    static let mostChaos = 60.0

    /// The `--fault` specs, parsed (by `validate`).
    var faults: [FaultSpec] {
        faultTexts.compactMap { try? FaultSpec.parse($0) }
    }

    /// Where the event log goes: `--events`, or, for `--shiviz` alone, a hidden file in
    /// `--out` the ShiViz file is made from and which is removed after.
    var eventsPath: String? { events ?? shiviz.map { _ in out + "/.shiviz-source.jsonl" } }

    /// Makes the ShiViz file from the finished event log; exits 2 on failure.
    func writeShiViz() {
        guard let shiviz, let source = eventsPath else { return }
        defer { if events == nil { FileSystem.remove(source) } }
        do {
            try ShiViz.convertFile(events: source, to: shiviz)
        } catch {
            if events == nil { FileSystem.remove(source) }
            fail("\(error)")
        }
    }

    /// Which of the outputs in `out` the file at `path` is (through symbolic links), or nil.
    static func output(_ path: String, in out: String) -> String? {
        func canonical(_ p: String) -> String {
            // The directory resolved as far as it exists, then the name.
            let url = URL(fileURLWithPath: p).standardizedFileURL
            let dir = url.deletingLastPathComponent().path
            let base = url.lastPathComponent
            if let real = realpath(p, nil) { defer { free(real) }; return String(cString: real) }
            if let real = realpath(dir, nil) { defer { free(real) }; return String(cString: real) + "/" + base }
            return url.path
        }
        let file = canonical(path), dir = canonical(out)
        for name in ["results.xlsx", "replication_metadata.json", "session.json"] where file == dir + "/" + name { return name }
        if file.hasPrefix(dir + "/replicas/") { return "a replica copy" }
        return nil
    }

    /// The `--chaos` rate (0 without one), checked by `validate`.
    var chaos: Double { chaosText.flatMap(Double.init) ?? 0 }

    func validate() throws {
        if let students, !(1...1000).contains(students) {
            throw ValidationError("--students must be between 1 and 1000, not \(students).")
        }
        if let speedText {
            guard let speed, (0.25...16).contains(speed) else {
                throw ValidationError("--speed must be a number from 0.25 to 16, like 2 or 0.5, not \"\(speedText)\".")
            }
        }
        if let replay, replay.isEmpty { throw ValidationError("--replay needs a file name.") }
        if let events, events.isEmpty { throw ValidationError("--events needs a file name.") }
        if let shiviz, shiviz.isEmpty { throw ValidationError("--shiviz needs a file name.") }
        if tour && headless { throw ValidationError("--tour needs the screen: leave out --headless.") }
        if tour && replay != nil { throw ValidationError("--tour runs the walkthrough itself: leave out --replay.") }
        if let shiviz, let events, shiviz == events { throw ValidationError("--shiviz and --events must name different files.") }
        for (flag, file) in [("--events", events), ("--shiviz", shiviz)] {
            guard let file, let output = Self.output(file, in: out) else { continue }
            throw ValidationError("\(flag) \(file) is \(output), one of the outputs in --out \(out); give it a name of its own.")
        }
        if out.isEmpty { throw ValidationError("--out needs a directory.") }
        for text in faultTexts {
            do {
                _ = try FaultSpec.parse(text)
            } catch {
                throw ValidationError("\(error)")
            }
        }
        if let chaosText {
            guard let rate = Double(chaosText), rate.isFinite, (0...Self.mostChaos).contains(rate) else {
                throw ValidationError("--chaos \"\(chaosText)\": expected a number of faults per virtual minute from 0 to \(Int(Self.mostChaos)), like --chaos 2")
            }
        }
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
        // The files asked for are checked before anything is created: a bad --events leaves
        // no empty output directory behind.
        for file in [events, shiviz].compactMap({ $0 }) {
            do throws(StorageError) { try AtomicFileWriter.checkWritable(file, out: out) } catch { fail("\(error)") }
        }
        if let replay {
            runReplay(replay, examData)
        }
        // Seed 4 shows every moment of the tour, an outlier of the sync round and a hold
        // timeout among them.
        let seed = seed ?? (tour ? 4 : UInt64.random(in: 1...999_999))
        let count = students ?? examData.scenario.students
        let config: Simulation.Config
        do {
            config = try Simulation.Config(data: examData, studentCount: count, seed: seed, encodesLog: eventsPath != nil,
                                           commandLineFaults: faults, chaosRate: chaos)
        } catch {
            switch error {
            case .scenario(let i, let e):
                fail("bad data file: \(dataSource("scenario.json")): field 'faults[\(i)]' \"\(e.spec)\": \(e.problem)")
            case .commandLine(let e):
                fail("\(e) (--students sets the class size)")
            }
        }

        if headless {
            runHeadless(config)
        }
        runScreen(config, speed: speed ?? 1, session: .record(to: out + "/" + SessionRecord.fileName))
    }

    /// The interactive screen, live or replaying. Never returns.
    private func runScreen(_ config: Simulation.Config, speed: Double, session: Runtime.Session) -> Never {
        guard isatty(STDIN_FILENO) == 1, isatty(STDOUT_FILENO) == 1 else {
            fail("the interactive screen needs a terminal; use --headless to run without one")
        }
        if let problem = App.terminalProblem() { fail(problem) }
        do {
            try OutputDirectory.prepare(out)
        } catch {
            fail("\(error)")
        }
        let eventsFile: AtomicFileWriter?
        do {
            eventsFile = try eventsPath.map { path throws(StorageError) in try AtomicFileWriter(path: path) }
        } catch {
            fail("\(error)")
        }
        let env = ProcessInfo.processInfo.environment
        let color = !noColor && (env["NO_COLOR"] ?? "").isEmpty
        var options = App.Options(simulation: config, speed: speed, color: color, eventsFile: eventsFile, outDirectory: out,
                                  session: session)
        if let shiviz, let source = eventsPath { options.shiviz = (events: source, file: shiviz, keepEvents: events != nil) }
        options.tour = tour
        MainActor.assumeIsolated {
            App.run(options)
        }
    }

    /// `--replay FILE`: checks the record against the flags and the data files, then plays it
    /// on screen or headless. Never returns.
    private func runReplay(_ path: String, _ examData: ExamData) -> Never {
        let record: SessionRecord
        do {
            record = try SessionRecord.load(path: path)
        } catch {
            fail("bad session record: \(error)")
        }
        if !faultTexts.isEmpty || chaosText != nil {
            fail("--fault and --chaos conflict with --replay: a replay injects the faults \(path) lists; leave them out")
        }
        if let seed, seed != record.seed {
            fail("--seed \(seed) conflicts with \(path), recorded with seed \(record.seed); a replay takes its seed from the record: leave --seed out")
        }
        if let students, students != record.students {
            fail("--students \(students) conflicts with \(path), recorded with \(record.students) students; a replay takes the class size from the record: leave --students out")
        }
        for name in ExamData.fileNames where examData.sha256[name] != record.data[name] {
            fail("\(dataSource(name)) differs from the data of the recorded lesson (SHA-256 \(examData.sha256[name] ?? "?"), "
                 + "\(path) has \(record.data[name] ?? "?")); replay with --data DIR holding the lesson's data files")
        }
        let config: Simulation.Config
        do {
            config = try record.config(data: examData, encodesLog: eventsPath != nil, file: path)
        } catch {
            fail("bad session record: \(error)")
        }
        if !headless {
            runScreen(config, speed: speed ?? record.speed, session: .replay(record))
        }
        let started = ContinuousClock.now
        let report: Headless.RunSummary
        do {
            report = try Headless.replay(record, data: examData, outDirectory: out, eventsPath: eventsPath, file: path)
        } catch {
            fail("\(error)")
        }
        writeShiViz()
        print("Proctor \(ProctorVersion.string) headless replay of \(path) · seed \(record.seed) · \(record.students) students")
        printFaults(config.faults)
        if !record.isFinished {
            print("  the record has no quit (the lesson did not end normally): replayed until nothing was pending")
        }
        finish(report, since: started)
    }

    /// Where a data file was read from, in words.
    private func dataSource(_ name: String) -> String {
        let dir = data ?? (FileManager.default.fileExists(atPath: "Data") ? "Data" : nil)
        if let dir, FileManager.default.fileExists(atPath: dir + "/" + name) { return dir + "/" + name }
        return "the built-in " + name
    }

    private func runHeadless(_ config: Simulation.Config) -> Never {
        let started = ContinuousClock.now
        let report: Headless.RunSummary
        do {
            report = try Headless.run(config: config, outDirectory: out, eventsPath: eventsPath)
        } catch {
            fail("\(error)")
        }
        writeShiViz()
        print("Proctor \(ProctorVersion.string) headless · seed \(config.seed) · \(config.studentCount) students")
        printFaults(config.faults)
        finish(report, since: started)
    }

    /// Lists the run's faults, one a line, under the headline (nothing when there are none).
    private func printFaults(_ faults: [FaultSpec]) {
        for (i, f) in faults.enumerated() {
            print("  " + (i == 0 ? "faults       " : "             ") + f.description)
        }
    }

    /// Prints the summary of a headless run and exits 0 when every invariant held, else 1.
    private func finish(_ report: Headless.RunSummary, since started: ContinuousClock.Instant) -> Never {
        let elapsed = ContinuousClock.now - started
        for line in report.summary { print("  " + line) }
        let outputs = report.outputs.filter { events != nil || $0 != eventsPath } + (shiviz.map { [$0] } ?? [])
        print("  outputs      " + outputs.joined(separator: ", "))
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
            // The message carries the usage line and where to read more: once.
            writeError(Proctor.fullMessage(for: error) + "\n")
            exit(2)
        }
    }
}
