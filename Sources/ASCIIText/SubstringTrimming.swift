extension Substring {
    /// The text without leading and trailing spaces and tabs (HTTP's optional whitespace), cut on
    /// bytes: a combining mark after a space stays.
    @inlinable
    public var trimmingSpacesAndTabs: Substring {
        var start = utf8.startIndex
        var end = utf8.endIndex
        while start < end, ASCII.isSpaceOrTab(utf8[start]) { start = utf8.index(after: start) }
        while end > start, ASCII.isSpaceOrTab(utf8[utf8.index(before: end)]) { end = utf8.index(before: end) }
        return self[start..<end]
    }
}
