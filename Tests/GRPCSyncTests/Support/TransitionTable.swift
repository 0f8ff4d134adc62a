import XCTest

@testable import GRPCSync

/// What one event does to a state machine started in one state: it returns `result` and leaves
/// the machine in state `then`, or it throws ``InvalidStreamTransition``.
enum Transition<Result: Equatable, Name: Hashable>: Equatable {
    case result(Result, then: Name)
    case invalid
}

/// Checks one event against a table with a row for every state: a missing or extra row fails,
/// so a new state cannot go untested. `make` starts a machine in a state, `event` applies the
/// event, `name` reads the state the machine ends in.
func checkTransitions<Machine, Result: Equatable, Name: Hashable & CaseIterable>(
    _ table: [Name: Transition<Result, Name>],
    event: String,
    make: (Name) -> Machine,
    name: (Machine) -> Name,
    _ apply: (inout Machine) throws -> Result,
    file: StaticString = #filePath,
    line: UInt = #line
) {
    XCTAssertEqual(
        Set(table.keys), Set(Name.allCases), "\(event): the table must have a row for every state", file: file,
        line: line)
    for state in Name.allCases {
        guard let expected = table[state] else { continue }
        var machine = make(state)
        let actual: Transition<Result, Name>
        do {
            let result = try apply(&machine)
            actual = .result(result, then: name(machine))
        } catch is InvalidStreamTransition {
            actual = .invalid
        } catch {
            XCTFail("\(event) in \(state): unexpected error \(error)", file: file, line: line)
            continue
        }
        XCTAssertEqual(actual, expected, "\(event) in \(state)", file: file, line: line)
    }
}
