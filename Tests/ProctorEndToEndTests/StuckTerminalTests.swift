import Foundation
import Testing

/// A terminal that takes no more output (a stalled connection, a reader that stopped) must
/// not keep Proctor from ending: SIGTERM still ends it within seconds, the files finished
/// and the terminal's modes put back.
@Suite struct StuckTerminalTests {
    /// A new pseudo-terminal (Linux: /dev/ptmx, unlocked, its number asked for): both ends.
    static func openTerminal() throws -> (master: Int32, slave: Int32) {
        let master = open("/dev/ptmx", O_RDWR | O_NOCTTY)
        try #require(master >= 0, "no pseudo-terminals here")
        var unlock: Int32 = 0, number: UInt32 = 0
        let TIOCSPTLCK: UInt = 0x4004_5431, TIOCGPTN: UInt = 0x8004_5430
        try #require(ioctl(master, TIOCSPTLCK, &unlock) == 0 && ioctl(master, TIOCGPTN, &number) == 0)
        let slave = open("/dev/pts/\(number)", O_RDWR | O_NOCTTY)
        try #require(slave >= 0)
        return (master, slave)
    }

    /// A signal sent the moment the screen appears ends the program: the handlers are in
    /// place before the screen is set up (they used to start listening a little later, and
    /// about half of such signals were ignored).
    @Test func aSignalAsTheScreenAppearsEndsTheProgram() throws {
        var env = ProcessInfo.processInfo.environment
        env["TERM"] = "xterm-256color"
        var missed: [Int] = []
        for k in 1...10 {
            let dir = try temporaryDirectory()
            defer { try? FileManager.default.removeItem(atPath: dir) }
            let (master, slave) = try Self.openTerminal()
            defer {
                close(master)
                close(slave)
            }
            let pid = try spawnProgram(proctorBinary, ["--seed", "3", "--out", dir],
                                       stdin: .descriptor(slave), stdout: .descriptor(slave), stderr: .descriptor(slave), environment: env)
            // Read until the alternate screen is switched on, then signal at once.
            var seen: [UInt8] = []
            let start = Date()
            let alternate = Array("\u{1B}[?1049h".utf8)
            var chunk = [UInt8](repeating: 0, count: 1 << 16)
            while Date().timeIntervalSince(start) < 10, seen.firstRange(of: alternate) == nil {
                var p = pollfd(fd: master, events: Int16(POLLIN), revents: 0)
                if poll(&p, 1, 10) > 0 {
                    let n = read(master, &chunk, chunk.count)
                    if n > 0 { seen += chunk[..<n] }
                }
            }
            kill(pid, SIGUSR1)
            // Keep reading, so the program's writes never block.
            let sent = Date()
            var status: Int32?
            while status == nil, Date().timeIntervalSince(sent) < 5 {
                var p = pollfd(fd: master, events: Int16(POLLIN), revents: 0)
                if poll(&p, 1, 10) > 0 { _ = read(master, &chunk, chunk.count) }
                status = waitForExit(pid, seconds: 0)
            }
            if status == nil {
                missed.append(k)
                kill(pid, SIGKILL)
                _ = waitForExit(pid)
            } else {
                #expect(status == 138)
            }
        }
        #expect(missed.isEmpty, "SIGUSR1 as the screen appeared was ignored in runs \(missed)")
    }

    @Test func sigtermEndsTheProgramWhileItsTerminalTakesNoOutput() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        // A pseudo-terminal whose far end is read once, then never again: its buffer fills
        // and every write of the screen blocks.
        let (master, slave) = try Self.openTerminal()
        defer { close(master) }
        defer { close(slave) }
        var size = winsize(ws_row: 40, ws_col: 120, ws_xpixel: 0, ws_ypixel: 0)
        _ = ioctl(slave, UInt(TIOCSWINSZ), &size)
        var before = termios()
        tcgetattr(slave, &before)

        var env = ProcessInfo.processInfo.environment
        env["TERM"] = "xterm-256color"
        let pid = try spawnProgram(proctorBinary, ["--seed", "3", "--speed", "16", "--out", "\(dir)/o", "--events", "\(dir)/e.jsonl"],
                                   stdin: .descriptor(slave), stdout: .descriptor(slave), stderr: .descriptor(slave), environment: env)
        usleep(1_000_000)
        var drain = [UInt8](repeating: 0, count: 1 << 16)
        _ = read(master, &drain, drain.count)
        for key in ["1", "2"] {
            _ = write(master, key, 1)
            usleep(200_000)
        }
        usleep(4_000_000)           // the countdowns keep redrawing; nobody reads
        let sent = Date()
        kill(pid, SIGTERM)
        let status = waitForExit(pid, seconds: 10)
        if status == nil {
            kill(pid, SIGKILL)
            _ = waitForExit(pid)
        }
        #expect(status == 143, "SIGTERM ends the program although its terminal takes no output: \(status.map(String.init) ?? "still running after 10 s")")
        #expect(Date().timeIntervalSince(sent) < 6)
        var after = termios()
        tcgetattr(slave, &after)
        #expect(after.c_lflag & tcflag_t(ICANON | ECHO) == before.c_lflag & tcflag_t(ICANON | ECHO), "line input and echo put back")
        // The files are finished: the event log whole, the session record written.
        let log = try String(contentsOfFile: "\(dir)/e.jsonl", encoding: .utf8)
        #expect(log.hasSuffix("\n") && log.contains("\"name\":\"exam\""))
        #expect(!log.contains("log_incomplete"))
        #expect(FileManager.default.fileExists(atPath: "\(dir)/o/session.json"))
    }
}

