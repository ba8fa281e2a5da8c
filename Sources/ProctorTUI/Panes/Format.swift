import ProctorEngine

/// Text formats shared by the panes.
enum Format {
    /// `HH:MM:SS.t` of a clock reading (`HH:MM:SS` without tenths: a running clock shows
    /// whole seconds, so the screen need not change ten times a second; paused, it shows tenths).
    static func clock(_ t: VirtualTime, tenths showTenths: Bool = true) -> String {
        TextFormat.clock(t, tenths: showTenths)
    }

    /// `mm:ss` of run time (`h:mm:ss` past an hour).
    static func runTime(_ t: VirtualTime) -> String {
        let s = max(0, t.microseconds / 1_000_000)
        return s >= 3600 ? "\(s / 3600):\(pad2((s / 60) % 60)):\(pad2(s % 60))" : "\(pad2(s / 60)):\(pad2(s % 60))"
    }

    /// `mm:ss.mmm` of run time, for the event log.
    static func logTime(_ t: VirtualTime) -> String {
        let ms = max(0, t.milliseconds)
        let s = ms / 1000
        let frac = String(ms % 1000)
        return "\(pad2(s / 60)):\(pad2(s % 60)).\(String(repeating: "0", count: 3 - frac.count))\(frac)"
    }

    /// A signed span with a unit that fits in 6 cells: `+2.94s`, `−12ms`, `+0.4ms`, `±0`.
    static func signed(_ d: VirtualDuration) -> String {
        let us = d.microseconds
        if us == 0 { return "±0" }
        let sign = us < 0 ? "−" : "+"
        let a = Double(abs(us))
        if a >= 100_000_000 { return sign + String(Int(a / 1_000_000)) + "s" }
        if a >= 10_000_000 { return sign + TextFormat.fixed(a / 1_000_000, 1) + "s" }
        if a >= 1_000_000 { return sign + TextFormat.fixed(a / 1_000_000, 2) + "s" }
        if a >= 1_000 { return sign + String(Int((a / 1_000).rounded())) + "ms" }
        return sign + TextFormat.fixed(a / 1_000, 1) + "ms"
    }

    /// An unsigned span: `8.21 s`, `12 ms`.
    static func span(_ d: VirtualDuration) -> String {
        let a = Double(abs(d.microseconds))
        if a >= 1_000_000 { return TextFormat.fixed(a / 1_000_000, 2) + " s" }
        if a >= 1_000 { return String(Int((a / 1_000).rounded())) + " ms" }
        return TextFormat.fixed(a / 1_000, 1) + " ms"
    }

    static func speed(_ x: Double) -> String {
        x == x.rounded() ? "\(Int(x))×" : "\(x)×"
    }

    /// The letter of answer option `choice`, from 0: `A`–`D`.
    static func answerLetter(_ choice: Int) -> String {
        String(Unicode.Scalar(UInt8(65 + choice)))
    }

    /// As many whole items as fit in `width` cells, then `+K` for the rest: `(3,S2) (4,S7) +12`.
    static func fitting(_ items: [String], separator: String, width: Int) -> String {
        var out = ""
        for (i, item) in items.enumerated() {
            let candidate = out.isEmpty ? item : out + separator + item
            let rest = items.count - i - 1
            let tail = rest > 0 ? " +\(rest)" : ""
            if candidate.cellCount + tail.cellCount > width {
                let more = " +\(items.count - i)"
                return out.isEmpty ? String(more.dropFirst()) : out + more
            }
            out = candidate
        }
        return out
    }

    private static func pad2(_ v: Int64) -> String { v < 10 ? "0\(v)" : String(v) }

    /// How long a node has been down: `12s`, `2m05s`.
    static func downtime(_ d: VirtualDuration) -> String {
        let s = max(0, d.microseconds / 1_000_000)
        return s < 60 ? "\(s)s" : "\(s / 60)m" + String(format0(s % 60)) + "s"
    }

    private static func format0(_ n: Int64) -> String { n < 10 ? "0\(n)" : "\(n)" }

    /// The label of a node on screens.
    static func name(_ n: NodeID) -> String { n.shortName }
}

