import Testing
@testable import ProctorEngine

/// One student's exam session, input by input.
@Suite struct ExamSessionTests {
    func session(_ n: Int = 3) -> ExamSession { ExamSession(questionCount: n, retransmitAfter: .seconds(10)) }
    func s(_ v: Int64) -> VirtualTime { .seconds(v) }

    @Test func aQuestionCountsDownOnTheStudentsClockAndLocksWhenItExpires() {
        var e = session()
        #expect(e.questionArrived(q: 1, deadline: s(30)) == [.setDeadline(q: 1, at: s(30))])
        // A timer that fires early (the clock was adjusted back) re-arms.
        #expect(e.deadlineExpired(q: 1, localNow: s(29)) == [.setDeadline(q: 1, at: s(30))])
        #expect(e.deadlineExpired(q: 1, localNow: s(30)) == [.send(.answer(q: 1, choice: nil))])
        #expect(e.state == .between(q: 1))
        #expect(e.expired == [true, false, false])
        #expect(e.answer(2, localNow: s(31)).isEmpty, "a locked question takes no answer")
    }

    @Test func anAnswerAfterTheDeadlineIsRefused() {
        var e = session()
        _ = e.questionArrived(q: 1, deadline: s(30))
        #expect(e.answer(1, localNow: s(30)).isEmpty)
        #expect(e.answer(1, localNow: s(29)) == [.send(.answer(q: 1, choice: 1))])
        #expect(e.answers == [1, nil, nil])
    }

    @Test func theLastQuestionExpiringAutoSubmitsAsTimeout() {
        var e = session(2)
        _ = e.questionArrived(q: 1, deadline: s(30))
        _ = e.answer(3, localNow: s(5))
        _ = e.questionArrived(q: 2, deadline: s(60))
        let a = e.deadlineExpired(q: 2, localNow: s(60))
        #expect(a == [.send(.answer(q: 2, choice: nil)),
                      .send(.submit(Submission(answers: [3, nil], warnings: 0, reason: .timeout))),
                      .setRetransmit(after: .seconds(10))])
        #expect(e.submitReason == .timeout)
    }

    /// As the portal does it: the last question answered stays on screen; its countdown
    /// ending submits (`timeout`), with the answer; a second answer changes nothing.
    @Test func answeringTheLastQuestionDoesNotSubmitItsCountdownDoes() {
        var e = session(2)
        _ = e.questionArrived(q: 1, deadline: s(30))
        _ = e.answer(1, localNow: s(2))
        _ = e.questionArrived(q: 2, deadline: s(60))
        #expect(e.answer(0, localNow: s(33)) == [.send(.answer(q: 2, choice: 0))], "an ANSWER, no submission")
        #expect(!e.hasSubmitted && e.answeredAll && e.currentQuestion == 2)
        #expect(e.answer(3, localNow: s(40)).isEmpty, "answered once")
        let end = e.deadlineExpired(q: 2, localNow: s(60))
        #expect(end.first == .send(.submit(Submission(answers: [1, 0], warnings: 0, reason: .timeout))))
        #expect(!end.contains(.send(.answer(q: 2, choice: nil))), "no TIMEOUT for an answered question")
        #expect(e.replied == 2 && e.submitReason == .timeout)
    }

    @Test func submitAfterTheLastAnswerIsManual() {
        var e = session(1)
        _ = e.questionArrived(q: 1, deadline: s(30))
        _ = e.answer(2, localNow: s(3))
        #expect(e.submitRequested().first == .send(.submit(Submission(answers: [2], warnings: 0, reason: .manual))))
        #expect(e.deadlineExpired(q: 1, localNow: s(30)).isEmpty)
    }

    /// A manual submit racing the timeout: only the first leaves; the other finds it submitted.
    @Test func aSubmissionLeavesOnceAndIsResentUntilAcknowledged() {
        var e = session()
        _ = e.questionArrived(q: 1, deadline: s(30))
        let first = e.submitRequested()
        #expect(first.count == 2)
        #expect(e.submitRequested().isEmpty)
        #expect(e.deadlineExpired(q: 1, localNow: s(30)).isEmpty, "the timeout finds the exam already submitted")
        let again = e.retransmitDue()
        #expect(again.first == first.first, "the same submission, for the server to deduplicate")
        _ = e.acknowledged(server: .backup, final: 40)
        #expect(e.retransmitDue().isEmpty)
        #expect(e.state == .recorded(.manual, server: .backup, final: 40))
    }

    @Test func oneWarningKeepsHalfTwoTerminateALateFlagIsDropped() {
        var e = session()
        _ = e.questionArrived(q: 1, deadline: s(30))
        #expect(e.flagArrived(n: 1) == [.warned(count: 1)])
        #expect(e.flagArrived(n: 1).isEmpty, "a duplicated flag does not warn twice")
        #expect(!e.hasSubmitted)
        let second = e.flagArrived(n: 2)
        #expect(second.first == .warned(count: 2))
        #expect(second.contains(.send(.submit(Submission(answers: [nil, nil, nil], warnings: 2, reason: .terminated)))))
        _ = e.flagArrived(n: 2)
        #expect(e.warnings == 2)
        var late = session()
        _ = late.questionArrived(q: 1, deadline: s(30))
        _ = late.submitRequested()
        #expect(late.flagArrived(n: 1) == [.flagDropped])
        #expect(late.warnings == 0, "a flag that arrives after the submission left is not counted")
        #expect(late.submitReason == .manual, "nor does it turn the submission into a termination")
    }

    @Test func aSlowClockLocksTheQuestionWhenTheServerMovesOn() {
        var e = session()
        _ = e.questionArrived(q: 1, deadline: s(30))
        // This student's clock runs behind: question 2 arrives before 1 expired locally.
        #expect(e.questionArrived(q: 2, deadline: s(60)) == [.setDeadline(q: 2, at: s(60))])
        #expect(e.expired == [true, false, false])
        #expect(e.questionArrived(q: 2, deadline: s(60)).isEmpty, "a duplicate question is ignored")
        #expect(e.deadlineExpired(q: 1, localNow: s(30)).isEmpty, "the old timer is stale")
    }
}

