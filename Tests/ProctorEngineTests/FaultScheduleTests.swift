import Testing
@testable import ProctorEngine

/// `--chaos`: a schedule drawn from the seed, the same for the same seed; and the faults a
/// run's configuration starts with.
@Suite struct FaultScheduleTests {
    @Test func theSameSeedGivesTheSameScheduleAndAnotherSeedAnother() {
        let a = FaultSchedule.chaos(rate: 2, seed: 42, studentCount: 5)
        #expect(!a.isEmpty)
        #expect(FaultSchedule.chaos(rate: 2, seed: 42, studentCount: 5) == a)
        #expect(FaultSchedule.chaos(rate: 2, seed: 43, studentCount: 5) != a)
    }

    @Test func rateZeroGivesNone() {
        #expect(FaultSchedule.chaos(rate: 0, seed: 1, studentCount: 5).isEmpty)
        #expect(FaultSchedule.chaos(rate: -1, seed: 1, studentCount: 5).isEmpty)
        #expect(FaultSchedule.chaos(rate: .nan, seed: 1, studentCount: 5).isEmpty)
    }

    @Test(arguments: [1, 2, 7, 30])
    func aHighRateMixesEveryKindWithinTheStatedBounds(students: Int) throws {
        let specs = FaultSchedule.chaos(rate: 20, seed: UInt64(students), studentCount: students)
        #expect(Set(specs.map(\.kind)) == Set(FaultSpec.Kind.allCases))
        let minutes = FaultSchedule.nominalWindows.map(\.length.seconds).reduce(0, +) / 60
        #expect(abs(Double(specs.count) - 20 * minutes) <= Double(FaultSchedule.nominalWindows.count), "about RATE per minute")
        for spec in specs {
            try spec.validate(studentCount: students)
            #expect(try FaultSpec.parse(spec.description) == spec)
            let window = try #require(FaultSchedule.nominalWindows.first { $0.phase == spec.phase })
            #expect(spec.offset >= .zero && spec.offset <= window.length)
            switch spec.kind {
            case .crash:
                #expect((VirtualDuration.seconds(5)...VirtualDuration.seconds(40)).contains(try #require(spec.duration)))
            case .drop, .partition:
                #expect((VirtualDuration.seconds(5)...VirtualDuration.seconds(20)).contains(try #require(spec.duration)))
            case .delay:
                #expect((VirtualDuration.seconds(10)...VirtualDuration.seconds(30)).contains(try #require(spec.duration)))
                #expect((VirtualDuration.milliseconds(100)...VirtualDuration.seconds(2)).contains(try #require(spec.amount)))
            case .clockjump:
                #expect((VirtualDuration.seconds(1)...VirtualDuration.seconds(10)).contains(try #require(spec.amount).magnitude))
            }
        }
        #expect(specs.contains { $0.kind == .clockjump && $0.amount! < .zero } && specs.contains { $0.kind == .clockjump && $0.amount! > .zero })
        let phases = specs.map(\.phase)
        #expect(phases == phases.sorted(), "in phase order")
        for p in Phase.walkthrough {
            let offsets = specs.filter { $0.phase == p }.map(\.offset)
            #expect(offsets == offsets.sorted(), "by time within \(p)")
        }
    }

    @Test func theRatesShareFollowsEachPhasesWindow() {
        let windows = [FaultSchedule.Window(phase: .exam, length: .seconds(600)), FaultSchedule.Window(phase: .isa, length: .seconds(60))]
        let specs = FaultSchedule.chaos(rate: 3, seed: 5, studentCount: 4, windows: windows)
        #expect(specs.filter { $0.phase == .exam }.count == 30)
        #expect(specs.filter { $0.phase == .isa }.count == 3)
        #expect(specs.allSatisfy { [.exam, .isa].contains($0.phase) })
    }

    @Test func theWindowsFollowTheScenario() {
        var s = Scenario()
        let base = FaultSchedule.windows(for: s, studentCount: 5)
        #expect(base.map(\.phase) == Phase.walkthrough)
        #expect(base == FaultSchedule.nominalWindows)
        s.secondsPerQuestion = 60
        let longer = FaultSchedule.windows(for: s, studentCount: 5)
        #expect(longer[1].length - base[1].length == .seconds(300))
        #expect(FaultSchedule.windows(for: Scenario(), studentCount: 20)[2].length > base[2].length, "more students type longer")
    }

    @Test func aFreshRunsConfigHasTheScenariosFaultsThenTheCommandLinesThenChaos() throws {
        var data = ExamData.defaults()
        let fromFile = try FaultSpec.parse("crash backup at exam+10s for 5s")
        data.scenario.faults = [fromFile]
        let given = try FaultSpec.parse("clockjump student-3 by -2s at sync+1s")
        let config = try Simulation.Config(data: data, studentCount: 3, seed: 8, encodesLog: false, commandLineFaults: [given], chaosRate: 4)
        let chaos = FaultSchedule.chaos(rate: 4, seed: 8, studentCount: 3, windows: FaultSchedule.windows(for: data.scenario, studentCount: 3))
        #expect(!chaos.isEmpty)
        #expect(config.faults == [fromFile, given] + chaos)
        #expect(config.seed == 8 && config.studentCount == 3)
        let none = try Simulation.Config(data: .defaults(), studentCount: 3, seed: 8, encodesLog: false, commandLineFaults: [], chaosRate: 0)
        #expect(none.faults.isEmpty)
    }

    @Test func aFaultOutsideTheClassIsRefusedWithItsSource() throws {
        var data = ExamData.defaults()
        data.scenario.faults = [try FaultSpec.parse("crash student-1 at exam+1s"), try FaultSpec.parse("crash student-4 at exam+1s")]
        #expect(throws: FaultSetupError.scenario(index: 1, FaultSpecError(spec: "crash student-4 at exam+1s",
                                                                         problem: "student-4 is not in this class of 3: students are student-1 to student-3"))) {
            try Simulation.Config(data: data, studentCount: 3, seed: 1, encodesLog: false, commandLineFaults: [], chaosRate: 0)
        }
        let bad = try FaultSpec.parse("drop student-9->main at exam+1s for 1s")
        do {
            _ = try Simulation.Config(data: .defaults(), studentCount: 3, seed: 1, encodesLog: false, commandLineFaults: [bad], chaosRate: 0)
            Issue.record("accepted student-9 in a class of 3")
        } catch {
            #expect(error == .commandLine(FaultSpecError(spec: bad.description,
                                                         problem: "student-9 is not in this class of 3: students are student-1 to student-3")))
            #expect(error.description.hasPrefix("--fault \"drop student-9->main at exam+1s for 1s\""))
        }
    }
}
