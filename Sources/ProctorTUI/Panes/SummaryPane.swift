import ProctorEngine

/// The end of the walkthrough: scores, warnings, servers used and messages per mechanism.
enum SummaryPane {
    static func draw(_ s: Snapshot, _ r: Rect, into b: inout ScreenBuffer) {
        b.box(r, title: "Summary · walkthrough complete", titleStyle: Style(.green, bold: true))
        let inner = r.inner
        var y = inner.y
        func line(_ label: String, _ text: String, _ style: Style = .plain) {
            guard y < inner.maxY else { return }
            let x = b.write(label.fit(12), x: inner.x, y: y, style: .title, clip: inner)
            b.write(text, x: x, y: y, style: style, clip: inner)
            y += 1
        }
        let finals = s.results.compactMap(\.final)
        let mean = finals.isEmpty ? 0 : Double(finals.reduce(0, +)) / Double(finals.count)
        line("scores", "final mean \(TextFormat.fixed(mean, 1)), best \(finals.max() ?? 0), lowest \(finals.min() ?? 0) (of 100)")
        let warned = s.results.filter { $0.warnings == 1 }.count
        let terminated = s.results.filter { $0.status == .terminated }.count
        line("warnings", "\(warned) kept 50%, \(terminated) terminated with 0", terminated > 0 ? .warn : .plain)
        line("servers", "main recorded \(s.servers.handledByMain), backup \(s.servers.handledByBackup) (\(s.servers.redirects) redirected)")
        let isa = s.results.compactMap(\.isa)
        let repairs = s.replication.repairs
        line("ISA", "\(isa.count)/\(s.studentCount) marks entered")
        if repairs > 0 { line("integrity", "\(repairs) replica cop\(repairs == 1 ? "y" : "ies") found missing or edited, repaired before serving", .warn) }
        line("replicas", "chunk versions " + s.demo.versions.enumerated().map { "c\($0.offset + 1) v\($0.element)" }.joined(separator: ", ")
             + " · \(s.demo.reads) reads, \(s.demo.writes) writes")
        let m = s.messageCounts
        line("messages", Mechanism.allCases.map { "\($0.rawValue) \(m[$0, default: 0])" }.joined(separator: " · "))
        line("", "v: the final results table (results.xlsx)", .muted)
    }
}
