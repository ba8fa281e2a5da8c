import ProctorEngine

/// The most recent events, newest at the bottom, as the log records them.
enum EventLogPane {
    static func draw(_ s: Snapshot, _ r: Rect, scroll: Int = 0, into b: inout ScreenBuffer) {
        let inner = r.inner
        // Scrolled back (`[`), the pane shows older events and says how far back it is; the
        // recent events a snapshot carries are as far as it goes.
        let back = min(max(0, scroll), max(0, s.recentLog.count - max(1, inner.height)))
        let title = "Event log · \(s.logCount) events"
        let footer = back > 0 ? "↑ \(back) back · ] newer · \\ newest" : s.messagesInFlight > 0 ? "\(s.messagesInFlight) in flight" : nil
        b.box(r, title: title, footer: footer)
        guard inner.height > 0 else { return }
        let lines = s.recentLog.dropLast(back).suffix(inner.height)
        if lines.isEmpty {
            Text.wrap("Nothing has happened yet. Press 1 to synchronize the clocks; every message will appear here as it is sent and delivered.",
                      in: inner, style: .muted, into: &b)
            return
        }
        var y = inner.maxY - lines.count
        for e in lines {
            let x = b.write(Format.logTime(e.t) + " ", x: inner.x, y: y, style: .muted, clip: inner)
            let (text, style) = describe(e, compact: inner.width < 70)
            // Cut with "…" where the pane is narrower than the line, so a cut reads as one.
            b.write(text.clipped(max(0, inner.maxX - x)), x: x, y: y, style: style, clip: inner)
            y += 1
        }
    }

    /// `compact`: a message line without its column padding (`S3→S4 REQUEST ts 13 sent`),
    /// so a narrow pane still shows whether it was sent or delivered.
    static func describe(_ e: LogEntry, compact: Bool = false) -> (String, Style) {
        if compact {
            switch e.kind {
            case .send(let m):
                return ("\(Format.name(m.from))→\(Format.name(m.to)) \(m.payload.kind) \(compactDetail(m))sent", .muted)
            case .recv(let m, let dup):
                let ms = (e.t - m.sentAt).milliseconds
                return ("\(Format.name(m.from))→\(Format.name(m.to)) \(m.payload.kind) \(compactDetail(m))✓ \(ms)ms\(dup ? " DUP" : "")", .plain)
            default: break
            }
        }
        switch e.kind {
        case .phase(let p):
            return ("── phase: \(p.rawValue) ──", .title)
        case .command(let c):
            return ("operator: \(c.logName)", .accent)
        case .send(let m):
            return ("\(route(m)) \(m.payload.kind.fit(8)) \(detail(m)) sent", .muted)
        case .recv(let m, let dup):
            let ms = (e.t - m.sentAt).milliseconds
            return ("\(route(m)) \(m.payload.kind.fit(8)) \(detail(m)) delivered (\(ms) ms)\(dup ? " DUPLICATE" : "")", .plain)
        case .clockAdjust(let node, let before, let delta):
            return ("\(Format.name(node)) clock \(Format.signed(delta)) (was \(Format.clock(before)))", .accent)
        case .syncResult(let r):
            return ("sync round \(r.round): spread \(Format.span(r.spreadBefore)) → \(Format.span(r.spreadAfter)) (max rtt \(Format.span(r.maxRoundTrip)))", .good)
        case .invariant(let name, let detail):
            return ("INVARIANT BROKEN \(name): \(detail)", .bad)
        case .warning(let st, let count):
            return ("\(Format.name(st)) ⚠ warning \(count) → " + (count >= 2 ? "exam terminated, 0" : "50% of marks"), count >= 2 ? .bad : .warn)
        case .flagDropped(let st):
            return ("\(Format.name(st)) flag dropped: already submitted", .muted)
        case .redirect(let st, let busy):
            return ("main full (\(busy) busy): \(Format.name(st)) REDIRECT → backup", .warn)
        case .submit(let r):
            return ("\(Format.name(r.student)) recorded by \(r.server): \(r.reason.rawValue), raw \(r.raw), final \(r.final)", .good)
        case .csRequest(let n, let ts):
            return ("\(Format.name(n)) asks for the marksheet: REQUEST (ts \(ts), id \(n.shortName.dropFirst())) to all", .accent)
        case .csEnter(let n):
            return ("\(Format.name(n)) ENTERS the critical section (all replies in)", .good)
        case .csExit(let n, let v, let reason):
            return ("\(Format.name(n)) leaves: ISA " + (v.map(String.init) ?? "none") + (reason == .timeout ? " (hold timed out)" : "") + ", deferred replies go out",
                    reason == .timeout ? .warn : .plain)
        case .isaRefused(let n, _):
            return ("\(Format.name(n)) late ISA entry refused", .bad)
        case .replicaWrite(let r, let c, let v, let roll, let isa):
            if let roll { return ("replica-\(r) chunk-\(c) v\(v): roll \(roll) ISA → \(isa.map(String.init) ?? "none")", .good) }
            return ("replica-\(r) stored chunk-\(c) v\(v)", .good)
        case .integrity(let r, let c, let problem, let from):
            return ("replica-\(r) chunk-\(c) \(problem.rawValue.uppercased()): not served, " + (from == r ? "rewritten from its own copy" : "repaired from " + (from.map { "replica-\($0)" } ?? "main")), .bad)
        case .metadataRefused(let detail):
            return ("REFUSED \(detail)", .bad)
        case .demoChoice(let st, let choice):
            return ("\(Format.name(st)) chooses \(choice.uppercased())", .accent)
        case .lockRequest(let n, let c, let m):
            return ("\(Format.name(n)) queues for chunk-\(c) (\(m.rawValue))", .muted)
        case .lockAcquire(let n, let c, let m):
            return ("\(Format.name(n)) ACQUIRES chunk-\(c) (\(m.rawValue))", m == .write ? .warn : .good)
        case .lockRelease(let n, let c, let m):
            return ("\(Format.name(n)) releases chunk-\(c) (\(m.rawValue))", .plain)
        case .fault(let kind, let node, let from, let to, let detail):
            let target = node.map(Format.name) ?? "\(from.map(Format.name) ?? "?") → \(to.map(Format.name) ?? "?")"
            return ("✗ FAULT \(kind.uppercased()) \(target)" + (detail.map { " " + $0 } ?? ""), .bad)
        case .recover(let kind, let node, let from, let to):
            let target = node.map(Format.name) ?? "\(from.map(Format.name) ?? "?") → \(to.map(Format.name) ?? "?")"
            return ("✓ RECOVER \(kind) \(target)", .good)
        case .drop(let id, let reason):
            return ("message #\(id) DROPPED (\(reason))", .warn)
        case .failover(let st, let reason):
            return ("\(Format.name(st)) FAILOVER → backup (\(reason))", .warn)
        case .storage(let n, let r):
            return ("\(Format.name(n)) \(r.op.rawValue) \(r.path): \(r.outcome.rawValue)", r.outcome == .ok ? .muted : .bad)
        }
    }

