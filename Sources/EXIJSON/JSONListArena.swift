import EXI

extension JSONCoding {
    /// The list arena that JSON readers put long lists into (`EXISpillList` items beyond the inline part);
    /// `.none` outside `withListArena`, where such a list is an error.
    @TaskLocal public static var listArena: EXIListArenaHandle = .none

    /// Runs `body` (a `message(json:)` call) with `arena` holding the long lists it reads. The message it
    /// returns points into the arena: keep the arena while the message is used (the arena is not reset here).
    public static func withListArena<R>(_ arena: EXIListArena, _ body: () throws -> R) rethrows -> R {
        try $listArena.withValue(arena.handle, operation: body)
    }
}
