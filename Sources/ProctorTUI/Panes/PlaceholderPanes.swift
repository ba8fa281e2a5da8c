import ProctorEngine

/// Panes whose phases come later show their idle state and say what will appear there.
enum CheatingPane {
    static func draw(_ s: Snapshot, _ r: Rect, into b: inout ScreenBuffer) {
        b.box(r, title: "Cheating monitor")
        Text.wrap("No exam running. During the exam (2), every flag appears here, newest first: time, student, warning count and its consequence.",
                  in: r.inner, style: .muted, into: &b)
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

enum ServersPane {
    static func draw(_ s: Snapshot, _ r: Rect, into b: inout ScreenBuffer) {
        b.box(r, title: "Servers")
        let inner = r.inner
        guard inner.height > 0 else { return }
        let sv = s.servers
        let slots = String(repeating: "█", count: sv.mainBusy) + String(repeating: "░", count: sv.mainSlots - sv.mainBusy)
        var x = b.write("main   ", x: inner.x, y: inner.y, style: .title, clip: inner)
        x = b.write(slots, x: x, y: inner.y, style: sv.mainBusy == sv.mainSlots ? .bad : .good, clip: inner)
        b.write(" \(sv.mainBusy)/\(sv.mainSlots) " + (sv.mainBusy == 0 ? "idle" : "busy") + " · \(sv.handledByMain) done",
                x: x, y: inner.y, clip: inner)
        if inner.height > 1 {
            x = b.write("backup ", x: inner.x, y: inner.y + 1, style: .title, clip: inner)
            b.write("    \(sv.handledByBackup) (overflow)", x: x, y: inner.y + 1, clip: inner)
        }
        if inner.height > 3 {
            Text.wrap("Submissions arrive in the exam (2); main takes 3 at once, the rest overflow to backup.",
                      in: Rect(x: inner.x, y: inner.y + 3, width: inner.width, height: inner.height - 3), style: .muted, into: &b)
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