@Suite struct SubmissionRouterTests {
    let p = VirtualDuration.seconds(5)

    @Test func mainTakesThreeAtOnceAndTheFourthGoesToTheBackup() {
        var r = SubmissionRouter(mainSlots: 3)
        for k in 1...3 {
            #expect(r.arrivedAtMain(from: .student(k), processing: p) == [.startProcessing(student: .student(k), server: .main, duration: p)])
        }
        #expect(r.arrivedAtMain(from: .student(4), processing: p) == [.redirect(student: .student(4), busy: 3)])
        #expect(r.arrivedAtBackup(from: .student(4), processing: p) == [.startProcessing(student: .student(4), server: .backup, duration: p)])
        #expect(r.finished(student: .student(1), on: .main) == [.record(student: .student(1), server: .main), .acknowledge(student: .student(1), server: .main)])
        // A slot is free again: the next one stays on main.
        #expect(r.arrivedAtMain(from: .student(5), processing: p) == [.startProcessing(student: .student(5), server: .main, duration: p)])
        #expect(r.peakMainBusy == 3)
        #expect(r.redirects == 1)
    }

    @Test func duplicatesAreRecognisedNeverRecordedTwice() {
        var r = SubmissionRouter(mainSlots: 3)
        _ = r.arrivedAtMain(from: .student(1), processing: p)
        #expect(r.arrivedAtMain(from: .student(1), processing: p) == [.ignoreDuplicate(student: .student(1))])
        _ = r.finished(student: .student(1), on: .main)
        #expect(r.arrivedAtMain(from: .student(1), processing: p) == [.acknowledge(student: .student(1), server: .main)])
        #expect(r.finished(student: .student(1), on: .main) == [.acknowledge(student: .student(1), server: .main)])
        #expect(r.handledByMain == 1)
        #expect(r.mainBusy.isEmpty)
    }

    @Test func aDuplicateOfARedirectedSubmissionIsNotSentToTheBackupTwice() {
        var r = SubmissionRouter(mainSlots: 1)
        _ = r.arrivedAtMain(from: .student(1), processing: p)
        #expect(r.arrivedAtMain(from: .student(2), processing: p) == [.redirect(student: .student(2), busy: 1)])
        #expect(r.arrivedAtMain(from: .student(2), processing: p) == [.ignoreDuplicate(student: .student(2))])
        _ = r.arrivedAtBackup(from: .student(2), processing: p)
        #expect(r.finished(student: .student(2), on: .backup).contains(.record(student: .student(2), server: .backup)))
        #expect(r.handledByBackup == 1)
    }
}

@Suite struct CheatingDetectorTests {
    @Test func flagsOnlyStudentsStillAnsweringAndNobodyMoreThanTwice() {
        var d = CheatingDetector(students: [.student(1), .student(2)], flagsPerMinute: 10)
        var random = SeededRandom(seed: 1)
        d.submitted(.student(2))
        var flagged: [NodeID] = []
        for _ in 0..<10 {
            for a in d.tick(random: &random) { if case .flag(let s) = a { flagged.append(s) } }
        }
        #expect(flagged == [.student(1), .student(1)])
        #expect(d.tick(random: &random).isEmpty, "nobody left to flag: the detector goes quiet")
    }

    @Test func aZeroRateNeverFlags() {
        var d = CheatingDetector(students: [.student(1)], flagsPerMinute: 0)
        var random = SeededRandom(seed: 2)
        #expect(d.start(random: &random).isEmpty)
    }
}
