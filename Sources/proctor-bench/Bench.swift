import Foundation
import ProctorEngine
import ProctorTUI

/// Release-mode benchmarks: `swift run -c release proctor-bench [--quick] [--skip-interactive]
/// [--only-step-back]`.
///
/// 1. The whole `proctor --headless` process (every output written, the event log too) at
///    several class sizes: wall time and peak resident memory.
/// 2. The walkthrough in-process, without files.
/// 3. Composing and diffing one 200×60 frame.
/// 4. The interactive program beside htop in one tmux server: CPU over 30 s, idle and while
///    5 countdowns tick, and resident memory.
/// 5. Step back: the time to reach random earlier points of a whole walkthrough, and the
///    memory its checkpoints cost (`--only-step-back` runs this part alone).
@main
enum Bench {
    static let quick = CommandLine.arguments.contains("--quick")

    static let usage = """
        Usage: proctor-bench [--quick] [--skip-interactive] [--only-step-back]

        Measures Proctor (build it first with -c release): the headless walkthrough as a whole
        process and in-process, composing and diffing a frame, the interactive program beside
        htop, and step back.

        Options:
          --quick             fewer repetitions of each measurement
          --skip-interactive  leave out the interactive part (tmux and htop)
          --only-step-back    run the step-back part alone
          -h, --help          show this help

        """

    /// The options it knows; anything else is refused rather than running the whole suite.
    static let options: Set<String> = ["--quick", "--skip-interactive", "--only-step-back"]

    /// What the arguments ask for: the help, the benchmarks, or nothing (a mistake, said).
    enum Request: Equatable { case help, run, walkthroughChild, refuse(String) }

    static func request(_ args: [String]) -> Request {
        if args.first == "--walkthrough-only" { return args.count == 4 && Int(args[1]) != nil ? .walkthroughChild : .refuse("--walkthrough-only") }
        if args.contains(where: { $0 == "--help" || $0 == "-h" }) { return .help }
        if let unknown = args.first(where: { !options.contains($0) }) { return .refuse(unknown) }
        return .run
    }

