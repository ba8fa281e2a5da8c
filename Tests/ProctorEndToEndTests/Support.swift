import Foundation
import Testing

/// The built `proctor` binary, beside the test bundle.
let proctorBinary: String = {
    let beside = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("proctor").path
    if FileManager.default.isExecutableFile(atPath: beside) { return beside }
    let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    return root.appendingPathComponent(".build/debug/proctor").path
}()

struct ProcessResult {
    var status: Int32
    var stdout: String
    var stderr: String
}

/// Runs a program to completion and returns its exit status and output. Output goes
/// through files, not pipes: a daemon the program starts (tmux's server) would hold a pipe
/// open forever.
@discardableResult
func runProgram(_ path: String, _ args: [String], environment: [String: String]? = nil, cwd: String? = nil) throws -> ProcessResult {
    if let cwd { return try runProgram("/usr/bin/env", ["-C", cwd, path] + args, environment: environment) }
    let base = FileManager.default.temporaryDirectory.appendingPathComponent("proctor-run-\(UUID().uuidString)").path
    defer {
        unlink(base + ".out")
        unlink(base + ".err")
    }
    let pid = try spawnProgram(path, args, stdout: .file(base + ".out"), stderr: .file(base + ".err"), environment: environment)
    let code = waitForExit(pid)
    let o = FileManager.default.contents(atPath: base + ".out") ?? Data()
    let e = FileManager.default.contents(atPath: base + ".err") ?? Data()
    return ProcessResult(status: code, stdout: String(decoding: o, as: UTF8.self), stderr: String(decoding: e, as: UTF8.self))
}

/// Where a child's standard stream goes.
enum ChildStream {
    case null
    /// A file, created or emptied.
    case file(String)
    /// A descriptor of this process (a terminal's end).
    case descriptor(Int32)
}

