import Foundation
import Testing

/// The real binary, driven through tmux as a person at a terminal would drive it.
@Suite(.serialized) struct TerminalEndToEndTests {
    @Test func syncAtOneTwentyByFortyThenResizeAndQuit() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let t = try TmuxSession(command: "\(proctorBinary) --seed 42 --out \(dir)/out --events \(dir)/events.jsonl --shiviz \(dir)/run.shiviz",
                                width: 120, height: 40)
        try t.waitFor("the screen") { $0.contains("Clocks (Berkeley)") && $0.contains("Event log") }
        #expect(try t.format("#{alternate_on}") == "1")

        try t.keys("1")
        let screen = try t.waitFor("the adjusted clocks") { $0.contains("SYNC 1/5 ✓") && $0.contains("spread") && $0.contains("→") }
        // The clocks pane: every node adjusted, with its local time before, offset and adjustment.
        let clockRows = screen.split(separator: "\n").filter { $0.hasPrefix("│") && ($0.contains("✓ 1") || $0.contains("✓ 0") || $0.contains("✓ 09")) }
        #expect(clockRows.count >= 7, "main, teacher and five students adjusted:\n\(screen)")
        #expect(screen.contains("before") && screen.contains("offset") && screen.contains("adjust"))
        #expect(screen.contains("sync round 1: spread"))

        try t.resize(80, 24)
        try t.waitFor("the 80×24 layout") { s in
            let lines = s.split(separator: "\n", omittingEmptySubsequences: false)
            return s.contains("Admin") && s.contains("Clocks") && lines.allSatisfy { $0.count <= 80 } && lines.filter { !$0.isEmpty }.count >= 23
        }
        try t.resize(40, 12)
        try t.waitFor("the too-small note") { $0.contains("small") && !$0.contains("Admin") }
        try t.resize(200, 60)
        try t.waitFor("the 200×60 layout") { $0.contains("Admin") && $0.contains("Lock queues") && $0.contains("SYNC 1/5 ✓") }