    static func main() {
        switch request(Array(CommandLine.arguments.dropFirst())) {
        case .help:
            print(usage, terminator: "")
            return
        case .refuse(let arg):
            FileHandle.standardError.write(Data("proctor-bench: unknown argument \(arg)\n\n\(usage)".utf8))
            exit(2)
        case .run, .walkthroughChild: break
        }
        let data = ExamData.defaults()
        if let i = CommandLine.arguments.firstIndex(of: "--walkthrough-only"), i + 3 < CommandLine.arguments.count,
           let n = Int(CommandLine.arguments[i + 1]) {
            // A child of the step-back part: one walkthrough, then its peak resident memory
            // (this process's own: wait4's figure would include the parent's) into a file.
            _ = walkthrough(data: data, students: n, stepBack: CommandLine.arguments[i + 2] == "step-back")
            try? status(getpid(), "VmHWM").write(toFile: CommandLine.arguments[i + 3], atomically: true, encoding: .utf8)
            return
        }
        print("Proctor \(ProctorVersion.string) benchmarks (\(quick ? "quick" : "full"); \(ProcessInfo.processInfo.activeProcessorCount) cores)")
        if CommandLine.arguments.contains("--only-step-back") {
            stepBack(data: data)
            return
        }
        let proctor = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("proctor").path
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("proctor-bench-\(getpid())").path
        defer { try? FileManager.default.removeItem(atPath: scratch) }

        print("")
        print("headless walkthrough, whole process (proctor --headless --events …): wall time, peak memory")
        for n in [5, 100, 1000] {
            var walls: [Double] = []
            var peak = 0
            for i in 0..<(quick || n >= 1000 ? 3 : 7) {
                let out = scratch + "/n\(n)-\(i)"
                let r = spawn(proctor, ["--headless", "--students", "\(n)", "--seed", "1", "--out", out, "--events", out + "/events.jsonl"])
                guard r.status == 0 else { print("  N=\(n): proctor exited \(r.status)"); return }
                walls.append(r.wallSeconds)
                peak = max(peak, r.peakKB)
                try? FileManager.default.removeItem(atPath: out)
            }
            walls.sort()
            print("  N=\(pad(n, 4))  median \(format(walls[walls.count / 2] * 1e6))  min \(format(walls[0] * 1e6))  peak \(peak / 1024) MB")
        }

        print("")
        print("headless walkthrough in-process (no files), log encoded as JSON Lines")
        for n in [5, 100, 1000] {
            var events = 0
            let t = measure(iterations: quick || n >= 1000 ? 3 : 15) {
                let sim = Simulation(config: .init(data: data, studentCount: n, seed: 1, encodesLog: true))
                let r = try! Headless.run(sim) { _ in }
                events = r.eventCount
            }
            print("  N=\(pad(n, 4))  \(t)   \(events) events")
        }

        let sim = Simulation(config: .init(data: data, studentCount: 30, seed: 42, encodesLog: false))
        sim.run(until: .seconds(2))
        sim.apply(.start(.sync))
        sim.runUntilQuiet()
        sim.apply(.start(.exam))
        sim.run(until: sim.now + .seconds(200))
        let snapshot = Snapshot(simulation: sim, paused: false, speed: 1)
        var buffer = ScreenBuffer(width: 200, height: 60)
        let view = ViewState()
        print("")
        print("screen, 200×60 (12,000 cells), 30 students 200 s into the exam")
        let compose = measure(iterations: quick ? 200 : 2000) { Screen.compose(snapshot, view, into: &buffer) }
        let snap = measure(iterations: quick ? 200 : 2000) { _ = Snapshot(simulation: sim, paused: false, speed: 1) }
        print("  take a snapshot                \(snap)")
        print("  compose one full frame         \(compose)")
        let previous = buffer
        var next = buffer
        next.write("10:00:07", x: 40, y: 10)
        let same = measure(iterations: quick ? 200 : 2000) { _ = buffer.changes(since: previous) }
        let one = measure(iterations: quick ? 200 : 2000) { _ = next.changes(since: previous) }
        let all = measure(iterations: quick ? 200 : 2000) { _ = buffer.changes(since: nil) }
        func written(_ spans: [ScreenBuffer.Span]) -> String { "\(spans.count) span(s), \(spans.reduce(0) { $0 + $1.endX - $1.x }) cells to the terminal" }
        print("  diff, nothing changed          \(same)   " + written(buffer.changes(since: previous)))
        print("  diff, one clock changed        \(one)   " + written(next.changes(since: previous)))
        print("  diff, first frame (all rows)   \(all)   " + written(buffer.changes(since: nil)))

        // The space-time diagram: 11 students (17 lanes with main, backup, the teacher and
        // the replicas), through the sync round and the exam until at least 1,000 messages are
        // in the screens' scroll-back.
        let diagramSim = Simulation(config: .init(data: data, studentCount: 11, seed: 42, encodesLog: false))
        diagramSim.run(until: .seconds(2))
        diagramSim.apply(.start(.sync))
        diagramSim.runUntilQuiet()
        diagramSim.run(through: [.exam, .isa, .replication, .consistency])
        // More sync rounds, until the scroll-back holds 1,000 messages.
        for _ in 0..<100 where diagramSim.log.recent.lazy.filter({ if case .recv = $0.kind { true } else { false } }).count < 1000 {
            diagramSim.apply(.start(.sync))
            diagramSim.runUntilQuiet()
        }
        let diagramSnap = Snapshot(simulation: diagramSim, paused: true, speed: 1)
        let messages = diagramSnap.recentLog.lazy.filter { if case .recv = $0.kind { true } else { false } }.count
        var diagramView = ViewState()
        diagramView.diagram = true
        let diagram = measure(iterations: quick ? 200 : 2000) { Screen.compose(diagramSnap, diagramView, into: &buffer) }
        diagramView.diagramScroll = 1500
        let scrolled = measure(iterations: quick ? 200 : 2000) { Screen.compose(diagramSnap, diagramView, into: &buffer) }
        print("  space-time diagram, 17 lanes, \(messages) messages in scroll-back (target ≤ 1 ms)")
        print("    compose, following the present \(diagram)")
        print("    compose, 1,500 events back     \(scrolled)")

        stepBack(data: data)

        if !CommandLine.arguments.contains("--skip-interactive") {
            interactive(proctor: proctor, scratch: scratch)
        }
    }

    // MARK: Step back