/// Starts a program and returns at once (posix_spawn). The child starts with no signal
/// blocked and default handlers: a test runner's thread blocks most signals, and a program
/// (or a tmux server) that inherited that mask could never be stopped by them.
func spawnProgram(_ path: String, _ args: [String], stdin: ChildStream = .null, stdout: ChildStream = .null, stderr: ChildStream = .null,
                  environment: [String: String]? = nil) throws -> pid_t {
    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    defer { posix_spawn_file_actions_destroy(&actions) }
    for (fd, stream) in [(Int32(0), stdin), (1, stdout), (2, stderr)] {
        switch stream {
        case .null: posix_spawn_file_actions_addopen(&actions, fd, "/dev/null", fd == 0 ? O_RDONLY : O_WRONLY, 0)
        case .file(let p): posix_spawn_file_actions_addopen(&actions, fd, p, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        case .descriptor(let d): posix_spawn_file_actions_adddup2(&actions, d, fd)
        }
    }
    let env = environment ?? ProcessInfo.processInfo.environment
    let argv = ([path] + args).map { strdup($0) } + [nil]
    let envp = env.map { strdup("\($0.key)=\($0.value)") } + [nil]
    defer {
        argv.forEach { free($0) }
        envp.forEach { free($0) }
    }
    var attr = posix_spawnattr_t()
    posix_spawnattr_init(&attr)
    defer { posix_spawnattr_destroy(&attr) }
    var none = sigset_t(), all = sigset_t()
    sigemptyset(&none)
    sigfillset(&all)
    posix_spawnattr_setsigmask(&attr, &none)
    posix_spawnattr_setsigdefault(&attr, &all)
    posix_spawnattr_setflags(&attr, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
    var pid: pid_t = 0
    let rc = posix_spawn(&pid, path, &actions, &attr, argv, envp)
    guard rc == 0 else { throw TmuxError(message: "cannot start \(path): \(String(cString: strerror(rc)))") }
    return pid
}

/// Waits for a child to end: its exit status, or 128 + the signal that ended it.
func waitForExit(_ pid: pid_t) -> Int32 {
    var status: Int32 = 0
    while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
    let exited = (status & 0x7F) == 0
    return exited ? (status >> 8) & 0xFF : 128 + (status & 0x7F)
}

/// Like `waitForExit`, but gives up after `seconds` (nil: still running).
func waitForExit(_ pid: pid_t, seconds: Double) -> Int32? {
    let deadline = Date().addingTimeInterval(seconds)
    var status: Int32 = 0
    repeat {
        if waitpid(pid, &status, WNOHANG) == pid { return (status & 0x7F) == 0 ? (status >> 8) & 0xFF : 128 + (status & 0x7F) }
        usleep(20_000)
    } while Date() < deadline
    return nil
}

/// Runs `body` with a tmpfs of `kilobytes` mounted at `dir` (made if needed), unmounted
/// after; where mounting is not allowed (not root, no mount(8)), says so and skips `body`.
func withSmallDisk(at dir: String, kilobytes: Int, for test: String, _ body: () throws -> Void) throws {
    try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    let r = try? runProgram("/bin/mount", ["-t", "tmpfs", "-o", "size=\(kilobytes)k", "tmpfs", dir])
    guard let r, r.status == 0 else {
        let why = r.map { "mount: \($0.stderr.trimmingCharacters(in: .whitespacesAndNewlines))" } ?? "no mount(8)"
        print("\(test) skipped: cannot mount a small tmpfs here (\(why))")
        return
    }
    defer { _ = try? runProgram("/bin/umount", [dir]) }
    try body()
}

func temporaryDirectory() throws -> String {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("proctor-e2e-\(UUID().uuidString)").path
    try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    return dir
}

/// A private tmux server running one program in a window of a given size.
final class TmuxSession {
    let socket: String
    let tmux: String
    /// The shell around the program writes its exit status here.
    let statusFile: String

    init(command: String, width: Int, height: Int, environment: [String: String] = [:]) throws {
        socket = "proctor-e2e-\(getpid())-\(UUID().uuidString.prefix(8))"
        tmux = ["/usr/bin/tmux", "/usr/local/bin/tmux", "/bin/tmux"].first { FileManager.default.isExecutableFile(atPath: $0) } ?? "tmux"
        let env = environment.map { "\($0.key)=\($0.value)" }.sorted().joined(separator: " ")
        statusFile = FileManager.default.temporaryDirectory.appendingPathComponent("\(socket).status").path
        // remain-on-exit keeps the pane after the program ends, so its exit status and the
        // alternate-screen flag can be read.
        try run(["-f", "/dev/null", "new-session", "-d", "-s", "e2e", "-x", "\(width)", "-y", "\(height)",
                 "env -u NO_COLOR TERM=xterm-256color \(env) \(command); echo $? > \(statusFile)"])
        try run(["set-option", "-t", "e2e", "remain-on-exit", "on"])
    }

    @discardableResult
    func run(_ args: [String]) throws -> String {
        let r = try runProgram(tmux, ["-L", socket] + args)
        if r.status != 0 { throw TmuxError(message: "tmux \(args.joined(separator: " ")): \(r.stderr)") }
        return r.stdout
    }

    func capture() throws -> String { try run(["capture-pane", "-p", "-t", "e2e"]) }
    func captureWithEscapes() throws -> String { try run(["capture-pane", "-p", "-e", "-t", "e2e"]) }
    func keys(_ k: String...) throws { try run(["send-keys", "-t", "e2e"] + k) }
    func resize(_ w: Int, _ h: Int) throws { try run(["resize-window", "-t", "e2e", "-x", "\(w)", "-y", "\(h)"]) }
    func format(_ f: String) throws -> String {
        try run(["display-message", "-p", "-t", "e2e", f]).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// Polls the screen until `predicate` holds, for up to `seconds`.
    /// A session running `command` (Proctor), once its screen is up.
    static func showingTheScreen(_ command: String, width: Int, height: Int, environment: [String: String] = [:]) throws -> TmuxSession {
        let t = try TmuxSession(command: command, width: width, height: height, environment: environment)
        try t.waitFor("the screen") { $0.contains("Clocks (Berkeley)") }
        return t
    }

    /// Presses `1` and waits for the sync round to end.
    func syncClocks() throws {
        try keys("1")
        try waitFor("the round") { $0.contains("SYNC 1/5 ✓") }
    }

    @discardableResult
    func waitFor(_ what: String, seconds: Double = 15, _ predicate: (String) -> Bool) throws -> String {
        let deadline = Date().addingTimeInterval(seconds)
        var last = ""
        while Date() < deadline {
            last = try capture()
            if predicate(last) { return last }
            usleep(50_000)
        }
        Issue.record("timed out waiting for \(what); the screen was:\n\(last)")
        return last
    }

    /// The program's process id (the pane runs a shell around it).
    func programPID() throws -> String {
        let shell = try format("#{pane_pid}")
        let r = try runProgram("/usr/bin/pgrep", ["-P", shell])
        return r.stdout.split(separator: "\n").first.map(String.init) ?? ""
    }

    /// Waits for the program to exit; returns (exit status, alternate screen still on).
    func waitForExit(seconds: Double = 10) throws -> (status: Int, alternate: Bool)? {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if try format("#{pane_dead}") == "1" {
                let text = (try? String(contentsOfFile: statusFile, encoding: .utf8)) ?? ""
                let status = Int(text.trimmingCharacters(in: .whitespacesAndNewlines)) ?? -1
                return (status, try format("#{alternate_on}") == "1")
            }
            usleep(50_000)
        }
        return nil
    }

    deinit {
        _ = try? runProgram(tmux, ["-L", socket, "kill-server"])
        unlink(statusFile)
    }
}

struct TmuxError: Error, CustomStringConvertible {
    var message: String
    var description: String { message }
}
