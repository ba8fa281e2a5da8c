import Testing
@testable import ProctorEngine

/// Ricart–Agrawala driven by hand, message by message.
@Suite struct RicartAgrawalaTests {
    @Test func aRequestGoesToEveryPeerAndEntryNeedsEveryReply() {
        var a = RicartAgrawala(id: 1, peers: [2, 3])
        #expect(a.request() == [.send(.request(ts: 1), to: 2), .send(.request(ts: 1), to: 3)])
        #expect(a.received(.reply(ts: 3, request: 1), from: 2).isEmpty)
        #expect(a.received(.reply(ts: 3, request: 1), from: 2).isEmpty, "a duplicate reply counts once")
        #expect(a.received(.reply(ts: 4, request: 1), from: 3) == [.enter])
        #expect(a.state == .held(ts: 1))
    }

    @Test func withNoPeersItEntersAtOnce() {
        var a = RicartAgrawala(id: 1, peers: [])
        #expect(a.request() == [.enter])
    }

    @Test func anIdleParticipantRepliesAndAdvancesItsLamportClock() {
        var b = RicartAgrawala(id: 2, peers: [1, 3])
        #expect(b.received(.request(ts: 5), from: 1) == [.send(.reply(ts: 7, request: 5), to: 1)])
        #expect(b.clock == 7)
    }

    @Test func theHolderDefersAndRepliesOnExit() {
        var b = RicartAgrawala(id: 2, peers: [1])
        _ = b.request()
        _ = b.received(.reply(ts: 2, request: 1), from: 1)
        #expect(b.received(.request(ts: 9), from: 1).isEmpty)
        #expect(b.deferred == [.init(from: 1, ts: 9)])
        let out = b.exit()
        #expect(out.count == 1)
        guard case .send(.reply(_, let request), to: 1)? = out.first else { Issue.record("no reply"); return }
        #expect(request == 9)
        #expect(b.deferred.isEmpty && b.state == .idle)
    }

    /// Equal timestamps: the lower id goes first; the higher id replies, the lower defers.
    @Test func equalTimestampsAreBrokenByID() {
        var a = RicartAgrawala(id: 1, peers: [2])
        var b = RicartAgrawala(id: 2, peers: [1])
        #expect(a.request() == [.send(.request(ts: 1), to: 2)])
        #expect(b.request() == [.send(.request(ts: 1), to: 1)])
        #expect(a.received(.request(ts: 1), from: 2).isEmpty, "S1 (1,1) precedes (1,2): it defers")
        let reply = b.received(.request(ts: 1), from: 1)
        #expect(reply.count == 1, "S2 replies to the earlier (1,1)")
        guard case .send(let m, to: 1)? = reply.first else { return }
        #expect(a.received(m, from: 2) == [.enter])
        #expect(RicartAgrawala.precedes((3, 1), (3, 2)) && !RicartAgrawala.precedes((3, 2), (3, 1)))
        #expect(RicartAgrawala.precedes((2, 9), (3, 1)))
    }

    @Test func aReplyToAnOldRequestDoesNotCountForANewOne() {
        var a = RicartAgrawala(id: 1, peers: [2])
        _ = a.request()                                        // ts 1
        _ = a.received(.reply(ts: 2, request: 1), from: 2)     // enters
        _ = a.exit()
        _ = a.request()                                        // a new request, ts 4
        #expect(a.received(.reply(ts: 2, request: 1), from: 2).isEmpty, "a late duplicate of the old reply")
        #expect(a.state == .wanting(ts: a.requestTimestamp!))
    }

    /// Safety and the message count, for every interleaving a seeded scheduler tries.
    @Test(arguments: [2, 3, 5, 8])
    func randomInterleavingsNeverAdmitTwoAndCostTwoNMinusOnePerEntry(n: Int) {
        for seed in 1...40 {
            var random = SeededRandom(seed: UInt64(seed * 100 + n))
            var nodes = (1...n).map { i in RicartAgrawala(id: i, peers: (1...n).filter { $0 != i }) }
            var inFlight: [(to: Int, from: Int, m: RAMessage)] = []
            var messages = 0, entries = 0, inside: Int? = nil
            var toRequest = Array(1...n)
            var steps = 0
            while (!toRequest.isEmpty || !inFlight.isEmpty || inside != nil) && steps < 10_000 {
                steps += 1
                let choice = random.int(in: 0...2)
                if choice == 0, !toRequest.isEmpty {
                    let i = toRequest.remove(at: Int(random.int(in: 0...Int64(toRequest.count - 1))))
                    for a in nodes[i - 1].request() { handle(a, from: i) }
                } else if choice == 1, let holder = inside {
                    inside = nil
                    for a in nodes[holder - 1].exit() { handle(a, from: holder) }
                } else if !inFlight.isEmpty {
                    let j = Int(random.int(in: 0...Int64(inFlight.count - 1)))
                    let msg = inFlight.remove(at: j)
                    for a in nodes[msg.to - 1].received(msg.m, from: msg.from) { handle(a, from: msg.to) }
                }
            }
            func handle(_ a: RicartAgrawala.Action, from i: Int) {
                switch a {
                case .send(let m, let to):
                    messages += 1
                    inFlight.append((to, i, m))
                case .enter:
                    #expect(inside == nil, "two in the critical section (seed \(seed))")
                    inside = i
                    entries += 1
                }
            }
            #expect(entries == n, "everyone entered (seed \(seed))")
            #expect(messages == 2 * (n - 1) * n)
        }
    }
}

extension RicartAgrawalaTests {
    /// A stale duplicate of an old request, deferred beside the peer's new request, must not
    /// swallow the new one: both get their reply on exit.
    @Test func aStaleDuplicateDoesNotHideANewRequest() {
        var b = RicartAgrawala(id: 1, peers: [2])
        _ = b.received(.request(ts: 5), from: 2)              // idle: it replies at once
        _ = b.request()                                       // its own request is later than (5, 2)
        let mine = b.requestTimestamp!
        _ = b.received(.request(ts: 5), from: 2)              // a duplicate of ts 5: (5, 2) is earlier, so it replies again
        _ = b.received(.reply(ts: 9, request: mine), from: 2)
        #expect(b.state == .held(ts: mine))
        _ = b.received(.request(ts: 3), from: 2)              // a very late stale copy: deferred while held
        _ = b.received(.request(ts: 12), from: 2)             // the peer's new request: deferred too
        #expect(b.deferred.map(\.ts) == [3, 12])
        let out = b.exit()
        #expect(out.contains(.send(.reply(ts: b.clock, request: 12), to: 2)), "the new request gets its reply")
    }
}
