import ProctorEngine

/// Every flag of the detector, newest first: time, student, count and its consequence.
enum CheatingPane {
    static func draw(_ s: Snapshot, _ r: Rect, into b: inout ScreenBuffer) {
        let warned = s.exam.flags.filter { $0.count != nil }.count
        b.box(r, title: "Cheating monitor", footer: s.exam.flags.isEmpty ? nil : "\(warned) warnings")
        let inner = r.inner
        if s.exam.startedAt == nil {
            Text.wrap("No exam running. During the exam (2), every flag appears here, newest first: time, student, warning count and its consequence.",
                      in: inner, style: .muted, into: &b)
            return
        }
        if s.exam.flags.isEmpty {
            Text.wrap("No flags yet. The detector on main flags random students still answering: 1 warning keeps 50%, 2 end the exam with 0.",
                      in: inner, style: .muted, into: &b)
            return
        }
        let compact = inner.width < 30
        for (j, f) in s.exam.flags.reversed().prefix(inner.height).enumerated() {
            let y = inner.y + j
            var x = b.write(Format.runTime(f.at) + " ", x: inner.x, y: y, style: .muted, clip: inner)
            x = b.write("S\(f.student) ", x: x, y: y, style: .title, clip: inner)
            switch f.count {
            case 1?: b.write(compact ? "⚠1 → 50%" : "warning 1 → 50%", x: x, y: y, style: .warn, clip: inner)
            case let c?: b.write(compact ? "⚠\(c) → ended" : "warning \(c) → ended", x: x, y: y, style: .bad, clip: inner)
            case nil: b.write(compact ? "flag dropped" : "flag dropped (submitted)", x: x, y: y, style: .muted, clip: inner)
            }
        }
    }
}

enum LocksPane {
    static func draw(_ s: Snapshot, _ r: Rect, into b: inout ScreenBuffer) {
        b.box(r, title: "Lock queues")
        let inner = r.inner
        guard inner.height > 0 else { return }
        b.write("RA  in CS: –   waiting: –", x: inner.x, y: inner.y, clip: inner)
        if inner.height > 1 { b.write("RW  chunk-1: –  chunk-2: –", x: inner.x, y: inner.y + 1, clip: inner) }
        if inner.height > 3 {
            Text.wrap("Ricart–Agrawala requests (ISA, 3) and chunk read/write locks (demo, 5) queue here.",
                      in: Rect(x: inner.x, y: inner.y + 3, width: inner.width, height: inner.height - 3), style: .muted, into: &b)
        }
    }
}

/// Main's slots and who fills them, the backup's overflow, and the redirects.
enum ServersPane {
    static func draw(_ s: Snapshot, _ r: Rect, into b: inout ScreenBuffer) {
        b.box(r, title: "Servers")
        let inner = r.inner
        guard inner.height > 0 else { return }
        let sv = s.servers
        let busy = sv.mainBusy.count
        let slots = String(repeating: "█", count: min(busy, sv.mainSlots)) + String(repeating: "░", count: max(0, sv.mainSlots - busy))
        var x = b.write("main   ", x: inner.x, y: inner.y, style: .title, clip: inner)
        x = b.write(slots, x: x, y: inner.y, style: busy >= sv.mainSlots ? .bad : .good, clip: inner)
        x = b.write(" \(busy)/\(sv.mainSlots) " + (busy == 0 ? "idle" : busy >= sv.mainSlots ? "FULL" : "busy"), x: x, y: inner.y,
                    style: busy >= sv.mainSlots ? .bad : .plain, clip: inner)
        b.write(" · \(sv.handledByMain) done", x: x, y: inner.y, style: .muted, clip: inner)
        guard inner.height > 1 else { return }
        x = b.write("backup ", x: inner.x, y: inner.y + 1, style: .title, clip: inner)
        x = b.write(String(repeating: "█", count: min(sv.backupBusy.count, 6)).fit(4), x: x, y: inner.y + 1, style: .warn, clip: inner)
        b.write("\(sv.backupBusy.count) now · \(sv.handledByBackup) done", x: x, y: inner.y + 1, clip: inner)
        var y = inner.y + 2
        if y < inner.maxY, busy > 0 {
            b.write("main: " + sv.mainBusy.map(Format.name).joined(separator: " "), x: inner.x, y: y, style: .muted, clip: inner)
            y += 1
        }
        if y < inner.maxY {
            if s.exam.startedAt == nil {
                Text.wrap("Submissions arrive in the exam (2); main takes \(sv.mainSlots) at once, the rest overflow to backup.",
                          in: Rect(x: inner.x, y: y + 1, width: inner.width, height: inner.maxY - y - 1), style: .muted, into: &b)
                return
            }
            b.write("redirects: \(sv.redirects)", x: inner.x, y: y, style: sv.redirects > 0 ? .warn : .muted, clip: inner)
            y += 1
        }
        for rd in s.exam.redirects.reversed() where y < inner.maxY {
            b.write("\(Format.runTime(rd.at)) S\(rd.student) → backup (main full)", x: inner.x, y: y, style: .muted, clip: inner)
            y += 1
        }
    }
}

enum Text {
    /// Word-wraps `text` into `r`, cutting what does not fit.
    static func wrap(_ text: String, in r: Rect, style: Style, into b: inout ScreenBuffer) {
        guard r.width > 0 else { return }
        var y = r.y
        var line = ""
        for word in text.split(separator: " ") {
            let candidate = line.isEmpty ? String(word) : line + " " + word
            if candidate.cellCount > r.width && !line.isEmpty {
                if y >= r.maxY { return }
                b.write(line, x: r.x, y: y, style: style, clip: r)
                y += 1
                line = String(word)
            } else {
                line = candidate
            }
        }
        if !line.isEmpty && y < r.maxY { b.write(line.clipped(r.width), x: r.x, y: y, style: style, clip: r) }
    }
}
