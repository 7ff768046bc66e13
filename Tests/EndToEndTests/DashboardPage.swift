import TestSupport

/// What the dashboard page shows, read the same way by the live view's and the history's
/// browser tests.
extension Browser {
    /// The page's status line, for failure messages.
    func statusLine() -> String {
        ((try? text("#status-text")) ?? nil) ?? "(no status)"
    }

    /// Each tile's value as shown, by its `data-<attribute>` name (`tile` for the live view's
    /// tiles, `history-tile` for the history's).
    func tileValues(_ attribute: String) throws -> [String: String] {
        try run(
            """
            const tiles = {};
            const name = 'data-' + arguments[0];
            document.querySelectorAll('[' + name + ']').forEach(function (tile) {
              tiles[tile.getAttribute(name)] = tile.querySelector('.value').textContent;
            });
            return tiles;
            """, [attribute]) as? [String: String] ?? [:]
    }
}
