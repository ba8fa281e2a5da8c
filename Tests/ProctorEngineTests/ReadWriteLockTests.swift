import Testing
@testable import ProctorEngine

@Suite struct ReadWriteLockTests {
    @Test func readersShareAWriterIsAlone() {
        var l = ReadWriteLock()
        #expect(l.request(node: 1, mode: .read) == [.grant(node: 1, mode: .read)])
        #expect(l.request(node: 2, mode: .read) == [.grant(node: 2, mode: .read)])
        #expect(l.request(node: 3, mode: .write).isEmpty)
        #expect(l.release(node: 1).isEmpty)
        #expect(l.release(node: 2) == [.grant(node: 3, mode: .write)])
        #expect(l.request(node: 4, mode: .read).isEmpty, "no reader beside a writer")
        #expect(l.release(node: 3) == [.grant(node: 4, mode: .read)])
    }

    /// A reader arriving behind a waiting writer does not overtake it: writers never starve.
    @Test func grantsFollowArrivalOrder() {
        var l = ReadWriteLock()
        _ = l.request(node: 1, mode: .read)
        _ = l.request(node: 2, mode: .write)
        #expect(l.request(node: 3, mode: .read).isEmpty)
        #expect(l.waiting.map(\.node) == [2, 3])
        #expect(l.release(node: 1) == [.grant(node: 2, mode: .write)])
        #expect(l.release(node: 2) == [.grant(node: 3, mode: .read)])
    }

    @Test func consecutiveReadersAreGrantedTogetherUpToTheNextWriter() {
        var l = ReadWriteLock()
        _ = l.request(node: 1, mode: .write)
        for n in [2, 3] { _ = l.request(node: n, mode: .read) }
        _ = l.request(node: 4, mode: .write)
        _ = l.request(node: 5, mode: .read)
        #expect(l.release(node: 1) == [.grant(node: 2, mode: .read), .grant(node: 3, mode: .read)])
        #expect(l.holders.map(\.node) == [2, 3])
    }

    @Test func repeatsAndStrangersAreIgnored() {
        var l = ReadWriteLock()
        _ = l.request(node: 1, mode: .write)
        #expect(l.request(node: 1, mode: .read).isEmpty)
        #expect(l.release(node: 9).isEmpty)
        #expect(l.holders.count == 1 && l.waiting.isEmpty)
    }

    /// Random requests and releases: never a writer beside anyone, grants in arrival order,
    /// everyone served.
    @Test(arguments: 1...30)
    func randomRunsKeepTheInvariants(seed: UInt64) {
        var random = SeededRandom(seed: seed)
        var l = ReadWriteLock()
        var arrival: [Int] = [], granted: [Int] = []
        var pending = Array(1...12)
        var steps = 0
        while (!pending.isEmpty || !l.holders.isEmpty) && steps < 1_000 {
            steps += 1
            var actions: [ReadWriteLock.Action] = []
            if !pending.isEmpty && (l.holders.isEmpty || random.int(in: 0...1) == 0) {
                let n = pending.removeFirst()
                arrival.append(n)
                actions = l.request(node: n, mode: random.int(in: 0...2) == 0 ? .write : .read)
            } else if let h = l.holders.randomElement(using: &random) {
                actions = l.release(node: h.node)
            }
            for case .grant(let n, _) in actions { granted.append(n) }
            let writers = l.holders.filter { $0.mode == .write }.count
            #expect(writers == 0 || l.holders.count == 1, "a writer beside someone")
        }
        #expect(granted == arrival, "granted in arrival order, everyone served")
    }
}