    /// Runs the whole walkthrough as the live program does (step back on, each phase started
    /// by a command a second after the previous one fell quiet, the log encoded), then
    /// reaches 200 earlier positions drawn by a seeded generator with `stepBack(to:)`, each
    /// from wherever the previous one left the run, and goes forward again one event at a
    /// time. What the checkpoints cost: the peak resident memory of a process that runs the
    /// same walkthrough with step back, beside one without.
    static func stepBack(data: ExamData) {
        print("")
        print("step back: a whole walkthrough, then 200 random earlier positions reached with stepBack(to:)")
        print("  (checkpoint every \(checkpointInterval) delivered events; target: any point of N=5 in ≤ 50 ms, of N=100 in ≤ 500 ms)")
        let me = URL(fileURLWithPath: CommandLine.arguments[0]).path
        for n in [5, 100] {
            let sim = walkthrough(data: data, students: n, stepBack: true)
            let horizon = sim.position
            var random = SeededRandom(seed: 7)
            var samples: [Double] = []
            var distances = 0
            while samples.count < 200 {
                let target = Int.random(in: 0..<horizon, using: &random)
                guard target != sim.position else { continue }
                let start = DispatchTime.now().uptimeNanoseconds
                guard sim.stepBack(to: target), sim.position == target else {
                    print("  N=\(pad(n, 4)): could not reach position \(target)")
                    return
                }
                samples.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1_000)
                distances += target % checkpointInterval
            }
            samples.sort()
            let p95 = samples[(samples.count * 95 + 99) / 100 - 1]
            print("  N=\(pad(n, 4))  median \(format(samples[samples.count / 2]))  p95 \(format(p95))  max \(format(samples.last!))  "
                + "\(horizon) delivered events, \(horizon / checkpointInterval + 1) checkpoints, \(distances / samples.count) events re-executed on average")
            // Forward again through the past, one event at a time (the `.` key): re-executed,
            // each event's log line set aside rather than logged twice.
            let back = min(horizon, 2_000)
            sim.stepBack(to: horizon - back)
            let start = DispatchTime.now().uptimeNanoseconds
            while sim.isInPast, sim.step() {}
            let perStep = Double(DispatchTime.now().uptimeNanoseconds - start) / 1_000 / Double(back)
            _ = sim.takeEncodedLog()
            print("          forward again through the last \(back) events one at a time: \(format(perStep)) per event"
                + (sim.position == horizon ? "" : " (stopped at \(sim.position) of \(horizon))"))
            func peak(_ mode: String) -> String? {
                let file = FileManager.default.temporaryDirectory.appendingPathComponent("proctor-bench-\(getpid())-\(mode)").path
                defer { try? FileManager.default.removeItem(atPath: file) }
                guard spawn(me, ["--walkthrough-only", "\(n)", mode, file]).status == 0 else { return nil }
                return try? String(contentsOfFile: file, encoding: .utf8)
            }
            if let plain = peak("plain"), let kept = peak("step-back") {
                print("          peak resident memory of the walkthrough alone: \(plain) without step back, \(kept) with it")
            }
        }
    }

    /// The engine's checkpoint interval (`History.interval`, internal to it): a run that never
    /// branched keeps a copy of the world at position 0 and at every multiple of it.
    static let checkpointInterval = 256

    /// The walkthrough as `Headless.run` drives it, but with each phase's start applied as a
    /// command (recorded in the history) instead of scheduled; the log is encoded and thrown
    /// away as it accumulates.
    static func walkthrough(data: ExamData, students: Int, stepBack: Bool) -> Simulation {
        let sim = Simulation(config: .init(data: data, studentCount: students, seed: 1, encodesLog: true))
        if stepBack { sim.enableStepBack() }
        for phase in Phase.walkthrough {
            sim.run(until: sim.now + Headless.pause)
            sim.apply(.start(phase))
            while sim.step() {
                if sim.log.pendingByteCount >= 1 << 20 { _ = sim.takeEncodedLog() }
            }
        }
        _ = sim.takeEncodedLog()
        return sim
    }

    // MARK: Interactive, beside htop

    /// Runs `proctor` (5 students, 1×) and `htop` (default refresh) in one tmux server at
    /// 120×40, and samples each one's CPU time over 30 s: first idle, then while the exam's 5
    /// countdowns tick.
    static func interactive(proctor: String, scratch: String) {
        print("")
        print("interactive, 120×40, beside htop at its default refresh, CPU over \(window) s (% of one core)")
        guard let tmux = which("tmux"), let htop = which("htop") else {
            print("  skipped: needs tmux and htop")
            return
        }
        let socket = "proctor-bench-\(getpid())"
        let t = { (args: [String]) in _ = spawn(tmux, ["-L", socket, "-f", "/dev/null"] + args) }
        defer { t(["kill-server"]) }
        let out = scratch + "/interactive"
        try? FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
        t(["new-session", "-d", "-s", "bench", "-x", "120", "-y", "40", "env TERM=xterm-256color \(proctor) --seed 1 --out \(out)"])
        t(["new-window", "-d", "-t", "bench", "env TERM=xterm-256color \(htop)"])
        usleep(3_000_000)
        guard let p = pid(named: "proctor", containing: out), let h = pid(named: "htop", containing: nil) else {
            print("  could not find the processes")
            return
        }
        let idle = sample(p, h)
        print("  idle (READY)                   proctor \(idle.0)   htop \(idle.1)")
        t(["send-keys", "-t", "bench:0", "1"])
        usleep(3_000_000)
        t(["send-keys", "-t", "bench:0", "2"])
        usleep(3_000_000)
        let exam = sample(p, h)
        print("  5 countdowns ticking (1×)      proctor \(exam.0)   htop \(exam.1)")
        print("  resident memory                proctor \(status(p, "VmRSS")) (peak \(status(p, "VmHWM")))   htop \(status(h, "VmRSS"))")
    }

    static let window = quick ? 10 : 30

    /// CPU use of two processes over the same window, as text.
    static func sample(_ a: pid_t, _ b: pid_t) -> (String, String) {
        let a0 = cpuTicks(a), b0 = cpuTicks(b), start = DispatchTime.now().uptimeNanoseconds
        usleep(UInt32(window) * 1_000_000)
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        let hz = Double(sysconf(Int32(_SC_CLK_TCK)))
        func pct(_ d: Int) -> String { String(format: "%.3f %%", Double(d) / hz / seconds * 100) }
        return (pct(cpuTicks(a) - a0), pct(cpuTicks(b) - b0))
    }

    /// utime + stime of a process, in clock ticks.
    static func cpuTicks(_ pid: pid_t) -> Int {
        guard let s = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let close = s.lastIndex(of: ")") else { return 0 }
        let fields = s[s.index(after: close)...].split(separator: " ")
        return (Int(fields[11]) ?? 0) + (Int(fields[12]) ?? 0)
    }

    static func status(_ pid: pid_t, _ key: String) -> String {
        let s = (try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8)) ?? ""
        let line = s.split(separator: "\n").first { $0.hasPrefix(key + ":") } ?? ""
        let kb = Int(line.split(separator: " ").dropFirst().first ?? "") ?? 0
        return String(format: "%.1f MB", Double(kb) / 1024)
    }

    /// The process whose command is `name` (and whose command line contains `containing`).
    static func pid(named name: String, containing: String?) -> pid_t? {
        let all = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        for entry in all {
            guard let p = pid_t(entry),
                  let comm = try? String(contentsOfFile: "/proc/\(p)/comm", encoding: .utf8),
                  comm.trimmingCharacters(in: .whitespacesAndNewlines) == name else { continue }
            if let containing {
                let cmd = (FileManager.default.contents(atPath: "/proc/\(p)/cmdline")).map { String(decoding: $0, as: UTF8.self) } ?? ""
                guard cmd.contains(containing) else { continue }
            }
            return p
        }
        return nil
    }

    static func which(_ name: String) -> String? {
        ["/usr/bin/", "/usr/local/bin/", "/bin/"].map { $0 + name }.first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    // MARK: Processes

    struct Spawned {
        var status: Int32
        var wallSeconds: Double
        var peakKB: Int
    }

    /// Runs a program to completion, output discarded: its exit status, wall time and peak
    /// resident memory (from wait4). Through posix_spawn, so tmux's server never holds a pipe.
    static func spawn(_ path: String, _ args: [String]) -> Spawned {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        for fd: Int32 in [0, 1, 2] {
            posix_spawn_file_actions_addopen(&actions, fd, "/dev/null", fd == 0 ? O_RDONLY : O_WRONLY, 0)
        }
        let argv = ([path] + args).map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        // No signal blocked, default handlers (see the end-to-end tests' runProgram).
        var attr = posix_spawnattr_t()
        posix_spawnattr_init(&attr)
        defer { posix_spawnattr_destroy(&attr) }
        var none = sigset_t(), all = sigset_t()
        sigemptyset(&none)
        sigfillset(&all)
        posix_spawnattr_setsigmask(&attr, &none)
        posix_spawnattr_setsigdefault(&attr, &all)
        posix_spawnattr_setflags(&attr, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
        let start = DispatchTime.now().uptimeNanoseconds
        var pid: pid_t = 0
        guard posix_spawn(&pid, path, &actions, &attr, argv, environ) == 0 else { return Spawned(status: 127, wallSeconds: 0, peakKB: 0) }
        var status: Int32 = 0
        var usage = rusage()
        while wait4(pid, &status, 0, &usage) < 0 && errno == EINTR {}
        let wall = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        return Spawned(status: (status >> 8) & 0xFF, wallSeconds: wall, peakKB: usage.ru_maxrss)
    }

    // MARK: Timing

    /// Runs `body` `iterations` times after one warm-up; reports the median and the minimum.
    static func measure(iterations: Int, _ body: () -> Void) -> String {
        body()
        var samples: [Double] = []
        for _ in 0..<iterations {
            let start = DispatchTime.now().uptimeNanoseconds
            body()
            samples.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1_000)
        }
        samples.sort()
        return "median \(format(samples[samples.count / 2]))  min \(format(samples[0]))"
    }

    static func format(_ us: Double) -> String {
        let s = us >= 1_000_000 ? String(format: "%.2f s", us / 1_000_000)
            : us >= 1000 ? String(format: "%.2f ms", us / 1000) : String(format: "%.1f µs", us)
        return s.padding(toLength: 10, withPad: " ", startingAt: 0)
    }

    static func pad(_ n: Int, _ w: Int) -> String { String(repeating: " ", count: max(0, w - String(n).count)) + String(n) }
}
