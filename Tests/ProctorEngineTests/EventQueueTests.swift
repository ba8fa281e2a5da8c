import Testing
@testable import ProctorEngine

/// The kernel's agenda and the small sets the hot paths use, against plain references.
@Suite struct EventQueueTests {
    /// Random schedules and pops, compared with a sorted list: the queue hands events out by
    /// (time, order scheduled), ties in the order they came, whatever the interleaving.
    @Test(arguments: [1, 2, 3, 4, 5] as [UInt64])
    func eventsComeOutByTimeThenArrival(seed: UInt64) {
        var rng = SeededRandom(seed: seed)
        var queue = EventQueue<Int>()
        var reference: [(time: Int64, n: Int)] = []
        var n = 0
        var popped: [Int] = []
        var expected: [Int] = []
        for _ in 0..<4000 {
            if rng.unit() < 0.6 {
                // Few distinct times, so that ties are common.
                let t = rng.int(in: 0...40)
                queue.schedule(n, at: VirtualTime(microseconds: t))
                reference.append((t, n))
                n += 1
            } else if let i = reference.indices.min(by: { (reference[$0].time, reference[$0].n) < (reference[$1].time, reference[$1].n) }) {
                expected.append(reference.remove(at: i).n)
                popped.append(queue.popNext()!.event)
            } else {
                #expect(queue.popNext() == nil)
            }
        }
        while let e = queue.popNext() { popped.append(e.event) }
        expected += reference.sorted { ($0.time, $0.n) < ($1.time, $1.n) }.map(\.n)
        #expect(popped == expected)
        #expect(queue.isEmpty)
    }

    @Test func peekingAndDiscardingTheNextEvent() {
        var queue = EventQueue<String>()
        queue.schedule("late", at: VirtualTime(microseconds: 2))
        queue.schedule("early", at: VirtualTime(microseconds: 1))
        #expect(queue.peekNext { $0 == "early" } == true)
        queue.discardNext()
        #expect(queue.count == 1)
        #expect(queue.popNext()?.event == "late")
        #expect(queue.peekNext { _ in true } == nil)
    }

    @Test func idSetAgreesWithASet() {
        var rng = SeededRandom(seed: 9)
        var bits = IDSet(upTo: 130)
        var set: Set<Int> = []
        for _ in 0..<2000 {
            let i = Int(rng.int(in: 0...140))
            if rng.unit() < 0.05 {
                bits.removeAll()
                set.removeAll()
            } else {
                let added = bits.insert(i)
                let inserted = set.insert(i).inserted
                #expect(added == inserted)
            }
            #expect(bits.count == set.count)
            #expect(bits.contains(i) == set.contains(i))
        }
        // Beyond its words, an id is never held.
        let far = bits.insert(10_000), negative = bits.insert(-1)
        #expect(!far && !negative)
        #expect(!bits.contains(10_000))
    }
}