        try t.keys("q")
        let exit = try #require(try t.waitForExit(), "proctor did not exit on q")
        #expect(exit.status == 0)
        #expect(!exit.alternate, "the alternate screen was left")
        let log = try String(contentsOfFile: "\(dir)/events.jsonl", encoding: .utf8)
        #expect(log.contains("\"type\":\"sync_result\""))
        // The ShiViz file, made at quit from the same log: each send and receive with its clock.
        let shiviz = try String(contentsOfFile: "\(dir)/run.shiviz", encoding: .utf8)
        let lines = shiviz.split(separator: "\n")
        #expect(lines.first == "main {\"main\":1}" && lines.count % 2 == 0, "\(shiviz.prefix(200))")
        #expect(lines.filter { $0.hasPrefix("recv ") }.count == log.components(separatedBy: "\"type\":\"recv\"").count - 1)
    }

    /// `--tour`, followed on `n` alone from the welcome to the end; `b` goes back a stop.
    @Test func theTourFromStartToEndOnNAlone() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let t = try TmuxSession(command: "\(proctorBinary) --tour --speed 16 --out \(dir)/out", width: 120, height: 40)
        func stop(_ s: String) -> Int? {
            guard let r = s.range(of: "Tour, stop ") else { return nil }
            return Int(s[r.upperBound...].prefix { $0.isNumber })
        }
        var texts: [String] = []
        var screen = try t.waitFor("the welcome") { stop($0) == 1 }
        #expect(screen.contains("Welcome"))
        var last = 1
        while !screen.contains("The tour is over") {
            texts.append(screen)
            try t.keys("n")
            screen = try t.waitFor("stop \(last + 1)", seconds: 90) { (stop($0) ?? 0) > last }
            last = stop(screen) ?? last
        }
        #expect(last == 12, "the welcome, 10 moments, the end: \(last)")
        let all = texts.joined()
        for moment in ["Berkeley, step 1", "Berkeley, step 2", "A countdown ran out", "Cheating detection", "Load balancing",
                       "defers its REPLY", "A hold timeout", "Replication:", "readers share", "A writer must be alone"] {
            #expect(all.contains(moment), "\(moment)")
        }
        // b: back to the stop before, the run as it was there; n: on again.
        try t.keys("b")
        let back = try t.waitFor("the stop before") { stop($0) == last - 1 }
        #expect(!back.contains("The tour is over"))
        try t.keys("n")
        try t.waitFor("the end again", seconds: 60) { $0.contains("The tour is over") }
        try t.keys("q")
        #expect(try t.waitForExit()?.status == 0)
    }

    /// `--shiviz` without `--events`: the event log it is made from is not left behind.
    @Test func aShiVizFileWithoutAnEventLog() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let t = try TmuxSession.showingTheScreen("\(proctorBinary) --seed 5 --out \(dir)/out --shiviz \(dir)/run.shiviz", width: 120, height: 40)
        try t.syncClocks()
        // S writes the run so far, before the lesson ends.
        try t.keys("S")
        try t.waitFor("the export's notice") { $0.contains("Wrote the run so far for ShiViz") }
        let sofar = try String(contentsOfFile: "\(dir)/run.shiviz", encoding: .utf8)
        #expect(sofar.contains("recv REPLY (sync #"), "\(sofar.prefix(300))")
        try t.keys("q")
        #expect(try t.waitForExit()?.status == 0)
        let shiviz = try String(contentsOfFile: "\(dir)/run.shiviz", encoding: .utf8)
        #expect(shiviz.contains("recv REPLY (sync #"), "\(shiviz.prefix(300))")
        let left = try FileManager.default.contentsOfDirectory(atPath: "\(dir)/out")
        #expect(!left.contains { $0.contains("shiviz") }, "\(left)")
    }

    @Test(arguments: [(80, 24), (200, 60)])
    func startsAtOtherSizes(size: (Int, Int)) throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let t = try TmuxSession(command: "\(proctorBinary) --seed 7 --out \(dir)", width: size.0, height: size.1)
        let s = try t.waitFor("the screen") { $0.contains("Lock queues") && $0.contains("seed 7") }
        #expect(s.contains("Asha") && s.contains("Eli"))
        try t.keys("q")
        #expect(try t.waitForExit()?.alternate == false)
    }

    @Test func sigtermRestoresTheTerminal() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let t = try TmuxSession.showingTheScreen("\(proctorBinary) --seed 3 --out \(dir)", width: 120, height: 40)
        let pid = try t.programPID()
        try runProgram("/bin/kill", ["-TERM", pid])
        let exit = try #require(try t.waitForExit(), "proctor did not exit on SIGTERM")
        #expect(exit.status == 143)
        #expect(!exit.alternate)

        let c = try TmuxSession.showingTheScreen("\(proctorBinary) --seed 3 --out \(dir)", width: 120, height: 40)
        try c.keys("C-c")
        let ctrlC = try #require(try c.waitForExit(), "proctor did not exit on Ctrl-C")
        #expect(ctrlC.status == 130)
        #expect(!ctrlC.alternate)
    }

    /// Every terminating signal restores the terminal (SIGQUIT twice: the first must not
    /// take the handler away).
    @Test(arguments: [("QUIT", 131), ("USR1", 138), ("USR2", 140), ("ALRM", 142), ("PIPE", 141)])
    func everyTerminatingSignalRestoresTheTerminal(_ sig: (String, Int)) throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let t = try TmuxSession.showingTheScreen("\(proctorBinary) --seed 3 --out \(dir)", width: 100, height: 30)
        try runProgram("/bin/kill", ["-\(sig.0)", try t.programPID()])
        let exit = try #require(try t.waitForExit(), "proctor did not exit on SIG\(sig.0)")
        #expect(exit.status == sig.1)
        #expect(!exit.alternate, "the alternate screen was left")
    }

    /// Ctrl-Z from a shell with job control: the run pauses, the process stops, the shell
    /// is back; on `fg` the screen returns at the same virtual time, paused.
    @Test func ctrlZSuspendsAndFgResumesPausedAtTheSameMoment() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let t = try TmuxSession(command: "bash --norc --noprofile -i", width: 100, height: 30)
        try t.keys("\(proctorBinary) --seed 3 --out \(dir)/out", "Enter")
        try t.waitFor("the screen") { $0.contains("Clocks (Berkeley)") }
        try t.syncClocks()
        try t.keys("C-z")
        try t.waitFor("the shell, the job stopped") { $0.contains("Stopped") }
        usleep(2_500_000)
        try t.keys("fg", "Enter")
        // Waited for whole: a capture can fall in the middle of the full redraw after `fg`.
        let back = try t.waitFor("the screen again, paused, saying why") {
            $0.contains("PAUSED") && $0.contains("Clocks (Berkeley)") && $0.contains("Paused while Proctor was suspended")
        }
        let stopped = try #require(Self.clock(back), "no clock in the status bar:\n\(Self.statusBar(back))")
        usleep(1_500_000)
        let later = try t.capture()
        #expect(Self.clock(later) == stopped, "virtual time stays where it stopped: \(Self.statusBar(later))")
        try t.keys("q")
        try t.waitFor("the shell again") { !$0.contains("Clocks (Berkeley)") }
    }

    /// A terminal that cannot draw the screen (TERM=dumb, an unknown TERM): exit 2 with
    /// what to do, before anything is created.
    @Test(arguments: ["dumb", "no-such-terminal"])
    func anUnusableTerminalIsRefusedBeforeAnythingIsCreated(term: String) throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        // The message goes to standard error (kept in a file: the pane closes at once).
        let errors = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: errors) }
        let t = try TmuxSession(command: "\(proctorBinary) --seed 3 --out \(dir)/out --events \(dir)/e.jsonl 2> \(errors)/err", width: 100, height: 30,
                                environment: ["TERM": term])
        let exit = try #require(try t.waitForExit(), "proctor did not exit")
        #expect(exit.status == 2)
        let message = try String(contentsOfFile: "\(errors)/err", encoding: .utf8)
        #expect(message.contains("TERM=\(term)") && message.contains("--headless"), "\(message)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir).isEmpty, "nothing created")
    }

    /// A full disk in the live program: the screen names the file and the reason at once and
    /// keeps saying it; quitting exits 2 with the message, the terminal restored; the event
    /// log, elsewhere, is not cut short by the other file's failure.
    @Test func aFullDiskIsOnScreenUntilQuit() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let out = "\(dir)/o"
        try withSmallDisk(at: out, kilobytes: 4, for: "aFullDiskIsOnScreenUntilQuit") {
            let errors = try temporaryDirectory()
            defer { try? FileManager.default.removeItem(atPath: errors) }
            let t = try TmuxSession.showingTheScreen("\(proctorBinary) --seed 3 --speed 16 --out \(out) --events \(errors)/e.jsonl 2> \(errors)/err", width: 120, height: 40)
            try t.syncClocks()
            try t.keys("2")
            let full = try t.waitFor("the failure on screen", seconds: 40) { $0.contains("No space left on device") }
            #expect(full.contains(" not saved: No space left on device"), "the file and the reason first: \(full)")
            usleep(5_000_000)
            #expect(try t.capture().contains("No space left on device"), "still on screen after the notices' time")
            try t.keys("q")
            let exit = try #require(try t.waitForExit(), "proctor did not exit")
            #expect(exit.status == 2 && !exit.alternate)
            #expect(try String(contentsOfFile: "\(errors)/err", encoding: .utf8).contains("No space left on device"))
            // The event log, on a disk with room, goes on after results.xlsx failed (as the exam
            // started), to the quit 5 s (80 virtual seconds) later.
            let lines = try String(contentsOfFile: "\(errors)/e.jsonl", encoding: .utf8).split(separator: "\n")
            func time(_ line: Substring) -> Int? {
                (try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])?["t"] as? Int
            }
            let exam = try #require(lines.first { $0.contains("\"type\":\"phase\"") && $0.contains("\"name\":\"exam\"") }.flatMap(time))
            let last = try #require(lines.last.flatMap(time))
            #expect(last - exam > 50_000, "the log goes on after the failure: exam at \(exam) ms, last line at \(last) ms")
            #expect(!lines.contains { $0.contains("log_incomplete") }, "the log itself is complete")
        }
    }

    /// The event log's own disk fills in the live program: the screen says the log stops
    /// there; at quit it is saved as far as it got, its last line saying it is incomplete.
    @Test func aFullEventLogDiskIsSavedMarkedIncompleteAtQuit() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let logs = "\(dir)/logs"
        try withSmallDisk(at: logs, kilobytes: 24, for: "aFullEventLogDiskIsSavedMarkedIncompleteAtQuit") {
            let t = try TmuxSession(command: "\(proctorBinary) --seed 3 --speed 16 --out \(dir)/o --events \(logs)/e.jsonl 2> \(dir)/err",
                                    width: 120, height: 40)
            try t.waitFor("the screen") { $0.contains("Clocks (Berkeley)") }
            try t.syncClocks()
            try t.keys("2")
            let full = try t.waitFor("the failure on screen", seconds: 60) { $0.contains("No space left on device") }
            #expect(full.contains("The event log stops here (No space left on device)"), "\(full)")
            try t.keys("q")
            let exit = try #require(try t.waitForExit(), "proctor did not exit")
            #expect(exit.status == 2 && !exit.alternate)
            let message = try String(contentsOfFile: "\(dir)/err", encoding: .utf8)
            #expect(message.contains("saved incomplete"), "\(message)")
            let lines = try String(contentsOfFile: "\(logs)/e.jsonl", encoding: .utf8).split(separator: "\n")
            #expect(lines.count > 20)
            #expect(lines.allSatisfy { (try? JSONSerialization.jsonObject(with: Data($0.utf8))) != nil }, "every line whole")
            #expect(lines.last?.contains("\"type\":\"log_incomplete\"") == true, "\(lines.last ?? "")")
        }
    }

    /// Ctrl-S is not flow control: the screen does not freeze, and q still quits at once.
    @Test func ctrlSDoesNotFreezeTheScreen() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let t = try TmuxSession.showingTheScreen("\(proctorBinary) --seed 3 --out \(dir)", width: 100, height: 30)
        try t.keys("C-s")
        try t.keys("1")
        try t.waitFor("the sync round, drawn after Ctrl-S") { $0.contains("SYNC 1/5 ✓") }
        try t.keys("q")
        let exit = try #require(try t.waitForExit(), "q did not quit after Ctrl-S")
        #expect(exit.status == 0)
    }

    @Test func pauseStepHelpAndSpeedFromTheKeyboard() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let t = try TmuxSession(command: "\(proctorBinary) --seed 5 --out \(dir)", width: 120, height: 40)
        try t.waitFor("the screen") { $0.contains("▶ 1×") }
        try t.keys("+", "+")
        try t.waitFor("4×") { $0.contains("▶ 4×") }
        try t.keys("Space")
        try t.waitFor("paused") { $0.contains("PAUSED") }
        try t.keys("1")
        let queued = try t.waitFor("requests in flight") { $0.contains("6 in flight") }
        #expect(queued.contains("REQUEST"))
        try t.keys(".")
        try t.waitFor("one delivery") { ($0.contains("5 in flight") || $0.contains("6 in flight")) && $0.contains("delivered") }
        try t.keys("?")
        try t.waitFor("help") { $0.contains("Keys") && $0.contains("single step") }
        try t.keys("Escape")
        try t.waitFor("help closed") { !$0.contains("single step") }
        try t.keys("q")
        #expect(try t.waitForExit()?.status == 0)
    }

    /// `b` three times, then `.` three times: each `.` goes forward exactly one event through
    /// the past, and the third is back where the run had reached, the log as it was.
    @Test func stepForwardAfterStepBackRetracesOneEventAtATime() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let t = try TmuxSession.showingTheScreen("\(proctorBinary) --seed 5 --students 4 --speed 16 --out \(dir)/out", width: 120, height: 40)
        try t.syncClocks()
        try t.keys("Tab", "t", "2")     // take S2 over, start the exam
        try t.waitFor("the exam under way") { ($0.range(of: #"t 0[2-9]:"#, options: .regularExpression) != nil) && $0.contains("EXAM 2/5") }
        try t.keys("Space")
        let paused = try t.waitFor("paused") { $0.contains("PAUSED") }
        let reached = try #require(Self.logCount(paused), "no event count in:\n\(paused)")
        let clock = try #require(Self.clock(paused), "no clock in:\n\(paused)")
        var past: (position: Int, horizon: Int)?
        for i in 1...3 {
            try t.keys("PPage")
            let s = try t.waitFor("back \(i)") { Self.past($0).map { p in past.map { p.position == $0.position - 1 } ?? true } ?? false }
            past = Self.past(s)
        }
        let back = try #require(past, "no PAST a/b on screen after three PageUps")
        for i in 1...2 {
            try t.keys(".")
            let s = try t.waitFor("forward \(i)") { Self.past($0)?.position != back.position + i - 1 }
            let now = try #require(Self.past(s), "no longer in the past after \(i) steps:\n\(Self.statusBar(s))")
            #expect(now.position == back.position + i && now.horizon == back.horizon, "one . is one event: \(back) then \(now)")
        }
        try t.keys(".")
        let end = try t.waitFor("the furthest point") { Self.past($0) == nil }
        #expect(end.contains("PAUSED"), "\(Self.statusBar(end))")
        #expect(Self.logCount(end) == reached, "the log as it was when paused")
        #expect(Self.clock(end) == clock)
        try t.keys("q")
        #expect(try t.waitForExit()?.status == 0)
    }

    /// The event log pane's count of events.
    static func logCount(_ screen: String) -> Int? {
        guard let r = screen.range(of: #"Event log · \d+ events"#, options: .regularExpression) else { return nil }
        return Int(screen[r].split(separator: " ")[3])
    }

    /// The virtual time in the status bar, `t 01:41`.
    static func clock(_ screen: String) -> String? {
        let top = statusBar(screen)
        return top.range(of: #"t \d\d:\d\d"#, options: .regularExpression).map { String(top[$0]) }
    }

    @Test func noColorGivesAMonochromeScreen() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let colored = try TmuxSession.showingTheScreen("\(proctorBinary) --seed 1 --out \(dir)", width: 120, height: 40)
        let colorful = try colored.captureWithEscapes()
        #expect(Self.hasColor(colorful), "no colour in:\n\(colorful.prefix(600).debugDescription)")
        let mono = try TmuxSession.showingTheScreen("\(proctorBinary) --seed 1 --out \(dir)", width: 120, height: 40, environment: ["NO_COLOR": "1"])
        let text = try mono.captureWithEscapes()
        #expect(!Self.hasColor(text))
        #expect(text.contains("Asha"))
        let flag = try TmuxSession.showingTheScreen("\(proctorBinary) --no-color --seed 1 --out \(dir)", width: 120, height: 40)
        #expect(try !Self.hasColor(flag.captureWithEscapes()))
    }

    @Test func theExamAtSixteenTimesSpeed() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let t = try TmuxSession.showingTheScreen("\(proctorBinary) --seed 11 --students 12 --speed 16 --out \(dir)/out", width: 120, height: 40)
        try t.keys("1")
        try t.waitFor("sync") { $0.contains("SYNC 1/5 ✓") }
        try t.keys("Tab", "t")          // focus S2 and take it over
        try t.waitFor("takeover") { $0.contains("◆ you") }
        try t.waitFor("the answering keys in the status bar") { Self.statusBar($0).contains("a–d answer · s submit") }
        try t.keys("2")
        let first = try t.waitFor("countdowns") { $0.contains("Q1/10") && $0.contains("a–d answers") }
        let seconds = { (s: String) in s.split(separator: "\n").first { $0.contains("S3  ") }.map(String.init) ?? "" }
        usleep(400_000)
        let second = try t.capture()
        #expect(seconds(first) != seconds(second), "the countdown ticks:\n\(seconds(first))\n\(seconds(second))")
        try t.keys("c")                 // S2 answers C from the keyboard
        try t.waitFor("the operator's answer") { s in s.split(separator: "\n").contains { $0.contains("S2  ") && $0.contains("✓ C") } }
        // The end-of-exam burst: main full, overflow to the backup.
        let burst = try t.waitFor("the overflow", seconds: 40) { s in
            s.range(of: "redirects: [1-9]", options: .regularExpression) != nil && (s.contains("→ backup (main full)") || s.contains("→ backup (full)"))
        }
        #expect(burst.contains("main"))
        try t.waitFor("the end of the exam", seconds: 30) { $0.contains("12/12 submitted") }
        #expect(FileManager.default.fileExists(atPath: "\(dir)/out/results.xlsx"), "results.xlsx refreshed as submissions land")
        try t.keys("v")
        try t.waitFor("the teacher's results") { $0.contains("Teacher · results") && $0.contains("Roll") }
        try t.keys("v")

        // ISA: S2 (taken over) asks for the marksheet with i and types its mark at the prompt.
        try t.keys("3")
        try t.waitFor("the ISA phase") { $0.contains("ISA 3/5") }
        try t.keys("i")
        try t.waitFor("the prompt's keys in the status bar") { Self.statusBar($0).contains("0–9 mark · ⌫ · Enter done · Esc cancel") }
        let holding = try t.waitFor("the prompt", seconds: 30) { $0.contains("ISA mark (0–20): ▁") }
        // Holding the marksheet, a played student types at 1×: its 5 s hold limit is the
        // typist's 5 s, not a third of a second at 16×.
        #expect(Self.statusBar(holding).contains("▶ 1×"), "\(Self.statusBar(holding))")
        try t.keys("1", "5", "Enter")
        try t.waitFor("the mark entered") { s in s.split(separator: "\n").contains { $0.contains("S2  ") && $0.contains("ISA: done 15") } }
        try t.waitFor("the normal keys again") { !Self.statusBar($0).contains("Enter done") }
        try t.waitFor("16× again once it has left") { Self.statusBar($0).contains("▶ 16×") }
        try t.waitFor("everyone's mark", seconds: 60) { $0.contains("ISA 3/5 ✓") }
        // Pausing still works once everything is quiet.
        try t.keys("Space")
        try t.waitFor("paused") { $0.contains("PAUSED") }
        try t.keys("q")
        #expect(try t.waitForExit()?.status == 0)
        let check = try runProgram("/usr/bin/env", ["python3", "-c", "import openpyxl,sys; ws=openpyxl.load_workbook(sys.argv[1]).active; print(ws.max_row)", "\(dir)/out/results.xlsx"])
        #expect(check.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "13")
        let isa = try runProgram("/usr/bin/env", ["python3", "-c", "import openpyxl,sys; ws=openpyxl.load_workbook(sys.argv[1]).active; print(ws.cell(3, 8).value)", "\(dir)/out/results.xlsx"])
        #expect(isa.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "15", "S2's ISA mark in results.xlsx")
    }

    /// A replica copy edited by hand after replication is caught when the demo starts,
    /// never served, and repaired.
    @Test func aCorruptedReplicaIsRepairedWhenTheDemoStarts() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let t = try TmuxSession.showingTheScreen("\(proctorBinary) --seed 4 --students 3 --speed 16 --out \(dir)/out", width: 120, height: 40)
        try t.keys("1")
        try t.waitFor("sync") { $0.contains("SYNC 1/5 ✓") }
        try t.keys("2")
        try t.waitFor("the exam", seconds: 40) { $0.contains("EXAM 2/5 ✓") }
        try t.keys("3")
        try t.waitFor("ISA", seconds: 30) { $0.contains("ISA 3/5 ✓") }
        try t.keys("4")
        try t.waitFor("replicas", seconds: 10) { $0.contains("REPLICATION 4/5 ✓") }
        func isaMark(row: Int) throws -> String {
            let r = try runProgram("/usr/bin/env", ["python3", "-c", "import openpyxl,sys; ws=openpyxl.load_workbook(sys.argv[1]).active; print(ws.cell(\(row), 8).value)", "\(dir)/out/results.xlsx"])
            return r.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        }
        let copy = "\(dir)/out/replicas/replica-2/chunk-1.json"
        let deadline = Date().addingTimeInterval(5)
        while !FileManager.default.fileExists(atPath: copy) && Date() < deadline { usleep(50_000) }
        try Data("{\"edited\": \"by hand\"}\n".utf8).write(to: URL(fileURLWithPath: copy))
        try #require(try isaMark(row: 2) != "17", "S1 entered another mark in the ISA phase")
        try t.keys("t", "5")            // play S1 in the demo
        try t.waitFor("the report") { $0.contains("replica-2 chunk-1 CORRUPT") }
        try t.waitFor("the demo's keys") { Self.statusBar($0).contains("r read · w write · x exit") }
        // The new mark typed in the same breath as w goes to the prompt, not to the phase keys.
        try t.keys("w", "1", "7", "Enter")
        let written = Date().addingTimeInterval(15)
        while try isaMark(row: 2) != "17" && Date() < written { usleep(100_000) }
        #expect(try isaMark(row: 2) == "17", "S1's new mark in results.xlsx")
        try t.waitFor("S1 done writing") { s in s.split(separator: "\n").contains { $0.contains("S1  ") && $0.contains("Read / Write / Exit?") } }
        try t.keys("x")
        try t.waitFor("the end", seconds: 30) { $0.contains("DONE ✓") }
        try t.keys("q")
        #expect(try t.waitForExit()?.status == 0)
        let check = try runProgram("/usr/bin/env", ["python3", replicaChecker, "\(dir)/out"])
        #expect(check.status == 0, "the copy was repaired: \(check.stderr)")
    }

    /// The top line, where the current mode's keys are.
    static func statusBar(_ screen: String) -> String {
        screen.split(separator: "\n", maxSplits: 1).first.map(String.init) ?? ""
    }

    /// A short lesson given by keys — with a pause, single steps and a command between steps —
    /// replays headless and on screen to the same event log, byte for byte.
    @Test func aLiveLessonReplaysToTheSameLog() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let t = try TmuxSession(command: "\(proctorBinary) --seed 3 --students 3 --speed 16 --out \(dir)/out --events \(dir)/live.jsonl",
                                width: 120, height: 40)
        try t.waitFor("the screen") { $0.contains("Clocks (Berkeley)") }
        try t.keys("1")
        try t.waitFor("sync") { $0.contains("SYNC 1/5 ✓") }
        #expect(FileManager.default.fileExists(atPath: "\(dir)/out/session.json"), "written at the phase change")
        try t.keys("2")
        try t.waitFor("the exam") { $0.contains("Q1/10") }
        try t.keys("t")
        try t.waitFor("takeover") { $0.contains("◆ you") }
        try t.keys("a")
        try t.waitFor("the answer") { s in s.split(separator: "\n").contains { $0.contains("S1  ") && $0.contains("✓ A") } }
        try t.keys("Space")
        try t.waitFor("paused") { $0.contains("PAUSED") }
        try t.keys(".", ".", "b", ".", "Tab", "t", ".", "s")
        usleep(300_000)
        try t.keys("q")
        #expect(try t.waitForExit()?.status == 0)

        let record = try String(contentsOfFile: "\(dir)/out/session.json", encoding: .utf8)
        let names: [String] = record.split(separator: "\n").filter { $0.contains("\"at_us\"") }.map { line in
            let rest = line.split(separator: "\"name\": \"", maxSplits: 1).last ?? ""
            return String(rest.prefix { $0 != "\"" })
        }
        #expect(names == ["sync_clocks", "start_exam", "takeover", "answer", "answer", "takeover", "submit", "quit"], "\(record)")
        let live = try Data(contentsOf: URL(fileURLWithPath: "\(dir)/live.jsonl"))
        let commandLines = String(decoding: live, as: UTF8.self).split(separator: "\n").filter { $0.contains("\"type\":\"command\"") }
        #expect(commandLines.count == 7 && commandLines.allSatisfy { $0.contains(",\"at_us\":") })

        let headless = try runProgram(proctorBinary, ["--replay", "\(dir)/out/session.json", "--headless", "--events", "\(dir)/replay.jsonl",
                                                      "--out", "\(dir)/replayed"])
        #expect(headless.status == 0, "\(headless.stderr)")
        let replayed = try Data(contentsOf: URL(fileURLWithPath: "\(dir)/replay.jsonl"))
        #expect(replayed == live, "the headless replay's log differs from the live one")

        // On screen: the record's commands arrive by themselves, the operator's are refused,
        // and the clock stops where the lesson was quit.
        let r = try TmuxSession(command: "\(proctorBinary) --replay \(dir)/out/session.json --speed 16 --out \(dir)/screen --events \(dir)/screen.jsonl",
                                width: 120, height: 40)
        try r.waitFor("the replay") { $0.contains("REPLAY") && $0.contains("seed 3") }
        try r.keys("Space")             // paused, so no later notice hides the refusal
        try r.waitFor("paused") { $0.contains("PAUSED") }
        try r.keys("5")
        try r.waitFor("the refusal") { $0.contains("replaying: commands come from the record") }
        try r.keys("Space")
        try r.waitFor("the end of the record", seconds: 60) { s in
            s.contains("PAUSED") && (s.contains("The recorded lesson ends here") || s.contains("nothing more to play"))
        }
        try r.keys("q")
        #expect(try r.waitForExit()?.status == 0)
        let screen = try Data(contentsOf: URL(fileURLWithPath: "\(dir)/screen.jsonl"))
        #expect(screen == live, "the on-screen replay's log differs from the live one")
        #expect(!FileManager.default.fileExists(atPath: "\(dir)/screen/session.json"), "a replay records nothing")
    }

    /// Step back from the keyboard: b goes back one delivered event at a time and the status
    /// bar says where the run stands; . goes forward through the same events to where it had
    /// reached, with the same log on screen; a phase key pressed in the past starts a branch
    /// there, and the log file and the session record keep only the branch taken, so a
    /// headless replay of the record gives the live log byte for byte.
    /// The fault menu while the exam runs: f lists the faults with what to watch, m crashes
    /// main (the servers pane shows it down with its downtime), f m restarts it, and every
    /// student is still recorded exactly once; the lesson replays to the same log.
    @Test func theFaultMenuCrashesAndRestartsMainDuringTheExam() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let t = try TmuxSession(command: "\(proctorBinary) --seed 6 --students 4 --speed 16 --out \(dir)/out --events \(dir)/live.jsonl",
                                width: 120, height: 40)
        try t.waitFor("the screen") { $0.contains("Clocks (Berkeley)") }
        try t.keys("1")
        try t.waitFor("sync") { $0.contains("SYNC 1/5 ✓") }
        try t.keys("2")
        try t.waitFor("the exam") { $0.contains("EXAM 2/5") }
        try t.keys("f")
        let menu = try t.waitFor("the fault menu") { $0.contains("Faults — now, in exam") }
        #expect(menu.contains("crash / restart main") && menu.contains("Esc closes"))
        #expect(Self.statusBar(menu).contains("Esc close"))
        try t.keys("m")
        try t.waitFor("main down") { $0.contains("main   ✗ DOWN") }
        try t.keys("f")
        try t.waitFor("the menu again") { $0.contains("Faults — now, in exam") && $0.contains("down: main ✗") }
        try t.keys("m")
        try t.waitFor("main back") { !$0.contains("✗ DOWN") && $0.contains("RECOVER restart main") }
        try t.waitFor("every submission", seconds: 60) { Self.statusBar($0).contains("4/4 submitted") }
        try t.keys("q")
        #expect(try t.waitForExit()?.status == 0)
        let live = try String(contentsOfFile: "\(dir)/live.jsonl", encoding: .utf8)
        let submits = live.split(separator: "\n").filter { $0.contains("\"type\":\"submit\"") }
        #expect(submits.count == 4, "each student recorded once")
        #expect(live.contains("\"type\":\"fault\",\"kind\":\"crash\",\"node\":\"main\""))
        #expect(live.contains("\"type\":\"recover\",\"kind\":\"restart\",\"node\":\"main\""))
        let replay = try runProgram(proctorBinary, ["--replay", "\(dir)/out/session.json", "--headless", "--out", "\(dir)/r",
                                                    "--events", "\(dir)/replay.jsonl"])
        #expect(replay.status == 0, "\(replay.stderr)")
        #expect(try String(contentsOfFile: "\(dir)/replay.jsonl", encoding: .utf8) == live, "the replay gives the live log")
    }

    /// The menu in the consistency demo: it says what each fault does now; a replica crashed
    /// and restarted from it is shown down, then catches up, and the demo ends with the
    /// copies agreeing with the metadata.
    @Test func theFaultMenuCrashesAndRestartsAReplicaDuringTheDemo() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let t = try TmuxSession(command: "\(proctorBinary) --seed 4 --students 4 --speed 16 --out \(dir)/out --events \(dir)/live.jsonl",
                                width: 120, height: 40)
        try t.waitFor("the screen") { $0.contains("Clocks (Berkeley)") }
        try t.keys("1")
        try t.waitFor("sync") { $0.contains("SYNC 1/5 ✓") }
        try t.keys("2")
        try t.waitFor("every submission", seconds: 90) { Self.statusBar($0).contains("4/4 submitted") }
        try t.keys("3")
        func adminRow(_ screen: String, _ label: String) -> String {
            screen.split(separator: "\n").first { $0.contains(label) }.map(String.init) ?? ""
        }
        try t.waitFor("every mark", seconds: 90) { adminRow($0, "4 Replicas").contains("◂ next") }
        try t.keys("4")
        try t.waitFor("the replicas") { $0.contains("Replicas in place") }
        try t.keys("5", "Space")
        try t.waitFor("the demo, paused") { Self.statusBar($0).contains("PAUSED") && Self.statusBar($0).contains("CONSISTENCY") }
        try t.keys("f")
        let menu = try t.waitFor("the fault menu") { $0.contains("Faults — now, in consistency") }
        #expect(menu.contains("its lock table survives"), "what to watch in the demo: \(menu)")
        try t.keys("2")
        try t.waitFor("replica 2 down") { $0.contains("R2     ✗") }
        try t.keys("Space")
        try t.waitFor("time passes with it down", seconds: 20) { $0.contains("R2     ✗ 2s") || $0.contains("R2     ✗ 3s") }
        try t.keys("f")
        try t.waitFor("the menu, replica 2 down") { $0.contains("down: replica-2 ✗") || $0.contains("down: R2 ✗") }
        try t.keys("2")
        try t.waitFor("replica 2 back") { $0.contains("RECOVER restart") && !$0.contains("R2     ✗") }
        try t.waitFor("the demo's end", seconds: 90) { adminRow($0, "5 Consistency").contains("✓") }
        try t.keys("q")
        #expect(try t.waitForExit()?.status == 0)
        let live = try String(contentsOfFile: "\(dir)/live.jsonl", encoding: .utf8)
        #expect(live.contains("\"type\":\"fault\",\"kind\":\"crash\",\"node\":\"replica-2\""))
        #expect(live.contains("\"type\":\"recover\",\"kind\":\"restart\",\"node\":\"replica-2\""))
        let replicas = try runProgram("/usr/bin/env", ["python3", replicaChecker, "\(dir)/out", "\(dir)/live.jsonl"])
        #expect(replicas.status == 0, "\(replicas.stdout)\(replicas.stderr)")
    }

    @Test func stepBackForwardAgainThenBranch() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let t = try TmuxSession(command: "\(proctorBinary) --seed 3 --speed 16 --out \(dir)/out --events \(dir)/live.jsonl",
                                width: 120, height: 40)
        try t.waitFor("the screen") { $0.contains("Clocks (Berkeley)") }
        try t.keys("1")
        try t.waitFor("sync") { $0.contains("SYNC 1/5 ✓") }
        try t.keys("Space")
        let before = try t.waitFor("paused") { Self.statusBar($0).contains("PAUSED") }
        #expect(Self.past(before) == nil, "not in the past yet: \(Self.statusBar(before))")
        let logBefore = Self.eventLogPane(before)
        #expect(logBefore.count > 5 && logBefore.joined().contains("sync round 1"), "\(logBefore)")

        try t.keys("b")
        let back1 = try t.waitFor("one event back") { Self.past($0) != nil }
        let (p1, horizon) = try #require(Self.past(back1))
        #expect(p1 == horizon - 1, "\(Self.statusBar(back1))")
        #expect(!Self.statusBar(back1).contains("PAUSED"))
        // The caption explains (after any notice of that point of the past has had its moment).
        try t.waitFor("the caption") { $0.contains("◀ Event \(p1) of \(horizon): space or a command resumes HERE") }
        try t.keys("b")
        let back2 = try t.waitFor("two events back") { Self.past($0)?.position == horizon - 2 }
        #expect(Self.past(back2)?.horizon == horizon)
        #expect(Self.eventLogPane(back2) != logBefore, "the log on screen is as it was two events earlier")

        // Forward again: each . goes one event forward, through the same events.
        var screen = back2
        var steps = 0
        while let now = Self.past(screen), steps < 10 {
            try t.keys(".")
            steps += 1
            screen = try t.waitFor("a step forward") { s in Self.past(s).map { $0.position > now.position } ?? true }
            if let next = Self.past(screen) { #expect(next.position == now.position + 1, "\(Self.statusBar(screen))") }
        }
        #expect(steps == 2, "two events back, two steps forward")
        #expect(Self.past(screen) == nil, "back at the furthest point after \(steps) steps: \(Self.statusBar(screen))")
        screen = try t.waitFor("paused at the furthest point") { Self.statusBar($0).contains("PAUSED") }
        #expect(Self.eventLogPane(screen) == logBefore, "the same events, the same last lines")

        // A command in the past: the later events are discarded and the run goes on from there.
        try t.keys("b", "b", "b")
        try t.waitFor("three events back") { Self.past($0)?.position == horizon - 3 }
        try t.keys("2")
        try t.waitFor("the exam started in the past") { s in Self.past(s) == nil && Self.statusBar(s).contains("EXAM 2/5") }
        try t.keys("Space")
        try t.waitFor("the exam running", seconds: 30) { $0.contains("Q2/10") }
        try t.keys("q")
        #expect(try t.waitForExit()?.status == 0)

        let record = try String(contentsOfFile: "\(dir)/out/session.json", encoding: .utf8)
        let commands = record.split(separator: "\n").filter { $0.contains("\"at_us\"") }
        #expect(commands.count == 3 && commands[0].contains("\"sync_clocks\"") && commands[1].contains("\"start_exam\"")
                && commands[1].contains("\"after\": \(horizon - 3)") && commands[2].contains("\"quit\""), "\(record)")
        let live = try Data(contentsOf: URL(fileURLWithPath: "\(dir)/live.jsonl"))
        let lines = String(decoding: live, as: UTF8.self).split(separator: "\n")
        let syncResults = lines.indices.filter { lines[$0].contains("\"type\":\"sync_result\"") }
        let examStart = lines.firstIndex { $0.contains("\"type\":\"command\",\"name\":\"start_exam\"") }
        #expect(syncResults.count == 1, "the discarded end of the sync round was cut from the log file")
        #expect(examStart.map { $0 < syncResults[0] } ?? false, "the exam started before the sync round ended, in the branch")

        let headless = try runProgram(proctorBinary, ["--replay", "\(dir)/out/session.json", "--headless", "--events", "\(dir)/replay.jsonl",
                                                      "--out", "\(dir)/replayed"])
        #expect(headless.status == 0, "\(headless.stderr)")
        let replayed = try Data(contentsOf: URL(fileURLWithPath: "\(dir)/replay.jsonl"))
        #expect(replayed == live, "the headless replay's log differs from the live one")
    }

    /// `◀ PAST p/h` in the status bar: the position and the furthest point reached.
    static func past(_ screen: String) -> (position: Int, horizon: Int)? {
        let bar = statusBar(screen)
        guard let r = bar.range(of: "◀ PAST [0-9]+/[0-9]+", options: .regularExpression) else { return nil }
        let numbers = bar[r].dropFirst("◀ PAST ".count).split(separator: "/").compactMap { Int($0) }
        return numbers.count == 2 ? (numbers[0], numbers[1]) : nil
    }

    /// The event-log pane's title and lines, without its frame.
    static func eventLogPane(_ screen: String) -> [String] {
        let lines = screen.split(separator: "\n", omittingEmptySubsequences: false).map { Array($0) }
        guard let top = lines.firstIndex(where: { String($0).contains("┌ Event log") }),
              let range = String(lines[top]).range(of: "┌ Event log") else { return [] }
        let x = String(lines[top])[..<range.lowerBound].count
        var pane: [String] = []
        for line in lines[top...] {
            guard line.count > x else { break }
            if line[x] == "└" { break }
            let row = String(line[(x + 1)...]).trimmingCharacters(in: .whitespaces)
            pane.append(row.hasSuffix("│") ? String(row.dropLast()).trimmingCharacters(in: .whitespaces) : row)
        }
        return pane
    }

    /// SGR foreground colours 30–37, 90–97 or 38;… in a tmux capture.
    static func hasColor(_ s: String) -> Bool {
        s.range(of: "\u{1B}\\[[0-9;]*(3[0-7]|9[0-7]|38;[0-9;]+)m", options: .regularExpression) != nil
    }
}
