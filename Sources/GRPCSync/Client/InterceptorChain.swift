/// Runs a call through interceptors of one kind, outermost first, ending in `terminal`, which
/// starts the call for real.
enum InterceptorChain {
    static func run<Interceptor, Input, Outcome>(
        _ interceptors: [Interceptor],
        _ details: ClientCallDetails,
        _ input: Input,
        intercept:
            @escaping (Interceptor, (ClientCallDetails, Input) throws -> Outcome, ClientCallDetails, Input)
            throws -> Outcome,
        terminal: @escaping (ClientCallDetails, Input) throws -> Outcome
    ) throws -> Outcome {
        func step(_ index: Int, _ details: ClientCallDetails, _ input: Input) throws -> Outcome {
            guard index < interceptors.count else { return try terminal(details, input) }
            return try intercept(interceptors[index], { try step(index + 1, $0, $1) }, details, input)
        }
        return try step(0, details, input)
    }
}
