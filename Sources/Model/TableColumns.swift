extension String {
    /// The text left-aligned in a fixed-width table column of `width` characters; a text that fills it or
    /// more keeps one space after it, so columns never run together.
    public func leftAligned(_ width: Int) -> String {
        count >= width ? self + " " : self + String(repeating: " ", count: width - count)
    }

    /// The text right-aligned in a column of `width` characters, with one space before it when it fills the column.
    public func rightAligned(_ width: Int) -> String {
        count >= width ? " " + self : String(repeating: " ", count: width - count) + self
    }
}
