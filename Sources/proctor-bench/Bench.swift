import Foundation
import ProctorEngine
import ProctorTUI

/// Release-mode benchmarks: `swift run -c release proctor-bench [--quick]`.
/// Times the headless walkthrough at several class sizes and the composition and diff of
/// one 200×60 frame, and reports peak memory.
@main
enum Bench {
    static func main() {
        let quick = CommandLine.arguments.contains("--quick")
        let data = ExamData.defaults()
        print("Proctor \(ProctorVersion.string) benchmarks (\(quick ? "quick" : "full"); \(ProcessInfo.processInfo.activeProcessorCount) cores)")
        print("")
        print("headless walkthrough (\(Phase.walkthrough.map(\.rawValue).joined(separator: ", "))), log encoded as JSON Lines")
        for n in [5, 100, 1000] {
            var bytes = 0, events = 0
            let t = measure(iterations: quick || n >= 1000 ? 3 : 15) {
                let sim = Simulation(config: .init(data: data, studentCount: n, seed: 1, encodesLog: true))
                let r = try! Headless.run(sim) { bytes = $0.count &+ bytes }
                events = r.eventCount
            }
            print("  N=\(pad(n, 4))  \(t)   \(events) events")
        }

        let sim = Simulation(config: .init(data: data, studentCount: 30, seed: 42, encodesLog: false))
        sim.run(until: .seconds(2))
        sim.apply(.start(.sync))
        sim.runUntilQuiet()
        sim.apply(.start(.exam))
        sim.run(until: sim.now + .seconds(200))
        let snapshot = Snapshot(simulation: sim, paused: false, speed: 1)
        var buffer = ScreenBuffer(width: 200, height: 60)
        let view = ViewState()
        print("")
        print("screen, 200×60 (12,000 cells), 30 students 200 s into the exam")
        let compose = measure(iterations: quick ? 200 : 2000) { Screen.compose(snapshot, view, into: &buffer) }
        let snap = measure(iterations: quick ? 200 : 2000) { _ = Snapshot(simulation: sim, paused: false, speed: 1) }
        print("  take a snapshot                \(snap)")
        print("  compose one full frame         \(compose)")
        let previous = buffer
        var next = buffer
        next.write("10:00:07.3", x: 40, y: 10)
        let same = measure(iterations: quick ? 200 : 2000) { _ = buffer.changes(since: previous) }
        let one = measure(iterations: quick ? 200 : 2000) { _ = next.changes(since: previous) }
        let all = measure(iterations: quick ? 200 : 2000) { _ = buffer.changes(since: nil) }
        print("  diff, nothing changed          \(same)")
        print("  diff, one clock changed        \(one)")
        print("  diff, first frame (all rows)   \(all)")
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        print("")
        print("peak resident memory: \(usage.ru_maxrss / 1024) MB")
    }

    /// Runs `body` `iterations` times after one warm-up; reports the median and the minimum.
    static func measure(iterations: Int, _ body: () -> Void) -> String {
        body()
        var samples: [Double] = []
        for _ in 0..<iterations {
            let start = DispatchTime.now().uptimeNanoseconds
            body()
            samples.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1_000)
        }
        samples.sort()
        return "median \(format(samples[samples.count / 2]))  min \(format(samples[0]))"
    }

    static func format(_ us: Double) -> String {
        let s = us >= 1_000_000 ? String(format: "%.2f s", us / 1_000_000)
            : us >= 1000 ? String(format: "%.2f ms", us / 1000) : String(format: "%.1f µs", us)
        return s.padding(toLength: 10, withPad: " ", startingAt: 0)
    }

    static func pad(_ n: Int, _ w: Int) -> String { String(repeating: " ", count: max(0, w - String(n).count)) + String(n) }
}
