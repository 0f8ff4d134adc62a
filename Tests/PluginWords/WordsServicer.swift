import GRPCSync

/// The Words service of words_service.proto, on the servicer base class GRPCSyncProtocPlugin
/// generates at build time from this target's .proto files (internal, the default visibility).
/// `count` is left to the base class, which answers UNIMPLEMENTED.
final class WordsServicer: Plugintest_WordsServicer {
    override func reverse(_ request: Plugintest_Shared_Word, _ context: ServicerContext) throws
        -> Plugintest_Shared_Word
    {
        .with { $0.text = String(request.text.reversed()) }
    }

    override func letters(
        _ request: Plugintest_Shared_Word, _ responses: ResponseSender<Plugintest_Shared_Word>,
        _ context: ServicerContext
    ) throws {
        for letter in request.text { try responses.send(.with { $0.text = String(letter) }) }
    }
}
