import ProctorEngine

/// The line above the caption: every invariant, held ✓ or broken ✗, with how many times it
/// was checked (`–` before its first check), e.g.
/// `invariants  mutex ✓ 5 · rw ✓ 12 · exactly_once ✓ 5 · replicas ✓ 7 · clock_bound ✓ 1`.
/// A broken one is in the bad style and keeps its ✗, so it reads without colour too. On a
/// narrow screen the label and the separators shorten before anything is cut.
enum InvariantsStrip {
    typealias Piece = (text: String, style: Style)

    static func draw(_ s: Snapshot, _ r: Rect, into b: inout ScreenBuffer) {
        var x = r.x + 1
        for p in pieces(s.invariants, width: r.width - 1) {
            x = b.write(p.text, x: x, y: r.y, style: p.style, clip: r)
        }
    }

    /// The strip's text for `width` cells, as pieces of one style each.
    static func pieces(_ invariants: [InvariantStatus], width: Int) -> [Piece] {
        let forms: [(label: String, separator: String, compact: Bool)] = [
            ("invariants  ", " · ", false), ("inv  ", " · ", false), ("inv ", "  ", false), ("", " ", true),
        ]
        var last: [Piece] = []
        for f in forms {
            var out: [Piece] = f.label.isEmpty ? [] : [(f.label, .muted)]
            for (i, inv) in invariants.enumerated() {
                if i > 0 { out.append((f.separator, .muted)) }
                out += item(inv, compact: f.compact)
            }
            if out.reduce(0, { $0 + $1.text.cellCount }) <= width { return out }
            last = out
        }
        return last
    }

    /// `mutex ✓ 12`, `rw ✗ 30`, `replicas –` (compact: `mutex✓12`).
    static func item(_ inv: InvariantStatus, compact: Bool) -> [Piece] {
        let gap = compact ? "" : " "
        if !inv.held {
            return [(inv.name + gap, .bad), ("✗" + (inv.checks > 0 ? gap + "\(inv.checks)" : ""), .bad)]
        }
        if inv.checks == 0 { return [(inv.name + gap, .plain), ("–", .muted)] }
        return [(inv.name + gap, .plain), ("✓" + gap + "\(inv.checks)", .good)]
    }

    /// The strip as plain text (tests, and the caption's neighbour in a capture).
    static func text(_ invariants: [InvariantStatus], width: Int) -> String {
        pieces(invariants, width: width).map(\.text).joined()
    }
}
