import Testing
@testable import ProctorEngine
@testable import ProctorTUI

/// The narration line: after each delivered event, what it meant in the algorithm's words —
/// and true to the log it narrates.
@Suite struct NarrationTests {
    /// Runs phases event by event, handing each moment's snapshot and narration to `check`.
    static func walk(seed: UInt64 = 42, students: Int = 5, through phases: [Phase] = Phase.walkthrough,
                     _ check: (Snapshot, String) -> Void) {
        let sim = Simulation(config: .init(data: .defaults(), studentCount: students, seed: seed, encodesLog: false))
        sim.run(until: .seconds(2))
        for p in phases {
            sim.apply(.start(p))
            while sim.step() {
                let s = Snapshot(simulation: sim, paused: true, speed: 1)
                if let text = Narration.text(s) { check(s, text) }
            }
        }
    }

    /// The entries of the newest moment (the last time stamp) of the snapshot's log.
    static func moment(_ s: Snapshot) -> [LogEntry] {
        guard let t = s.recentLog.last?.t else { return [] }
        return Array(s.recentLog.reversed().prefix { $0.t == t }.reversed())
    }

    @Test func aDeferredOrImmediateReplyIsNarratedAsTheReceiverDecidedIt() {
        var deferredForEarlier = 0, deferredInside = 0, immediate = 0
        Self.walk(through: [.sync, .exam, .isa]) { s, text in
            guard text.contains("REPLY to") || text.contains("replies to") else { return }
            let m = Self.moment(s)
            // The REQUEST just received, and whether a REPLY to its sender went out at once.
            guard let req = m.compactMap({ e -> Envelope? in
                if case .recv(let x, _) = e.kind, case .ra(.request) = x.payload { x } else { nil }
            }).last, case .ra(.request(let theirTs)) = req.payload, case .student(let me) = req.to, case .student(let them) = req.from else {
                Issue.record("narrated a reply decision without a REQUEST: \(text)")
                return
            }
            let replied = m.contains { e in
                if case .send(let x) = e.kind, x.from == req.to, x.to == req.from, case .ra(.reply) = x.payload { true } else { false }
            }
            let ra = s.isa.ra[me - 1]
            if text.contains("defers its REPLY to S\(them)") {
                #expect(!replied, "\(text) — but a REPLY went out")
                if s.isa.holder == me {
                    #expect(text.contains("inside the critical section"))
                    deferredInside += 1
                } else {
                    let own = try! #require(ra.requestTimestamp)
                    #expect(RicartAgrawala.precedes((own, me), (theirTs, them)), "\(text)")
                    #expect(text.contains("its own request (\(own), S\(me)) is earlier than (\(theirTs), S\(them))"))
                    deferredForEarlier += 1
                }
            } else {
                #expect(text.contains("S\(me) replies to S\(them) at once"))
                #expect(replied, "\(text) — but no REPLY went out")
                immediate += 1
            }
        }
        #expect(deferredForEarlier > 0 && deferredInside > 0 && immediate > 0,
                "every kind of decision is seen in a default run: \(deferredForEarlier) \(deferredInside) \(immediate)")
    }

    @Test func aRedirectIsNarratedWithMainsBusySlots() {
        var redirects = 0
        Self.walk(through: [.sync, .exam]) { s, text in
            guard let r = Self.moment(s).compactMap({ e -> NodeID? in if case .redirect(let st, _) = e.kind { st } else { nil } }).last else { return }
            redirects += 1
            #expect(text == "main refuses \(r.shortName): 3 of 3 slots busy → the backup server processes it instead.")
            #expect(s.servers.mainBusy.count == s.servers.mainSlots)
        }
        #expect(redirects > 0, "the default exam overflows to the backup")
    }

    @Test func eachBerkeleyReadingIsNarratedWithItsOwnRoundTrip() {
        var readings = 0, averaged = 0
        Self.walk(through: [.sync]) { s, text in
            if text.hasPrefix("main has every reading") { averaged += 1 }
            guard text.hasPrefix("main gets") else { return }
            guard case .recv(let reply, _)? = Self.moment(s).last(where: { if case .recv = $0.kind { true } else { false } })?.kind,
                  let polled = s.recentLog.last(where: { e in
                      if case .send(let x) = e.kind, x.to == reply.from, case .sync(.timeRequest) = x.payload { true } else { false }
                  }) else {
                Issue.record("no reply behind \(text)")
                return
            }
            let rtt = s.recentLog.last!.t - polled.t
            #expect(text.contains("\(reply.from.shortName)'s reading"))
            #expect(text.contains("after a \(Format.span(rtt)) round trip"), "\(text) vs \(Format.span(rtt))")
            readings += 1
        }
        // Six answer (the teacher and five students); the last one's moment is the average.
        #expect(readings == 5 && averaged == 1)
    }

    /// The sentence for the events whose words are fixed, or nil for the others.
    static func expectedWords(_ e: LogEntry, _ s: Snapshot) -> String? {
        switch e.kind {
        case .phase(.sync): "Clock sync begins: main, the time daemon, polls every clock with TIME_REQUEST and times each round trip."
        case .phase(.exam): "The exam begins: main sends question 1 to every student; each countdown runs on the student's own clock."
        case .phase(.isa): "ISA marks entry begins: a student needs the REPLY of all 4 others before it may enter the marksheet."
        case .phase(.replication): "Replication begins: main splits the results into 2 chunks and sends each to 3 replicas (STORE)."
        case .phase(.consistency): "The consistency demo begins: each student reads or writes its own row under chunk read/write locks."
        case .clockAdjust(let n, let before, let delta) where n != .main:
            "\(n.shortName) applies main's ADJUST: its clock moves \(Format.signed(delta)), from \(Format.clock(before)) to \(Format.clock(before + delta))."
        case .recv(let m, false):
            switch m.payload {
            case .exam(.question(let q, _)): "\(m.to.shortName) gets question \(q): its 30 s countdown runs on its own clock."
            case .exam(.answer(let q, let c?)): "main notes \(m.from.shortName)'s answer to question \(q): \(["A", "B", "C", "D"][c])."
            default: nil
            }
        case .csEnter(let n): "\(n.shortName) has all 4 REPLYs: it enters the critical section — no one else can be inside."
        case .warning(let st, 1): "\(st.shortName) is flagged: warning 1 — it may go on, but keeps only 50% of its marks."
        case .submit(let r) where r.reason != .terminated && r.warnings == 0:
            "\(r.student.shortName)'s exam (\(r.reason.rawValue)) is recorded by \(r.server.shortName): raw \(r.raw) = final, no warnings. Recorded exactly once."
        case .replicaWrite(let r, let c, 1, nil, _):
            "replica-\(r) stores chunk \(c) (\(c == 1 ? 3 : 2) rows) at version 1 and confirms with the file's SHA-256."
        case .lockAcquire(let n, let c, .write): "main grants \(n.shortName) the write lock on chunk \(c): no reader or writer beside it."
        default: nil
        }
    }

    @Test func everyDeliveredEventOfTheWalkthroughIsNarratedInWords() {
        var fallbacks: [String] = []
        var checked: [String: Int] = [:]
        Self.walk { s, text in
            // The entry the line stands for: the newest moment's last one that is not a send
            // (nor a routine storage line).
            let primary = Self.moment(s).last { e in
                switch e.kind {
                case .send: false
                case .storage(_, let r): r.outcome != .ok
                default: true
                }
            }
            if let e = primary, let words = Self.expectedWords(e, s) {
                #expect(text == words)
                checked[String(describing: e.kind).prefix { $0 != "(" }.description, default: 0] += 1
            }
            // Narration never falls back to the event log's own line for a delivery.
            if let e = s.recentLog.last, text == EventLogPane.describe(e).0 { fallbacks.append(text) }
        }
        #expect(fallbacks.isEmpty, "\(fallbacks.prefix(5))")
        // Each kind with fixed words came by and was checked.
        #expect(checked.keys.sorted() == ["clockAdjust", "csEnter", "lockAcquire", "phase", "recv", "replicaWrite", "submit", "warning"], "\(checked)")
        #expect(checked.values.reduce(0, +) > 100 && checked["clockAdjust", default: 0] >= 5 && checked["replicaWrite"] == 6, "\(checked)")
    }

    @Test func aRepairedCopyIsNarratedAsTheIssueAsks() {
        var s = ScreenTests.snapshot(synced: true)
        s.recentLog.append(LogEntry(t: s.now, kind: .integrity(replica: 2, chunk: 1, problem: .corrupt, repairedFrom: 1)))
        #expect(Narration.text(s) == "replica-2's copy of chunk 1 fails its checksum: not served, repaired from replica-1.")
    }

    /// The line sits above the caption at every size, cut at a whole word.
    @Test(arguments: [(80, 24), (120, 40), (200, 60)])
    func theNarrationLineSitsAboveTheCaption(size: (Int, Int)) throws {
        let s = ScreenTests.snapshot(synced: true)
        let b = ScreenTests.render(s, size.0, size.1)
        let line = b.line(size.1 - 2)
        let text = try #require(Narration.text(s))
        #expect(line.hasPrefix(" ▸ Round 1 done: clocks within"), "\(line)")
        let shown = line.dropFirst(3).trimmingCharacters(in: .whitespaces)
        // Whole, or shortened by its last clauses: what is shown begins the full sentence.
        #expect(shown == text || text.hasPrefix(String(shown.dropLast())), "\(shown)")
    }
}