    private static func compactDetail(_ m: Envelope) -> String {
        let d = detail(m).trimmingTrailingBlanks
        return d.isEmpty ? "" : d + " "
    }

    private static func route(_ m: Envelope) -> String {
        "\(Format.name(m.from)) → \(Format.name(m.to))".fit(16)
    }

    private static func detail(_ m: Envelope) -> String {
        switch m.payload {
        case .sync(.timeRequest(let r)): "r\(r)".fit(13)
        case .sync(.timeReply(let r, let local)): "r\(r) \(Format.clock(local))".fit(13)
        case .sync(.adjust(let r, let d)): "r\(r) \(Format.signed(d))".fit(13)
        case .exam(.question(let q, _)): "q\(q)".fit(13)
        case .exam(.answer(let q, let c)): "q\(q)\(c.map { " " + Format.answerLetter($0) } ?? "")".fit(13)
        case .exam(.submit(let s)): s.reason.rawValue.fit(13)
        case .exam(.forward(let k, _, _)): "S\(k)".fit(13)
        case .exam(.recorded(let r)): "\(r.student.shortName) final \(r.final)".fit(13)
        case .exam(.mark(let isa, _)): "ISA \(isa.map(String.init) ?? "none")".fit(13)
        case .exam(.recall), .exam(.resume): "".fit(13)
        case .exam(.claims(let ks)): "\(ks.count) students".fit(13)
        case .exam(.whose(let k)): "S\(k)?".fit(13)
        case .exam(.owner(let k, let main)): "S\(k) \(main ? "main" : "backup")".fit(13)
        case .exam(.ack(let f, _)): "final \(f)".fit(13)
        case .exam(.flag(let n)): "#\(n)".fit(13)
        case .replica(.store(let c)): "c\(c.chunk) v\(c.version) \(c.rows.count) rows".fit(13)
        case .replica(.stored(let c, let v, _)), .replica(.written(let c, let v, _)): "c\(c) v\(v)".fit(13)
        case .replica(.read(let c, let roll)): "c\(c) \(roll)".fit(13)
        case .replica(.value(_, let v, let isa)): "\(isa.map(String.init) ?? "none") v\(v)".fit(13)
        case .replica(.write(let c, let v, _, let isa)): "c\(c) v\(v) =\(isa)".fit(13)
        case .lock(.lock(let c, let m, _)), .lock(.grant(let c, let m, _, _)): "c\(c) \(m.rawValue)".fit(13)
        case .lock(.unlock(let c, let wrote, _)): (wrote.map { "c\(c) v\($0.version)" } ?? "c\(c)").fit(13)
        case .ra(.request(let ts)): "ts \(ts)".fit(13)
        case .ra(.reply(let ts, let r)): "ts \(ts) re \(r)".fit(13)
        }
    }
}
